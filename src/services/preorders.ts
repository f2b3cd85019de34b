import type { CampaignMode } from '../domain/campaign.ts';
import { DomainError } from '../domain/errors.ts';
import type { ShippingAddress } from '../domain/fulfilment.ts';
import type { PaymentStatus } from '../domain/ledger.ts';
import type { PreorderState } from '../domain/lifecycle.ts';
import type { Money } from '../domain/money.ts';
import type { PriceLine, TierPerk } from '../domain/pricing.ts';
import type { ServiceContext } from './context.ts';
import { type Page, type PageRequest, toPage } from './pagination.ts';
import { drawsOnBatch, type StoredPromise } from './preorder-changes.ts';
import { type PromiseView, promiseView, wordingFor } from './promise-view.ts';
import type { Shop } from './shops.ts';

export interface Preorder {
  id: string;
  shopId: string;
  campaignId: string;
  variantId: string;
  sku: string;
  /** The campaign's kind, which words the promise ("Back in stock — ships by …" for a backorder). */
  mode: CampaignMode;
  email: string;
  quantity: number;
  /** The order of placement in the campaign (dense, never reused): the queue the promise engine serves. */
  queuePosition: number;
  /** What the customer and the merchant are shown: the place among the campaign's live pre-orders. */
  placeInQueue: number;
  /** Merchant priority in the queue: higher is served first. */
  priority: number;
  unitAmount: number;
  totalAmount: number;
  currency: string;
  priceLines: PriceLine[];
  state: PreorderState;
  paymentStatus: PaymentStatus;
  idempotencyKey: string | null;
  /** The promise the customer was last told; null only before it is first computed. */
  promise: StoredPromise | null;
  /** Recorded when the merchant shipped it (the last parcel). */
  shipment: Shipment | null;
  /** Where it ships; required before it can be exported. */
  shippingAddress: ShippingAddress | null;
  unitsShipped: number;
  /** When an export handed it to fulfilment. */
  exportedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface Shipment {
  carrier: string | null;
  trackingNumber: string | null;
  trackingUrl: string | null;
  shippedAt: Date;
}

/** A pre-order as the API shows it: money as `{amount, currency}`, times as ISO 8601 UTC. */
export interface PreorderView {
  id: string;
  object: 'preorder';
  campaignId: string;
  variantId: string;
  sku: string;
  email: string;
  quantity: number;
  queuePosition: number;
  priority: number;
  unitPrice: Money;
  total: Money;
  priceLines: { tier: string | null; quantity: number; unitPrice: Money; perk?: TierPerk }[];
  state: PreorderState;
  paymentStatus: PaymentStatus;
  promise: PromiseView | null;
  shipment: {
    carrier: string | null;
    trackingNumber: string | null;
    trackingUrl: string | null;
    shippedAt: string;
  } | null;
  shippingAddress: ShippingAddress | null;
  unitsShipped: number;
  exportedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `now` decides how dates are worded (a date in another year names its year). */
export function preorderView(p: Preorder, shop: Shop, now: Date): PreorderView {
  const money = (amount: number) => ({ amount, currency: p.currency });
  return {
    id: p.id,
    object: 'preorder',
    campaignId: p.campaignId,
    variantId: p.variantId,
    sku: p.sku,
    email: p.email,
    quantity: p.quantity,
    queuePosition: p.placeInQueue,
    priority: p.priority,
    unitPrice: money(p.unitAmount),
    total: money(p.totalAmount),
    priceLines: p.priceLines.map((line) => ({
      tier: line.tier,
      quantity: line.quantity,
      unitPrice: money(line.unitAmount),
      ...(line.perk ? { perk: line.perk } : {}),
    })),
    state: p.state,
    paymentStatus: p.paymentStatus,
    promise: p.promise && promiseView(p.promise, wordingFor(shop, now, p.mode)),
    shipment: p.shipment && { ...p.shipment, shippedAt: p.shipment.shippedAt.toISOString() },
    shippingAddress: p.shippingAddress,
    unitsShipped: p.unitsShipped,
    exportedAt: p.exportedAt?.toISOString() ?? null,
    createdAt: p.createdAt.toISOString(),
    updatedAt: p.updatedAt.toISOString(),
  };
}

export interface PreorderFilter extends PageRequest {
  campaignId?: string | undefined;
  state?: PreorderState | undefined;
  email?: string | undefined;
  /** Pre-orders whose promise draws units from this batch (as the export and the batch's rules read it). */
  batchId?: string | undefined;
  paymentStatus?: PaymentStatus | undefined;
}

interface PreorderRow {
  id: string;
  shop_id: string;
  campaign_id: string;
  variant_id: string;
  sku: string;
  mode: CampaignMode;
  email: string;
  quantity: number;
  queue_position: number;
  place_in_queue: number;
  priority: number;
  unit_amount: number;
  total_amount: number;
  currency: string;
  price_lines: PriceLine[];
  state: PreorderState;
  payment_status: PaymentStatus;
  idempotency_key: string | null;
  promise_from: string | null;
  promise_to: string | null;
  promise_place_in_line: number | null;
  promise_batches: StoredPromise['batches'];
  promised_on: string | null;
  shipped_at: Date | null;
  carrier: string | null;
  tracking_number: string | null;
  tracking_url: string | null;
  shipping_address: ShippingAddress | null;
  units_shipped: number;
  exported_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/**
 * The place shown as `queuePosition`, as a SQL expression: a pre-order's stored position less the cancelled
 * pre-orders of its campaign placed before it. Positions are numbered per campaign without gaps
 * (presell_reserve), so this is the place among the pre-orders still waiting or shipped; it moves up when
 * someone ahead cancels. The index preorders_cancelled_in_queue keeps the count a small index scan.
 */
function placeInQueue(shopId: string, campaignId: string, position: string): string {
  return `(${position} - ${cancelledBefore(shopId, campaignId, position)})::int`;
}

/** The cancelled pre-orders of a campaign placed before `position`, as a SQL expression (a bigint). */
export function cancelledBefore(shopId: string, campaignId: string, position: string): string {
  return `(SELECT count(*) FROM preorders cancelled
    WHERE cancelled.shop_id = ${shopId} AND cancelled.campaign_id = ${campaignId}
      AND cancelled.state = 'cancelled' AND cancelled.queue_position < ${position})`;
}

/**
 * `placeInQueue` of many pre-orders at once, as a relation (id, place_in_queue): `rows` names a relation of
 * pre-orders of shop `shopId` (id, campaign_id, queue_position). One walk over each campaign's cancelled
 * pre-orders up to the last of the rows, counted as it goes, instead of a count for each row: a page of a
 * campaign with thousands of cancellations reads them once, not once a row.
 */
export function placesInQueue(shopId: string, rows: string): string {
  // A row sorts before the cancellation at its own position (0 before 1), so it never counts itself.
  return `(SELECT id, place_in_queue FROM (
      SELECT id, cancelled,
        (queue_position - sum(cancelled) OVER (PARTITION BY campaign_id ORDER BY queue_position, cancelled
          ROWS UNBOUNDED PRECEDING))::int AS place_in_queue
      FROM (
        SELECT id, campaign_id, queue_position, 0 AS cancelled FROM ${rows}
        UNION ALL
        SELECT NULL, c.campaign_id, c.queue_position, 1 FROM preorders c
        JOIN (SELECT campaign_id, max(queue_position) AS last FROM ${rows} GROUP BY campaign_id) span
          ON span.campaign_id = c.campaign_id AND c.queue_position < span.last
        WHERE c.shop_id = ${shopId} AND c.state = 'cancelled'
      ) marks
    ) counted WHERE cancelled = 0)`;
}

const SELECT_PREORDER = `SELECT p.*, v.sku, c.mode,
    ${placeInQueue('p.shop_id', 'p.campaign_id', 'p.queue_position')} AS place_in_queue
  FROM preorders p
  JOIN variants v ON v.id = p.variant_id AND v.shop_id = p.shop_id
  JOIN campaigns c ON c.id = p.campaign_id AND c.shop_id = p.shop_id`;

export async function listPreorders(
  ctx: ServiceContext,
  shopId: string,
  filter: PreorderFilter,
): Promise<Page<Preorder>> {
  const rows = await ctx.db.query<PreorderRow>(
    `WITH page AS (
       SELECT p.* FROM preorders p
       WHERE p.shop_id = $1 AND ($2::text IS NULL OR p.id > $2) AND ($3::text IS NULL OR p.campaign_id = $3)
         AND ($4::text IS NULL OR p.state = $4) AND ($5::text IS NULL OR p.email = $5)
         AND ($6::text IS NULL OR ${drawsOnBatch('$6')})
         AND ($7::text IS NULL OR p.payment_status = $7)
       ORDER BY p.id LIMIT $8
     )
     SELECT p.*, v.sku, c.mode, places.place_in_queue FROM page p
     JOIN ${placesInQueue('$1', 'page')} places ON places.id = p.id
     JOIN variants v ON v.id = p.variant_id AND v.shop_id = p.shop_id
     JOIN campaigns c ON c.id = p.campaign_id AND c.shop_id = p.shop_id
     ORDER BY p.id`,
    [
      shopId,
      filter.after ?? null,
      filter.campaignId ?? null,
      filter.state ?? null,
      filter.email ?? null,
      filter.batchId ?? null,
      filter.paymentStatus ?? null,
      filter.limit + 1,
    ],
  );
  return toPage(rows, filter.limit, preorderFromRow);
}

export async function getPreorder(ctx: ServiceContext, shopId: string, id: string): Promise<Preorder> {
  const [row] = await ctx.db.query<PreorderRow>(`${SELECT_PREORDER} WHERE p.shop_id = $1 AND p.id = $2`, [
    shopId,
    id,
  ]);
  if (!row) throw new DomainError('not_found', 'no such pre-order', { id });
  return preorderFromRow(row);
}

function preorderFromRow(row: PreorderRow): Preorder {
  return {
    id: row.id,
    shopId: row.shop_id,
    campaignId: row.campaign_id,
    variantId: row.variant_id,
    sku: row.sku,
    mode: row.mode,
    email: row.email,
    quantity: row.quantity,
    queuePosition: row.queue_position,
    placeInQueue: row.place_in_queue,
    priority: row.priority,
    unitAmount: row.unit_amount,
    totalAmount: row.total_amount,
    currency: row.currency,
    priceLines: row.price_lines,
    state: row.state,
    paymentStatus: row.payment_status,
    idempotencyKey: row.idempotency_key,
    promise: {
      preorderId: row.id,
      from: row.promise_from,
      to: row.promise_to,
      placeInLine: row.promise_place_in_line,
      batches: row.promise_batches,
      promisedOn: row.promised_on ?? row.created_at.toISOString().slice(0, 10),
    },
    shipment: row.shipped_at && {
      carrier: row.carrier,
      trackingNumber: row.tracking_number,
      trackingUrl: row.tracking_url,
      shippedAt: row.shipped_at,
    },
    shippingAddress: row.shipping_address,
    unitsShipped: row.units_shipped,
    exportedAt: row.exported_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** A message sent about a pre-order, or the last try of one that failed. */
export interface PreorderEmail {
  messageId: string;
  kind: string;
  language: string | null;
  subject: string;
  to: string;
  status: 'sent' | 'failed';
  /** When it was handed to the mail server, or when the last try failed. */
  at: Date;
  error: string | null;
}

/** The messages the email consumer noted for one pre-order, oldest first. */
export async function preorderEmails(
  ctx: ServiceContext,
  shopId: string,
  id: string,
): Promise<PreorderEmail[]> {
  await getPreorder(ctx, shopId, id);
  const rows = await ctx.db.query<{
    message_id: string;
    kind: string;
    language: string | null;
    subject: string;
    recipient: string;
    status: 'sent' | 'failed';
    sent_at: Date;
    error: string | null;
  }>(
    `SELECT message_id, kind, language, subject, recipient, status, sent_at, error FROM sent_emails
     WHERE shop_id = $1 AND preorder_id = $2 ORDER BY sent_at, message_id`,
    [shopId, id],
  );
  return rows.map((row) => ({
    messageId: row.message_id,
    kind: row.kind,
    language: row.language,
    subject: row.subject,
    to: row.recipient,
    status: row.status,
    at: row.sent_at,
    error: row.error,
  }));
}
