/**
 * Shopify holds the fulfilment of pre-order lines (a fulfilment order ON_HOLD for an unknown delivery date,
 * or SCHEDULED for a date). When Presell counts a pre-order ready (paid, its units in hand), the hold on
 * its fulfilment order is released (or the scheduled order opened), once every Presell line on that
 * fulfilment order is ready, so nothing ships before it is paid and in stock.
 */
import { fulfilmentOrders, openFulfilmentOrder, releaseFulfilmentHold } from './admin-operations.ts';
import type { Shopify } from './shopify.ts';

const SHIPPABLE = ['ready', 'fulfilled'];
/** The holds Shopify places on pre-order lines itself; holds for other reasons (fraud, address) stay. */
const PRE_ORDER_HOLDS = ['UNKNOWN_DELIVERY_DATE'];

export async function releaseFulfilment(shopify: Shopify, shopId: string, preorderId: string) {
  const { ctx } = shopify;
  const [line] = await ctx.db.query<{
    line_item_id: string;
    order_id: string;
    fulfilment_released_at: Date | null;
  }>(
    'SELECT line_item_id, order_id, fulfilment_released_at FROM shopify_order_lines WHERE shop_id = $1 AND preorder_id = $2',
    [shopId, preorderId],
  );
  if (!line || line.fulfilment_released_at) return;
  const { api } = await shopify.connected(shopId);
  const states = await ctx.db.query<{ line_item_id: string; state: string }>(
    `SELECT l.line_item_id, p.state FROM shopify_order_lines l JOIN preorders p ON p.shop_id = l.shop_id AND p.id = l.preorder_id
     WHERE l.shop_id = $1 AND l.order_id = $2`,
    [shopId, line.order_id],
  );
  const stateOf = new Map(states.map((row) => [row.line_item_id, row.state]));
  const released: string[] = [];
  for (const order of await fulfilmentOrders(api, line.order_id)) {
    const lineIds = order.lineItems.nodes.map((node) => node.lineItem.id);
    if (!lineIds.includes(line.line_item_id)) continue;
    const waiting = lineIds.some((id) => stateOf.has(id) && !SHIPPABLE.includes(stateOf.get(id) as string));
    if (waiting) continue;
    if (order.status === 'ON_HOLD') {
      const holds = order.fulfillmentHolds
        .filter((hold) => PRE_ORDER_HOLDS.includes(hold.reason))
        .map((hold) => hold.id);
      if (holds.length > 0) await releaseFulfilmentHold(api, order.id, holds);
    } else if (order.status === 'SCHEDULED') {
      await openFulfilmentOrder(api, order.id);
    }
    released.push(...lineIds.filter((id) => stateOf.has(id)));
  }
  if (released.length === 0) return;
  await ctx.db.query(
    `UPDATE shopify_order_lines SET fulfilment_released_at = $3
     WHERE shop_id = $1 AND line_item_id = ANY($2) AND fulfilment_released_at IS NULL`,
    [shopId, released, ctx.clock()],
  );
}
