/**
 * On-hand stock per variant, set through the API or a CSV file, and the backorder campaign that follows
 * it by itself: units that come in serve the waiting backorders first, in queue order (they become a
 * received batch of the campaign, so the promise engine allocates them), the rest goes on the shelf; the
 * campaign opens when the shelf is empty and pauses once stock is back and every backorder is served.
 */
import { z } from 'zod';
import { backorderStatus, restock } from '../domain/backorder.ts';
import { shopDate } from '../domain/calendar.ts';
import { DomainError, type Refusal } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import { newId } from '../ids.ts';
import { csvJob, itemRefusal, type Job, type JobHandler, type StagedItem } from './bulk-jobs.ts';
import { type Campaign, loadCampaign } from './campaigns.ts';
import type { ServiceContext } from './context.ts';
import type { Shop } from './shops.ts';
import { repromiseVariant } from './supply.ts';
import { inTransaction, type UnitOfWork } from './unit-of-work.ts';

export interface StockChange {
  variantId: string;
  sku: string;
  previousOnHand: number;
  /** On the shelf now, after the backorders took theirs. */
  onHand: number;
  toBackorders: number;
  /** The backorder campaign that opened or paused itself. */
  campaign: { id: string; status: string } | null;
}

export async function setOnHand(
  ctx: ServiceContext,
  shop: Shop,
  variant: { variantId: string } | { sku: string },
  onHand: number,
): Promise<StockChange> {
  return inTransaction(ctx, (uow) => applyStock(uow, shop, variant, onHand));
}

/** Sets a variant's stock in the caller's unit of work; refuses an unknown variant before writing anything. */
export async function applyStock(
  uow: UnitOfWork,
  shop: Shop,
  ref: { variantId: string } | { sku: string },
  onHand: number,
): Promise<StockChange> {
  const { tx } = uow;
  const [found] = await tx.query<{ id: string; sku: string }>(
    'SELECT id, sku FROM variants WHERE shop_id = $1 AND (id = $2 OR sku = $3)',
    [shop.id, 'variantId' in ref ? ref.variantId : null, 'sku' in ref ? ref.sku : null],
  );
  if (!found) {
    // A variant named in the path is not found; one named in a file's row is an unknown variant.
    if ('variantId' in ref) throw new DomainError('not_found', 'no such variant', { id: ref.variantId });
    throw new DomainError('unknown_variant', `no variant with sku ${ref.sku} in this shop`, { sku: ref.sku });
  }
  // The campaign first, as every change of a campaign's supply locks it; then the variant.
  const [live] = await tx.query<{ id: string }>(
    `SELECT c.id FROM campaigns c JOIN campaign_variants cv ON cv.campaign_id = c.id
     WHERE c.shop_id = $1 AND cv.variant_id = $2 AND c.mode = 'backorder' AND c.status IN ('scheduled', 'open', 'paused')
     ORDER BY c.updated_at DESC LIMIT 1`,
    [shop.id, found.id],
  );
  let campaign = live && (await loadCampaign(tx, shop.id, live.id, { lock: true }));
  const [variant] = (await tx.query<{ on_hand: number }>(
    'SELECT on_hand FROM variants WHERE shop_id = $1 AND id = $2 FOR UPDATE',
    [shop.id, found.id],
  )) as [{ on_hand: number }];
  const waiting = campaign ? await unitsWaiting(tx, shop.id, campaign.id, found.id) : 0;
  const { toBackorders, shelf } = restock(variant.on_hand, onHand, waiting);
  if (campaign && toBackorders > 0) await receiveForBackorders(uow, shop, campaign, found.id, toBackorders);
  await tx.query('UPDATE variants SET on_hand = $3 WHERE shop_id = $1 AND id = $2', [
    shop.id,
    found.id,
    shelf,
  ]);
  uow.record(
    event(shop.id, 'variant.stock_changed', found.id, {
      onHand: shelf,
      previousOnHand: variant.on_hand,
      toBackorders,
    }),
  );
  let moved: StockChange['campaign'] = null;
  if (campaign) {
    campaign = await loadCampaign(tx, shop.id, campaign.id);
    // On-hand stock is supply of a backorder campaign: its promises follow the shelf.
    await repromiseVariant(uow, shop, campaign, found.id, { kind: 'stock_changed' });
    const status = backorderStatus({
      status: campaign.status,
      stockPaused: await isStockPaused(tx, shop.id, campaign.id),
      shelf,
      unitsWaiting: await unitsWaiting(tx, shop.id, campaign.id, found.id),
    });
    if (status) {
      await tx.query(
        'UPDATE campaigns SET status = $3, stock_paused = $4, updated_at = $5 WHERE shop_id = $1 AND id = $2',
        [shop.id, campaign.id, status, status === 'paused', uow.now],
      );
      const type = status === 'open' ? 'campaign.opened' : 'campaign.paused';
      uow.record(event(shop.id, type, campaign.id, { from: campaign.status, to: status, cause: 'stock' }));
      moved = { id: campaign.id, status };
    }
  }
  return {
    variantId: found.id,
    sku: found.sku,
    previousOnHand: variant.on_hand,
    onHand: shelf,
    toBackorders,
    campaign: moved,
  };
}

/** Units of the campaign's live backorders of a variant that no stock holds yet. */
async function unitsWaiting(tx: UnitOfWork['tx'], shopId: string, campaignId: string, variantId: string) {
  const [row] = await tx.query<{ units: number }>(
    `SELECT coalesce(sum(p.quantity - (SELECT coalesce(sum((b->>'units')::int), 0) FROM jsonb_array_elements(p.promise_batches) b
                                      WHERE (b->>'inStock')::boolean)), 0)::int AS units
     FROM preorders p WHERE p.shop_id = $1 AND p.campaign_id = $2 AND p.variant_id = $3 AND p.state <> 'cancelled'`,
    [shopId, campaignId, variantId],
  );
  return row?.units ?? 0;
}

async function isStockPaused(tx: UnitOfWork['tx'], shopId: string, campaignId: string) {
  const [row] = await tx.query<{ stock_paused: boolean }>(
    'SELECT stock_paused FROM campaigns WHERE shop_id = $1 AND id = $2',
    [shopId, campaignId],
  );
  return row?.stock_paused ?? false;
}

/** The units that came in for the backorders: a batch received today, which the engine allocates in queue order. */
async function receiveForBackorders(
  uow: UnitOfWork,
  shop: Shop,
  campaign: Campaign,
  variantId: string,
  units: number,
) {
  const id = newId('batch', uow.now.getTime());
  const today = shopDate(uow.now, shop.timeZone);
  await uow.tx.query(
    `INSERT INTO supply_batches (id, shop_id, campaign_id, variant_id, quantity, ready_date, buffer_days, state,
       quantity_received, note, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'received', $5, 'stock that came in for backorders', $8, $8)`,
    [id, shop.id, campaign.id, variantId, units, today, campaign.promiseSettings.bufferDays, uow.now],
  );
  uow.record(
    event(shop.id, 'batch.created', id, {
      campaignId: campaign.id,
      variantId,
      quantity: units,
      readyDate: today,
    }),
  );
}

export const STOCK_IMPORT = 'stock_import';

const stockRow = z.object({
  sku: z.string().trim().min(1).max(100),
  onHand: z
    .string()
    .trim()
    .regex(/^\d{1,8}$/, 'a whole number of units, 0 or more')
    .transform(Number),
});

/** A stock file (`sku,on_hand`) into a job: each row sets one variant's stock. */
export function importStock(
  ctx: ServiceContext,
  shop: Shop,
  source: AsyncIterable<string | Uint8Array>,
  options: { allOrNothing: boolean },
): Promise<Job> {
  return csvJob(ctx, shop.id, STOCK_IMPORT, source, options, (header) => {
    const names = header.map((name) => name.trim().toLowerCase());
    const skuAt = names.indexOf('sku');
    const onHandAt = names.findIndex((name) => name === 'on_hand' || name === 'onhand');
    if (skuAt < 0 || onHandAt < 0) {
      throw new DomainError('invalid_csv', 'the header needs the columns sku and on_hand', {
        line: 1,
        received: names,
      });
    }
    return (record): StagedItem => {
      const parsed = stockRow.safeParse({
        sku: record.fields[skuAt] ?? '',
        onHand: record.fields[onHandAt] ?? '',
      });
      if (parsed.success) return { line: record.line, payload: parsed.data };
      const issue = parsed.error.issues[0];
      return {
        line: record.line,
        refusal: { code: 'validation_failed', message: `${String(issue?.path[0])}: ${issue?.message}` },
      };
    };
  });
}

export const stockImportHandler: JobHandler = {
  kind: STOCK_IMPORT,
  chunkSize: 100,
  async apply(uow, job, items) {
    const { shop } = job;
    const refusals = new Map<number, Refusal>();
    for (const item of items) {
      const { sku, onHand } = item.payload as { sku: string; onHand: number };
      try {
        await applyStock(uow, shop, { sku }, onHand);
      } catch (error) {
        refusals.set(item.seq, itemRefusal(error));
      }
    }
    return refusals;
  },
};
