/**
 * The promise engine: which supply serves each open pre-order of a campaign variant, and the ship window
 * that follows from it. Pure: the shop-calendar "today" comes in with the input.
 *
 * Pre-orders are served by merchant priority (higher first), then by queue position. Supply is cut into
 * lots — on-hand stock, the received part of a batch, the part still expected — and lots are used in
 * order: units in hand first, then expected units by their window. Allocation is then strictly first come,
 * first served over cumulative demand against cumulative supply, so a pre-order is never served from a
 * later lot than one behind it at the same priority (and, where every batch has the same buffer, never
 * told a later window on the same day), and a pre-order's promise is the window of the lot that covers its
 * last unit.
 *
 * Window shape `{ from, to }`: `from` is the day the lot is ready — a batch's ready date, the day its
 * first units were received, or any day for stock on the shelf — `to` is `from` plus the lot's buffer
 * days. The promise says "ships between from and to", so the buffer is visible in every promise; the
 * wording picks the smallest period (week, part of a month, month) that contains the window, or names
 * both days. "Later" means a later `to`, then a later `from`.
 *
 * A promise is dated: it never starts before the day it was made (`promisedOn`), and the window keeps its
 * length when that pushes it later. So time passing moves no promise (a batch whose ready date passed
 * unreceived leaves its customers' windows in the past: they are late, and the merchant should slip it),
 * while a promise made or remade today starts today at the earliest. Units in hand are served first,
 * in queue order, then what is expected in the order of its windows.
 *
 * Policy: `split` ships each lot's units when that lot is ready, `ship_complete` holds them until the
 * lot covering the last unit is ready. Both draw supply the same way: letting a later pre-order take
 * units an earlier one cannot use yet would hand it an earlier date, breaking the fair queue. The policy
 * changes when units ship and which batch a customer ships with.
 *
 * Internally the queue is struct-of-arrays (typed arrays, ranks in serving order) so a campaign of a
 * million pre-orders is a few linear passes; the readable objects are made on demand.
 */
import { type CalendarDate, calendarDate, dayNumber } from './calendar.ts';
import { DomainError } from './errors.ts';

export type FulfilmentPolicy = 'split' | 'ship_complete';
export type BatchState = 'planned' | 'confirmed' | 'received';

export interface OpenPreorder {
  readonly id: string;
  /** Queue position: a sequence per campaign, earlier is smaller. */
  readonly position: number;
  readonly quantity: number;
  /** Merchant priority, an integer; higher is served first. Default 0. */
  readonly priority?: number;
  /** The day its current promise was made: its window never starts earlier. Default: the plan's today. */
  readonly promisedOn?: CalendarDate;
}

export interface SupplyBatch {
  readonly id: string;
  /** The supplier's ready date in the shop calendar. */
  readonly readyDate: CalendarDate;
  readonly quantity: number;
  readonly bufferDays: number;
  readonly state: BatchState;
  /** Units received so far; only a `received` batch has some. More than `quantity` adds supply. */
  readonly quantityReceived?: number;
  /** The day its first units were received: they are ready from then. Default: the plan's today. */
  readonly receivedOn?: CalendarDate | null;
}

/** Stock on the shelf now, for backorder campaigns: ready today, shipped within its buffer. */
export interface OnHandStock {
  readonly quantity: number;
  readonly bufferDays: number;
}

export interface PromiseInput {
  readonly today: CalendarDate;
  readonly policy: FulfilmentPolicy;
  /** Pre-order ids must be unique; the input is fastest in queue order. */
  readonly preorders: readonly OpenPreorder[];
  readonly batches: readonly SupplyBatch[];
  readonly onHand?: OnHandStock;
}

export interface PromiseWindow {
  readonly from: CalendarDate;
  readonly to: CalendarDate;
}

/** Units of one pre-order drawn from one batch; a batch shows twice when part of it is in stock. */
export interface Allocation {
  readonly batchId: string;
  readonly units: number;
  readonly inStock: boolean;
  /** When these units ship; null while a ship-complete pre-order waits for supply no batch has. */
  readonly ships: PromiseWindow | null;
}

export type PreorderPromise =
  | {
      readonly status: 'promised';
      readonly preorderId: string;
      readonly window: PromiseWindow;
      readonly allocations: readonly Allocation[];
      /** The day the promise is dated: its window does not start before. */
      readonly promisedOn: CalendarDate;
    }
  | {
      readonly status: 'unpromised';
      readonly preorderId: string;
      readonly window: null;
      readonly promisedOn: CalendarDate;
      /** 1 for the first pre-order that planned supply does not cover. */
      readonly placeInLine: number;
      readonly unpromisedUnits: number;
      readonly allocations: readonly Allocation[];
    };

export interface BatchSummary {
  readonly batchId: string;
  readonly quantity: number;
  readonly unitsServed: number;
  /** Split: pre-orders with a unit from this batch. Ship complete: pre-orders that ship with it. */
  readonly customers: number;
  /** The window of the batch's units still expected, or of its stock when all of it is in. */
  readonly window: PromiseWindow;
}

export interface UnpromisedLine {
  readonly units: number;
  readonly customers: number;
}

export interface PromisePlan {
  readonly policy: FulfilmentPolicy;
  readonly today: CalendarDate;
  readonly preorderCount: number;
  /**
   * A pre-order's promise. `madeOn`: as if it were made (again) that day, for a promise about to be told
   * anew; by default it is dated as the input says.
   */
  promiseOf(preorderId: string, options?: { madeOn?: CalendarDate }): PreorderPromise;
  /** Every promise, in serving order. */
  promises(): IterableIterator<PreorderPromise>;
  /** On-hand stock and batches, earliest window first. */
  batchSummaries(): BatchSummary[];
  unpromisedLine(): UnpromisedLine;
}

export type PromiseChange =
  | { readonly kind: 'preorder_cancelled'; readonly preorderId: string }
  | { readonly kind: 'priority_changed'; readonly preorderId: string; readonly priority: number }
  | { readonly kind: 'batch_added'; readonly batch: SupplyBatch }
  /**
   * `quantityReceived` is the total received so far; `receivedOn` the day the first units came (default:
   * as the batch says, or the plan's today).
   */
  | {
      readonly kind: 'batch_received';
      readonly batchId: string;
      readonly quantityReceived: number;
      readonly receivedOn?: CalendarDate | null;
    }
  /** A new ready date, later or earlier. */
  | { readonly kind: 'batch_slipped'; readonly batchId: string; readonly readyDate: CalendarDate }
  /** Lowering it below what the batch serves re-promises the overflow to later supply or the line. */
  | { readonly kind: 'batch_quantity_changed'; readonly batchId: string; readonly quantity: number }
  /**
   * New pre-orders at the end of the queue: later positions than all, at the lowest priority there is,
   * as placements are. They move nobody.
   */
  | { readonly kind: 'preorders_appended'; readonly preorders: readonly OpenPreorder[] }
  /** These customers were told their promise (again) on this day: it is their new `promisedOn`. */
  | { readonly kind: 'promises_made'; readonly preorderIds: readonly string[]; readonly on: CalendarDate }
  /**
   * The calendar moved on to `today` (never back): received units and stock on hand are ready from then,
   * so their windows may move. Each pre-order keeps the day its promise was made, as the input or a
   * `promises_made` dated it (one the input left undated stays dated the plan's first day).
   */
  | { readonly kind: 'day_passed'; readonly today: CalendarDate };

export interface Repromised {
  readonly plan: PromisePlan;
  /** Pre-orders whose window changed (or that gained or lost a promise), in serving order. */
  readonly moved: readonly string[];
  /**
   * Pre-orders whose promise changed in any way a customer can see: the window, the batches and units it
   * draws on (and whether they are in stock), or the place in the waiting line. In serving order; the
   * pre-orders a change adds are not in it. What a store of promises has to write.
   */
  readonly changed: readonly string[];
}

export interface OfferRequest {
  /** Default 1. */
  readonly units?: number;
  /** Default 0. */
  readonly priority?: number;
  /** What ordering past planned supply gives: nothing, or a date to be confirmed. */
  readonly beyondSupply: 'sold_out' | 'to_be_confirmed';
}

export type NextOffer =
  | {
      readonly kind: 'promised';
      readonly units: number;
      /** The window of the lot that covers the last of the units: later when the first lot is short. */
      readonly window: PromiseWindow;
      /** The earliest batch with room: "Only 12 left in the first shipment". */
      readonly earliestRoom: {
        readonly batchId: string;
        readonly unitsLeft: number;
        readonly isFirstShipment: boolean;
      };
      readonly unitsLeftInSupply: number;
    }
  | { readonly kind: 'to_be_confirmed'; readonly units: number; readonly unitsLeftInSupply: number }
  | { readonly kind: 'sold_out'; readonly unitsAvailable: number };

export interface PromiseWindowChange {
  readonly preorderId: string;
  readonly oldWindow: PromiseWindow | null;
  readonly newWindow: PromiseWindow | null;
}

/** The batch id on-hand stock goes by in allocations and summaries. */
export const onHandBatchId = 'on_hand';

/** Merchant priorities: higher is served first; 0 is everyone's default. The API and the database use these. */
export const PRIORITY_RANGE = { min: 0, max: 1000 } as const;

/** The most units one variant's supply plan may hold: every count stays a 32-bit integer in the database. */
export const MAX_SUPPLY_UNITS = 1_000_000_000;

/** What a batch supplies: its quantity, or what was received when more came than planned. */
export function batchUnits(batch: Pick<SupplyBatch, 'quantity' | 'quantityReceived'>): number {
  return Math.max(batch.quantity, batch.quantityReceived ?? 0);
}

/** Units a supply plan holds in all: its batches and the stock on hand. */
export function supplyUnits(batches: readonly SupplyBatch[], onHand?: OnHandStock): number {
  return batches.reduce((total, batch) => total + batchUnits(batch), onHand?.quantity ?? 0);
}

/** Refuses a supply plan larger than Presell counts. */
export function assertSupplyFits(batches: readonly SupplyBatch[], onHand?: OnHandStock): void {
  const units = supplyUnits(batches, onHand);
  if (units > MAX_SUPPLY_UNITS) {
    throw new DomainError(
      'supply_too_large',
      `a variant's supply plan may hold at most ${MAX_SUPPLY_UNITS.toLocaleString('en')} units; this one would hold ${units.toLocaleString('en')}`,
      { limit: MAX_SUPPLY_UNITS, units },
    );
  }
}

function isPriority(priority: number): boolean {
  return Number.isInteger(priority) && priority >= PRIORITY_RANGE.min && priority <= PRIORITY_RANGE.max;
}

export function computePromises(input: PromiseInput): PromisePlan {
  const policy = policyOf(input.policy);
  const today = dayNumber(input.today);
  const batches = input.batches.map(batchOf);
  assertUniqueBatchIds(batches);
  const supply = supplyOf(batches, input.onHand ? onHandOf(input.onHand) : null, today);
  const queue = queueOf(input.preorders, today);
  return new Plan({ policy, today, supply, queue, promisedLot: allocate(queue.demandBefore, supply) });
}

/**
 * Applies one change to a plan and finds the pre-orders whose promise moves without revisiting the
 * others: a supply change compares the old and new lots over the stretches of units where they differ;
 * a queue change looks only at pre-orders whose last unit crosses a lot boundary.
 */
export function repromise(plan: PromisePlan, change: PromiseChange): Repromised {
  const state = stateOf(plan);
  switch (change.kind) {
    case 'preorder_cancelled':
      return requeue(plan, state, change.preorderId, null);
    case 'priority_changed':
      if (!isPriority(change.priority)) {
        throw new DomainError(
          'invalid_preorder',
          `a priority is a whole number from ${PRIORITY_RANGE.min} to ${PRIORITY_RANGE.max}`,
          { priority: change.priority },
        );
      }
      return requeue(plan, state, change.preorderId, change.priority);
    case 'batch_added': {
      const batches = [...state.supply.batches, batchOf(change.batch)];
      assertUniqueBatchIds(batches);
      return resupply(plan, state, batches);
    }
    case 'batch_received':
      return resupply(
        plan,
        state,
        withBatch(state, change.batchId, {
          state: 'received',
          quantityReceived: change.quantityReceived,
          ...(change.receivedOn ? { receivedOn: change.receivedOn } : {}),
        }),
      );
    case 'batch_slipped':
      return resupply(plan, state, withBatch(state, change.batchId, { readyDate: change.readyDate }));
    case 'batch_quantity_changed':
      return resupply(plan, state, withBatch(state, change.batchId, { quantity: change.quantity }));
    case 'preorders_appended':
      return append(plan, state, change.preorders);
    case 'promises_made':
      return remade(plan, state, change.preorderIds, dayNumber(change.on));
    case 'day_passed':
      return dayPassed(plan, state, dayNumber(change.today));
  }
}

/** What the next shopper would be promised for `units` more units, placed behind everyone at or above their priority. */
export function nextOffer(plan: PromisePlan, request: OfferRequest): NextOffer {
  const { supply, queue } = stateOf(plan);
  const units = request.units ?? 1;
  const priority = request.priority ?? 0;
  if (!Number.isSafeInteger(units) || units <= 0 || !Number.isSafeInteger(priority)) {
    throw new DomainError(
      'invalid_offer',
      'an offer is for a positive whole number of units at an integer priority',
      {
        units,
        priority,
      },
    );
  }
  const unitsAhead = queue.demandBefore[firstRankBelowPriority(queue, priority)] as number;
  const unitsLeftInSupply = Math.max(0, totalSupply(supply) - unitsAhead);
  if (units > unitsLeftInSupply) {
    return request.beyondSupply === 'to_be_confirmed'
      ? { kind: 'to_be_confirmed', units, unitsLeftInSupply }
      : { kind: 'sold_out', unitsAvailable: unitsLeftInSupply };
  }
  const firstLot = lotIndexOfUnit(supply, unitsAhead + 1);
  const earliest = supply.lots[firstLot] as Lot;
  return {
    kind: 'promised',
    units,
    window: datedWindow(supply.lots[lotIndexOfUnit(supply, unitsAhead + units)] as Lot, stateOf(plan).today),
    earliestRoom: {
      batchId: earliest.batchId,
      unitsLeft: (supply.cumulative[firstLot + 1] as number) - unitsAhead,
      isFirstShipment: firstLot === 0,
    },
    unitsLeftInSupply,
  };
}

/**
 * Pre-orders whose window moved by more than `toleranceDays` at either end, or that gained or lost a
 * promise, between two plans of the same campaign variant. Pre-orders only one plan has are left out:
 * a placement or a cancellation is its own event. Fast when `after` came from `before` through repromise.
 */
export function promiseChanges(
  before: PromisePlan,
  after: PromisePlan,
  toleranceDays: number,
): PromiseWindowChange[] {
  if (!Number.isSafeInteger(toleranceDays) || toleranceDays < 0) {
    throw new DomainError('invalid_tolerance', 'a tolerance is a whole number of days, 0 or more', {
      toleranceDays,
    });
  }
  stateOf(before);
  const current = stateOf(after);
  const oldPlan = before as Plan;
  const newPlan = after as Plan;
  const changes: PromiseWindowChange[] = [];
  const consider = (rank: number) => {
    const oldRank = oldPlan.rankOfId(idAt(current.queue, rank));
    if (oldRank < 0) return;
    const oldWindow = oldPlan.promiseAt(oldRank).window;
    const newWindow = newPlan.promiseAt(rank).window;
    if (windowMoved(oldWindow, newWindow, toleranceDays)) {
      changes.push({ preorderId: idAt(current.queue, rank), oldWindow, newWindow });
    }
  };
  const origin = current.origin;
  if (origin?.previous.deref() === before) origin.changedRanks.forEach(consider);
  else for (let rank = 0; rank < current.queue.serving.length; rank++) consider(rank);
  return changes;
}

// ——— internals ———

interface Batch extends SupplyBatch {
  readonly readyDay: number;
  readonly quantityReceived: number;
  readonly receivedDay: number | null;
}

/** A part of the supply with one window: on-hand stock, a batch's received units, or its expected units. */
interface Lot {
  /** Stable across plans of the same campaign: on-hand 0, batch i received 1 + 2i, expected 2 + 2i. */
  readonly key: number;
  readonly batchId: string;
  readonly inStock: boolean;
  readonly supply: number;
  readonly fromDay: number;
  readonly toDay: number;
  window?: PromiseWindow;
}

interface Supply {
  readonly batches: readonly Batch[];
  readonly onHand: OnHandStock | null;
  /** Lots with units, in serving order. */
  readonly lots: readonly Lot[];
  /** cumulative[k] is the units of the lots before lot k; length lots + 1. */
  readonly cumulative: Float64Array;
  /** Lot key → index in `lots`, or -1 when that lot has no units. */
  readonly lotIndexByKey: Int32Array;
}

/**
 * Open pre-orders by input index, and the serving order over them. The input array is kept, not copied
 * (ids and positions are read from it), so it must not change while plans made from it are in use.
 */
interface Queue {
  readonly preorders: readonly OpenPreorder[];
  readonly quantities: Uint32Array;
  /** Input index → the day its promise was made (day number). */
  readonly promisedOn: Int32Array;
  /** Copied because a priority change makes a new array while the input stays as it was. */
  readonly priorities: Int32Array;
  /** Rank → input index. Cancelled pre-orders have no rank. */
  readonly serving: Uint32Array;
  /** demandBefore[r] is the units ahead of rank r; demandBefore[r + 1] is rank r's last unit. */
  readonly demandBefore: Float64Array;
}

interface PlanState {
  readonly policy: FulfilmentPolicy;
  readonly today: number;
  readonly supply: Supply;
  readonly queue: Queue;
  /** Rank → key of the lot that covers its last unit, or `unpromised`. */
  readonly promisedLot: Int32Array;
  /**
   * Set by repromise: the plan it came from, the ranks that moved and their lot keys before. Held
   * weakly, so that a long run of changes does not keep every earlier plan alive.
   */
  readonly origin?: {
    readonly previous: WeakRef<PromisePlan>;
    /** Ranks whose promise changed, in serving order. */
    readonly changedRanks: readonly number[];
  };
}

const unpromised = -1;
const maxQuantity = 0xffff_ffff;
const onHandKey = 0;
const receivedKey = (batchIndex: number) => 1 + 2 * batchIndex;
const expectedKey = (batchIndex: number) => 2 + 2 * batchIndex;

/**
 * Finding pre-orders by id, per input array and shared by every plan made from it. The first lookups
 * scan the array (a few ms for a million); a map, which costs a few hundred ms to build for a million,
 * is built only once the array has been searched often enough to pay for it.
 */
const lookupsByInput = new WeakMap<readonly OpenPreorder[], { scans: number; index?: Map<string, number> }>();
const scansBeforeIndex = 32;

class Plan implements PromisePlan {
  #rankByIndex: Int32Array | undefined;

  constructor(readonly state: PlanState) {}

  get policy() {
    return this.state.policy;
  }

  get today() {
    return calendarDate(this.state.today);
  }

  get preorderCount() {
    return this.state.queue.serving.length;
  }

  promiseOf(preorderId: string, options?: { madeOn?: CalendarDate }): PreorderPromise {
    const rank = this.rankOfId(preorderId);
    if (rank < 0) throw unknownPreorder(preorderId);
    return this.promiseAt(rank, options?.madeOn === undefined ? undefined : dayNumber(options.madeOn));
  }

  *promises(): IterableIterator<PreorderPromise> {
    for (let rank = 0; rank < this.preorderCount; rank++) yield this.promiseAt(rank);
  }

  batchSummaries(): BatchSummary[] {
    const { supply } = this.state;
    const sources = [
      { batchId: onHandBatchId, keys: [onHandKey] },
      ...supply.batches.map((batch, index) => ({
        batchId: batch.id,
        keys: [receivedKey(index), expectedKey(index)],
      })),
    ];
    return (
      sources
        .map(({ batchId, keys }) => ({
          batchId,
          lots: keys.map((key) => supply.lotIndexByKey[key] as number).filter((lot) => lot >= 0),
        }))
        .filter(({ lots }) => lots.length > 0)
        // Lot indexes follow serving order, so a batch's latest lot orders it by window.
        .sort((a, b) => Math.max(...a.lots) - Math.max(...b.lots))
        .map(({ batchId, lots }) => this.summaryOf(batchId, lots))
    );
  }

  unpromisedLine(): UnpromisedLine {
    const { queue, supply } = this.state;
    return {
      units: Math.max(0, totalDemand(queue) - totalSupply(supply)),
      customers: queue.serving.length - this.firstUnpromisedRank(),
    };
  }

  /** -1 when the pre-order is not open in this plan. */
  rankOfId(preorderId: string): number {
    const index = inputIndexOf(this.state.queue.preorders, preorderId);
    return index === undefined ? -1 : (this.rankByIndex()[index] as number);
  }

  private rankByIndex(): Int32Array {
    if (!this.#rankByIndex) {
      const { preorders, serving } = this.state.queue;
      const rankByIndex = new Int32Array(preorders.length).fill(-1);
      for (let rank = 0; rank < serving.length; rank++) rankByIndex[serving[rank] as number] = rank;
      this.#rankByIndex = rankByIndex;
    }
    return this.#rankByIndex;
  }

  /** The promise at a rank, dated `madeOn` (a day number) instead of when it was made, when given. */
  promiseAt(rank: number, madeOn?: number): PreorderPromise {
    const { queue, supply } = this.state;
    const preorderId = idAt(queue, rank);
    const notBefore = madeOn ?? (queue.promisedOn[queue.serving[rank] as number] as number);
    const lot = promisedLotAt(this.state, rank);
    const window = lot ? datedWindow(lot, notBefore) : null;
    const allocations = this.allocationsAt(rank, window, notBefore);
    const promisedOn = calendarDate(notBefore);
    if (window) return { status: 'promised', preorderId, window, allocations, promisedOn };
    const covered = Math.max(0, totalSupply(supply) - (queue.demandBefore[rank] as number));
    return {
      status: 'unpromised',
      preorderId,
      window: null,
      placeInLine: rank - this.firstUnpromisedRank() + 1,
      unpromisedUnits: quantityAt(queue, rank) - covered,
      allocations,
      promisedOn,
    };
  }

  private allocationsAt(rank: number, promise: PromiseWindow | null, notBefore: number): Allocation[] {
    const { supply, policy, queue } = this.state;
    const first = queue.demandBefore[rank] as number;
    const last = queue.demandBefore[rank + 1] as number;
    const allocations: Allocation[] = [];
    for (let index = lotIndexOfUnit(supply, first + 1); index < supply.lots.length; index++) {
      const lotStart = supply.cumulative[index] as number;
      if (lotStart >= last) break;
      const lot = supply.lots[index] as Lot;
      allocations.push({
        batchId: lot.batchId,
        units: Math.min(last, supply.cumulative[index + 1] as number) - Math.max(first, lotStart),
        inStock: lot.inStock,
        ships: policy === 'split' ? datedWindow(lot, notBefore) : promise,
      });
    }
    return allocations;
  }

  private summaryOf(batchId: string, lots: readonly number[]): BatchSummary {
    const { supply, policy } = this.state;
    const sum = (measure: (lot: number) => number) => lots.reduce((total, lot) => total + measure(lot), 0);
    return {
      batchId,
      quantity: sum((lot) => (supply.lots[lot] as Lot).supply),
      unitsServed: sum((lot) => this.unitsServedBy(lot)),
      customers:
        policy === 'split'
          ? sizeOfUnion(lots.map((lot) => this.ranksDrawingOn(lot)))
          : sum((lot) => sizeOfUnion([this.ranksEndingIn(lot)])),
      window: datedWindow(supply.lots[Math.max(...lots)] as Lot, this.state.today),
    };
  }

  private unitsServedBy(lot: number): number {
    const start = this.state.supply.cumulative[lot] as number;
    const supply = (this.state.supply.lots[lot] as Lot).supply;
    return Math.min(supply, Math.max(0, totalDemand(this.state.queue) - start));
  }

  /** Ranks with at least one unit in the lot: [from, to). */
  private ranksDrawingOn(lot: number): RankRange {
    const { cumulative } = this.state.supply;
    const { demandBefore, serving } = this.state.queue;
    return {
      from: firstRankEndingAfter(this.state.queue, cumulative[lot] as number),
      to: firstIndexAbove(demandBefore, (cumulative[lot + 1] as number) - 1, 0, serving.length),
    };
  }

  /** Ranks whose last unit is in the lot. */
  private ranksEndingIn(lot: number): RankRange {
    const { cumulative } = this.state.supply;
    return {
      from: firstRankEndingAfter(this.state.queue, cumulative[lot] as number),
      to: firstRankEndingAfter(this.state.queue, cumulative[lot + 1] as number),
    };
  }

  firstUnpromisedRank(): number {
    return firstRankEndingAfter(this.state.queue, totalSupply(this.state.supply));
  }
}

/** Ranks [from, to); empty when to <= from. */
interface RankRange {
  readonly from: number;
  readonly to: number;
}

function stateOf(plan: PromisePlan): PlanState {
  if (!(plan instanceof Plan)) {
    throw new DomainError('invalid_plan', 'a promise plan comes from computePromises or repromise');
  }
  return plan.state;
}

/** The two-pointer pass: cumulative demand against cumulative supply, both ascending. */
function allocate(demandBefore: Float64Array, supply: Supply): Int32Array {
  const ranks = demandBefore.length - 1;
  const promisedLot = new Int32Array(ranks);
  const { lots, cumulative } = supply;
  let lot = 0;
  for (let rank = 0; rank < ranks; rank++) {
    const lastUnit = demandBefore[rank + 1] as number;
    while (lot < lots.length && (cumulative[lot + 1] as number) < lastUnit) lot++;
    promisedLot[rank] = lot < lots.length ? (lots[lot] as Lot).key : unpromised;
  }
  return promisedLot;
}

function resupply(plan: PromisePlan, state: PlanState, batches: readonly Batch[]): Repromised {
  const { queue } = state;
  const supply = supplyOf(batches, state.supply.onHand, state.today);
  let promisedLot = state.promisedLot;
  const candidates: RankRange[] = [];
  forEachStretch(state.supply, supply, totalDemand(queue), (lastUnitAbove, lastUnitUpTo, oldLot, newLot) => {
    const oldKey = oldLot?.key ?? unpromised;
    const newKey = newLot?.key ?? unpromised;
    const windowMoves = !sameWindow(oldLot, newLot);
    if (oldKey === newKey && !windowMoves) return;
    candidates.push(ranksTouching(queue, lastUnitAbove, lastUnitUpTo + 1));
    const from = firstRankEndingAfter(queue, lastUnitAbove);
    const to = firstRankEndingAfter(queue, lastUnitUpTo);
    if (oldKey !== newKey) {
      if (promisedLot === state.promisedLot) promisedLot = promisedLot.slice();
      promisedLot.fill(newKey, from, to);
    }
  });
  return derivedPlan(plan, { ...state, supply, promisedLot }, candidates, null);
}

/**
 * Walks the units 1..demand in stretches where both the old and the new supply have one lot each
 * (or none: past the supply) and calls `visit` with the stretch (lastUnitAbove, lastUnitUpTo].
 */
function forEachStretch(
  old: Supply,
  current: Supply,
  demand: number,
  visit: (
    lastUnitAbove: number,
    lastUnitUpTo: number,
    oldLot: Lot | undefined,
    newLot: Lot | undefined,
  ) => void,
) {
  let unit = 0;
  let oldIndex = 0;
  let newIndex = 0;
  while (unit < demand) {
    const oldEnd = oldIndex < old.lots.length ? (old.cumulative[oldIndex + 1] as number) : demand;
    const newEnd = newIndex < current.lots.length ? (current.cumulative[newIndex + 1] as number) : demand;
    const end = Math.min(oldEnd, newEnd, demand);
    visit(unit, end, old.lots[oldIndex], current.lots[newIndex]);
    unit = end;
    if (oldEnd === end) oldIndex++;
    if (newEnd === end) newIndex++;
  }
}

/**
 * Cancels (priority null) or re-prioritises one pre-order. Only the pre-orders between its old and new
 * rank shift, all by its quantity; of those, only the ones whose last unit crosses a lot boundary can
 * move. The arrays are rebuilt in linear passes over typed arrays; promises are looked at only where
 * they can move.
 */
function requeue(
  plan: PromisePlan,
  state: PlanState,
  preorderId: string,
  priority: number | null,
): Repromised {
  const { queue, supply } = state;
  const rank = (plan as Plan).rankOfId(preorderId);
  if (rank < 0) throw unknownPreorder(preorderId);
  const index = queue.serving[rank] as number;
  const quantity = queue.quantities[index] as number;
  const priorities = priority === null ? queue.priorities : withValueAt(queue.priorities, index, priority);
  const rest = withoutRank(queue.serving, rank);
  const newRank = priority === null ? -1 : insertionRank(rest, priorities, queue.preorders, index);
  const serving = newRank < 0 ? rest : withRank(rest, newRank, index);
  const firstChanged = newRank < 0 ? rank : Math.min(rank, newRank);
  const newQueue: Queue = {
    ...queue,
    priorities,
    serving,
    demandBefore: prefixSums(serving, queue.quantities, queue.demandBefore, firstChanged),
  };
  const restLots = withoutRank(state.promisedLot, rank);
  const promisedLot = newRank < 0 ? restLots : withRank(restLots, newRank, unpromised);
  const repromiseRank = (newRankOf: number) => {
    const lot = lotIndexOfUnit(supply, newQueue.demandBefore[newRankOf + 1] as number);
    promisedLot[newRankOf] = supply.lots[lot]?.key ?? unpromised;
  };
  const shifted =
    newRank < 0 || newRank > rank
      ? { from: rank, to: newRank < 0 ? serving.length : newRank, delta: -quantity }
      : { from: newRank + 1, to: rank + 1, delta: quantity };
  // Whose units now fall differently across lots: near a lot boundary, by up to the units that moved.
  const candidates: RankRange[] = [];
  for (let lot = 1; lot <= supply.lots.length; lot++) {
    const boundary = supply.cumulative[lot] as number;
    const near = ranksTouching(newQueue, boundary - quantity, boundary + quantity + 1);
    candidates.push({ from: Math.max(near.from, shifted.from), to: Math.min(near.to, shifted.to) });
  }
  if (newRank >= 0) candidates.push({ from: newRank, to: newRank + 1 });
  if (newRank >= 0) repromiseRank(newRank);
  forEachCrossingRank(newQueue, supply, shifted, repromiseRank);
  return derivedPlan(plan, { ...state, queue: newQueue, promisedLot }, candidates, firstChanged);
}

/** These promises were told on `day`: it dates them from now on. Nothing else changes. */
function remade(plan: PromisePlan, state: PlanState, ids: readonly string[], day: number): Repromised {
  const promisedOn = state.queue.promisedOn.slice();
  for (const id of ids) {
    const index = inputIndexOf(state.queue.preorders, id);
    if (index === undefined) throw unknownPreorder(id);
    promisedOn[index] = day;
  }
  return derivedPlan(plan, { ...state, queue: { ...state.queue, promisedOn } }, [], null);
}

/** Every promise looked at again: which lots have units, and when they are ready, may depend on the day. */
function dayPassed(plan: PromisePlan, state: PlanState, today: number): Repromised {
  if (today < state.today) {
    throw new DomainError('invalid_plan', 'a plan moves on to a later day, never back', {
      today: calendarDate(today),
      planToday: calendarDate(state.today),
    });
  }
  const supply = supplyOf(state.supply.batches, state.supply.onHand, today);
  const promisedLot = allocate(state.queue.demandBefore, supply);
  const everyone = [{ from: 0, to: state.queue.serving.length }];
  return derivedPlan(plan, { ...state, today, supply, promisedLot }, everyone, null);
}

/** Pre-orders placed after everyone: nobody's promise moves, the new ones are promised what is left. */
function append(plan: PromisePlan, state: PlanState, added: readonly OpenPreorder[]): Repromised {
  if (added.length === 0) return derivedPlan(plan, state, [], null);
  const { queue, supply } = state;
  const preorders = [...queue.preorders, ...added];
  const appended = queueOf(added, state.today);
  const lowest = queue.serving.length === 0 ? PRIORITY_RANGE.min : lowestPriority(queue);
  const lastPosition = queue.preorders.reduce((last, each) => Math.max(last, each.position), -Infinity);
  for (let rank = 0; rank < appended.serving.length; rank++) {
    const each = added[appended.serving[rank] as number] as OpenPreorder;
    if ((each.priority ?? 0) > lowest || each.position <= lastPosition) {
      throw new DomainError('invalid_preorder', 'appended pre-orders come after everyone in the queue', {
        preorderId: each.id,
      });
    }
  }
  const count = queue.preorders.length;
  const quantities = new Uint32Array(count + added.length);
  quantities.set(queue.quantities);
  quantities.set(appended.quantities, count);
  const promisedOn = new Int32Array(count + added.length);
  promisedOn.set(queue.promisedOn);
  promisedOn.set(appended.promisedOn, count);
  const priorities = new Int32Array(count + added.length);
  priorities.set(queue.priorities);
  priorities.set(appended.priorities, count);
  const serving = new Uint32Array(queue.serving.length + added.length);
  serving.set(queue.serving);
  appended.serving.forEach((index, rank) => {
    serving[queue.serving.length + rank] = count + index;
  });
  const newQueue: Queue = {
    preorders,
    quantities,
    promisedOn,
    priorities,
    serving,
    demandBefore: prefixSums(serving, quantities, queue.demandBefore, queue.serving.length),
  };
  const promisedLot = new Int32Array(serving.length);
  promisedLot.set(state.promisedLot);
  for (let rank = queue.serving.length; rank < serving.length; rank++) {
    promisedLot[rank] =
      supply.lots[lotIndexOfUnit(supply, newQueue.demandBefore[rank + 1] as number)]?.key ?? unpromised;
  }
  return derivedPlan(plan, { ...state, queue: newQueue, promisedLot }, [], null);
}

function lowestPriority(queue: Queue): number {
  return queue.priorities[queue.serving[queue.serving.length - 1] as number] as number;
}

/** Ranks with a unit in the open interval (above, below). */
function ranksTouching(queue: Queue, above: number, below: number): RankRange {
  return {
    from: firstRankEndingAfter(queue, above),
    to: firstIndexAbove(queue.demandBefore, below - 2, 0, queue.serving.length),
  };
}

/**
 * Ranks in [from, to) whose last unit, moved by `delta` units, crossed a lot boundary (the end of the
 * supply included). A unit u is in lot k when cumulative[k] < u <= cumulative[k + 1].
 */
function forEachCrossingRank(
  queue: Queue,
  supply: Supply,
  shifted: { from: number; to: number; delta: number },
  visit: (rank: number) => void,
) {
  const { from, to, delta } = shifted;
  let next = from;
  for (let lot = 1; lot <= supply.lots.length; lot++) {
    const boundary = supply.cumulative[lot] as number;
    // Moved earlier by |delta|: the new last unit is in (boundary - |delta|, boundary]; later: in (boundary, boundary + delta].
    const above = delta < 0 ? boundary + delta : boundary;
    const first = Math.max(next, from, firstRankEndingAfter(queue, above));
    const end = Math.min(to, firstRankEndingAfter(queue, above + Math.abs(delta)));
    for (let rank = first; rank < end; rank++) visit(rank);
    next = Math.max(next, end);
  }
}

/**
 * The plan a change made, with who moved and whose promise changed. `candidates` are the ranks (in the
 * new plan) whose promise may have changed, and `shiftedFrom` the first rank whose place in the queue
 * moved (null: none did); each candidate is compared with its promise before, so only real changes count.
 */
function derivedPlan(
  previous: PromisePlan,
  state: PlanState,
  candidates: readonly RankRange[],
  shiftedFrom: number | null,
): Repromised {
  const before = previous as Plan;
  const draft = new Plan(state);
  // The waiting line: a place in it changes for everyone in it when its start moves, and for those whose
  // place in the queue moved.
  const oldStart = before.firstUnpromisedRank();
  const newStart = draft.firstUnpromisedRank();
  const count = state.queue.serving.length;
  const lineFrom =
    oldStart === newStart
      ? shiftedFrom === null
        ? count
        : Math.max(newStart, shiftedFrom)
      : Math.min(oldStart, newStart);
  const ranks = new Set<number>();
  for (const { from, to } of [...candidates, { from: lineFrom, to: count }]) {
    for (let rank = Math.max(from, 0); rank < Math.min(to, count); rank++) ranks.add(rank);
  }
  const changedRanks: number[] = [];
  const moved: string[] = [];
  for (const rank of [...ranks].sort((a, b) => a - b)) {
    const oldRank = before.rankOfId(idAt(state.queue, rank));
    if (oldRank < 0) continue;
    const old = before.promiseAt(oldRank);
    const now = draft.promiseAt(rank);
    if (samePromise(old, now)) continue;
    changedRanks.push(rank);
    if (!sameDates(old.window, now.window)) moved.push(idAt(state.queue, rank));
  }
  const plan = new Plan({ ...state, origin: { previous: new WeakRef(previous), changedRanks } });
  return { plan, moved, changed: changedRanks.map((rank) => idAt(state.queue, rank)) };
}

function sameDates(a: PromiseWindow | null, b: PromiseWindow | null): boolean {
  return a === b || (a !== null && b !== null && a.from === b.from && a.to === b.to);
}

/** Two promises a customer could not tell apart. */
function samePromise(a: PreorderPromise, b: PreorderPromise): boolean {
  if (a.status !== b.status) return false;
  if (a.status === 'promised' && b.status === 'promised') {
    if (a.window.from !== b.window.from || a.window.to !== b.window.to) return false;
  } else if (a.status === 'unpromised' && b.status === 'unpromised' && a.placeInLine !== b.placeInLine) {
    return false;
  }
  if (a.allocations.length !== b.allocations.length) return false;
  return a.allocations.every((allocation, i) => {
    const other = b.allocations[i] as Allocation;
    return (
      allocation.batchId === other.batchId &&
      allocation.units === other.units &&
      allocation.inStock === other.inStock &&
      sameDates(allocation.ships, other.ships)
    );
  });
}

// ——— queue ———

function queueOf(preorders: readonly OpenPreorder[], today: number): Queue {
  const count = preorders.length;
  const quantities = new Uint32Array(count);
  const priorities = new Int32Array(count);
  const promisedOn = new Int32Array(count);
  let inQueueOrder = true;
  let previousPosition = Number.NEGATIVE_INFINITY;
  for (let index = 0; index < count; index++) {
    const preorder = preorders[index] as OpenPreorder;
    const { position, quantity } = preorder;
    const priority = preorder.priority ?? 0;
    if (
      typeof preorder.id !== 'string' ||
      !Number.isSafeInteger(position) ||
      !(Number.isInteger(quantity) && quantity > 0 && quantity <= maxQuantity) ||
      !isPriority(priority)
    ) {
      throw new DomainError(
        'invalid_preorder',
        `a pre-order has an id, an integer position, a whole quantity from 1 and a priority from ${PRIORITY_RANGE.min} to ${PRIORITY_RANGE.max}`,
        { preorder },
      );
    }
    quantities[index] = quantity;
    priorities[index] = priority;
    promisedOn[index] = preorder.promisedOn === undefined ? today : dayNumber(preorder.promisedOn);
    if (position <= previousPosition) inQueueOrder = false;
    previousPosition = position;
  }
  const byPosition = inQueueOrder ? indexes(count) : sortByPosition(preorders);
  const serving = servingOrder(byPosition, priorities, preorders);
  return {
    preorders,
    quantities,
    promisedOn,
    priorities,
    serving,
    demandBefore: prefixSums(serving, quantities),
  };
}

function sortByPosition(preorders: readonly OpenPreorder[]): Uint32Array {
  const positions = Float64Array.from(preorders, (preorder) => preorder.position);
  const byPosition = indexes(positions.length).sort(
    (a, b) => (positions[a] as number) - (positions[b] as number),
  );
  for (let rank = 1; rank < byPosition.length; rank++) {
    const position = positions[byPosition[rank] as number] as number;
    if (position === positions[byPosition[rank - 1] as number]) {
      throw new DomainError('duplicate_position', `two pre-orders share queue position ${position}`, {
        position,
      });
    }
  }
  return byPosition;
}

/**
 * Stable by priority, highest first, keeping queue order within a priority. Priorities usually span a
 * few values, so a counting sort keeps this linear; a wide spread falls back to a comparison sort.
 */
function servingOrder(
  byPosition: Uint32Array,
  priorities: Int32Array,
  preorders: readonly OpenPreorder[],
): Uint32Array {
  let highest = -(2 ** 31);
  let lowest = 2 ** 31;
  for (let index = 0; index < priorities.length; index++) {
    const priority = priorities[index] as number;
    if (priority > highest) highest = priority;
    if (priority < lowest) lowest = priority;
  }
  if (!(highest > lowest)) return byPosition;
  if (highest - lowest >= 1 << 16) {
    return byPosition.slice().sort((a, b) => servedBefore(a, b, priorities, preorders));
  }
  const counts = new Uint32Array(highest - lowest + 1);
  for (let index = 0; index < priorities.length; index++) {
    const bucket = highest - (priorities[index] as number);
    counts[bucket] = (counts[bucket] as number) + 1;
  }
  const nextSlot = new Uint32Array(counts.length);
  for (let bucket = 1; bucket < counts.length; bucket++) {
    nextSlot[bucket] = (nextSlot[bucket - 1] as number) + (counts[bucket - 1] as number);
  }
  const serving = new Uint32Array(byPosition.length);
  for (let rank = 0; rank < byPosition.length; rank++) {
    const index = byPosition[rank] as number;
    const bucket = highest - (priorities[index] as number);
    const slot = nextSlot[bucket] as number;
    serving[slot] = index;
    nextSlot[bucket] = slot + 1;
  }
  return serving;
}

/** Negative when the pre-order at input index `a` is served before the one at `b`. */
function servedBefore(
  a: number,
  b: number,
  priorities: Int32Array,
  preorders: readonly OpenPreorder[],
): number {
  return (
    (priorities[b] as number) - (priorities[a] as number) ||
    (preorders[a] as OpenPreorder).position - (preorders[b] as OpenPreorder).position
  );
}

/** Units ahead of each rank. Ranks below `from` are taken from `unchanged`. */
function prefixSums(
  serving: Uint32Array,
  quantities: Uint32Array,
  unchanged?: Float64Array,
  from = 0,
): Float64Array {
  const sums = new Float64Array(serving.length + 1);
  if (unchanged) sums.set(unchanged.subarray(0, from + 1));
  for (let rank = from; rank < serving.length; rank++) {
    sums[rank + 1] = (sums[rank] as number) + (quantities[serving[rank] as number] as number);
  }
  return sums;
}

/** Where a pre-order goes in a serving order it is not in: after everyone at a higher priority or earlier at its own. */
function insertionRank(
  serving: Uint32Array,
  priorities: Int32Array,
  preorders: readonly OpenPreorder[],
  index: number,
): number {
  let low = 0;
  let high = serving.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (servedBefore(serving[middle] as number, index, priorities, preorders) < 0) low = middle + 1;
    else high = middle;
  }
  return low;
}

function firstRankBelowPriority(queue: Queue, priority: number): number {
  let low = 0;
  let high = queue.serving.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((queue.priorities[queue.serving[middle] as number] as number) >= priority) low = middle + 1;
    else high = middle;
  }
  return low;
}

function inputIndexOf(preorders: readonly OpenPreorder[], preorderId: string): number | undefined {
  let lookups = lookupsByInput.get(preorders);
  if (!lookups) {
    lookups = { scans: 0 };
    lookupsByInput.set(preorders, lookups);
  }
  if (!lookups.index && lookups.scans < scansBeforeIndex) {
    lookups.scans++;
    const index = preorders.findIndex((preorder) => preorder.id === preorderId);
    return index < 0 ? undefined : index;
  }
  lookups.index ??= indexById(preorders);
  return lookups.index.get(preorderId);
}

function indexById(preorders: readonly OpenPreorder[]): Map<string, number> {
  const index = new Map<string, number>();
  for (let i = 0; i < preorders.length; i++) {
    const { id } = preorders[i] as OpenPreorder;
    if (index.has(id))
      throw new DomainError('duplicate_preorder', `pre-order ${id} is in the queue twice`, { id });
    index.set(id, i);
  }
  return index;
}

function idAt(queue: Queue, rank: number): string {
  return (queue.preorders[queue.serving[rank] as number] as OpenPreorder).id;
}

function quantityAt(queue: Queue, rank: number): number {
  return queue.quantities[queue.serving[rank] as number] as number;
}

function totalDemand(queue: Queue): number {
  return queue.demandBefore[queue.serving.length] as number;
}

/** The first rank whose last unit is beyond `unit`; the rank count when there is none. */
function firstRankEndingAfter(queue: Queue, unit: number): number {
  return firstIndexAbove(queue.demandBefore, unit, 1, queue.serving.length + 1) - 1;
}

// ——— supply ———

function supplyOf(batches: readonly Batch[], onHand: OnHandStock | null, today: number): Supply {
  const lots: Lot[] = [];
  const addLot = (
    key: number,
    batchId: string,
    inStock: boolean,
    supply: number,
    fromDay: number,
    bufferDays: number,
  ) => {
    if (supply > 0) lots.push({ key, batchId, inStock, supply, fromDay, toDay: fromDay + bufferDays });
  };
  // Stock on the shelf is ready any day: each promise of it starts the day it was made.
  if (onHand) addLot(onHandKey, onHandBatchId, true, onHand.quantity, 0, onHand.bufferDays);
  batches.forEach((batch, index) => {
    addLot(
      receivedKey(index),
      batch.id,
      true,
      batch.quantityReceived,
      batch.receivedDay ?? today,
      batch.bufferDays,
    );
    const expected = batchUnits(batch) - batch.quantityReceived;
    addLot(expectedKey(index), batch.id, false, expected, batch.readyDay, batch.bufferDays);
  });
  lots.sort(servedEarlier);
  const cumulative = new Float64Array(lots.length + 1);
  const lotIndexByKey = new Int32Array(expectedKey(batches.length - 1) + 1).fill(-1);
  lots.forEach((lot, index) => {
    cumulative[index + 1] = (cumulative[index] as number) + lot.supply;
    lotIndexByKey[lot.key] = index;
  });
  return { batches, onHand, lots, cumulative, lotIndexByKey };
}

/**
 * Serving order of lots: what is in hand first (stock on the shelf, then received units by the day they
 * came), then what is expected by its window — earlier promised-by date, then earlier ready date — then
 * batch id. It does not depend on the day, so time passing reorders nothing.
 */
function servedEarlier(a: Lot, b: Lot): number {
  return (
    Number(b.inStock) - Number(a.inStock) ||
    a.toDay - b.toDay ||
    a.fromDay - b.fromDay ||
    (a.batchId < b.batchId ? -1 : a.batchId > b.batchId ? 1 : 0) ||
    a.key - b.key
  );
}

function batchOf(batch: SupplyBatch): Batch {
  const { id, quantity, bufferDays, state, quantityReceived = 0 } = batch;
  const rules: [broken: boolean, rule: string][] = [
    [typeof id !== 'string' || id === onHandBatchId, `a batch needs an id other than "${onHandBatchId}"`],
    [!Number.isSafeInteger(quantity) || quantity <= 0, 'a batch quantity is a positive whole number'],
    [!Number.isSafeInteger(bufferDays) || bufferDays < 0, 'buffer days are a whole number, 0 or more'],
    [!['planned', 'confirmed', 'received'].includes(state), 'a batch is planned, confirmed or received'],
    [
      !Number.isSafeInteger(quantityReceived) || quantityReceived < 0,
      'the quantity received is a whole number, 0 or more',
    ],
    [
      (state === 'received') !== quantityReceived > 0,
      'a received batch has received units and only a received batch has them',
    ],
  ];
  const problem = rules.find(([broken]) => broken)?.[1];
  if (problem) throw new DomainError('invalid_batch', problem, { batch });
  return {
    id,
    readyDate: batch.readyDate,
    readyDay: dayNumber(batch.readyDate),
    quantity,
    bufferDays,
    state,
    quantityReceived,
    receivedOn: batch.receivedOn ?? null,
    receivedDay: batch.receivedOn ? dayNumber(batch.receivedOn) : null,
  };
}

function onHandOf(onHand: OnHandStock): OnHandStock {
  const { quantity, bufferDays } = onHand;
  if (
    !Number.isSafeInteger(quantity) ||
    quantity < 0 ||
    !Number.isSafeInteger(bufferDays) ||
    bufferDays < 0
  ) {
    throw new DomainError('invalid_batch', 'on-hand stock and its buffer are whole numbers, 0 or more', {
      onHand,
    });
  }
  return { quantity, bufferDays };
}

function policyOf(policy: FulfilmentPolicy): FulfilmentPolicy {
  if (policy !== 'split' && policy !== 'ship_complete') {
    throw new DomainError('invalid_policy', `${policy} is neither split nor ship_complete`, { policy });
  }
  return policy;
}

function assertUniqueBatchIds(batches: readonly Batch[]) {
  const seen = new Set<string>();
  for (const { id } of batches) {
    if (seen.has(id))
      throw new DomainError('duplicate_batch', `batch ${id} is in the plan twice`, { batchId: id });
    seen.add(id);
  }
}

/** The batches with one of them changed and validated again. */
function withBatch(state: PlanState, batchId: string, change: Partial<SupplyBatch>): Batch[] {
  const { batches } = state.supply;
  const index = batches.findIndex((batch) => batch.id === batchId);
  if (index < 0) throw new DomainError('unknown_batch', `batch ${batchId} is not in the plan`, { batchId });
  return batches.map((batch, i) => (i === index ? batchOf({ ...batch, ...change }) : batch));
}

function totalSupply(supply: Supply): number {
  return supply.cumulative[supply.lots.length] as number;
}

/** Index of the lot holding a unit (units are numbered from 1 across the whole supply); `lots.length` past it. */
function lotIndexOfUnit(supply: Supply, unit: number): number {
  return firstIndexAbove(supply.cumulative, unit - 1, 1, supply.lots.length + 1) - 1;
}

function lotByKey(supply: Supply, key: number): Lot | undefined {
  return key === unpromised ? undefined : supply.lots[supply.lotIndexByKey[key] as number];
}

function promisedLotAt(state: PlanState, rank: number): Lot | undefined {
  return lotByKey(state.supply, state.promisedLot[rank] as number);
}

/** A lot's window for a promise made on `notBefore`: moved later, whole, so it does not start before then. */
function datedWindow(lot: Lot, notBefore: number): PromiseWindow {
  if (lot.fromDay >= notBefore) return windowOf(lot);
  return { from: calendarDate(notBefore), to: calendarDate(notBefore + lot.toDay - lot.fromDay) };
}

function windowOf(lot: Lot): PromiseWindow {
  lot.window ??= { from: calendarDate(lot.fromDay), to: calendarDate(lot.toDay) };
  return lot.window;
}

function sameWindow(a: Lot | undefined, b: Lot | undefined): boolean {
  return a === b || (a !== undefined && b !== undefined && a.fromDay === b.fromDay && a.toDay === b.toDay);
}

/** Whether a promise moved by more than the tolerance at either end, or was gained or lost: the rule promiseChanges and every store of promises use. */
export function windowMoved(
  before: PromiseWindow | null,
  after: PromiseWindow | null,
  toleranceDays: number,
): boolean {
  if (!before || !after) return before !== after;
  return endsMoved(
    dayNumber(before.from),
    dayNumber(before.to),
    dayNumber(after.from),
    dayNumber(after.to),
    toleranceDays,
  );
}

function endsMoved(fromA: number, toA: number, fromB: number, toB: number, toleranceDays: number): boolean {
  return Math.abs(fromA - fromB) > toleranceDays || Math.abs(toA - toB) > toleranceDays;
}

// ——— arrays ———

/** First i in [from, to) with sorted[i] > value, or `to`; `sorted` ascending. */
function firstIndexAbove(sorted: Float64Array, value: number, from: number, to: number): number {
  let low = from;
  let high = to;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((sorted[middle] as number) > value) high = middle;
    else low = middle + 1;
  }
  return low;
}

function indexes(count: number): Uint32Array {
  const result = new Uint32Array(count);
  for (let index = 0; index < count; index++) result[index] = index;
  return result;
}

function sizeOfUnion(ranges: readonly RankRange[]): number {
  const sorted = ranges.filter((range) => range.to > range.from).sort((a, b) => a.from - b.from);
  let size = 0;
  let covered = 0;
  for (const { from, to } of sorted) {
    size += Math.max(0, to - Math.max(from, covered));
    covered = Math.max(covered, to);
  }
  return size;
}

function withoutRank<T extends Uint32Array | Int32Array>(array: T, rank: number): T {
  const result = array.slice(0, array.length - 1) as T;
  result.set(array.subarray(rank + 1), rank);
  return result;
}

function withRank<T extends Uint32Array | Int32Array>(array: T, rank: number, value: number): T {
  const result = new (array.constructor as new (length: number) => T)(array.length + 1);
  result.set(array.subarray(0, rank));
  result[rank] = value;
  result.set(array.subarray(rank), rank + 1);
  return result;
}

function withValueAt(array: Int32Array, index: number, value: number): Int32Array {
  const result = array.slice();
  result[index] = value;
  return result;
}

function unknownPreorder(preorderId: string): DomainError {
  return new DomainError('unknown_preorder', `pre-order ${preorderId} is not open in this plan`, {
    preorderId,
  });
}
