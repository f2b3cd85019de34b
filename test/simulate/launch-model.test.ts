/**
 * The simulator's pure parts: the scenario file, the draws, the customers' patience, the merchant's two
 * policies, the figures and the chart.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { launchChartSvg } from '../../src/simulate/launch-chart.ts';
import { irritationOf } from '../../src/simulate/launch-customers.ts';
import { drawLaunch } from '../../src/simulate/launch-draws.ts';
import { type CustomerOutcome, launchFigures, quantile } from '../../src/simulate/launch-metrics.ts';
import { merchantEntries } from '../../src/simulate/launch-policies.ts';
import { exponential, poisson, randomStream, seededRandom, weighted } from '../../src/simulate/random.ts';
import { DEFAULT_SCENARIO, scenarioOf } from '../../src/simulate/scenario.ts';

describe('the scenario file', () => {
  test('fields left out keep their defaults, one level deep', () => {
    const read = scenarioOf({ windowDays: 10, demand: { m: 300 } });
    assert.ok('scenario' in read);
    assert.equal(read.scenario.windowDays, 10);
    assert.deepEqual(read.scenario.demand, { ...DEFAULT_SCENARIO.demand, m: 300 });
    assert.deepEqual(read.scenario.batches, DEFAULT_SCENARIO.batches);
  });

  test('a wrong or unknown field is named with what was expected', () => {
    const wrong = scenarioOf({ demand: { p: 'fast' } });
    assert.ok('problem' in wrong);
    assert.match(wrong.problem, /^demand\.p: .*expected number, received string/);
    const unknown = scenarioOf({ supply: { onTime: 0.5 } });
    assert.ok('problem' in unknown);
    assert.match(unknown.problem, /supply.*onTime/);
    assert.deepEqual(scenarioOf([1]), { problem: 'the scenario must be a JSON object' });
  });
});

describe('randomness', () => {
  test('named streams of one seed differ, and the same name gives the same stream', () => {
    const a = randomStream(5, 'demand');
    const b = randomStream(5, 'demand');
    const c = randomStream(5, 'supply');
    const first = [a(), a(), a()];
    assert.deepEqual(first, [b(), b(), b()]);
    assert.notDeepEqual(first, [c(), c(), c()]);
  });

  test('poisson, exponential and weighted draws have the means they are asked for', () => {
    const random = seededRandom(3);
    const n = 20_000;
    const mean = (draw: () => number) => Array.from({ length: n }, draw).reduce((s, v) => s + v, 0) / n;
    assert.ok(Math.abs(mean(() => poisson(4, random)) - 4) < 0.1);
    // The normal branch for large means.
    assert.ok(Math.abs(mean(() => poisson(900, random)) - 900) < 2);
    assert.ok(Math.abs(mean(() => exponential(12, random)) - 12) < 0.4);
    const options = [
      { name: 'a', weight: 3 },
      { name: 'b', weight: 1 },
    ];
    assert.ok(Math.abs(mean(() => (weighted(options, random).name === 'a' ? 1 : 0)) - 0.75) < 0.02);
  });
});

describe('the draws', () => {
  const scenario = { ...DEFAULT_SCENARIO, demand: { p: 0.02, q: 0.1, m: 400 } };

  test('the same seed draws the same launch; another seed another', () => {
    assert.deepEqual(drawLaunch(scenario, 9), drawLaunch(scenario, 9));
    assert.notDeepEqual(drawLaunch(scenario, 9).orders, drawLaunch(scenario, 10).orders);
  });

  test('pre-orders follow the Bass curve inside the window; only deposit and pay-later cards fail', () => {
    const { orders } = drawLaunch(scenario, 4);
    const total = (400 * (1 - Math.exp(-0.12 * 42))) / (1 + 5 * Math.exp(-0.12 * 42));
    assert.ok(Math.abs(orders.length - total) < 4 * Math.sqrt(total), `${orders.length} near ${total}`);
    assert.ok(orders.every((o) => o.day >= 0 && o.day < scenario.windowDays));
    assert.ok(orders.every((o, index) => o.index === index && o.patience > 0));
    assert.ok(orders.filter((o) => o.terms.kind === 'full').every((o) => !o.balanceFails && !o.recovers));
    assert.ok(orders.every((o) => !o.recovers || o.balanceFails));
  });

  test('a batch is heard late of before its planned day, arrives on or after it, short by its fraction', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 }), (seed) => {
        for (const batch of drawLaunch({ ...scenario, demand: { ...scenario.demand, m: 1 } }, seed).batches) {
          assert.ok(batch.arrivalDay >= batch.plannedDay);
          if (batch.arrivalDay === batch.plannedDay) assert.equal(batch.slipKnownDay, null);
          else assert.ok(batch.slipKnownDay !== null && batch.slipKnownDay <= batch.plannedDay);
          assert.ok(batch.shortUnits === 0 || batch.shortUnits === 180, `${batch.shortUnits}`);
          assert.equal(batch.restDay, batch.arrivalDay + 14);
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('customers', () => {
  const customers = DEFAULT_SCENARIO.customers;
  test('a longer delay irritates more; silence a week is perWeekOfSilence; a day of waiting very little', () => {
    assert.ok(
      irritationOf({ kind: 'delay_told', days: 21 }, customers) >
        irritationOf({ kind: 'delay_told', days: 7 }, customers),
    );
    assert.equal(irritationOf({ kind: 'delay_told', days: 7 }, customers), customers.perWeekOfDelay);
    assert.ok(
      Math.abs(7 * irritationOf({ kind: 'silent_day' }, customers) - customers.perWeekOfSilence) < 1e-12,
    );
    assert.ok(irritationOf({ kind: 'waiting_day' }, customers) < 0.001);
  });
});

describe('the merchant’s policies', () => {
  const batches = [
    { expectedDay: 66, complete: false },
    { expectedDay: 75, complete: false },
    { expectedDay: 90, complete: true },
  ];
  test('presell: each batch at its expected day with the buffer; a complete one is left alone', () => {
    assert.deepEqual(merchantEntries('presell', batches, 7), [
      { readyDay: 66, bufferDays: 7 },
      { readyDay: 75, bufferDays: 7 },
      null,
    ]);
  });
  test('one-date: every batch still expected at the earliest expected day, no buffer', () => {
    assert.deepEqual(merchantEntries('one-date', batches, 7), [
      { readyDay: 66, bufferDays: 0 },
      { readyDay: 66, bufferDays: 0 },
      null,
    ]);
    const firstCame = [{ ...batches[0], complete: true }, batches[1], batches[2]] as typeof batches;
    assert.deepEqual(merchantEntries('one-date', firstCame, 7), [
      null,
      { readyDay: 75, bufferDays: 0 },
      null,
    ]);
  });
});

describe('the figures', () => {
  const outcome = (fields: Partial<CustomerOutcome>): CustomerOutcome => ({
    placedDay: 0,
    firstWindowEnd: 60,
    moves: [],
    shippedDay: null,
    cancelledDay: null,
    ...fields,
  });

  test('shares, moves told in time, waits and cancellations, counted by hand', () => {
    const figures = launchFigures(
      [
        outcome({ shippedDay: 55 }),
        outcome({ placedDay: 10, shippedDay: 60 }),
        outcome({ shippedDay: 70, moves: [{ day: 40, oldEnd: 60, newEnd: 70 }] }),
        outcome({ shippedDay: 80, moves: [{ day: 61, oldEnd: 60, newEnd: 80 }] }),
        outcome({ cancelledDay: 30 }),
        outcome({ firstWindowEnd: null }),
      ],
      { count: 1, amount: 12_900 },
      [{ day: 0, collected: 5 }],
    );
    assert.equal(figures.preorders, 6);
    assert.equal(figures.shippedInFirstWindow, 2 / 6);
    assert.equal(figures.moved, 2);
    assert.equal(figures.toldBeforeWindowEnded, 1 / 2);
    assert.equal(figures.cancelled, 1);
    assert.equal(figures.shipped, 4);
    assert.equal(figures.waiting, 1);
    // Waits 50, 55, 70, 80: nearest rank.
    assert.deepEqual(figures.daysWaited, { median: 55, p90: 80 });
    assert.deepEqual(figures.refunds, { count: 1, amount: 12_900 });
  });

  test('the quantile is a value that occurred, and 0 of nothing', () => {
    assert.equal(quantile([], 0.5), 0);
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (values, q) => {
          const sorted = [...values].sort((a, b) => a - b);
          assert.ok(sorted.includes(quantile(sorted, q)));
          assert.ok(quantile(sorted, q) <= quantile(sorted, 1));
        },
      ),
    );
  });
});

describe('the chart', () => {
  test('an SVG with one panel per policy, a promised line, shipped dots coloured by lateness, crosses', () => {
    const outcomes: CustomerOutcome[] = [
      { placedDay: 0, firstWindowEnd: 60, moves: [], shippedDay: 58, cancelledDay: null },
      { placedDay: 1, firstWindowEnd: 60, moves: [], shippedDay: 75, cancelledDay: null },
      { placedDay: 2, firstWindowEnd: 67, moves: [], shippedDay: null, cancelledDay: 40 },
    ];
    const svg = launchChartSvg(
      [
        { title: 'presell', outcomes },
        { title: 'one-date <&>', outcomes },
      ],
      'Seed 1',
    );
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.equal(svg.match(/<polyline /g)?.length, 2);
    assert.equal(svg.match(/fill="#27ae60"/g)?.length, 2, 'one on time per panel');
    assert.equal(svg.match(/fill="#c0392b"/g)?.length, 2, 'one late per panel');
    assert.equal(svg.match(/stroke="#7f8c8d"/g)?.length, 2, 'one cancelled per panel');
    assert.match(svg, /one-date &lt;&amp;&gt;/);
    assert.match(svg, /<title>Seed 1<\/title>/, 'a title for screen readers');
    assert.match(svg, /<\/svg>\n$/);
  });
});
