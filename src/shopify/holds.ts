/**
 * Holds for Shopify's cart. A hold is a placement made on Presell's own hot path (Placements and
 * presell_reserve): it takes units under the cap in the same conditional statement as any pre-order, so
 * holds can never pass the cap, and it gets its queue position and promise at once. It has no payment step:
 * it stays `placed` until an order takes it (orders/create), or its expiry passes and the abandoned
 * placements job gives its units back, as for any unpaid placement.
 *
 * The shopper may not be known yet: without an email, the hold stands for a customer of its own (an address
 * under `.invalid`, which no mail reaches) until the order names them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import type { PlacementAnswer } from '../services/placement.ts';
import type { PreorderView } from '../services/preorders.ts';
import type { Shop } from '../services/shops.ts';
import { makeSellable } from './sellability.ts';
import type { Shopify } from './shopify.ts';

/** The cart line property a hold travels in; the leading underscore keeps it out of Shopify's checkout. */
export const HOLD_PROPERTY = '_presell_hold';
/** Where holds without an email are filed; `.invalid` never receives mail (RFC 2606). */
export const HOLD_EMAIL_DOMAIN = 'holds.presell.invalid';

export interface HoldRequest {
  sku: string;
  quantity: number;
  email?: string | null | undefined;
  idempotencyKey: string;
}

export type HoldAnswer =
  | {
      hold: { token: string; expiresAt: Date | null; preorder: PreorderView };
      replayed?: true;
    }
  | Extract<PlacementAnswer, { refused: unknown }>;

export async function placeHold(shopify: Shopify, shop: Shop, request: HoldRequest): Promise<HoldAnswer> {
  await shopify.connected(shop.id);
  const [variant] = await shopify.ctx.db.query<{ variant_id: string }>(
    `SELECT sv.variant_id FROM shopify_variants sv JOIN variants v ON v.id = sv.variant_id
     WHERE sv.shop_id = $1 AND v.shop_id = $1 AND v.sku = $2 AND sv.deleted_at IS NULL`,
    [shop.id, request.sku],
  );
  if (!variant) {
    throw new DomainError('not_found', 'that sku is not sold through the connected Shopify store', {
      sku: request.sku,
    });
  }
  const answer = await shopify.holds.place(shop, {
    sku: request.sku,
    quantity: request.quantity,
    email: request.email ?? holdEmail(shop.id, request.idempotencyKey),
    idempotencyKey: request.idempotencyKey,
  });
  if ('refused' in answer) return answer;
  const preorder = answer.placed;
  const [hold] = await shopify.ctx.db.query<{ token: string; placed_expires_at: Date | null }>(
    `WITH made AS (
       INSERT INTO shopify_holds (shop_id, token, preorder_id, created_at) VALUES ($1, $2, $3, $4)
       ON CONFLICT (shop_id, preorder_id) DO NOTHING RETURNING token
     )
     SELECT coalesce((SELECT token FROM made),
                     (SELECT token FROM shopify_holds WHERE shop_id = $1 AND preorder_id = $3)) AS token,
       (SELECT placed_expires_at FROM preorders WHERE shop_id = $1 AND id = $3) AS placed_expires_at`,
    [shop.id, `hld_${randomBytes(16).toString('base64url')}`, preorder.id, shopify.ctx.clock()],
  );
  // At the cap the variant stops selling on Shopify now, not when the next event is delivered.
  void makeSellable(shopify, shop.id, [variant.variant_id]).catch((error: Error) =>
    shopify.log.warn(
      { err: error.message, shopId: shop.id },
      'could not update Shopify at the cap; the outbox retries',
    ),
  );
  return {
    hold: { token: hold?.token as string, expiresAt: hold?.placed_expires_at ?? null, preorder },
    ...(answer.replayed ? { replayed: true as const } : {}),
  };
}

/** The stand-in customer of a hold made without an email: the same for every retry of one request. */
function holdEmail(shopId: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${shopId}\u0000${idempotencyKey}`).digest('hex').slice(0, 24);
  return `hold-${digest}@${HOLD_EMAIL_DOMAIN}`;
}

export function isHoldEmail(email: string): boolean {
  return email.endsWith(`@${HOLD_EMAIL_DOMAIN}`);
}
