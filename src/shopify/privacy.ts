/**
 * Shopify's mandatory privacy webhooks. customers/data_request: the merchant is told (an event) which
 * pre-orders Presell holds for the customer, to send them. customers/redact: their address leaves the
 * ended pre-orders of the orders named. shop/redact (48 hours after uninstall): the store's connection,
 * its domain and any webhook payload still kept are erased.
 */
import { event } from '../domain/events.ts';
import { eraseEmails } from '../services/preorder-changes.ts';
import { inTransaction } from '../services/unit-of-work.ts';
import { disconnect } from './connections.ts';
import type { Shopify } from './shopify.ts';

export interface CustomerRequest {
  customer?: { email?: string | null } | null;
  orders_requested?: number[];
  orders_to_redact?: number[];
}

/** Pre-orders of the customer: of the orders named, and under their email. */
async function preordersOf(
  shopify: Shopify,
  shopId: string,
  email: string | null,
  orders: readonly number[],
) {
  const rows = await shopify.ctx.db.query<{ id: string }>(
    `SELECT p.id FROM preorders p WHERE p.shop_id = $1 AND (p.email = $2 OR p.id IN (
       SELECT preorder_id FROM shopify_order_lines WHERE shop_id = $1 AND order_id = ANY($3) AND preorder_id IS NOT NULL))
     ORDER BY p.id`,
    [shopId, email?.toLowerCase() ?? null, orders.map((id) => `gid://shopify/Order/${id}`)],
  );
  return rows.map((row) => row.id);
}

export async function customerDataRequested(shopify: Shopify, shopId: string, request: CustomerRequest) {
  const email = request.customer?.email ?? null;
  const preorderIds = await preordersOf(shopify, shopId, email, request.orders_requested ?? []);
  await inTransaction(shopify.ctx, async (uow) => {
    uow.record(event(shopId, 'shopify.customer_data_requested', shopId, { email, preorderIds }));
  });
}

export async function customerRedacted(shopify: Shopify, shopId: string, request: CustomerRequest) {
  const preorderIds = await preordersOf(
    shopify,
    shopId,
    request.customer?.email ?? null,
    request.orders_to_redact ?? [],
  );
  await inTransaction(shopify.ctx, (uow) => eraseEmails(uow, shopId, preorderIds));
}

export async function shopRedacted(shopify: Shopify, shopId: string) {
  await inTransaction(shopify.ctx, async (uow) => {
    await disconnect(uow, shopId, 'shop_redacted');
    await uow.tx.query('DELETE FROM shopify_domains WHERE shop_id = $1', [shopId]);
    await uow.tx.query('DELETE FROM shopify_connections WHERE shop_id = $1', [shopId]);
    await uow.tx.query('UPDATE shopify_webhooks SET payload = NULL WHERE shop_id = $1', [shopId]);
  });
}
