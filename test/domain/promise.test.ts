import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../../src/domain/errors.ts';
import {
  computePromises,
  nextOffer,
  type OpenPreorder,
  onHandBatchId,
  PRIORITY_RANGE,
  type PromiseInput,
  type PromisePlan,
  promiseChanges,
  repromise,
  type SupplyBatch,
  windowMoved,
} from '../../src/domain/promise.ts';

const today = '2025-11-03';
const december: SupplyBatch = {
  id: 'bat_dec',
  readyDate: '2025-12-01',
  quantity: 10,
  bufferDays: 7,
  state: 'confirmed',
};
const january: SupplyBatch = {
  id: 'bat_jan',
  readyDate: '2026-01-12',
  quantity: 10,
  bufferDays: 4,
  state: 'planned',
};
const decemberWindow = { from: '2025-12-01', to: '2025-12-08' };
const januaryWindow = { from: '2026-01-12', to: '2026-01-16' };

/** a: 4, b: 4, c: 4 (2 in December, 2 in January), d: 10 (8 in January, 2 without supply). */
const queue: OpenPreorder[] = [
  { id: 'po_a', position: 1, quantity: 4 },
  { id: 'po_b', position: 2, quantity: 4 },
  { id: 'po_c', position: 3, quantity: 4 },
  { id: 'po_d', position: 4, quantity: 10 },
];

function plan(overrides: Partial<PromiseInput> = {}): PromisePlan {
  return computePromises({
    today,
    policy: 'split',
    preorders: queue,
    batches: [december, january],
    ...overrides,
  });
}

const refusesWith = (code: string) => (error: unknown) => error instanceof DomainError && error.code === code;

describe('promises, first come first served', () => {
  test('each pre-order is promised the window of the batch that covers its last unit', () => {
    const promises = plan();
    assert.deepEqual(promises.promiseOf('po_a'), {
      status: 'promised',
      preorderId: 'po_a',
      window: decemberWindow,
      allocations: [{ batchId: 'bat_dec', units: 4, inStock: false, ships: decemberWindow }],
      promisedOn: today,
    });
    assert.deepEqual(promises.promiseOf('po_c'), {
      status: 'promised',
      preorderId: 'po_c',
      window: januaryWindow,
      allocations: [
        { batchId: 'bat_dec', units: 2, inStock: false, ships: decemberWindow },
        { batchId: 'bat_jan', units: 2, inStock: false, ships: januaryWindow },
      ],
      promisedOn: today,
    });
  });

  test('a pre-order that runs past the supply is unpromised, with its place in line', () => {
    assert.deepEqual(plan().promiseOf('po_d'), {
      status: 'unpromised',
      preorderId: 'po_d',
      window: null,
      placeInLine: 1,
      unpromisedUnits: 2,
      allocations: [{ batchId: 'bat_jan', units: 8, inStock: false, ships: januaryWindow }],
      promisedOn: today,
    });
    const later = plan({ preorders: [...queue, { id: 'po_e', position: 5, quantity: 1 }] });
    assert.deepEqual(later.promiseOf('po_e'), {
      status: 'unpromised',
      preorderId: 'po_e',
      window: null,
      placeInLine: 2,
      unpromisedUnits: 1,
      allocations: [],
      promisedOn: today,
    });
    assert.deepEqual(later.unpromisedLine(), { units: 3, customers: 2 });
  });

  test('summarises each batch and the unpromised line', () => {
    const promises = plan();
    assert.deepEqual(promises.batchSummaries(), [
      { batchId: 'bat_dec', quantity: 10, unitsServed: 10, customers: 3, window: decemberWindow },
      { batchId: 'bat_jan', quantity: 10, unitsServed: 10, customers: 2, window: januaryWindow },
    ]);
    assert.deepEqual(promises.unpromisedLine(), { units: 2, customers: 1 });
    assert.equal(promises.preorderCount, 4);
    assert.deepEqual(
      [...promises.promises()].map((promise) => promise.preorderId),
      ['po_a', 'po_b', 'po_c', 'po_d'],
    );
  });

  test('a batch with room left reports what it serves', () => {
    const promises = plan({ preorders: queue.slice(0, 1) });
    assert.deepEqual(promises.batchSummaries()[0], {
      batchId: 'bat_dec',
      quantity: 10,
      unitsServed: 4,
      customers: 1,
      window: decemberWindow,
    });
    assert.deepEqual(promises.batchSummaries()[1]?.unitsServed, 0);
    assert.deepEqual(promises.unpromisedLine(), { units: 0, customers: 0 });
  });

  test('ship complete holds the early units until the last one is ready', () => {
    const promises = plan({ policy: 'ship_complete' });
    assert.deepEqual(promises.promiseOf('po_c'), {
      status: 'promised',
      preorderId: 'po_c',
      window: januaryWindow,
      allocations: [
        { batchId: 'bat_dec', units: 2, inStock: false, ships: januaryWindow },
        { batchId: 'bat_jan', units: 2, inStock: false, ships: januaryWindow },
      ],
      promisedOn: today,
    });
    const waiting = promises.promiseOf('po_d');
    assert.equal(waiting.status, 'unpromised');
    assert.deepEqual(waiting.allocations, [{ batchId: 'bat_jan', units: 8, inStock: false, ships: null }]);
    assert.deepEqual(
      promises
        .batchSummaries()
        .map(({ batchId, customers, unitsServed }) => ({ batchId, customers, unitsServed })),
      [
        { batchId: 'bat_dec', customers: 2, unitsServed: 10 },
        { batchId: 'bat_jan', customers: 1, unitsServed: 10 },
      ],
    );
  });

  test('a higher merchant priority is served first, then queue order', () => {
    const promises = plan({
      preorders: [...queue.slice(0, 3), { id: 'po_vip', position: 9, quantity: 4, priority: 1 }],
    });
    assert.deepEqual(
      [...promises.promises()].map((promise) => promise.preorderId),
      ['po_vip', 'po_a', 'po_b', 'po_c'],
    );
    assert.deepEqual(promises.promiseOf('po_vip').allocations[0], {
      batchId: 'bat_dec',
      units: 4,
      inStock: false,
      ships: decemberWindow,
    });
    assert.deepEqual(promises.promiseOf('po_b').window, januaryWindow);
  });

  test('pre-orders out of queue order are served by position', () => {
    const promises = plan({ preorders: [...queue].reverse() });
    assert.deepEqual(
      [...promises.promises()].map((promise) => promise.preorderId),
      ['po_a', 'po_b', 'po_c', 'po_d'],
    );
  });

  test('supply is used in the order of its promised-by date, not of its ready date', () => {
    const slowEarly = { ...december, id: 'bat_slow', readyDate: '2025-12-01', bufferDays: 30 };
    const fastLater = { ...december, id: 'bat_fast', readyDate: '2025-12-10', bufferDays: 2 };
    const promises = plan({ batches: [slowEarly, fastLater] });
    assert.deepEqual(promises.promiseOf('po_a').window, { from: '2025-12-10', to: '2025-12-12' });
    assert.deepEqual(promises.promiseOf('po_c').window, { from: '2025-12-01', to: '2025-12-31' });
  });
});

describe('stock that is in', () => {
  test('received units ship from today within the buffer; the rest keeps the ready date', () => {
    const promises = plan({
      preorders: queue.slice(0, 2),
      batches: [{ ...december, state: 'received', quantityReceived: 6 }],
    });
    const inStock = { from: today, to: '2025-11-10' };
    assert.deepEqual(promises.promiseOf('po_a').allocations, [
      { batchId: 'bat_dec', units: 4, inStock: true, ships: inStock },
    ]);
    assert.deepEqual(promises.promiseOf('po_b').allocations, [
      { batchId: 'bat_dec', units: 2, inStock: true, ships: inStock },
      { batchId: 'bat_dec', units: 2, inStock: false, ships: decemberWindow },
    ]);
    assert.deepEqual(promises.batchSummaries(), [
      { batchId: 'bat_dec', quantity: 10, unitsServed: 8, customers: 2, window: decemberWindow },
    ]);
  });

  test('a batch that came in larger than planned adds the extra units', () => {
    const promises = plan({ batches: [{ ...december, state: 'received', quantityReceived: 30 }] });
    assert.equal(promises.promiseOf('po_d').status, 'promised');
    assert.equal(promises.batchSummaries()[0]?.quantity, 30);
  });

  test('a planned batch whose ready date has passed is promised from today', () => {
    const promises = plan({ batches: [{ ...december, readyDate: '2025-10-20' }] });
    assert.deepEqual(promises.promiseOf('po_a').window, { from: today, to: '2025-11-10' });
  });

  test('backorders draw on-hand stock first', () => {
    const promises = plan({ onHand: { quantity: 5, bufferDays: 2 } });
    assert.deepEqual(promises.promiseOf('po_a').allocations, [
      { batchId: onHandBatchId, units: 4, inStock: true, ships: { from: today, to: '2025-11-05' } },
    ]);
    assert.deepEqual(promises.batchSummaries()[0], {
      batchId: onHandBatchId,
      quantity: 5,
      unitsServed: 5,
      customers: 2,
      window: { from: today, to: '2025-11-05' },
    });
  });
});

describe('refusals', () => {
  test('a batch needs a positive quantity, buffer days and a consistent received quantity', () => {
    for (const batch of [
      { ...december, quantity: 0 },
      { ...december, quantity: -5 },
      { ...december, quantity: 2.5 },
      { ...december, bufferDays: -1 },
      { ...december, state: 'received' as const },
      { ...december, quantityReceived: 3 },
      { ...december, id: onHandBatchId },
    ]) {
      assert.throws(() => plan({ batches: [batch] }), refusesWith('invalid_batch'), JSON.stringify(batch));
    }
  });

  test('a ready date is a real shop-calendar date', () => {
    assert.throws(
      () => plan({ batches: [{ ...december, readyDate: '2025-12-32' }] }),
      refusesWith('invalid_date'),
    );
  });

  test('batch ids are unique', () => {
    assert.throws(() => plan({ batches: [december, december] }), refusesWith('duplicate_batch'));
  });

  test('a pre-order needs a whole positive quantity, an integer position and a priority in range', () => {
    for (const preorder of [
      { id: 'po_x', position: 1, quantity: 0 },
      { id: 'po_x', position: 1, quantity: 1.5 },
      { id: 'po_x', position: 1.5, quantity: 1 },
      { id: 'po_x', position: 1, quantity: 1, priority: 0.5 },
      { id: 'po_x', position: 1, quantity: 1, priority: PRIORITY_RANGE.min - 1 },
      { id: 'po_x', position: 1, quantity: 1, priority: PRIORITY_RANGE.max + 1 },
    ]) {
      assert.throws(
        () => plan({ preorders: [preorder] }),
        refusesWith('invalid_preorder'),
        JSON.stringify(preorder),
      );
    }
  });

  test('two pre-orders cannot share a queue position', () => {
    const twins = [queue[1], { ...(queue[0] as OpenPreorder), position: 2 }] as OpenPreorder[];
    assert.throws(() => plan({ preorders: twins }), refusesWith('duplicate_position'));
  });

  test('asking for a pre-order that is not in the plan', () => {
    assert.throws(() => plan().promiseOf('po_nobody'), refusesWith('unknown_preorder'));
  });

  test('a policy is split or ship_complete', () => {
    assert.throws(() => plan({ policy: 'whatever' as 'split' }), refusesWith('invalid_policy'));
  });
});

describe('the offer for the next shopper', () => {
  test('the next unit gets the first batch with room, and how many are left in it', () => {
    const promises = plan({ preorders: queue.slice(0, 1) });
    assert.deepEqual(nextOffer(promises, { beyondSupply: 'sold_out' }), {
      kind: 'promised',
      units: 1,
      window: decemberWindow,
      earliestRoom: { batchId: 'bat_dec', unitsLeft: 6, isFirstShipment: true },
      unitsLeftInSupply: 16,
    });
  });

  test('more units than the first batch has left get the later date', () => {
    const offer = nextOffer(plan({ preorders: queue.slice(0, 2) }), { units: 3, beyondSupply: 'sold_out' });
    assert.equal(offer.kind, 'promised');
    assert.deepEqual(offer.kind === 'promised' && offer.window, januaryWindow);
    assert.deepEqual(offer.kind === 'promised' && offer.earliestRoom, {
      batchId: 'bat_dec',
      unitsLeft: 2,
      isFirstShipment: true,
    });
  });

  test('once the first batch is spoken for, the room is in the next shipment', () => {
    const offer = nextOffer(plan({ preorders: queue.slice(0, 3) }), { beyondSupply: 'sold_out' });
    assert.deepEqual(offer.kind === 'promised' && offer.earliestRoom, {
      batchId: 'bat_jan',
      unitsLeft: 8,
      isFirstShipment: false,
    });
  });

  test('past the planned supply: sold out, or a date to be confirmed when the merchant allows it', () => {
    const promises = plan();
    assert.deepEqual(nextOffer(promises, { beyondSupply: 'sold_out' }), {
      kind: 'sold_out',
      unitsAvailable: 0,
    });
    assert.deepEqual(nextOffer(promises, { units: 2, beyondSupply: 'to_be_confirmed' }), {
      kind: 'to_be_confirmed',
      units: 2,
      unitsLeftInSupply: 0,
    });
    const almost = plan({ preorders: queue.slice(0, 3) });
    assert.deepEqual(nextOffer(almost, { units: 9, beyondSupply: 'sold_out' }), {
      kind: 'sold_out',
      unitsAvailable: 8,
    });
  });

  test('a higher priority is offered what lower priorities hold', () => {
    const offer = nextOffer(plan(), { priority: 1, beyondSupply: 'sold_out' });
    assert.deepEqual(offer.kind === 'promised' && offer.window, decemberWindow);
  });

  test('an offer is for a positive whole number of units', () => {
    assert.throws(
      () => nextOffer(plan(), { units: 0, beyondSupply: 'sold_out' }),
      refusesWith('invalid_offer'),
    );
  });
});

describe('re-promising after one change', () => {
  test('a slipped batch moves its customers, and only them', () => {
    const before = plan();
    const { plan: after, moved } = repromise(before, {
      kind: 'batch_slipped',
      batchId: 'bat_jan',
      readyDate: '2026-01-20',
    });
    assert.deepEqual(moved, ['po_c']);
    assert.deepEqual(after.promiseOf('po_c').window, { from: '2026-01-20', to: '2026-01-24' });
    assert.equal(after.promiseOf('po_d').status, 'unpromised');
    assert.deepEqual(after.promiseOf('po_a'), before.promiseOf('po_a'));
  });

  test('a batch slipping past another swaps who they serve', () => {
    const { plan: after, moved } = repromise(plan(), {
      kind: 'batch_slipped',
      batchId: 'bat_dec',
      readyDate: '2026-02-01',
    });
    assert.deepEqual(moved, ['po_a', 'po_b', 'po_c']);
    assert.deepEqual(after.promiseOf('po_a').window, januaryWindow);
    assert.deepEqual(after.promiseOf('po_c').window, { from: '2026-02-01', to: '2026-02-08' });
  });

  test('a cancellation frees units for the line', () => {
    const { plan: after, moved } = repromise(plan(), { kind: 'preorder_cancelled', preorderId: 'po_b' });
    assert.deepEqual(moved, ['po_c', 'po_d']);
    assert.deepEqual(after.promiseOf('po_c').window, decemberWindow);
    assert.deepEqual(after.promiseOf('po_d').window, januaryWindow);
    assert.throws(() => after.promiseOf('po_b'), refusesWith('unknown_preorder'));
    assert.deepEqual(after.unpromisedLine(), { units: 0, customers: 0 });
  });

  test('lowering a batch below what it serves re-promises the overflow instead of dropping it', () => {
    const { plan: after, moved } = repromise(plan(), {
      kind: 'batch_quantity_changed',
      batchId: 'bat_dec',
      quantity: 6,
    });
    assert.deepEqual(moved, ['po_b']);
    assert.deepEqual(after.promiseOf('po_b').window, januaryWindow);
    assert.deepEqual(after.unpromisedLine(), { units: 6, customers: 1 });
    const total = [...after.promises()].reduce(
      (sum, promise) =>
        sum +
        promise.allocations.reduce((units, allocation) => units + allocation.units, 0) +
        (promise.status === 'unpromised' ? promise.unpromisedUnits : 0),
      0,
    );
    assert.equal(total, 22);
  });

  test('a new batch promises the line', () => {
    const { plan: after, moved } = repromise(plan(), {
      kind: 'batch_added',
      batch: { ...january, id: 'bat_feb', readyDate: '2026-02-02' },
    });
    assert.deepEqual(moved, ['po_d']);
    assert.deepEqual(after.promiseOf('po_d').window, { from: '2026-02-02', to: '2026-02-06' });
  });

  test('a received batch ships from today', () => {
    const { plan: after, moved } = repromise(plan(), {
      kind: 'batch_received',
      batchId: 'bat_dec',
      quantityReceived: 10,
    });
    assert.deepEqual(moved, ['po_a', 'po_b']);
    assert.deepEqual(after.promiseOf('po_a').window, { from: today, to: '2025-11-10' });
    assert.deepEqual(after.promiseOf('po_c').window, januaryWindow);
  });

  test('a raised priority jumps the queue', () => {
    const { plan: after, moved } = repromise(plan(), {
      kind: 'priority_changed',
      preorderId: 'po_d',
      priority: 5,
    });
    assert.deepEqual(moved, ['po_d', 'po_a', 'po_b', 'po_c']);
    assert.deepEqual(after.promiseOf('po_d').window, decemberWindow);
    assert.deepEqual(after.promiseOf('po_a').window, januaryWindow);
    assert.equal(after.promiseOf('po_c').status, 'unpromised');
  });

  test('the plan before the change stays as it was', () => {
    const before = plan();
    repromise(before, { kind: 'preorder_cancelled', preorderId: 'po_a' });
    repromise(before, { kind: 'batch_slipped', batchId: 'bat_dec', readyDate: '2026-03-01' });
    assert.deepEqual(before.promiseOf('po_a').window, decemberWindow);
    assert.equal(before.preorderCount, 4);
  });

  test('changes to what is not in the plan are refused', () => {
    assert.throws(
      () => repromise(plan(), { kind: 'preorder_cancelled', preorderId: 'po_nobody' }),
      refusesWith('unknown_preorder'),
    );
    assert.throws(
      () => repromise(plan(), { kind: 'batch_slipped', batchId: 'bat_nope', readyDate: '2026-01-01' }),
      refusesWith('unknown_batch'),
    );
    assert.throws(
      () => repromise(plan(), { kind: 'batch_added', batch: december }),
      refusesWith('duplicate_batch'),
    );
    assert.throws(
      () => repromise(plan(), { kind: 'batch_quantity_changed', batchId: 'bat_dec', quantity: 0 }),
      refusesWith('invalid_batch'),
    );
  });
});

describe('promise changes to tell customers about', () => {
  test('only windows that moved by more than the tolerance', () => {
    const before = plan();
    const slipBy = (days: string) =>
      repromise(before, { kind: 'batch_slipped', batchId: 'bat_jan', readyDate: days }).plan;
    assert.deepEqual(promiseChanges(before, slipBy('2026-01-14'), 2), []);
    assert.deepEqual(promiseChanges(before, slipBy('2026-01-15'), 2), [
      {
        preorderId: 'po_c',
        oldWindow: januaryWindow,
        newWindow: { from: '2026-01-15', to: '2026-01-19' },
      },
    ]);
  });

  test('gaining or losing a promise is always a change', () => {
    const before = plan();
    const gone = repromise(before, { kind: 'batch_quantity_changed', batchId: 'bat_jan', quantity: 1 }).plan;
    assert.deepEqual(promiseChanges(before, gone, 365), [
      { preorderId: 'po_c', oldWindow: januaryWindow, newWindow: null },
    ]);
  });

  test('plans computed separately are compared pre-order by pre-order', () => {
    const before = plan();
    const after = plan({ preorders: queue.slice(1), batches: [december] });
    assert.deepEqual(promiseChanges(before, after, 0), [
      { preorderId: 'po_c', oldWindow: januaryWindow, newWindow: decemberWindow },
    ]);
  });

  test('a tolerance is a whole number of days', () => {
    assert.throws(() => promiseChanges(plan(), plan(), -1), refusesWith('invalid_tolerance'));
  });
});

test('windowMoved: a move beyond the tolerance at either end, or a promise gained or lost', () => {
  const window = { from: '2026-12-14', to: '2026-12-21' };
  assert.equal(windowMoved(window, { from: '2026-12-16', to: '2026-12-23' }, 2), false);
  assert.equal(windowMoved(window, { from: '2026-12-14', to: '2026-12-24' }, 2), true);
  assert.equal(windowMoved(window, { from: '2026-12-11', to: '2026-12-21' }, 2), true);
  assert.equal(windowMoved(null, window, 30), true);
  assert.equal(windowMoved(window, null, 30), true);
  assert.equal(windowMoved(null, null, 0), false);
});
