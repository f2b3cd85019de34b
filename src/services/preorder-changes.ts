/**
 * The one door for changes to pre-orders: every INSERT and UPDATE of the `preorders` table is here (a test
 * checks that no other module writes it). A state changes only through the domain's `transition()`, so an
 * illegal move is a typed refusal and never a silent no-op, and each move writes its event from the
 * catalogue with the change. The moves a pre-order makes by itself (allocated when its units are in hand,
 * balance due, ready) are decided by the domain's `automaticMoves` and applied by `advance`.
 *
 * Every function takes the caller's unit of work: the caller holds the locks (campaign first, then the
 * pre-order) and the transaction.
 */
import type { Queryable } from '../db/database.ts';
import { type RowColumn, rowsAs } from '../db/rows.ts';
import type { CalendarDate } from '../domain/calendar.ts';
import { shopDate, shopDayStart } from '../domain/calendar.ts';
import type { PaymentTerms } from '../domain/campaign.ts';
import { DomainError } from '../domain/errors.ts';
import { type EventData, type EventType, event } from '../domain/events.ts';
import type { ShippingAddress } from '../domain/fulfilment.ts';
import type { LedgerEntry } from '../domain/ledger.ts';
import {
  automaticMoves,
  IN_HAND_STATES,
  type PreorderMove,
  type PreorderState,
  transition,
} from '../domain/lifecycle.ts';
import { money } from '../domain/money.ts';
import { nextDue, outstandingAfter, owedBy, type PaymentPlan } from '../domain/payment-plan.ts';
import { type PriceLine, perksOf } from '../domain/pricing.ts';
import { type PromiseWindow, windowMoved } from '../domain/promise.ts';
import { newId } from '../ids.ts';
import { requestDelayConsents } from './delay-consent-requests.ts';
import { planOf } from './payment-operations.ts';
import type { UnitOfWork } from './unit-of-work.ts';

/** What a pre-order needs to be moved: which row, and the state the caller saw under its lock. */
export interface PreorderRef {
  readonly id: string;
  readonly shopId: string;
  readonly state: PreorderState;
}

const MOVE_EVENTS = {
  confirm: 'preorder.confirmed',
  allocate: 'preorder.allocated',
  requestBalance: 'preorder.balance_due',
  markReady: 'preorder.ready',
  fulfil: 'preorder.fulfilled',
  cancel: 'preorder.cancelled',
} as const satisfies Record<PreorderMove, EventType>;

export type MoveData<M extends PreorderMove> = EventData<(typeof MOVE_EVENTS)[M]>;

/** Columns that change together with a state, by the move that changes them. */
interface MoveColumns {
  confirm: { paymentCustomerId: string | null; paymentMethodId: string | null };
  cancel: { reason: string };
  /** The parcel with the last unit: its tracking, and every unit counted as shipped. */
  fulfil: {
    carrier: string | null;
    trackingNumber: string | null;
    trackingUrl: string | null;
    shippedAt: Date;
    unitsShipped: number;
  };
  allocate: Record<string, never>;
  requestBalance: Record<string, never>;
  markReady: Record<string, never>;
}

/**
 * Moves a pre-order by one step of its lifecycle and records the move's event. Refuses a move the
 * lifecycle does not allow from the state the caller saw (`invalid_transition`).
 */
export async function movePreorder<M extends PreorderMove>(
  uow: UnitOfWork,
  preorder: PreorderRef,
  move: M,
  data: MoveData<M>,
  columns: MoveColumns[M],
): Promise<PreorderState> {
  const [next] = await movePreorders(uow, [{ preorder, move, data, columns } as Move]);
  return next as PreorderState;
}

/** One pre-order's move, with its event's data and the columns that change with it. */
export type Move = {
  [M in PreorderMove]: { preorder: PreorderRef; move: M; data: MoveData<M>; columns: MoveColumns[M] };
}[PreorderMove];

/** What each move writes besides the state and `updated_at`, from its row `s` (MOVED_ROW). */
const MOVE_COLUMNS: Record<PreorderMove, string> = {
  confirm: `, payment_customer_id = s.payment_customer_id, payment_method_id = s.payment_method_id,
    placed_expires_at = NULL`,
  cancel: `, cancel_reason = s.cancel_reason, placed_expires_at = NULL, balance_retry_at = NULL,
    balance_due_at = NULL, balance_on_release = false`,
  fulfil: `, carrier = s.carrier, tracking_number = s.tracking_number, tracking_url = s.tracking_url,
    shipped_at = s.shipped_at, units_shipped = s.units_shipped`,
  allocate: '',
  requestBalance: '',
  markReady: '',
};

/**
 * Moves pre-orders (each at most once) by one step each, as `movePreorder` does, deciding and recording
 * every move in the order given and writing them in one statement per shop and kind of move. Returns
 * each pre-order's new state, in the order given.
 */
export async function movePreorders(uow: UnitOfWork, moves: readonly Move[]): Promise<PreorderState[]> {
  const groups = new Map<string, { shopId: string; move: PreorderMove; rows: Record<string, unknown>[] }>();
  const seen = new Set<string>();
  const states = moves.map(({ preorder, move, data, columns }) => {
    if (seen.has(preorder.id)) throw new Error(`pre-order ${preorder.id} moved twice in one statement`);
    seen.add(preorder.id);
    const next = decideMove(uow, preorder, move, data as never);
    const key = `${preorder.shopId}\u0000${move}`;
    const group = groups.get(key) ?? { shopId: preorder.shopId, move, rows: [] };
    group.rows.push({ id: preorder.id, from: preorder.state, state: next, ...columnsOf(move, columns) });
    groups.set(key, group);
    return next;
  });
  for (const { shopId, move, rows } of groups.values()) {
    const params: unknown[] = [shopId, uow.now, rows.map((row) => row.id)];
    const moved = await uow.tx.query(
      `UPDATE preorders p SET state = s.state, updated_at = $2${MOVE_COLUMNS[move]}
       FROM ${rowsAs('s', MOVED_ROW, rows, params)}
       WHERE p.shop_id = $1 AND p.id = ANY($3) AND p.id = s.id AND p.state = s."from"
       RETURNING p.id`,
      params,
    );
    if (moved.length !== rows.length) {
      // Callers move pre-orders under their row locks, so their states cannot have changed under them.
      throw new Error(
        `${rows.length - moved.length} pre-orders were no longer where they were seen (${move})`,
      );
    }
  }
  return states;
}

/** A moved pre-order's row: the state seen and the one it moves to, and every move's columns. */
const MOVED_ROW: RowColumn[] = [
  ['id', 'text'],
  ['from', 'text'],
  ['state', 'text'],
  ['payment_customer_id', 'text'],
  ['payment_method_id', 'text'],
  ['cancel_reason', 'text'],
  ['carrier', 'text'],
  ['tracking_number', 'text'],
  ['tracking_url', 'text'],
  ['shipped_at', 'timestamptz'],
  ['units_shipped', 'int'],
];

/** A move's columns as MOVED_ROW names them. */
function columnsOf(move: PreorderMove, columns: MoveColumns[PreorderMove]): Record<string, unknown> {
  if (move === 'confirm') {
    const card = columns as MoveColumns['confirm'];
    return { payment_customer_id: card.paymentCustomerId, payment_method_id: card.paymentMethodId };
  }
  if (move === 'cancel') return { cancel_reason: (columns as MoveColumns['cancel']).reason };
  if (move === 'fulfil') {
    const shipment = columns as MoveColumns['fulfil'];
    return {
      carrier: shipment.carrier,
      tracking_number: shipment.trackingNumber,
      tracking_url: shipment.trackingUrl,
      shipped_at: shipment.shippedAt,
      units_shipped: shipment.unitsShipped,
    };
  }
  return {};
}

/**
 * A move decided: the state the lifecycle leads to (`invalid_transition` when it does not allow it), its
 * event recorded with the transaction. The caller writes the state: `movePreorder` one pre-order with the
 * move's columns, `advance` many at once.
 */
function decideMove<M extends PreorderMove>(
  uow: UnitOfWork,
  preorder: PreorderRef,
  move: M,
  data: MoveData<M>,
): PreorderState {
  const next = transition(preorder.state, move);
  uow.record(event(preorder.shopId, MOVE_EVENTS[move], preorder.id, data as never));
  return next;
}

// ——— placements ———

/** A pre-order as a placement writes it, before its first payment step. */
export interface NewPreorder {
  id: string;
  shopId: string;
  campaignId: string;
  variantId: string;
  email: string;
  quantity: number;
  queuePosition: number;
  /** The place the customer is shown when it is placed (`placeInQueue`). */
  placeInQueue: number;
  unitAmount: number;
  totalAmount: number;
  currency: string;
  priceLines: PriceLine[];
  idempotencyKey: string | null;
  promise: StoredPromise | null;
  /** Where it ships, when the shopper gave it at placement. */
  shippingAddress?: ShippingAddress | null;
}

export interface StoredPromise {
  preorderId: string;
  from: CalendarDate | null;
  to: CalendarDate | null;
  placeInLine: number | null;
  /** `ships`: when these units ship (split policy: each batch when it is ready); absent on older rows. */
  batches: { batchId: string; units: number; inStock: boolean; ships?: PromiseWindow | null }[];
  /** The shop-local day the customer was told this promise; its window does not start before. */
  promisedOn: CalendarDate;
}

/**
 * Writes the pre-orders of one placement batch and their `preorder.placed` events, `placed` and waiting
 * for their first payment step until `expiresAt` (null: no payment step, they stay placed).
 */
export async function insertPlacements(
  uow: UnitOfWork,
  preorders: readonly NewPreorder[],
  at: { expiresAt: Date | null; paymentTerms: PaymentTerms },
): Promise<void> {
  if (preorders.length === 0) return;
  const { now } = uow;
  await uow.tx.query(
    `INSERT INTO preorders (id, shop_id, campaign_id, variant_id, email, quantity, queue_position, unit_amount,
       total_amount, currency, price_lines, state, idempotency_key, promise_from, promise_to,
       promise_place_in_line, promise_batches, promised_on, payment_terms, placed_expires_at, created_at,
       updated_at, shipping_address, first_promise_from, first_promise_to)
     SELECT p.id, p.shop_id, p.campaign_id, p.variant_id, p.email, p.quantity, p.queue_position, p.unit_amount,
       p.total_amount, p.currency, p.price_lines, 'placed', p.idempotency_key, p.promise_from, p.promise_to,
       p.promise_place_in_line, p.promise_batches, p.promised_on, $2, $3, $4, $4, p.shipping_address,
       p.promise_from, p.promise_to
     FROM jsonb_to_recordset($1::jsonb) AS p(id text, shop_id text, campaign_id text, variant_id text, email text,
       quantity int, queue_position bigint, unit_amount bigint, total_amount bigint, currency text,
       price_lines jsonb, idempotency_key text, promise_from date, promise_to date, promise_place_in_line int,
       promise_batches jsonb, promised_on date, shipping_address jsonb)`,
    [
      JSON.stringify(
        preorders.map((p) => ({
          id: p.id,
          shop_id: p.shopId,
          campaign_id: p.campaignId,
          variant_id: p.variantId,
          email: p.email,
          quantity: p.quantity,
          queue_position: p.queuePosition,
          unit_amount: p.unitAmount,
          total_amount: p.totalAmount,
          currency: p.currency,
          price_lines: p.priceLines,
          idempotency_key: p.idempotencyKey,
          promise_from: p.promise?.from ?? null,
          promise_to: p.promise?.to ?? null,
          promise_place_in_line: p.promise?.placeInLine ?? null,
          promise_batches: p.promise?.batches ?? [],
          promised_on: p.promise?.promisedOn ?? null,
          shipping_address: p.shippingAddress ?? null,
        })),
      ),
      JSON.stringify(at.paymentTerms),
      at.expiresAt,
      now,
    ],
  );
  uow.record(
    ...preorders.map((p) =>
      event(p.shopId, 'preorder.placed', p.id, {
        campaignId: p.campaignId,
        variantId: p.variantId,
        quantity: p.quantity,
        queuePosition: p.placeInQueue,
        totalAmount: p.totalAmount,
        currency: p.currency,
        ...perksData(p.priceLines),
      }),
    ),
  );
  for (const shopId of new Set(preorders.map((p) => p.shopId))) {
    const ofShop = preorders.filter((p) => p.shopId === shopId);
    await recordBatchesDrawn(
      uow,
      shopId,
      ofShop.map((p) => ({ preorderId: p.id, batches: p.promise?.batches ?? [] })),
    );
  }
}

/**
 * A placement made for a store platform's checkout (a Shopify hold) is taken by the platform's order: the
 * pre-order gets the order's customer and the price the checkout charged for it.
 */
export async function adoptStoreOrder(
  uow: UnitOfWork,
  preorder: PreorderRef,
  order: { email: string; unitAmount: number; totalAmount: number; priceLines: PriceLine[] },
): Promise<void> {
  await uow.tx.query(
    `UPDATE preorders SET email = $3, unit_amount = $4, total_amount = $5, price_lines = $6, updated_at = $7
     WHERE shop_id = $1 AND id = $2 AND state = 'placed'`,
    [
      preorder.shopId,
      preorder.id,
      order.email,
      order.unitAmount,
      order.totalAmount,
      JSON.stringify(order.priceLines),
      uow.now,
    ],
  );
}

/** A store platform relayed a customer's erasure: their address leaves these (ended) pre-orders. */
export async function eraseEmails(uow: UnitOfWork, shopId: string, ids: readonly string[]): Promise<number> {
  const erased = await uow.tx.query(
    `UPDATE preorders SET email = 'erased-' || id || '@erased.invalid', updated_at = $3
     WHERE shop_id = $1 AND id = ANY($2) AND state IN ('fulfilled', 'cancelled') RETURNING 1`,
    [shopId, ids, uow.now],
  );
  return erased.length;
}

/** The perks a placement granted, for its event (left out when there are none). */
function perksData(lines: readonly PriceLine[]) {
  const perks = perksOf(lines);
  return perks.length > 0 ? { perks } : {};
}

// ——— promises ———

/** A promise that changed, with the window the customer was told before. */
export interface PromiseUpdate {
  next: StoredPromise;
  oldWindow: { from: CalendarDate; to: CalendarDate } | null;
}

/**
 * Stores promises that changed, in one statement. Each one that moved by more than `toleranceDays` goes
 * into the promise history and gets its `preorder.promise_changed` event. Units in hand are never taken
 * back: a change that would move an allocated (or later) pre-order out of received stock is refused.
 * Confirmed pre-orders whose units are now all in stock are allocated, and balances due some days before
 * shipping follow their promise.
 */
export async function storePromises(
  uow: UnitOfWork,
  scope: PromiseScope,
  updates: readonly PromiseUpdate[],
): Promise<void> {
  if (updates.length === 0) return;
  const params: unknown[] = [scope.shopId, uow.now, updates.map(({ next }) => next.preorderId)];
  const promises = rowsAs(
    's',
    [
      ['id', 'text'],
      ['promise_from', 'date'],
      ['promise_to', 'date'],
      ['place_in_line', 'int'],
      ['batches', 'jsonb'],
      ['promised_on', 'date'],
    ],
    updates.map(({ next }) => ({
      id: next.preorderId,
      promise_from: next.from,
      promise_to: next.to,
      place_in_line: next.placeInLine,
      batches: next.batches,
      promised_on: next.promisedOn,
    })),
    params,
  );
  const rows = await uow.tx.query<{
    id: string;
    state: PreorderState;
    quantity: number;
    balance_kind: string | null;
  }>(
    `UPDATE preorders p SET promise_from = s.promise_from, promise_to = s.promise_to,
       promise_place_in_line = s.place_in_line, promise_batches = s.batches, promised_on = s.promised_on,
       updated_at = $2,
       first_promise_from = CASE WHEN p.first_promise_to IS NULL THEN s.promise_from ELSE p.first_promise_from END,
       first_promise_to = coalesce(p.first_promise_to, s.promise_to)
     FROM ${promises} WHERE p.shop_id = $1 AND p.id = ANY($3) AND p.id = s.id
     RETURNING p.id, p.state, p.quantity, p.payment_terms->'balanceDue'->>'kind' AS balance_kind`,
    params,
  );
  await recordBatchesDrawn(
    uow,
    scope.shopId,
    updates.map(({ next }) => ({ preorderId: next.preorderId, batches: next.batches })),
  );
  const promiseOf = new Map(updates.map((update) => [update.next.preorderId, update.next]));
  const inHand = (row: { id: string; quantity: number }) =>
    unitsInStock(promiseOf.get(row.id)?.batches ?? []) >= row.quantity;
  const taken = rows.filter((row) => IN_HAND_STATES.includes(row.state) && !inHand(row));
  if (taken.length > 0) {
    throw new DomainError(
      'units_in_hand',
      'this change would take received units away from customers they are already allocated to',
      { preorders: taken.map((row) => row.id) },
    );
  }
  await recordPromiseHistory(uow, scope, updates);
  const allocatable = rows.filter((row) => row.state === 'confirmed' && inHand(row)).map((row) => row.id);
  const followShipDate = rows.filter((row) => row.balance_kind === 'days_before_ship').map((row) => row.id);
  await advance(uow, scope.shopId, [...new Set([...allocatable, ...followShipDate])]);
}

/**
 * Keeps `preorder_batches` as the promises now stand: each pre-order's rows are the batches its promise
 * draws on, written with `promise_batches` (migration 014 says why it is a table of its own).
 */
async function recordBatchesDrawn(
  uow: UnitOfWork,
  shopId: string,
  promises: readonly { preorderId: string; batches: StoredPromise['batches'] }[],
) {
  const drawn = promises.flatMap(({ preorderId, batches }) =>
    [...new Set(batches.map((batch) => batch.batchId))].map((batchId) => ({
      preorder_id: preorderId,
      batch_id: batchId,
    })),
  );
  const params: unknown[] = [shopId, promises.map((promise) => promise.preorderId)];
  const rows = rowsAs(
    'd',
    [
      ['preorder_id', 'text'],
      ['batch_id', 'text'],
    ],
    drawn,
    params,
  );
  await uow.tx.query(
    `WITH drawn AS (SELECT d.preorder_id, d.batch_id FROM ${rows}), gone AS (
       DELETE FROM preorder_batches b WHERE b.shop_id = $1 AND b.preorder_id = ANY($2)
         AND NOT EXISTS (SELECT 1 FROM drawn WHERE drawn.preorder_id = b.preorder_id AND drawn.batch_id = b.batch_id)
     )
     INSERT INTO preorder_batches (shop_id, batch_id, preorder_id) SELECT $1, batch_id, preorder_id FROM drawn
     ON CONFLICT DO NOTHING`,
    params,
  );
}

/** SQL: the pre-order aliased `p` draws units from the batch `batchParam` (a parameter, text, not null). */
export function drawsOnBatch(batchParam: string): string {
  return `EXISTS (SELECT 1 FROM preorder_batches d
    WHERE d.shop_id = p.shop_id AND d.batch_id = ${batchParam} AND d.preorder_id = p.id)`;
}

/** Whose promises change, what moves are announced, and why. */
export interface PromiseScope {
  shopId: string;
  campaignId: string;
  toleranceDays: number;
  cause: string;
  /** The merchant's words for why, when they gave some (a slip's reason). */
  reason?: string | undefined;
}

async function recordPromiseHistory(uow: UnitOfWork, scope: PromiseScope, updates: readonly PromiseUpdate[]) {
  const history: {
    id: string;
    preorder_id: string;
    old_from: string | null;
    old_to: string | null;
    new_from: string | null;
    new_to: string | null;
  }[] = [];
  for (const { next, oldWindow } of updates) {
    const newWindow = next.from && next.to ? { from: next.from, to: next.to } : null;
    if (!windowMoved(oldWindow, newWindow, scope.toleranceDays)) continue;
    history.push({
      id: newId('promiseChange', uow.now.getTime()),
      preorder_id: next.preorderId,
      old_from: oldWindow?.from ?? null,
      old_to: oldWindow?.to ?? null,
      new_from: newWindow?.from ?? null,
      new_to: newWindow?.to ?? null,
    });
    uow.record(
      event(scope.shopId, 'preorder.promise_changed', next.preorderId, {
        oldWindow,
        newWindow,
        cause: scope.cause,
        campaignId: scope.campaignId,
        ...(scope.reason ? { reason: scope.reason } : {}),
      }),
    );
  }
  if (history.length === 0) return;
  await requestDelayConsents(
    uow,
    scope,
    history.map((h) => ({
      preorderId: h.preorder_id,
      oldWindow: h.old_from && h.old_to ? { from: h.old_from, to: h.old_to } : null,
      newWindow: h.new_from && h.new_to ? { from: h.new_from, to: h.new_to } : null,
    })),
  );
  await uow.tx.query(
    `INSERT INTO promise_history (shop_id, id, preorder_id, cause, old_from, old_to, new_from, new_to, created_at,
       reason)
     SELECT $1, h.id, h.preorder_id, $2, h.old_from, h.old_to, h.new_from, h.new_to, $3, $5
     FROM jsonb_to_recordset($4::jsonb) AS h(id text, preorder_id text, old_from date, old_to date,
       new_from date, new_to date)`,
    [scope.shopId, scope.cause, uow.now, JSON.stringify(history), scope.reason ?? null],
  );
}

/** Units of a promise that are in received stock (or on the shelf). */
export function unitsInStock(batches: StoredPromise['batches']): number {
  return batches.reduce((units, batch) => units + (batch.inStock ? batch.units : 0), 0);
}

/** Puts a pre-order at a merchant priority in its queue and records the change. */
export async function setPriority(uow: UnitOfWork, preorder: PreorderRef & { priority: number }, to: number) {
  await uow.tx.query('UPDATE preorders SET priority = $3, updated_at = $4 WHERE shop_id = $1 AND id = $2', [
    preorder.shopId,
    preorder.id,
    to,
    uow.now,
  ]);
  uow.record(
    event(preorder.shopId, 'preorder.priority_changed', preorder.id, { from: preorder.priority, to }),
  );
}

// ——— fulfilment ———

/** Sets where a pre-order ships; the caller checked that it was not exported yet. */
export async function setShippingAddress(uow: UnitOfWork, preorder: PreorderRef, address: ShippingAddress) {
  await uow.tx.query(
    'UPDATE preorders SET shipping_address = $3, updated_at = $4 WHERE shop_id = $1 AND id = $2',
    [preorder.shopId, preorder.id, JSON.stringify(address), uow.now],
  );
  uow.record(event(preorder.shopId, 'preorder.address_changed', preorder.id, {}));
}

/** Marks pre-orders as handed to fulfilment by an export. */
export async function markExported(
  uow: UnitOfWork,
  shopId: string,
  exportId: string,
  ids: readonly string[],
) {
  if (ids.length === 0) return;
  await uow.tx.query(
    'UPDATE preorders SET export_id = $3, exported_at = $4 WHERE shop_id = $1 AND id = ANY($2)',
    [shopId, ids, exportId, uow.now],
  );
}

export interface ParcelShipped {
  shipmentId: string;
  quantity: number;
  carrier: string | null;
  trackingNumber: string | null;
  trackingUrl: string | null;
  shippedAt: Date;
}

/**
 * Counts parcels' units as shipped (the caller checked each with the domain's `shipmentUnits` under the
 * pre-orders' locks, in order, counting earlier parcels of the same pre-order). The parcels with a
 * pre-order's last unit fulfil it (`movePreorders`, together); the parts before them are counted together
 * in one statement, each with its `preorder.partly_shipped` event.
 */
export async function shipParcels(
  uow: UnitOfWork,
  shopId: string,
  parcels: readonly {
    preorder: PreorderRef & { quantity: number; unitsShipped: number };
    parcel: ParcelShipped;
  }[],
): Promise<void> {
  const partly = new Map<string, number>();
  const fulfilled: Move[] = [];
  for (const { preorder, parcel } of parcels) {
    const unitsShipped = preorder.unitsShipped + parcel.quantity;
    const tracking = {
      carrier: parcel.carrier,
      trackingNumber: parcel.trackingNumber,
      trackingUrl: parcel.trackingUrl,
      shippedAt: parcel.shippedAt.toISOString(),
    };
    if (unitsShipped === preorder.quantity) {
      partly.delete(preorder.id);
      fulfilled.push({
        preorder,
        move: 'fulfil',
        data: { ...tracking, shipmentId: parcel.shipmentId, quantity: parcel.quantity },
        columns: { ...parcel, unitsShipped },
      });
      continue;
    }
    partly.set(preorder.id, unitsShipped);
    uow.record(
      event(shopId, 'preorder.partly_shipped', preorder.id, {
        ...tracking,
        shipmentId: parcel.shipmentId,
        quantity: parcel.quantity,
        unitsShipped,
        unitsLeft: preorder.quantity - unitsShipped,
      }),
    );
  }
  await movePreorders(uow, fulfilled);
  if (partly.size === 0) return;
  await uow.tx.query(
    `UPDATE preorders p SET units_shipped = s.units, updated_at = $2
     FROM jsonb_to_recordset($3::jsonb) AS s(id text, units int)
     WHERE p.shop_id = $1 AND p.id = ANY($4) AND p.id = s.id`,
    [shopId, uow.now, JSON.stringify([...partly].map(([id, units]) => ({ id, units }))), [...partly.keys()]],
  );
}

// ——— money the pre-order owes ———

/**
 * Movements the ledger booked, added to their pre-orders' sums of them, in the same transaction: the
 * payment status (a generated column) follows, and the table filters by it through an index.
 */
export async function addToLedgerSums(
  tx: Queryable,
  shopId: string,
  movements: readonly { preorderId: string; kind: LedgerEntry['kind']; amount: number }[],
) {
  const sums = new Map<string, { id: string; charged: number; refunded: number }>();
  for (const { preorderId, kind, amount } of movements) {
    if (kind === 'authorisation') continue;
    const sum = sums.get(preorderId) ?? { id: preorderId, charged: 0, refunded: 0 };
    if (kind === 'charge') sum.charged += amount;
    else sum.refunded += amount;
    sums.set(preorderId, sum);
  }
  if (sums.size === 0) return;
  const params: unknown[] = [shopId, [...sums.keys()]];
  const rows = rowsAs(
    's',
    [
      ['id', 'text'],
      ['charged', 'bigint'],
      ['refunded', 'bigint'],
    ],
    [...sums.values()],
    params,
  );
  await tx.query(
    `UPDATE preorders p SET charged_amount = p.charged_amount + s.charged,
       refunded_amount = p.refunded_amount + s.refunded
     FROM ${rows} WHERE p.shop_id = $1 AND p.id = ANY($2) AND p.id = s.id`,
    params,
  );
}

/** Balance tries are starting: each is counted, so its key is unique to it. */
export async function countBalanceTries(
  uow: UnitOfWork,
  shopId: string,
  tries: readonly { id: string; attempt: number }[],
) {
  if (tries.length === 0) return;
  await uow.tx.query(
    `UPDATE preorders p SET balance_attempts = t.attempt, updated_at = $4
     FROM unnest($2::text[], $3::int[]) AS t(id, attempt) WHERE p.shop_id = $1 AND p.id = t.id`,
    [shopId, tries.map((t) => t.id), tries.map((t) => t.attempt), uow.now],
  );
}

/** After a failed balance try: when to try again (null: never, the caller cancels). */
export async function scheduleBalanceRetry(uow: UnitOfWork, preorder: PreorderRef, retryAt: Date | null) {
  await uow.tx.query(
    'UPDATE preorders SET balance_retry_at = $3, updated_at = $4 WHERE shop_id = $1 AND id = $2',
    [preorder.shopId, preorder.id, retryAt, uow.now],
  );
}

/** The customer gave a new card: what is owed is charged to it, and a retry that was waiting runs now. */
export async function replaceCard(
  uow: UnitOfWork,
  preorder: PreorderRef,
  card: { paymentCustomerId: string | null; paymentMethodId: string },
) {
  await uow.tx.query(
    `UPDATE preorders SET payment_customer_id = coalesce($3, payment_customer_id), payment_method_id = $4,
       balance_retry_at = CASE WHEN balance_retry_at IS NULL THEN NULL ELSE $5::timestamptz END, updated_at = $5
     WHERE shop_id = $1 AND id = $2`,
    [preorder.shopId, preorder.id, card.paymentCustomerId, card.paymentMethodId, uow.now],
  );
  uow.record(event(preorder.shopId, 'preorder.card_updated', preorder.id, {}));
}

/** The product is out: every pre-order of the campaign whose money waited for it falls due now. */
export async function releaseBalances(uow: UnitOfWork, shopId: string, campaignId: string) {
  await uow.tx.query(
    `UPDATE preorders SET balance_due_at = $3, balance_on_release = false
     WHERE shop_id = $1 AND campaign_id = $2 AND balance_on_release`,
    [shopId, campaignId, uow.now],
  );
}

interface StandingRow {
  id: string;
  shop_id: string;
  campaign_id: string;
  variant_id: string;
  state: PreorderState;
  quantity: number;
  total_amount: number;
  currency: string;
  payment_terms: PaymentTerms;
  promise_to: string | null;
  promise_batches: StoredPromise['batches'];
  released_at: Date | null;
  time_zone: string;
  charged: number;
}

/** Where pre-orders stand: state, stock, plan and what was charged, in serving order. */
async function standings(uow: UnitOfWork, shopId: string, ids: readonly string[]): Promise<StandingRow[]> {
  if (ids.length === 0) return [];
  return uow.tx.query<StandingRow>(
    `SELECT p.id, p.shop_id, p.campaign_id, p.variant_id, p.state, p.quantity, p.total_amount, p.currency,
       p.payment_terms, p.promise_to, p.promise_batches, c.released_at, s.time_zone,
       coalesce((SELECT sum(l.amount) FROM ledger_entries l
                 WHERE l.preorder_id = p.id AND l.kind = 'charge'), 0)::bigint AS charged
     FROM preorders p JOIN campaigns c ON c.id = p.campaign_id JOIN shops s ON s.id = p.shop_id
     WHERE p.shop_id = $1 AND p.id = ANY($2)
     ORDER BY p.priority DESC, p.queue_position`,
    [shopId, ids],
  );
}

/** The plan of a pre-order as it stands: its locked total and terms, and the promise it holds now. */
function planOfStanding(row: StandingRow): PaymentPlan {
  return planOf({
    total: money(row.total_amount, row.currency.trim()),
    quantity: row.quantity,
    terms: row.payment_terms,
    promisedShipDate: row.promise_to,
  });
}

/**
 * Applies the moves pre-orders make by themselves (`automaticMoves`), in serving order, and writes when
 * each one's plan next asks for money. Call it after anything that changes their stock or their money.
 * Each pre-order's moves are decided in memory, each through `transition()` and recorded with its event,
 * and all of them are written with the next due dates in one statement. Returns the state of each.
 */
export async function advance(
  uow: UnitOfWork,
  shopId: string,
  ids: readonly string[],
): Promise<Map<string, PreorderState>> {
  const states = new Map<string, PreorderState>();
  const written: {
    id: string;
    from: PreorderState;
    state: PreorderState;
    due_at: Date | null;
    on_release: boolean;
  }[] = [];
  for (const row of await standings(uow, shopId, ids)) {
    const plan = planOfStanding(row);
    const charged = money(row.charged, plan.total.currency);
    const at = { today: shopDate(uow.now, row.time_zone), released: row.released_at !== null };
    const owedNow = owedBy(plan, charged, at);
    let state = row.state;
    const moves = automaticMoves(state, {
      unitsInHand: unitsInStock(row.promise_batches) >= row.quantity,
      outstanding: outstandingAfter(plan, charged).amount,
      dueNow: owedNow.amount,
    });
    const ref = () => ({ id: row.id, shopId: row.shop_id, state });
    for (const move of moves) {
      if (move === 'allocate') {
        const allocated = { campaignId: row.campaign_id, variantId: row.variant_id, quantity: row.quantity };
        state = decideMove(uow, ref(), 'allocate', allocated);
      } else if (move === 'requestBalance') {
        state = decideMove(uow, ref(), 'requestBalance', { amount: owedNow });
      } else if (move === 'markReady') {
        state = decideMove(uow, ref(), 'markReady', {});
      }
    }
    states.set(row.id, state);
    const releasedOn = row.released_at ? shopDate(row.released_at, row.time_zone) : null;
    const next = state === 'placed' || state === 'cancelled' ? null : nextDue(plan, charged, releasedOn);
    written.push({
      id: row.id,
      from: row.state,
      state,
      // When the plan next asks for money, for the balance job to find the pre-order then.
      due_at: next?.kind === 'date' ? shopDayStart(next.date, row.time_zone) : null,
      on_release: next?.kind === 'release',
    });
  }
  if (written.length === 0) return states;
  const params: unknown[] = [shopId, uow.now, written.map((row) => row.id)];
  const rows = rowsAs(
    's',
    [
      ['id', 'text'],
      ['from', 'text'],
      ['state', 'text'],
      ['due_at', 'timestamptz'],
      ['on_release', 'boolean'],
    ],
    written,
    params,
  );
  const moved = await uow.tx.query(
    `UPDATE preorders p SET state = s.state,
       updated_at = CASE WHEN s.state = s."from" THEN p.updated_at ELSE $2 END,
       balance_due_at = s.due_at, balance_on_release = s.on_release
     FROM ${rows} WHERE p.shop_id = $1 AND p.id = ANY($3) AND p.id = s.id AND p.state = s."from"
     RETURNING p.id`,
    params,
  );
  if (moved.length !== written.length) {
    // Callers advance pre-orders under their row locks, so their states cannot have changed under them.
    throw new Error(`${written.length - moved.length} pre-orders changed state while they were advanced`);
  }
  return states;
}
