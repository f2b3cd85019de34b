/**
 * The fulfilment export: pre-orders ready to ship, per campaign or batch, in queue order (merchant priority
 * first), as the rows a 3PL takes. It streams: pre-orders are read, marked as exported and handed out a
 * chunk at a time, each chunk one transaction, so an export of any size takes constant memory. A pre-order
 * without a shipping address is left out (and counted); one exported before is left out unless asked.
 * `GET /v1/exports/{id}` hands out an export's pre-orders again.
 */
import { DomainError } from '../domain/errors.ts';
import { type ExportLine, exportLines, type ShippingAddress } from '../domain/fulfilment.ts';
import { type PriceLine, perksOf } from '../domain/pricing.ts';
import { PRIORITY_RANGE } from '../domain/promise.ts';
import { newId } from '../ids.ts';
import { loadCampaign } from './campaigns.ts';
import type { ServiceContext } from './context.ts';
import { drawsOnBatch, markExported } from './preorder-changes.ts';
import { placesInQueue } from './preorders.ts';
import type { Shop } from './shops.ts';
import { inTransaction } from './unit-of-work.ts';

export interface ExportRequest {
  campaignId: string;
  batchId?: string | undefined;
  /** Hand out pre-orders an earlier export handed out too. */
  includeExported?: boolean | undefined;
}

export interface ExportRecord {
  id: string;
  campaignId: string;
  batchId: string | null;
  includeExported: boolean;
  preorders: number;
  /** Ready pre-orders left out because they have no shipping address yet. */
  missingAddress: number;
  createdAt: Date;
}

/** One pre-order as the export hands it out: whom it goes to and its lines (its units, then any perks). */
export interface ExportedOrder {
  orderReference: string;
  campaignId: string;
  /** The place shown to the customer (`placeInQueue`). */
  queuePosition: number;
  email: string;
  shippingAddress: ShippingAddress;
  lines: ExportLine[];
}

/**
 * The keyset walk of the queue goes by (−priority, queue position), which the partial index
 * preorders_ready holds in that order; it starts before the highest priority.
 */
const START = { priority: -(PRIORITY_RANGE.max + 1), position: -1 };

/** Pre-orders read, marked and handed out per transaction. */
const CHUNK = 500;

/** Starts an export: checks what it names and counts the ready pre-orders it must leave out. */
export async function startExport(
  ctx: ServiceContext,
  shop: Shop,
  request: ExportRequest,
): Promise<ExportRecord> {
  const campaign = await loadCampaign(ctx.db, shop.id, request.campaignId);
  if (request.batchId) {
    const [batch] = await ctx.db.query(
      'SELECT 1 FROM supply_batches WHERE shop_id = $1 AND campaign_id = $2 AND id = $3',
      [shop.id, campaign.id, request.batchId],
    );
    if (!batch) throw new DomainError('not_found', 'no such batch in this campaign', { id: request.batchId });
  }
  const now = ctx.clock();
  const id = newId('export', now.getTime());
  const [{ missing } = { missing: 0 }] = await ctx.db.query<{ missing: number }>(
    `SELECT count(*)::int AS missing FROM preorders p
     WHERE p.shop_id = $1 AND p.campaign_id = $2 AND p.state = 'ready' AND p.shipping_address IS NULL
       AND ($3::boolean OR p.export_id IS NULL) AND (${IN_BATCH})`,
    [shop.id, campaign.id, request.includeExported ?? false, request.batchId ?? null],
  );
  await ctx.db.query(
    `INSERT INTO exports (shop_id, id, campaign_id, batch_id, include_exported, missing_address, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [shop.id, id, campaign.id, request.batchId ?? null, request.includeExported ?? false, missing, now],
  );
  return getExport(ctx, shop.id, id);
}

/** $4: a batch id or null; a pre-order is in a batch when its promise draws units from it. */
const IN_BATCH = `$4::text IS NULL OR ${drawsOnBatch('$4')}`;

interface OrderRow {
  id: string;
  campaign_id: string;
  queue_position: number;
  place_in_queue: number;
  priority: number;
  email: string;
  shipping_address: ShippingAddress;
  sku: string;
  quantity: number;
  units_shipped: number;
  price_lines: PriceLine[];
}

/**
 * The orders of a `chunk` of ids ($1 the shop), in queue order. The chunk is chosen from pre-orders alone,
 * so that the walk stays on the index in queue order (with a join, the planner sorts every row left).
 */
const CHUNK_ORDERS = `SELECT p.id, p.campaign_id, p.queue_position, p.priority, p.email, p.shipping_address, v.sku,
    p.quantity, p.units_shipped, p.price_lines, places.place_in_queue
  FROM chunk JOIN preorders p ON p.shop_id = $1 AND p.id = chunk.id
  JOIN ${placesInQueue('$1', 'chunk')} places ON places.id = p.id
  JOIN variants v ON v.shop_id = p.shop_id AND v.id = p.variant_id
  ORDER BY -p.priority, p.queue_position`;

/**
 * The export's pre-orders, marked as exported a chunk at a time as they are read: ready, with an address,
 * in queue order. The export's count is kept as it goes.
 */
export async function* exportOrders(ctx: ServiceContext, shopId: string, record: ExportRecord) {
  let after = START;
  for (;;) {
    const chunk = await inTransaction(ctx, async (uow) => {
      const rows = await uow.tx.query<OrderRow>(
        `WITH chunk AS (
           SELECT p.id, p.campaign_id, p.queue_position FROM preorders p
           WHERE p.shop_id = $1 AND p.campaign_id = $2 AND p.state = 'ready' AND p.shipping_address IS NOT NULL
             AND ($3::boolean OR p.export_id IS NULL) AND (${IN_BATCH}) AND (-p.priority, p.queue_position) > ($5, $6)
           ORDER BY -p.priority, p.queue_position LIMIT $7
           FOR UPDATE OF p SKIP LOCKED
         )
         ${CHUNK_ORDERS}`,
        [
          shopId,
          record.campaignId,
          record.includeExported,
          record.batchId,
          after.priority,
          after.position,
          CHUNK,
        ],
      );
      await markExported(
        uow,
        shopId,
        record.id,
        rows.map((row) => row.id),
      );
      await uow.tx.query('UPDATE exports SET preorders = preorders + $3 WHERE shop_id = $1 AND id = $2', [
        shopId,
        record.id,
        rows.length,
      ]);
      return rows;
    });
    for (const row of chunk) yield orderOf(row);
    const last = chunk.at(-1);
    if (!last || chunk.length < CHUNK) return;
    after = { priority: -last.priority, position: last.queue_position };
  }
}

/** The pre-orders an export handed out, again, in queue order (whatever they became since). */
export async function* exportedOrders(ctx: ServiceContext, shopId: string, exportId: string) {
  let after = START;
  for (;;) {
    const rows = await ctx.db.query<OrderRow>(
      `WITH chunk AS (
         SELECT p.id, p.campaign_id, p.queue_position FROM preorders p WHERE p.shop_id = $1 AND p.export_id = $2 AND (-p.priority, p.queue_position) > ($3, $4)
         ORDER BY -p.priority, p.queue_position LIMIT $5
       )
       ${CHUNK_ORDERS}`,
      [shopId, exportId, after.priority, after.position, CHUNK],
    );
    for (const row of rows) yield orderOf(row);
    const last = rows.at(-1);
    if (!last || rows.length < CHUNK) return;
    after = { priority: -last.priority, position: last.queue_position };
  }
}

function orderOf(row: OrderRow): ExportedOrder {
  return {
    orderReference: row.id,
    campaignId: row.campaign_id,
    queuePosition: row.place_in_queue,
    email: row.email,
    shippingAddress: row.shipping_address,
    lines: exportLines(
      { sku: row.sku, quantity: row.quantity, unitsShipped: row.units_shipped },
      perksOf(row.price_lines),
    ),
  };
}

export const EXPORT_COLUMNS = [
  'order_reference',
  'name',
  'address_line1',
  'address_line2',
  'postcode',
  'city',
  'region',
  'country',
  'email',
  'phone',
  'sku',
  'quantity',
  'line_type',
  'note',
] as const;

/** The CSV rows of one pre-order: one per line, every row carrying the address. */
export function exportCsvRows(order: ExportedOrder): (string | number | null)[][] {
  const a = order.shippingAddress;
  return order.lines.map((line) => [
    order.orderReference,
    a.name,
    a.line1,
    a.line2,
    a.postalCode,
    a.city,
    a.region,
    a.country,
    order.email,
    a.phone,
    line.sku,
    line.quantity,
    line.perk ? 'perk' : 'item',
    line.note,
  ]);
}

interface ExportRow {
  id: string;
  campaign_id: string;
  batch_id: string | null;
  include_exported: boolean;
  preorders: number;
  missing_address: number;
  created_at: Date;
}

export async function getExport(ctx: ServiceContext, shopId: string, id: string): Promise<ExportRecord> {
  const [row] = await ctx.db.query<ExportRow>('SELECT * FROM exports WHERE shop_id = $1 AND id = $2', [
    shopId,
    id,
  ]);
  if (!row) throw new DomainError('not_found', 'no such export', { id });
  return {
    id: row.id,
    campaignId: row.campaign_id,
    batchId: row.batch_id,
    includeExported: row.include_exported,
    preorders: row.preorders,
    missingAddress: row.missing_address,
    createdAt: row.created_at,
  };
}
