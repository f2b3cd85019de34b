/**
 * The lifecycle under random sequences of what happens to a launch — placements with good and failing
 * cards, supply received in parts, slips, new batches, the release, balances charged, shipments,
 * cancellations with every refund choice, priorities, days passing — through the API on both engines.
 * After every step: each pre-order is in a state the lifecycle reaches from where it was, its events are
 * a legal walk, its money adds up for its state, the units held are the live pre-orders' units, the
 * promises stored are what the engine computes from the database, and units in hand are in stock.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { addDays, shopDate } from '../../src/domain/calendar.ts';
import {
  PREORDER_STATES,
  type PreorderMove,
  type PreorderState,
  transition,
} from '../../src/domain/lifecycle.ts';
import { computePromises } from '../../src/domain/promise.ts';
import { runDueJobs } from '../../src/jobs.ts';
import {
  CHARGES_DECLINED,
  DECLINED,
  launch,
  ledgerOf,
  type MoneyWorld,
  moneyWorld,
  place,
  VISA,
} from '../money/support.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';

const MOVES: PreorderMove[] = ['confirm', 'allocate', 'requestBalance', 'markReady', 'fulfil', 'cancel'];
const MOVE_OF_EVENT: Record<string, PreorderMove> = {
  'preorder.confirmed': 'confirm',
  'preorder.allocated': 'allocate',
  'preorder.balance_due': 'requestBalance',
  'preorder.ready': 'markReady',
  'preorder.fulfilled': 'fulfil',
  'preorder.cancelled': 'cancel',
};

/** States the lifecycle reaches from `state` in any number of moves, itself included. */
function reachable(state: PreorderState): Set<PreorderState> {
  const seen = new Set<PreorderState>([state]);
  const queue = [state];
  for (let current = queue.shift(); current; current = queue.shift()) {
    for (const move of MOVES) {
      try {
        const next = transition(current, move);
        if (!seen.has(next)) {
          seen.add(next);
          queue.push(next);
        }
      } catch {}
    }
  }
  return seen;
}
const REACHABLE = new Map(PREORDER_STATES.map((state) => [state, reachable(state)]));

const terms = fc.constantFrom(
  { kind: 'full' },
  { kind: 'later' },
  { kind: 'deposit', percent: 25, balanceDue: { kind: 'on_release' } },
  { kind: 'deposit', amount: 1_000, balanceDue: { kind: 'on_date', date: '2026-12-08' } },
  { kind: 'deposit', percent: 10, balanceDue: { kind: 'days_before_ship', days: 5 } },
);
const pick = fc.nat();
const action = fc.oneof(
  fc.record({
    kind: fc.constant('place' as const),
    card: fc.constantFrom(VISA, VISA, VISA, DECLINED, CHARGES_DECLINED),
    quantity: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    kind: fc.constant('receive' as const),
    pick,
    share: fc.double({ min: 0.1, max: 1, noNaN: true }),
  }),
  fc.record({ kind: fc.constant('slip' as const), pick, days: fc.integer({ min: 1, max: 30 }) }),
  fc.record({ kind: fc.constant('addBatch' as const), quantity: fc.integer({ min: 1, max: 6 }) }),
  fc.record({ kind: fc.constant('release' as const) }),
  fc.record({ kind: fc.constant('chargeBalance' as const), pick }),
  fc.record({ kind: fc.constant('fulfil' as const), pick }),
  fc.record({
    kind: fc.constant('cancel' as const),
    pick,
    refund: fc.constantFrom('policy', 'full', 'none'),
  }),
  fc.record({ kind: fc.constant('priority' as const), pick, priority: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ kind: fc.constant('days' as const), days: fc.integer({ min: 0, max: 6 }) }),
);

describeOnEachEngine('the lifecycle under random sequences', ({ db }) => {
  let world: MoneyWorld;

  before(async () => {
    world = await moneyWorld(db());
  });

  test('every step keeps states, events, money, units and promises consistent', async () => {
    await fc.assert(
      fc.asyncProperty(
        terms,
        fc.constantFrom('split', 'ship_complete'),
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 2 }),
        fc.array(action, { minLength: 1, maxLength: 14 }),
        async (paymentTerms, policy, batchSizes, actions) => {
          const { sku, campaignId } = await launch(world, 4_000, 'EUR', {
            cap: null,
            paymentTerms,
            promiseSettings: { policy, bufferDays: 2 },
          });
          const admin = world.shop.admin;
          const batches: string[] = [];
          const addBatch = async (quantity: number, readyDate: string) => {
            const made = await call(world.app, 'POST', `/v1/campaigns/${campaignId}/batches`, admin, {
              sku,
              quantity,
              readyDate,
            });
            assert.equal(made.status, 201, JSON.stringify(made.body));
            batches.push(made.body.id);
          };
          const today = () => shopDate(world.clock.now(), 'Europe/Berlin');
          for (const [i, quantity] of batchSizes.entries())
            await addBatch(quantity, addDays(today(), 20 + 30 * i));
          const ids: string[] = [];
          const seen = new Map<string, PreorderState>();
          const chosen = (n: number) => ids[n % Math.max(ids.length, 1)];

          for (const step of actions) {
            if (step.kind === 'place') {
              const placed = await place(world, sku, { paymentMethod: step.card, quantity: step.quantity });
              if (placed.body.id) ids.push(placed.body.id);
            } else if (step.kind === 'receive' && batches.length > 0) {
              const batchId = batches[step.pick % batches.length] as string;
              const batch = (
                await call(world.app, 'GET', `/v1/campaigns/${campaignId}/batches`, admin)
              ).body.data.find((b: { id: string }) => b.id === batchId);
              const quantityReceived = Math.max(
                batch.quantityReceived,
                Math.ceil(batch.quantity * step.share),
              );
              await call(world.app, 'PATCH', `/v1/campaigns/${campaignId}/batches/${batchId}`, admin, {
                quantityReceived,
              });
            } else if (step.kind === 'slip' && batches.length > 0) {
              const batchId = batches[step.pick % batches.length] as string;
              await call(world.app, 'PATCH', `/v1/campaigns/${campaignId}/batches/${batchId}`, admin, {
                readyDate: addDays(today(), step.days),
              });
            } else if (step.kind === 'addBatch') {
              await addBatch(step.quantity, addDays(today(), 10));
            } else if (step.kind === 'release') {
              await call(world.app, 'POST', `/v1/campaigns/${campaignId}/release`, admin);
            } else if (step.kind === 'chargeBalance' && ids.length > 0) {
              await call(world.app, 'POST', `/v1/preorders/${chosen(step.pick)}/charge-balance`, admin);
            } else if (step.kind === 'fulfil' && ids.length > 0) {
              await call(world.app, 'POST', `/v1/preorders/${chosen(step.pick)}/fulfil`, admin, {
                carrier: 'DHL',
              });
            } else if (step.kind === 'cancel' && ids.length > 0) {
              await call(world.app, 'POST', `/v1/preorders/${chosen(step.pick)}/cancel`, admin, {
                reason: 'property',
                refund: step.refund,
              });
            } else if (step.kind === 'priority' && ids.length > 0) {
              await call(world.app, 'PATCH', `/v1/preorders/${chosen(step.pick)}`, admin, {
                priority: step.priority,
              });
            } else if (step.kind === 'days') {
              world.clock.advance(step.days * 86_400_000 + 60_000);
              await runDueJobs(world.ctx, world.payments);
            }
            await checkEverything(campaignId, seen, JSON.stringify(step));
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  async function checkEverything(campaignId: string, seen: Map<string, PreorderState>, after: string) {
    const rows = await db().query<{
      id: string;
      state: PreorderState;
      quantity: number;
      total_amount: number;
      queue_position: number;
      priority: number;
      promise_from: string | null;
      promise_to: string | null;
      promise_batches: { units: number; inStock: boolean }[];
      promised_on: string;
    }>(
      `SELECT id, state, quantity, total_amount, queue_position, priority, promise_from, promise_to,
         promise_batches, promised_on
       FROM preorders WHERE campaign_id = $1`,
      [campaignId],
    );
    for (const row of rows) {
      const message = `${row.id} after ${after}`;
      // A state the lifecycle reaches from the one seen before.
      const before = seen.get(row.id) ?? 'placed';
      assert.ok(REACHABLE.get(before)?.has(row.state), `${message}: ${before} → ${row.state}`);
      seen.set(row.id, row.state);
      // Its events are a legal walk from placed that ends where it is.
      const events = await db().query<{ type: string; data: { kept?: { amount: number } } }>(
        `SELECT type, data FROM events WHERE subject_id = $1 ORDER BY tx_id, id`,
        [row.id],
      );
      const walked = events
        .flatMap((event) => (MOVE_OF_EVENT[event.type] ? [MOVE_OF_EVENT[event.type] as PreorderMove] : []))
        .reduce<PreorderState>(transition, 'placed');
      assert.equal(walked, row.state, `${message}: events walk to ${walked}`);
      // Money adds up for the state.
      const ledger = await ledgerOf(world, row.id);
      assert.ok(ledger.netPaid.amount >= 0, message);
      assert.ok(ledger.charged.amount <= row.total_amount, message);
      if (row.state === 'placed') assert.equal(ledger.charged.amount, 0, message);
      if (row.state === 'ready' || row.state === 'fulfilled') {
        assert.equal(ledger.netPaid.amount, row.total_amount, `${message}: ${row.state} is paid in full`);
      }
      if (row.state === 'cancelled') {
        const kept = events.find((event) => event.type === 'preorder.cancelled')?.data.kept?.amount;
        assert.equal(ledger.netPaid.amount, kept, `${message}: keeps what the cancellation said`);
      } else {
        assert.equal(ledger.refunded.amount, 0, `${message}: a live pre-order was not refunded`);
      }
      // Units in hand are in stock; a confirmed pre-order whose units are all in stock is allocated.
      const inStock = row.promise_batches.reduce((units, b) => units + (b.inStock ? b.units : 0), 0);
      if (['allocated', 'balance_due', 'ready', 'fulfilled'].includes(row.state)) {
        assert.equal(inStock, row.quantity, `${message}: ${row.state} with units not in stock`);
      }
      if (row.state === 'confirmed') assert.ok(inStock < row.quantity, `${message}: confirmed but in stock`);
    }
    // The batches a promise draws on are the rows the lists by batch read.
    const unlike = await db().query<{ id: string }>(
      `SELECT p.id FROM preorders p WHERE p.campaign_id = $1
         AND (SELECT coalesce(array_agg(DISTINCT drawn->>'batchId' ORDER BY drawn->>'batchId'), '{}')
              FROM jsonb_array_elements(p.promise_batches) AS drawn)
         IS DISTINCT FROM
             (SELECT coalesce(array_agg(d.batch_id ORDER BY d.batch_id), '{}')
              FROM preorder_batches d WHERE d.shop_id = p.shop_id AND d.preorder_id = p.id)`,
      [campaignId],
    );
    assert.deepEqual(unlike, [], `after ${after}: preorder_batches as promise_batches says`);
    // The units held are the live pre-orders' units.
    const [units] = await db().query<{ held: number; customers: number; live: number }>(
      `SELECT (SELECT coalesce(sum(held), 0)::int FROM campaign_variants WHERE campaign_id = $1) AS held,
         (SELECT coalesce(sum(units), 0)::int FROM customer_holds WHERE campaign_id = $1) AS customers,
         (SELECT coalesce(sum(quantity), 0)::int FROM preorders WHERE campaign_id = $1 AND state <> 'cancelled') AS live`,
      [campaignId],
    );
    assert.equal(units?.held, units?.live, `units held after ${after}`);
    assert.equal(units?.customers, units?.live, `customer holds after ${after}`);
    // The promises stored are the engine's for the queue and supply in the database.
    const [settings] = await db().query<{ fulfilment_policy: 'split' | 'ship_complete' }>(
      'SELECT fulfilment_policy FROM campaigns WHERE id = $1',
      [campaignId],
    );
    const supply = await db().query<{
      id: string;
      ready_date: string;
      quantity: number;
      buffer_days: number;
      state: 'planned' | 'confirmed' | 'received';
      quantity_received: number;
      received_on: string | null;
    }>('SELECT * FROM supply_batches WHERE campaign_id = $1 ORDER BY id', [campaignId]);
    const live = rows
      .filter((row) => row.state !== 'cancelled')
      .sort((a, b) => a.queue_position - b.queue_position);
    const plan = computePromises({
      today: shopDate(world.clock.now(), 'Europe/Berlin'),
      policy: settings?.fulfilment_policy ?? 'split',
      preorders: live.map((row) => ({
        id: row.id,
        position: row.queue_position,
        quantity: row.quantity,
        priority: row.priority,
        promisedOn: row.promised_on,
      })),
      batches: supply.map((b) => ({
        id: b.id,
        readyDate: b.ready_date,
        quantity: b.quantity,
        bufferDays: b.buffer_days,
        state: b.state,
        quantityReceived: b.quantity_received,
        receivedOn: b.received_on,
      })),
    });
    for (const row of live) {
      const promise = plan.promiseOf(row.id);
      assert.deepEqual(
        [row.promise_from, row.promise_to, row.promise_batches.map((b) => [b.units, b.inStock])],
        [
          promise.window?.from ?? null,
          promise.window?.to ?? null,
          promise.allocations.map((a) => [a.units, a.inStock]),
        ],
        `${row.id}'s stored promise after ${after}`,
      );
    }
  }
});
