/**
 * The hosted checkout's placement: a pre-order placed as any other (Placements), with the address it ships
 * to. A retry with the same Idempotency-Key gets the first answer; with another address it is refused, as a
 * retry with another body is.
 */
import type { PaymentTerms } from '../domain/campaign.ts';
import { DomainError } from '../domain/errors.ts';
import type { ShippingAddress } from '../domain/fulfilment.ts';
import type { ServiceContext } from './context.ts';
import type { PlacementAnswer, PlacementRequest, Placements } from './placement.ts';
import type { Shop } from './shops.ts';

/** Places it as any other pre-order, with the address it ships to: a retry with another address is another request. */
export async function placeFromCheckout(
  placements: Placements,
  shop: Shop,
  request: PlacementRequest & { shippingAddress: ShippingAddress },
): Promise<PlacementAnswer> {
  return placements.place(shop, request);
}

/** The terms a placed pre-order pays by, as they were when it was placed. */
export async function placedTerms(
  ctx: ServiceContext,
  shopId: string,
  preorderId: string,
): Promise<PaymentTerms> {
  const [row] = await ctx.db.query<{ payment_terms: PaymentTerms }>(
    'SELECT payment_terms FROM preorders WHERE shop_id = $1 AND id = $2',
    [shopId, preorderId],
  );
  if (!row) throw new DomainError('not_found', 'no such pre-order', { id: preorderId });
  return row.payment_terms;
}

/** Whether a pre-order of that id is the shop's. */
export async function isShopsPreorder(
  ctx: ServiceContext,
  shopId: string,
  preorderId: string,
): Promise<boolean> {
  const rows = await ctx.db.query('SELECT 1 FROM preorders WHERE shop_id = $1 AND id = $2', [
    shopId,
    preorderId,
  ]);
  return rows.length > 0;
}

/** What the checkout calls the product: the variant's name. */
export async function variantName(
  ctx: ServiceContext,
  shopId: string,
  sku: string,
): Promise<string | undefined> {
  const [row] = await ctx.db.query<{ name: string }>(
    'SELECT name FROM variants WHERE shop_id = $1 AND sku = $2',
    [shopId, sku],
  );
  return row?.name;
}
