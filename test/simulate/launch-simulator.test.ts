/**
 * The launch simulator's driver on a small launch through the real services: the same seed gives the
 * same launch, every customer ends shipped, cancelled or still waiting, and each policy promises what it
 * says (presell: the batch's date plus the buffer; one-date: the first batch's date for everyone).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { playPolicy, type Simulation, simulateLaunch } from '../../src/launch-simulator.ts';
import { DEFAULT_SCENARIO, type Scenario } from '../../src/simulate/scenario.ts';

/** Every batch late (slips to hear of), half of them short, many failing cards: every path is taken. */
const SMALL: Scenario = {
  ...DEFAULT_SCENARIO,
  windowDays: 10,
  demand: { p: 0.05, q: 0.2, m: 60 },
  batches: [
    { readyDay: 20, quantity: 25 },
    { readyDay: 30, quantity: 25 },
    { readyDay: 40, quantity: 25 },
  ],
  supply: { ...DEFAULT_SCENARIO.supply, onTimeShare: 0, meanLateDays: 6, meanNoticeDays: 5, shortShare: 0.5 },
  customers: { changeOfMindPerDay: 0.002, perWeekOfDelay: 0.3, perWeekOfSilence: 1 },
  cards: { balanceFailureShare: 0.3, recoveredShare: 0.5, recoveryDays: 2 },
};

let first: Simulation;
before(async () => {
  first = await simulateLaunch(SMALL, 11);
});

test('the same seed plays the same launch, figure for figure and customer for customer', async () => {
  const again = await simulateLaunch(SMALL, 11);
  assert.deepEqual(again.runs, first.runs);
});

test('both policies meet the same customers; each ends shipped, cancelled or waiting', () => {
  const [presell, oneDate] = first.runs;
  assert.ok(presell && oneDate);
  assert.deepEqual([presell.policy, oneDate.policy], ['presell', 'one-date']);
  for (const run of first.runs) {
    const { figures } = run;
    assert.ok(figures.preorders > 20, `${figures.preorders} pre-orders`);
    assert.equal(figures.preorders + run.refusedSoldOut, first.draws.orders.length);
    assert.equal(figures.shipped + figures.cancelled + figures.waiting, figures.preorders);
    const firstArrival = Math.min(...first.draws.batches.map((b) => b.arrivalDay));
    for (const outcome of run.outcomes) {
      if (outcome.shippedDay !== null) assert.ok(outcome.shippedDay >= firstArrival);
      assert.ok(outcome.shippedDay === null || outcome.cancelledDay === null);
    }
    assert.ok(figures.refunds.count >= 1 && figures.refunds.amount > 0, 'cancellations were refunded');
    const cash = figures.cash.at(-1)?.collected ?? 0;
    assert.ok(cash > 0 && cash <= figures.preorders * 3 * SMALL.price.amount);
  }
  // The first pre-orders come before any slip is heard of.
  assert.ok(first.draws.batches.every((b) => (b.slipKnownDay ?? 99) >= 1));
  const planned = SMALL.batches[0]?.readyDay as number;
  assert.equal(presell.outcomes[0]?.firstWindowEnd, planned + SMALL.bufferDays);
  assert.equal(oneDate.outcomes[0]?.firstWindowEnd, planned);
  const oneDateFirsts = new Set(
    oneDate.outcomes.filter((o) => o.placedDay === 0).map((o) => o.firstWindowEnd),
  );
  assert.deepEqual([...oneDateFirsts], [planned], 'one date for everyone who ordered on the first day');
  const presellFirsts = new Set(presell.outcomes.map((o) => o.firstWindowEnd));
  assert.ok(presellFirsts.size > 1, 'presell promises each customer their batch');
  assert.ok(presell.figures.moved > 0 && oneDate.figures.moved > 0, 'the slips moved promises');
});

test('a policy that could stop plays on to the last day every policy needs, its cash counted each day', async () => {
  const [oneDate] = first.runs.filter((run) => run.policy === 'one-date');
  assert.ok(oneDate);
  let stoppedOn = -1;
  const input = { scenario: SMALL, draws: first.draws, policy: 'one-date' as const };
  const run = await playPolicy(input, async (day) => {
    stoppedOn = day;
    return day + 5;
  });
  assert.ok(stoppedOn >= SMALL.windowDays && stoppedOn <= oneDate.lastDay, `stopped on day ${stoppedOn}`);
  assert.equal(run.lastDay, stoppedOn + 5);
  assert.deepEqual(
    run.figures.cash.map((point) => point.day),
    Array.from({ length: run.lastDay + 1 }, (_, day) => day),
  );
  assert.deepEqual(run.outcomes, oneDate.outcomes, 'nothing happens to anyone once everyone is done');
});

test('an error in a policy worker ends the run with that error', async () => {
  // A price the database refuses: each worker fails creating its campaign.
  await assert.rejects(
    simulateLaunch({ ...SMALL, price: { amount: -1, currency: 'EUR' } }, 11),
    /campaigns_price_amount_check/,
  );
});
