import { isDeepStrictEqual } from 'node:util';
import type { Queryable } from '../db/database.ts';
import { type CalendarDate, compareDates, shopDate } from '../domain/calendar.ts';
import type { CampaignMode } from '../domain/campaign.ts';
import { DomainError } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import type { PreorderState } from '../domain/lifecycle.ts';
import {
  assertSupplyFits,
  type BatchState,
  type BatchSummary,
  computePromises,
  type NextOffer,
  nextOffer,
  type PreorderPromise,
  type PromiseChange,
  type PromisePlan,
  type PromiseWindow,
  repromise,
  type SupplyBatch,
  supplyUnits,
  type UnpromisedLine,
} from '../domain/promise.ts';
import { newId } from '../ids.ts';
import { type Campaign, loadCampaign, resolveVariants, type VariantRef } from './campaigns.ts';
import type { ServiceContext } from './context.ts';
import {
  drawsOnBatch,
  type PromiseUpdate,
  type StoredPromise,
  storePromises,
  setPriority as writePriority,
} from './preorder-changes.ts';
import { type KeptPlan, keepForTransaction, keepPlan, keptPlan } from './promise-plans.ts';
import type { Shop } from './shops.ts';
import { inTransaction, type UnitOfWork } from './unit-of-work.ts';

export interface Batch {
  id: string;
  campaignId: string;
  variantId: string;
  sku: string;
  quantity: number;
  readyDate: CalendarDate;
  bufferDays: number;
  state: BatchState;
  quantityReceived: number;
  /** The shop-local day its first units came in. */
  receivedOn: CalendarDate | null;
  note: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewBatch = VariantRef & {
  quantity: number;
  readyDate: CalendarDate;
  bufferDays?: number | undefined;
  state?: 'planned' | 'confirmed' | undefined;
  note?: string | null | undefined;
};

export interface BatchChanges {
  quantity?: number | undefined;
  readyDate?: CalendarDate | undefined;
  bufferDays?: number | undefined;
  state?: BatchState | undefined;
  quantityReceived?: number | undefined;
  note?: string | null | undefined;
  /** Why, in the merchant's words: recorded with the change and the promises it moves. */
  reason?: string | undefined;
}

/**
 * What changed in a campaign variant's queue or supply; its kind is the cause a `promise_changed` event
 * names, and the rest is what the incremental engine needs to apply it. `settings_changed` and
 * `stock_changed` (stock on hand) always recompute the whole plan.
 */
export type VariantChange =
  | { kind: 'batch_added'; batch: SupplyBatch; reason?: string | undefined }
  | {
      kind: 'batch_slipped' | 'batch_received' | 'batch_quantity_changed' | 'batch_changed';
      before: Batch;
      after: Batch;
      reason?: string | undefined;
    }
  | { kind: 'preorder_cancelled'; preorderId: string }
  | { kind: 'priority_changed'; preorderId: string; priority: number }
  | { kind: 'settings_changed' | 'stock_changed' | 'batch_deleted' }
  /** These pre-orders' windows passed without shipping: their promises are made again from today. */
  | { kind: 'window_passed'; preorderIds: readonly string[] };

export async function addBatch(
  ctx: ServiceContext,
  shop: Shop,
  campaignId: string,
  input: NewBatch,
): Promise<Batch> {
  return inTransaction(ctx, async (uow) => {
    const { tx, now } = uow;
    const campaign = await loadCampaign(tx, shop.id, campaignId, { lock: true });
    const [variantId] = (await resolveVariants(tx, shop.id, [input])) as [string];
    if (!campaign.variants.some((v) => v.variantId === variantId)) {
      throw new DomainError('unknown_variant', 'that variant is not part of this campaign', {
        field: 'variant',
      });
    }
    assertReadyDate(input.readyDate, shop, now);
    const id = newId('batch', now.getTime());
    const batch = {
      id,
      readyDate: input.readyDate,
      quantity: input.quantity,
      bufferDays: input.bufferDays ?? campaign.promiseSettings.bufferDays,
      state: input.state ?? 'planned',
      quantityReceived: 0,
    } as const;
    assertSupplyFits(
      [...(await batchesOf(tx, campaignId, variantId)), batch],
      onHandOf(campaign, variantId).onHand,
    );
    await tx.query(
      `INSERT INTO supply_batches (id, shop_id, campaign_id, variant_id, quantity, ready_date, buffer_days, state,
         note, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)`,
      [
        id,
        shop.id,
        campaignId,
        variantId,
        batch.quantity,
        batch.readyDate,
        batch.bufferDays,
        batch.state,
        input.note ?? null,
        now,
      ],
    );
    uow.record(
      event(shop.id, 'batch.created', id, {
        campaignId,
        variantId,
        quantity: batch.quantity,
        readyDate: batch.readyDate,
      }),
    );
    await repromiseVariant(uow, shop, campaign, variantId, { kind: 'batch_added', batch });
    return loadBatch(tx, shop.id, campaignId, id);
  });
}

/**
 * Changes a batch: a new ready date, quantity, buffer, state or received quantity. Lowering the quantity
 * below what the batch serves re-promises the overflow to later supply or to the unpromised line.
 * Receiving units allocates them to the confirmed pre-orders they cover, in queue order.
 */
export async function updateBatch(
  ctx: ServiceContext,
  shop: Shop,
  campaignId: string,
  batchId: string,
  changes: BatchChanges,
): Promise<{ batch: Batch; moved: MovedPromise[] }> {
  return inTransaction(ctx, async (uow) => {
    const { tx, now } = uow;
    const campaign = await loadCampaign(tx, shop.id, campaignId, { lock: true });
    const current = await loadBatch(tx, shop.id, campaignId, batchId);
    const { reason, ...batchChanges } = changes;
    const next = { ...current, ...definedOnly(batchChanges) };
    if (changes.readyDate !== undefined && next.state !== 'received')
      assertReadyDate(next.readyDate, shop, now);
    if (changes.quantityReceived !== undefined && changes.state === undefined && next.quantityReceived > 0) {
      next.state = 'received';
    }
    if (next.state === 'received' && next.quantityReceived === 0) {
      // "Received" without a count: the whole batch came.
      if (changes.quantityReceived !== undefined) {
        throw new DomainError(
          'invalid_batch',
          'a received batch needs the units that came: quantityReceived of 1 or more (or leave it out: all of them)',
          { quantityReceived: 0 },
        );
      }
      next.quantityReceived = next.quantity;
    }
    if (next.state !== 'received' && next.quantityReceived > 0) {
      throw new DomainError(
        'invalid_batch',
        `units received make the batch received: send state "received" or leave state out, not "${next.state}"`,
        { state: next.state, quantityReceived: next.quantityReceived },
      );
    }
    // Received units are ready from the day the first of them came.
    if (next.quantityReceived > 0 && next.receivedOn === null) next.receivedOn = shopDate(now, shop.timeZone);
    if (current.state === 'received' && next.state !== 'received') {
      throw new DomainError('invalid_transition', 'a received batch cannot go back to planned or confirmed', {
        from: current.state,
        to: next.state,
      });
    }
    const others = (await batchesOf(tx, campaignId, current.variantId)).filter((b) => b.id !== batchId);
    assertSupplyFits([...others, next], onHandOf(campaign, current.variantId).onHand);
    await tx.query(
      `UPDATE supply_batches SET quantity = $3, ready_date = $4, buffer_days = $5, state = $6,
         quantity_received = $7, note = $8, updated_at = $9, received_on = $10
       WHERE shop_id = $1 AND id = $2`,
      [
        shop.id,
        batchId,
        next.quantity,
        next.readyDate,
        next.bufferDays,
        next.state,
        next.quantityReceived,
        next.note,
        now,
        next.receivedOn,
      ],
    );
    const fields = Object.keys(definedOnly(batchChanges));
    uow.record(
      event(shop.id, 'batch.updated', batchId, { fields, campaignId, ...(reason ? { reason } : {}) }),
    );
    const { moved } = await repromiseVariant(uow, shop, campaign, current.variantId, {
      kind: causeOf(current, next),
      before: current,
      after: next,
      reason,
    });
    return { batch: await loadBatch(tx, shop.id, campaignId, batchId), moved };
  });
}

/**
 * Takes a batch out of the plan when it serves no one: no live pre-order is promised units of it and none
 * of its units came. A batch that serves customers is shrunk or moved instead, which re-promises them.
 */
export async function deleteBatch(
  ctx: ServiceContext,
  shop: Shop,
  campaignId: string,
  batchId: string,
): Promise<void> {
  await inTransaction(ctx, async (uow) => {
    const { tx } = uow;
    const campaign = await loadCampaign(tx, shop.id, campaignId, { lock: true });
    const current = await loadBatch(tx, shop.id, campaignId, batchId);
    const [served] = await tx.query<{ preorders: number }>(
      `SELECT count(*)::int AS preorders FROM preorders p
       WHERE p.shop_id = $1 AND p.campaign_id = $2 AND p.state <> 'cancelled' AND ${drawsOnBatch('$3')}`,
      [shop.id, campaignId, batchId],
    );
    const preorders = served?.preorders ?? 0;
    if (preorders > 0 || current.quantityReceived > 0) {
      throw new DomainError(
        'batch_in_use',
        current.quantityReceived > 0
          ? `${current.quantityReceived} units of this batch came in: it stays in the plan`
          : `${preorders} pre-orders are promised units of this batch: shrink it or move its date instead`,
        { preorders, quantityReceived: current.quantityReceived },
      );
    }
    await tx.query('DELETE FROM supply_batches WHERE shop_id = $1 AND id = $2', [shop.id, batchId]);
    uow.record(event(shop.id, 'batch.deleted', batchId, { campaignId }));
    await repromiseVariant(uow, shop, campaign, current.variantId, { kind: 'batch_deleted' });
  });
}

export async function listBatches(ctx: ServiceContext, shopId: string, campaignId: string): Promise<Batch[]> {
  await loadCampaign(ctx.db, shopId, campaignId);
  const rows = await ctx.db.query<BatchRow>(
    `${SELECT_BATCHES} WHERE b.shop_id = $1 AND b.campaign_id = $2 ORDER BY b.ready_date, b.id`,
    [shopId, campaignId],
  );
  return rows.map(batchFromRow);
}

interface QueuedPreorder {
  id: string;
  queue_position: number;
  quantity: number;
  priority: number;
  promise_from: string | null;
  promise_to: string | null;
  promise_place_in_line: number | null;
  promise_batches: StoredPromise['batches'];
  promised_on: CalendarDate | null;
}

/** The live pre-orders of a campaign variant with the promises they were told, and the plan made now. */
export async function queueAndPlan(
  db: Queryable,
  shop: Shop,
  campaign: Campaign,
  variantId: string,
  now: Date,
) {
  const [preorders, batches] = await Promise.all([
    db.query<QueuedPreorder>(
      `SELECT id, queue_position, quantity, priority, promise_from, promise_to, promise_place_in_line,
         promise_batches, promised_on
       FROM preorders WHERE shop_id = $1 AND campaign_id = $2 AND variant_id = $3 AND state <> 'cancelled'
       ORDER BY queue_position`,
      [shop.id, campaign.id, variantId],
    ),
    batchesOf(db, campaign.id, variantId),
  ]);
  const plan = computePromises({
    today: shopDate(now, shop.timeZone),
    policy: campaign.promiseSettings.policy,
    preorders: preorders.map((p) => ({
      id: p.id,
      position: p.queue_position,
      quantity: p.quantity,
      priority: p.priority,
      ...(p.promised_on ? { promisedOn: p.promised_on } : {}),
    })),
    batches,
    ...onHandOf(campaign, variantId),
  });
  return { preorders, plan };
}

export interface NewPlacement {
  preorderId: string;
  variantId: string;
  /** Units of the variant held before this pre-order, as the reservation reported them. */
  unitsAhead: number;
  quantity: number;
}

/**
 * Promises for pre-orders just placed, in queue order. A new pre-order (priority 0, the latest position)
 * is served after every unit ahead of it and moves no one else's promise, so the engine needs only the
 * units ahead as one block, not the whole queue: the cost does not grow with the campaign.
 */
export async function promisesForNewPlacements(
  tx: Queryable,
  shop: Shop,
  campaign: Campaign,
  placements: readonly NewPlacement[],
  now: Date,
): Promise<StoredPromise[]> {
  const today = shopDate(now, shop.timeZone);
  const byVariant = new Map<string, { batches: SupplyBatch[]; lastInLine?: number }>();
  for (const variantId of new Set(placements.map((p) => p.variantId))) {
    byVariant.set(variantId, { batches: await batchesOf(tx, campaign.id, variantId) });
  }
  const promises: StoredPromise[] = [];
  for (const placement of placements) {
    const supply = byVariant.get(placement.variantId) as { batches: SupplyBatch[]; lastInLine?: number };
    const ahead =
      placement.unitsAhead > 0 ? [{ id: AHEAD, position: 0, quantity: placement.unitsAhead }] : [];
    const plan = computePromises({
      today,
      policy: campaign.promiseSettings.policy,
      preorders: [...ahead, { id: placement.preorderId, position: 1, quantity: placement.quantity }],
      batches: supply.batches,
      ...onHandOf(campaign, placement.variantId),
    });
    const stored = storedPromiseOf(plan.promiseOf(placement.preorderId));
    if (stored.placeInLine !== null) {
      supply.lastInLine =
        (supply.lastInLine ?? (await lastPlaceInLine(tx, campaign.id, placement.variantId))) + 1;
      stored.placeInLine = supply.lastInLine;
    }
    promises.push(stored);
  }
  return promises;
}

/**
 * The last place in the line of pre-orders waiting for supply. Every re-promise numbers the line 1, 2, 3…
 * in serving order, so the last place is also its length, read from an index rather than counted.
 */
async function lastPlaceInLine(tx: Queryable, campaignId: string, variantId: string): Promise<number> {
  const [row] = await tx.query<{ last: number | null }>(
    `SELECT max(promise_place_in_line) AS last FROM preorders
     WHERE campaign_id = $1 AND variant_id = $2 AND state <> 'cancelled' AND promise_place_in_line IS NOT NULL`,
    [campaignId, variantId],
  );
  return row?.last ?? 0;
}

/**
 * What the next shopper would be promised for one unit of a variant: placed behind every unit held now.
 * Without a supply plan there is no date to give yet.
 */
export async function nextOfferFor(
  db: Queryable,
  shop: Shop,
  campaign: Campaign,
  variantId: string,
  now: Date,
): Promise<NextOffer | null> {
  const batches = await batchesOf(db, campaign.id, variantId);
  const onHand = onHandOf(campaign, variantId);
  if (batches.length === 0 && !onHand.onHand) return null;
  const held = campaign.variants.find((v) => v.variantId === variantId)?.held ?? 0;
  const plan = computePromises({
    today: shopDate(now, shop.timeZone),
    policy: campaign.promiseSettings.policy,
    preorders: held > 0 ? [{ id: AHEAD, position: 0, quantity: held }] : [],
    batches,
    ...onHand,
  });
  return nextOffer(plan, { units: 1, beyondSupply: campaign.promiseSettings.beyondSupply });
}

/** Stands for every unit ahead of a new placement; no pre-order id looks like it. */
const AHEAD = 'ahead:';

/** Supply of a campaign variant as the engine takes it, and the units it adds up to. */
async function batchesOf(db: Queryable, campaignId: string, variantId: string): Promise<SupplyBatch[]> {
  const rows = await db.query<BatchRow>(
    `${SELECT_BATCHES} WHERE b.campaign_id = $1 AND b.variant_id = $2 ORDER BY b.id`,
    [campaignId, variantId],
  );
  return rows.map(batchFromRow).map((b) => ({
    id: b.id,
    readyDate: b.readyDate,
    quantity: b.quantity,
    bufferDays: b.bufferDays,
    state: b.state,
    quantityReceived: b.quantityReceived,
    receivedOn: b.receivedOn,
  }));
}

/** Backorders also draw on the shelf: stock on hand is ready today. */
export function onHandOf(campaign: Campaign, variantId: string) {
  const variant = campaign.variants.find((v) => v.variantId === variantId);
  return campaign.mode === 'backorder' && variant && variant.onHand > 0
    ? { onHand: { quantity: variant.onHand, bufferDays: campaign.promiseSettings.bufferDays } }
    : {};
}

/**
 * Re-promises a campaign variant after its queue or supply changed, in the caller's transaction: stores
 * the promises that changed (their announced moves go into the history with `preorder.promise_changed`),
 * allocates received units to the confirmed pre-orders they now cover, and keeps the variant's supply
 * limit in step with the plan. With the plan this process kept from the variant's last change, only what
 * the change touches is computed and written (promise-plans.ts); otherwise the queue is read and the whole
 * plan computed.
 */
export async function repromiseVariant(
  uow: UnitOfWork,
  shop: Shop,
  campaign: Campaign,
  variantId: string,
  change: VariantChange,
): Promise<{ moved: MovedPromise[] }> {
  const { tx, now } = uow;
  const today = shopDate(now, shop.timeZone);
  const [counters] = await tx.query<{ queue_version: number }>(
    'SELECT queue_version FROM campaign_variants WHERE shop_id = $1 AND campaign_id = $2 AND variant_id = $3',
    [shop.id, campaign.id, variantId],
  );
  const version = counters?.queue_version ?? 0;
  const engineChanges = engineChangesOf(change);
  const remade = new Set(change.kind === 'window_passed' ? change.preorderIds : []);
  const kept = engineChanges && keptPlan(uow.ctx.db, tx, campaign.id, variantId, { version, today });
  const next = kept
    ? await incrementally(tx, shop, campaign, variantId, kept, engineChanges, { today, remade })
    : await fromScratch(tx, shop, campaign, variantId, now, remade);
  await storePromises(
    uow,
    {
      shopId: shop.id,
      campaignId: campaign.id,
      toleranceDays: campaign.promiseSettings.toleranceDays,
      cause: change.kind,
      reason: 'reason' in change ? change.reason : undefined,
    },
    next.updates,
  );
  await tx.query(
    `UPDATE campaign_variants SET supply_limit = $4, queue_version = queue_version + 1
     WHERE shop_id = $1 AND campaign_id = $2 AND variant_id = $3`,
    [shop.id, campaign.id, variantId, await supplyLimitOf(tx, campaign, variantId)],
  );
  const keep = { version: version + 1, today, lastPosition: next.lastPosition, plan: next.plan };
  keepForTransaction(tx, campaign.id, variantId, keep);
  uow.afterCommit(async () => keepPlan(uow.ctx.db, campaign.id, variantId, keep));
  return {
    moved: next.updates.flatMap(({ next: promise, oldWindow }) =>
      oldWindow?.from === promise.from && oldWindow?.to === promise.to
        ? []
        : [
            {
              preorderId: promise.preorderId,
              oldWindow,
              newWindow: promise.from && promise.to ? { from: promise.from, to: promise.to } : null,
            },
          ],
    ),
  };
}

/** A pre-order whose ship window a change moved (announced or within the tolerance). */
export interface MovedPromise {
  preorderId: string;
  oldWindow: { from: CalendarDate; to: CalendarDate } | null;
  newWindow: { from: CalendarDate; to: CalendarDate } | null;
}

interface Repromising {
  plan: PromisePlan;
  updates: PromiseUpdate[];
  lastPosition: number;
}

/**
 * The whole queue read and promised again; the promises that differ from the stored ones are updates,
 * and so are those of `remade` (late ones), made anew today whether or not their window moved.
 */
async function fromScratch(
  tx: Queryable,
  shop: Shop,
  campaign: Campaign,
  variantId: string,
  now: Date,
  remade: ReadonlySet<string>,
): Promise<Repromising> {
  const { preorders, plan } = await queueAndPlan(tx, shop, campaign, variantId, now);
  const today = shopDate(now, shop.timeZone);
  const stored = new Map(preorders.map((row) => [row.id, row]));
  const updates = updatesInServingOrder(plan, { today, remade }, (id) => {
    const row = stored.get(id);
    if (!row) return undefined;
    const window = row.promise_from && row.promise_to ? { from: row.promise_from, to: row.promise_to } : null;
    return { promise: storedOf(row), window };
  });
  const lastPosition = preorders.reduce((last, row) => Math.max(last, row.queue_position), 0);
  return { plan: dateAnew(plan, updates, today), updates, lastPosition };
}

/** What a customer was told: the promise as stored, less the day it was made, and its window. */
interface Told {
  promise: Omit<StoredPromise, 'promisedOn'>;
  window: PromiseWindow | null;
}

/**
 * The updates that bring what customers were told (`told`) to `plan`, in serving order: the promises
 * that differ, and those of `remade`, made anew today whether or not they moved. `candidates`, when
 * given, are the only pre-orders whose promise may differ.
 */
function updatesInServingOrder(
  plan: PromisePlan,
  {
    today,
    remade,
    candidates,
  }: { today: CalendarDate; remade: ReadonlySet<string>; candidates?: ReadonlySet<string> },
  told: (preorderId: string) => Told | undefined,
): PromiseUpdate[] {
  const updates: PromiseUpdate[] = [];
  for (const promise of plan.promises()) {
    const id = promise.preorderId;
    if (remade.has(id)) {
      const next = storedPromiseOf(plan.promiseOf(id, { madeOn: today }));
      updates.push({ next, oldWindow: told(id)?.window ?? null });
      continue;
    }
    if (candidates && !candidates.has(id)) continue;
    const old = told(id);
    if (old && isDeepStrictEqual(old.promise, withoutDate(storedPromiseOf(promise)))) continue;
    updates.push(tell(plan, promise, old?.window ?? null, today));
  }
  return updates;
}

function withoutDate({ promisedOn: _dated, ...promise }: StoredPromise): Omit<StoredPromise, 'promisedOn'> {
  return promise;
}

/**
 * What a customer is told when their promise changed: when its window stays, the same promise with what
 * it draws on now; when the window moves, a promise made today, which does not start before today.
 */
function tell(
  plan: PromisePlan,
  promise: PreorderPromise,
  oldWindow: PromiseWindow | null,
  today: CalendarDate,
): PromiseUpdate {
  const sameWindow = oldWindow?.from === promise.window?.from && oldWindow?.to === promise.window?.to;
  const now = sameWindow ? promise : plan.promiseOf(promise.preorderId, { madeOn: today });
  return { next: storedPromiseOf(now), oldWindow };
}

/** The plan with the promises just told dated today, as the database now has them. */
function dateAnew(plan: PromisePlan, told: readonly PromiseUpdate[], today: CalendarDate): PromisePlan {
  const ids = told
    .filter((update) => update.next.promisedOn === today)
    .map((update) => update.next.preorderId);
  return ids.length === 0
    ? plan
    : repromise(plan, { kind: 'promises_made', preorderIds: ids, on: today }).plan;
}

/**
 * The kept plan with the placements made since appended, moved on to today when it was kept on an earlier
 * day, then the change applied by the engine; the late pre-orders of `remade` are promised anew.
 */
async function incrementally(
  tx: Queryable,
  shop: Shop,
  campaign: Campaign,
  variantId: string,
  kept: KeptPlan,
  changes: readonly PromiseChange[],
  { today, remade }: { today: CalendarDate; remade: ReadonlySet<string> },
): Promise<Repromising> {
  // Placed since the plan was kept, as they were placed: at priority 0. Any other change to them bumped
  // the version, except the one this transaction is making, which `changes` applies: the pre-order it
  // cancels is read with the live ones (one cancelled since, by its payment failing, is not).
  const cancelling = changes.flatMap((change) =>
    change.kind === 'preorder_cancelled' ? [change.preorderId] : [],
  );
  const placed = await tx.query<{
    id: string;
    queue_position: number;
    quantity: number;
    promised_on: CalendarDate | null;
  }>(
    `SELECT id, queue_position, quantity, promised_on FROM preorders
     WHERE shop_id = $1 AND campaign_id = $2 AND variant_id = $3 AND queue_position > $4
       AND (state <> 'cancelled' OR id = ANY($5))
     ORDER BY queue_position`,
    [shop.id, campaign.id, variantId, kept.lastPosition, cancelling],
  );
  const start =
    placed.length === 0
      ? kept.plan
      : repromise(kept.plan, {
          kind: 'preorders_appended',
          preorders: placed.map((p) => ({
            id: p.id,
            position: p.queue_position,
            quantity: p.quantity,
            priority: 0,
            ...(p.promised_on ? { promisedOn: p.promised_on } : {}),
          })),
        }).plan;
  const applied: PromiseChange[] = [
    ...(kept.today === today ? [] : [{ kind: 'day_passed' as const, today }]),
    ...changes,
  ];
  let plan = start;
  const changed = new Set<string>();
  for (const change of applied) {
    const next = repromise(plan, change);
    for (const id of next.changed) changed.add(id);
    plan = next.plan;
  }
  // One change names the promises it changed in serving order; after several, one may be back as it was.
  const updates =
    applied.length <= 1 && remade.size === 0
      ? [...changed].map((id) => tell(plan, plan.promiseOf(id), start.promiseOf(id).window, today))
      : updatesInServingOrder(plan, { today, remade, candidates: changed }, (id) => {
          const before = start.promiseOf(id);
          return { promise: withoutDate(storedPromiseOf(before)), window: before.window };
        });
  const lastPosition = placed.at(-1)?.queue_position ?? kept.lastPosition;
  return { plan: dateAnew(plan, updates, today), updates, lastPosition };
}

/** The change as the engine applies it, or null when only a whole recompute can (settings, stock, buffer). */
function engineChangesOf(change: VariantChange): PromiseChange[] | null {
  switch (change.kind) {
    case 'preorder_cancelled':
      return [{ kind: 'preorder_cancelled', preorderId: change.preorderId }];
    case 'priority_changed':
      return [{ kind: 'priority_changed', preorderId: change.preorderId, priority: change.priority }];
    case 'batch_added':
      return [{ kind: 'batch_added', batch: change.batch }];
    case 'window_passed':
      // Nothing changes in the queue or the supply; its late pre-orders are promised anew (`remade`).
      return [];
    case 'settings_changed':
    case 'stock_changed':
    case 'batch_deleted':
      return null;
    default: {
      const { before, after } = change;
      if (before.bufferDays !== after.bufferDays) return null;
      const changes: PromiseChange[] = [];
      if (before.readyDate !== after.readyDate) {
        changes.push({ kind: 'batch_slipped', batchId: after.id, readyDate: after.readyDate });
      }
      if (before.quantity !== after.quantity) {
        changes.push({ kind: 'batch_quantity_changed', batchId: after.id, quantity: after.quantity });
      }
      if (before.quantityReceived !== after.quantityReceived) {
        changes.push({
          kind: 'batch_received',
          batchId: after.id,
          quantityReceived: after.quantityReceived,
          receivedOn: after.receivedOn,
        });
      }
      return changes;
    }
  }
}

/** The promise as stored, in the form storedPromiseOf makes. */
function storedOf(row: QueuedPreorder): Omit<StoredPromise, 'promisedOn'> {
  return {
    preorderId: row.id,
    from: row.promise_from,
    to: row.promise_to,
    placeInLine: row.promise_place_in_line,
    batches: row.promise_batches,
  };
}

/** Placements stop at the planned supply only when the merchant says so and a plan exists. */
async function supplyLimitOf(tx: Queryable, campaign: Campaign, variantId: string): Promise<number | null> {
  if (campaign.promiseSettings.beyondSupply !== 'sold_out') return null;
  const planned = await plannedSupply(tx, campaign, variantId);
  return planned.batches === 0 ? null : planned.units;
}

/** What the supply plan of a campaign variant brings in all: its batches and, for a backorder, the shelf. */
export async function plannedSupply(
  db: Queryable,
  campaign: Campaign,
  variantId: string,
): Promise<{ units: number; batches: number; onHand: number }> {
  const batches = await batchesOf(db, campaign.id, variantId);
  const onHand = onHandOf(campaign, variantId).onHand;
  return { units: supplyUnits(batches, onHand), batches: batches.length, onHand: onHand?.quantity ?? 0 };
}

/** How a promise is kept on its pre-order row. */
function storedPromiseOf(promise: PreorderPromise): StoredPromise {
  const batches = promise.allocations.map((a) => ({
    batchId: a.batchId,
    units: a.units,
    inStock: a.inStock,
    ships: a.ships,
  }));
  const { preorderId, promisedOn } = promise;
  return promise.status === 'promised'
    ? { preorderId, from: promise.window.from, to: promise.window.to, placeInLine: null, batches, promisedOn }
    : { preorderId, from: null, to: null, placeInLine: promise.placeInLine, batches, promisedOn };
}

function causeOf(before: Batch, after: Batch): Extract<VariantChange, { before: Batch }>['kind'] {
  if (
    after.state === 'received' &&
    (before.state !== 'received' || before.quantityReceived !== after.quantityReceived)
  ) {
    return 'batch_received';
  }
  if (before.readyDate !== after.readyDate) return 'batch_slipped';
  if (before.quantity !== after.quantity) return 'batch_quantity_changed';
  return 'batch_changed';
}

/** A planned ready date is a real day of the shop's calendar, today or later. */
export function assertReadyDate(readyDate: CalendarDate, shop: Shop, now: Date) {
  const today = shopDate(now, shop.timeZone);
  if (compareDates(readyDate, today) < 0) {
    throw new DomainError(
      'ready_date_in_past',
      `the ready date is before today (${today} in ${shop.timeZone})`,
      {
        field: 'readyDate',
        today,
      },
    );
  }
}

function definedOnly<T extends object>(changes: T): Partial<T> {
  return Object.fromEntries(Object.entries(changes).filter(([, value]) => value !== undefined)) as Partial<T>;
}

const SELECT_BATCHES = `SELECT b.*, v.sku
  FROM supply_batches b JOIN variants v ON v.id = b.variant_id`;

interface BatchRow {
  id: string;
  campaign_id: string;
  variant_id: string;
  sku: string;
  quantity: number;
  ready_date: string;
  buffer_days: number;
  state: BatchState;
  quantity_received: number;
  received_on: string | null;
  note: string | null;
  created_at: Date;
  updated_at: Date;
}

async function loadBatch(db: Queryable, shopId: string, campaignId: string, id: string): Promise<Batch> {
  const [row] = await db.query<BatchRow>(
    `${SELECT_BATCHES} WHERE b.shop_id = $1 AND b.campaign_id = $2 AND b.id = $3`,
    [shopId, campaignId, id],
  );
  if (!row) throw new DomainError('not_found', 'no such batch in this campaign', { id });
  return batchFromRow(row);
}

function batchFromRow(row: BatchRow): Batch {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    variantId: row.variant_id,
    sku: row.sku,
    quantity: row.quantity,
    readyDate: row.ready_date,
    bufferDays: row.buffer_days,
    state: row.state,
    quantityReceived: row.quantity_received,
    receivedOn: row.received_on,
    note: row.note,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** Puts a pre-order ahead of others (higher first) and re-promises its variant; the moves are announced. */
export async function setPriority(
  ctx: ServiceContext,
  shop: Shop,
  preorderId: string,
  priority: number,
): Promise<void> {
  await inTransaction(ctx, async (uow) => {
    const { tx } = uow;
    const find = (lock: boolean) =>
      tx.query<{ campaign_id: string; variant_id: string; state: PreorderState; priority: number }>(
        `SELECT campaign_id, variant_id, state, priority FROM preorders WHERE shop_id = $1 AND id = $2
         ${lock ? 'FOR UPDATE' : ''}`,
        [shop.id, preorderId],
      );
    const [found] = await find(false);
    if (!found) throw new DomainError('not_found', 'no such pre-order', { id: preorderId });
    // The campaign first, as every change of a campaign's queue locks it.
    const campaign = await loadCampaign(tx, shop.id, found.campaign_id, { lock: true });
    const [target] = (await find(true)) as [typeof found];
    if (target.priority === priority) return;
    if (target.state === 'cancelled' || target.state === 'fulfilled') {
      throw new DomainError('invalid_transition', `a ${target.state} pre-order has no place in the queue`, {
        from: target.state,
      });
    }
    await writePriority(
      uow,
      { id: preorderId, shopId: shop.id, state: target.state, priority: target.priority },
      priority,
    );
    await repromiseVariant(uow, shop, campaign, target.variant_id, {
      kind: 'priority_changed',
      preorderId,
      priority,
    });
  });
}

export interface PromiseReport {
  campaignId: string;
  mode: CampaignMode;
  variants: {
    variantId: string;
    sku: string;
    batches: BatchSummary[];
    unpromised: UnpromisedLine;
    /** Units ordered by day against units arriving by ready date, both cumulative: the chart's two lines. */
    timeline: { date: CalendarDate; cumulativeDemand: number; cumulativeSupply: number }[];
  }[];
}

/** The whole plan of a campaign: per batch what it serves, who waits, and demand against supply over time. */
export async function promiseReport(
  ctx: ServiceContext,
  shop: Shop,
  campaignId: string,
): Promise<PromiseReport> {
  const campaign = await loadCampaign(ctx.db, shop.id, campaignId);
  const now = ctx.clock();
  const variants = [];
  for (const variant of campaign.variants) {
    const { plan } = await queueAndPlan(ctx.db, shop, campaign, variant.variantId, now);
    const demand = await ctx.db.query<{ day: string; units: number }>(
      `SELECT to_char(created_at AT TIME ZONE $3, 'YYYY-MM-DD') AS day, sum(quantity)::int AS units
       FROM preorders WHERE campaign_id = $1 AND variant_id = $2 AND state <> 'cancelled'
       GROUP BY 1 ORDER BY 1`,
      [campaign.id, variant.variantId, shop.timeZone],
    );
    const batches = plan.batchSummaries();
    const supply = batches.map((b) => ({ day: b.window.from, units: b.quantity }));
    variants.push({
      variantId: variant.variantId,
      sku: variant.sku,
      batches,
      unpromised: plan.unpromisedLine(),
      timeline: cumulativeTimeline(demand, supply),
    });
  }
  return { campaignId, mode: campaign.mode, variants };
}

/** Merges two day-by-day series into running totals on one time axis. */
function cumulativeTimeline(
  demand: readonly { day: string; units: number }[],
  supply: readonly { day: string; units: number }[],
) {
  const days = [...new Set([...demand, ...supply].map((point) => point.day))].sort();
  let cumulativeDemand = 0;
  let cumulativeSupply = 0;
  return days.map((date) => {
    for (const point of demand) if (point.day === date) cumulativeDemand += point.units;
    for (const point of supply) if (point.day === date) cumulativeSupply += point.units;
    return { date, cumulativeDemand, cumulativeSupply };
  });
}

export interface PromiseHistoryEntry {
  at: Date;
  cause: string;
  /** The merchant's words for why (a slip's reason), when they gave some. */
  reason: string | null;
  oldWindow: PromiseWindow | null;
  newWindow: PromiseWindow | null;
}

/** Every announced move of a pre-order's promise, oldest first. */
export async function promiseHistory(
  db: Queryable,
  shopId: string,
  preorderId: string,
): Promise<PromiseHistoryEntry[]> {
  const rows = await db.query<{
    created_at: Date;
    cause: string;
    old_from: string | null;
    old_to: string | null;
    new_from: string | null;
    new_to: string | null;
    reason: string | null;
  }>(
    `SELECT created_at, cause, reason, old_from, old_to, new_from, new_to FROM promise_history
     WHERE shop_id = $1 AND preorder_id = $2 ORDER BY id`,
    [shopId, preorderId],
  );
  const windowOf = (from: string | null, to: string | null) => (from && to ? { from, to } : null);
  return rows.map((row) => ({
    at: row.created_at,
    cause: row.cause,
    reason: row.reason,
    oldWindow: windowOf(row.old_from, row.old_to),
    newWindow: windowOf(row.new_from, row.new_to),
  }));
}
