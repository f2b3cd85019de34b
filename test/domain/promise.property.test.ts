import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { addDays, compareDates, daysBetween } from '../../src/domain/calendar.ts';
import {
  computePromises,
  nextOffer,
  type OpenPreorder,
  onHandBatchId,
  type PreorderPromise,
  type PromiseChange,
  type PromiseInput,
  type PromisePlan,
  type PromiseWindow,
  promiseChanges,
  repromise,
  type SupplyBatch,
} from '../../src/domain/promise.ts';

const today = '2026-03-02';

const preorderArbitrary = fc.record({
  gap: fc.integer({ min: 1, max: 3 }),
  quantity: fc.integer({ min: 1, max: 6 }),
  // 1000 spreads the priorities wide apart.
  priority: fc.option(fc.constantFrom(0, 1, 2, 3, 1000), { nil: undefined }),
  /** Days before today its promise was made; none: today. */
  promisedDaysAgo: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
});

const batchArbitrary = fc.record({
  readyOffset: fc.integer({ min: -10, max: 60 }),
  quantity: fc.integer({ min: 1, max: 20 }),
  bufferDays: fc.integer({ min: 0, max: 14 }),
  received: fc.option(fc.integer({ min: 1, max: 25 }), { nil: undefined }),
  receivedDaysAgo: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
});

const inputArbitrary: fc.Arbitrary<PromiseInput> = fc
  .record({
    policy: fc.constantFrom('split' as const, 'ship_complete' as const),
    preorders: fc.array(preorderArbitrary, { maxLength: 30 }),
    batches: fc.array(batchArbitrary, { maxLength: 6 }),
    onHand: fc.option(
      fc.record({ quantity: fc.integer({ min: 0, max: 10 }), bufferDays: fc.integer({ max: 5, min: 0 }) }),
      {
        nil: undefined,
      },
    ),
    reversed: fc.boolean(),
  })
  .map(({ policy, preorders, batches, onHand, reversed }) => {
    let position = 0;
    const queue: OpenPreorder[] = preorders.map(({ gap, quantity, priority, promisedDaysAgo }, i) => {
      position += gap;
      return {
        id: `po_${i}`,
        position,
        quantity,
        ...(priority === undefined ? {} : { priority }),
        ...(promisedDaysAgo === undefined ? {} : { promisedOn: addDays(today, -promisedDaysAgo) }),
      };
    });
    return {
      today,
      policy,
      preorders: reversed ? queue.reverse() : queue,
      batches: batches.map((batch, i) => batchFrom(`bat_${i}`, batch)),
      ...(onHand ? { onHand } : {}),
    };
  });

function batchFrom(id: string, batch: BatchDraw): SupplyBatch {
  const { readyOffset, quantity, bufferDays, received, receivedDaysAgo } = batch;
  return {
    id,
    readyDate: addDays(today, readyOffset),
    quantity,
    bufferDays,
    state: received === undefined ? 'planned' : 'received',
    ...(received === undefined ? {} : { quantityReceived: received }),
    ...(received === undefined || receivedDaysAgo === undefined
      ? {}
      : { receivedOn: addDays(today, -receivedDaysAgo) }),
  };
}

type BatchDraw = {
  readyOffset: number;
  quantity: number;
  bufferDays: number;
  received: number | undefined;
  receivedDaysAgo?: number | undefined;
};

/**
 * The rules spelled out unit by unit: lots ready on their own dates (stock on the shelf any day, received
 * units the day they came, expected units their ready date), served in hand first, then by (to, from,
 * batch id); pre-orders by (priority desc, position), each unit of each pre-order taken from the next free
 * unit of supply; a promise dated the day it was made, its window moved later whole so that it does not
 * start before.
 */
function unitByUnit(input: PromiseInput) {
  type Lot = { batchId: string; inStock: boolean; from: string; to: string; units: number };
  const lots: Lot[] = [];
  const lot = (batchId: string, inStock: boolean, from: string, bufferDays: number, units: number) => {
    if (units > 0) lots.push({ batchId, inStock, from, to: addDays(from, bufferDays), units });
  };
  if (input.onHand) lot(onHandBatchId, true, '1970-01-01', input.onHand.bufferDays, input.onHand.quantity);
  for (const batch of input.batches) {
    const received = batch.quantityReceived ?? 0;
    lot(batch.id, true, batch.receivedOn ?? today, batch.bufferDays, received);
    lot(batch.id, false, batch.readyDate, batch.bufferDays, Math.max(batch.quantity, received) - received);
  }
  lots.sort(
    (a, b) =>
      Number(b.inStock) - Number(a.inStock) ||
      compareDates(a.to, b.to) ||
      compareDates(a.from, b.from) ||
      (a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : 0),
  );
  const units = lots.flatMap((each) => Array.from({ length: each.units }, () => each));
  const served = [...input.preorders].sort(
    (a, b) => (b.priority ?? 0) - (a.priority ?? 0) || a.position - b.position,
  );
  let next = 0;
  return new Map(
    served.map((preorder) => {
      const taken = units.slice(next, next + preorder.quantity);
      next += preorder.quantity;
      const last = taken.length === preorder.quantity ? taken.at(-1) : undefined;
      const promisedOn = preorder.promisedOn ?? today;
      const late = last ? Math.max(0, daysBetween(last.from, promisedOn)) : 0;
      return [
        preorder.id,
        {
          window: last ? { from: addDays(last.from, late), to: addDays(last.to, late) } : null,
          drawn: taken.map(({ batchId, inStock }) => `${batchId}/${inStock}`),
        },
      ];
    }),
  );
}

function unitsOf(promise: PreorderPromise): string[] {
  return promise.allocations.flatMap(({ batchId, units, inStock }) => {
    const source = `${batchId}/${inStock}`;
    return Array.from({ length: units }, () => source);
  });
}

function snapshot(plan: PromisePlan) {
  return { promises: [...plan.promises()], batches: plan.batchSummaries(), line: plan.unpromisedLine() };
}

/** Negative when window a is earlier; no window counts as the latest. */
function compareWindows(a: PromiseWindow | null, b: PromiseWindow | null): number {
  if (!a || !b) return Number(!a) - Number(!b);
  return compareDates(a.to, b.to) || compareDates(a.from, b.from);
}

const changeDraw = fc.oneof(
  fc.record({ kind: fc.constant('preorder_cancelled' as const), pick: fc.nat() }),
  fc.record({
    kind: fc.constant('priority_changed' as const),
    pick: fc.nat(),
    priority: fc.integer({ min: 0, max: 3 }),
  }),
  fc.record({ kind: fc.constant('batch_added' as const), batch: batchArbitrary }),
  fc.record({
    kind: fc.constant('batch_received' as const),
    pick: fc.nat(),
    quantity: fc.integer({ min: 1, max: 25 }),
    receivedDaysAgo: fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
  }),
  fc.record({
    kind: fc.constant('batch_slipped' as const),
    pick: fc.nat(),
    days: fc.integer({ min: -20, max: 40 }),
  }),
  fc.record({
    kind: fc.constant('batch_quantity_changed' as const),
    pick: fc.nat(),
    quantity: fc.integer({ min: 1, max: 20 }),
  }),
  fc.record({
    kind: fc.constant('preorders_appended' as const),
    quantities: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('day_passed' as const), days: fc.integer({ min: 0, max: 20 }) }),
);
type ChangeDraw = typeof changeDraw extends fc.Arbitrary<infer T> ? T : never;

/** The change as repromise takes it, and the input a full recompute gets; null when it does not apply. */
function resolve(input: PromiseInput, draw: ChangeDraw, step: number): [PromiseChange, PromiseInput] | null {
  const withBatch = (pick: number, change: Partial<SupplyBatch>): [string, PromiseInput] | null => {
    const batch = input.batches[pick % Math.max(1, input.batches.length)];
    if (!batch) return null;
    const batches = input.batches.map((each) => (each === batch ? { ...each, ...change } : each));
    return [batch.id, { ...input, batches }];
  };
  switch (draw.kind) {
    case 'preorder_cancelled': {
      const preorder = input.preorders[draw.pick % Math.max(1, input.preorders.length)];
      if (!preorder) return null;
      const preorders = input.preorders.filter((each) => each !== preorder);
      return [
        { kind: draw.kind, preorderId: preorder.id },
        { ...input, preorders },
      ];
    }
    case 'priority_changed': {
      const preorder = input.preorders[draw.pick % Math.max(1, input.preorders.length)];
      if (!preorder) return null;
      const preorders = input.preorders.map((each) =>
        each === preorder ? { ...each, priority: draw.priority } : each,
      );
      return [
        { kind: draw.kind, preorderId: preorder.id, priority: draw.priority },
        { ...input, preorders },
      ];
    }
    case 'batch_added': {
      const batch = batchFrom(`bat_new_${step}`, draw.batch);
      return [
        { kind: draw.kind, batch },
        { ...input, batches: [...input.batches, batch] },
      ];
    }
    case 'batch_received': {
      const receivedOn =
        draw.receivedDaysAgo === undefined ? undefined : addDays(input.today, -draw.receivedDaysAgo);
      const changed = withBatch(draw.pick, {
        state: 'received',
        quantityReceived: draw.quantity,
        ...(receivedOn ? { receivedOn } : {}),
      });
      return (
        changed && [
          { kind: draw.kind, batchId: changed[0], quantityReceived: draw.quantity, receivedOn },
          changed[1],
        ]
      );
    }
    case 'batch_slipped': {
      const batch = input.batches[draw.pick % Math.max(1, input.batches.length)];
      const readyDate = batch ? addDays(batch.readyDate, draw.days) : today;
      const changed = withBatch(draw.pick, { readyDate });
      return changed && [{ kind: draw.kind, batchId: changed[0], readyDate }, changed[1]];
    }
    case 'batch_quantity_changed': {
      const changed = withBatch(draw.pick, { quantity: draw.quantity });
      return changed && [{ kind: draw.kind, batchId: changed[0], quantity: draw.quantity }, changed[1]];
    }
    case 'preorders_appended': {
      // New placements: after every position there ever was (a cancelled one's too), at priority 0.
      const added = draw.quantities.map((quantity, i) => ({
        id: `po_new_${step}_${i}`,
        position: 1_000_000 + step * 100 + i,
        quantity,
        priority: 0,
      }));
      return [
        { kind: draw.kind, preorders: added },
        { ...input, preorders: [...input.preorders, ...added] },
      ];
    }
    case 'day_passed': {
      // A pre-order keeps the day its promise was made; one undated was dated the day it came in.
      const later = addDays(input.today, draw.days);
      const preorders = input.preorders.map((each) => ({
        ...each,
        promisedOn: each.promisedOn ?? input.today,
      }));
      return [
        { kind: draw.kind, today: later },
        { ...input, today: later, preorders },
      ];
    }
  }
}

/** What a customer sees of a promise: its window or place in line, and the batches and units it draws on. */
function visible(promise: ReturnType<PromisePlan['promiseOf']>) {
  return {
    window: promise.window,
    placeInLine: promise.status === 'unpromised' ? promise.placeInLine : null,
    // Under the split policy each part's window is told too ("2 ship in December, 1 early February").
    drawn: promise.allocations.map(({ batchId, units, inStock, ships }) => ({
      batchId,
      units,
      inStock,
      ships,
    })),
  };
}

describe('promise engine properties', () => {
  test('every pre-order gets exactly what the unit-by-unit rules give it', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const expected = unitByUnit(input);
        const plan = computePromises(input);
        for (const promise of plan.promises()) {
          const rules = expected.get(promise.preorderId);
          assert.deepEqual(promise.window, rules?.window);
          assert.deepEqual(unitsOf(promise), rules?.drawn);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('an earlier position is never served from a later lot than a later one at the same priority', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const plan = computePromises(input);
        // Each lot, as the allocations name it, numbered in serving order.
        const lotOrder = new Map<string, number>();
        for (const promise of plan.promises()) {
          for (const { batchId, inStock } of promise.allocations) {
            const key = `${batchId}/${inStock}`;
            if (!lotOrder.has(key)) lotOrder.set(key, lotOrder.size);
          }
        }
        const lastLot = (id: string) => {
          const promise = plan.promiseOf(id);
          const last = promise.allocations.at(-1);
          return promise.window && last
            ? (lotOrder.get(`${last.batchId}/${last.inStock}`) as number)
            : Infinity;
        };
        const byPosition = [...input.preorders].sort((a, b) => a.position - b.position);
        byPosition.forEach((earlier, i) => {
          for (const later of byPosition.slice(i + 1)) {
            if ((earlier.priority ?? 0) !== (later.priority ?? 0)) continue;
            assert.ok(
              lastLot(earlier.id) <= lastLot(later.id),
              `${earlier.id} is served later than ${later.id}`,
            );
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  test('with one buffer for all supply, told on the same day, an earlier position never gets a later window', () => {
    fc.assert(
      fc.property(inputArbitrary, fc.integer({ min: 0, max: 14 }), (drawn, bufferDays) => {
        const input = {
          ...drawn,
          batches: drawn.batches.map((batch) => ({ ...batch, bufferDays })),
          ...(drawn.onHand ? { onHand: { ...drawn.onHand, bufferDays } } : {}),
        };
        const plan = computePromises(input);
        const windowOf = (id: string) => plan.promiseOf(id, { madeOn: today }).window;
        const byPosition = [...input.preorders].sort((a, b) => a.position - b.position);
        byPosition.forEach((earlier, i) => {
          for (const later of byPosition.slice(i + 1)) {
            if ((earlier.priority ?? 0) !== (later.priority ?? 0)) continue;
            const order = compareWindows(windowOf(earlier.id), windowOf(later.id));
            assert.ok(order <= 0, `${earlier.id} is promised later than ${later.id}`);
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  test('no batch serves more than its quantity, and the summaries say what is served and to whom', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const plan = computePromises(input);
        const served = new Map<string, number>();
        const customers = new Map<string, number>();
        const countCustomer = (batchId: string | undefined) => {
          if (batchId) customers.set(batchId, (customers.get(batchId) ?? 0) + 1);
        };
        for (const promise of plan.promises()) {
          for (const { batchId, units } of promise.allocations)
            served.set(batchId, (served.get(batchId) ?? 0) + units);
          if (input.policy === 'split')
            new Set(promise.allocations.map(({ batchId }) => batchId)).forEach(countCustomer);
          else if (promise.status === 'promised') countCustomer(promise.allocations.at(-1)?.batchId);
        }
        const capacity = new Map(
          input.batches.map((batch) => [batch.id, Math.max(batch.quantity, batch.quantityReceived ?? 0)]),
        );
        if (input.onHand) capacity.set(onHandBatchId, input.onHand.quantity);
        for (const [batchId, units] of served) assert.ok(units <= (capacity.get(batchId) ?? 0), batchId);
        for (const summary of plan.batchSummaries()) {
          assert.equal(summary.unitsServed, served.get(summary.batchId) ?? 0, summary.batchId);
          assert.equal(summary.quantity, capacity.get(summary.batchId), summary.batchId);
          assert.equal(summary.customers, customers.get(summary.batchId) ?? 0, summary.batchId);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('every unit is promised exactly once or counted unpromised', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const plan = computePromises(input);
        let unpromisedUnits = 0;
        let unpromisedCustomers = 0;
        for (const promise of plan.promises()) {
          const quantity = input.preorders.find((each) => each.id === promise.preorderId)?.quantity;
          const allocated = promise.allocations.reduce((sum, { units }) => sum + units, 0);
          if (promise.status === 'promised') {
            assert.equal(allocated, quantity);
          } else {
            assert.ok(promise.unpromisedUnits > 0);
            assert.equal(allocated + promise.unpromisedUnits, quantity);
            unpromisedUnits += promise.unpromisedUnits;
            unpromisedCustomers++;
            assert.equal(promise.placeInLine, unpromisedCustomers);
          }
        }
        assert.equal(plan.preorderCount, input.preorders.length);
        assert.deepEqual(plan.unpromisedLine(), { units: unpromisedUnits, customers: unpromisedCustomers });
      }),
      { numRuns: 300 },
    );
  });

  test('the same input gives the same output, in whatever order the pre-orders come', () => {
    fc.assert(
      fc.property(inputArbitrary, (input) => {
        const once = snapshot(computePromises(input));
        assert.deepEqual(snapshot(computePromises(input)), once);
        assert.deepEqual(
          snapshot(computePromises({ ...input, preorders: [...input.preorders].reverse() })),
          once,
        );
      }),
      { numRuns: 200 },
    );
  });

  test('an incremental re-promise equals a full recompute after the same changes', () => {
    fc.assert(
      fc.property(inputArbitrary, fc.array(changeDraw, { minLength: 1, maxLength: 4 }), (start, draws) => {
        let input = start;
        let plan = computePromises(input);
        draws.forEach((draw, step) => {
          const resolved = resolve(input, draw, step);
          if (!resolved) return;
          const [change, changedInput] = resolved;
          const full = computePromises(changedInput);
          const { plan: incremental, moved, changed } = repromise(plan, change);
          assert.deepEqual(snapshot(incremental), snapshot(full));
          const existed = new Set(input.preorders.map((each) => each.id));
          assert.deepEqual(
            changed,
            [...full.promises()]
              .filter((after) => existed.has(after.preorderId))
              .filter(
                (after) => !isDeepStrictEqual(visible(plan.promiseOf(after.preorderId)), visible(after)),
              )
              .map((after) => after.preorderId),
            'changed names exactly the pre-orders whose promise a customer would see change',
          );
          // A pre-order the change added has not moved: it is new.
          const expectedMoved = [...full.promises()]
            .filter((after) => existed.has(after.preorderId))
            .filter((after) => compareWindows(plan.promiseOf(after.preorderId).window, after.window) !== 0)
            .map((after) => after.preorderId);
          assert.deepEqual(moved, expectedMoved);
          assert.deepEqual(promiseChanges(plan, incremental, 1), promiseChanges(plan, full, 1));
          input = changedInput;
          plan = incremental;
        });
        const first = computePromises(start);
        assert.deepEqual(promiseChanges(first, plan, 0), promiseChanges(first, computePromises(input), 0));
      }),
      { numRuns: 1000 },
    );
  });

  test('the next offer is the promise the next pre-order gets', () => {
    fc.assert(
      fc.property(
        inputArbitrary,
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 0, max: 3 }),
        (input, units, priority) => {
          const offer = nextOffer(computePromises(input), {
            units,
            priority,
            beyondSupply: 'to_be_confirmed',
          });
          const position = Math.max(0, ...input.preorders.map((each) => each.position)) + 1;
          const next = { id: 'po_next', position, quantity: units, priority };
          const placed = computePromises({ ...input, preorders: [...input.preorders, next] }).promiseOf(
            'po_next',
          );
          if (placed.status === 'promised') {
            assert.equal(offer.kind, 'promised');
            assert.deepEqual(offer.kind === 'promised' && offer.window, placed.window);
            assert.equal(
              offer.kind === 'promised' && offer.earliestRoom.batchId,
              placed.allocations[0]?.batchId,
            );
          } else {
            assert.equal(offer.kind, 'to_be_confirmed');
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
