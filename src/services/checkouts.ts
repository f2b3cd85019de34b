/**
 * The hosted checkout's placement: a pre-order placed as any other (Placements), with the address it ships
 * to kept beside it. A retry with the same Idempotency-Key gets the first answer; with another address it
 * is refused, as a retry with another body is.
 */
import type { PaymentTerms } from '../domain/campaign.ts';
import { DomainError } from '../domain/errors.ts';
import type { ServiceContext } from './context.ts';
import type { PlacementAnswer, PlacementRequest, Placements } from './placement.ts';
import type { Shop } from './shops.ts';

export interface ShippingAddress {
  name: string;
  line1: string;
  line2: string | null;
  postalCode: string;
  city: string;
  /** ISO 3166-1 alpha-2, upper case. */
  country: string;
}

export async function placeFromCheckout(
  ctx: ServiceContext,
  placements: Placements,
  shop: Shop,
  request: PlacementRequest & { shipping: ShippingAddress },
): Promise<PlacementAnswer> {
  const { shipping, ...placement } = request;
  const answer = await placements.place(shop, placement);
  if (!('placed' in answer)) return answer;
  const kept = await keepShippingAddress(ctx, shop.id, answer.placed.id, shipping);
  if (!sameAddress(kept, shipping)) {
    return {
      refused: {
        code: 'idempotency_key_reused',
        message: 'this Idempotency-Key was already used with a different shipping address',
      },
    };
  }
  return answer;
}

/** The pre-order's address: this one when it has none yet, else the one it has. */
async function keepShippingAddress(
  ctx: ServiceContext,
  shopId: string,
  preorderId: string,
  address: ShippingAddress,
): Promise<ShippingAddress> {
  const [row] = await ctx.db.query<AddressRow>(
    `WITH written AS (
       INSERT INTO shipping_addresses (shop_id, preorder_id, name, line1, line2, postal_code, city, country, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (shop_id, preorder_id) DO NOTHING
       RETURNING name, line1, line2, postal_code, city, country
     )
     SELECT * FROM written
     UNION ALL
     SELECT name, line1, line2, postal_code, city, country FROM shipping_addresses
     WHERE shop_id = $1 AND preorder_id = $2 AND NOT EXISTS (SELECT 1 FROM written)`,
    [
      shopId,
      preorderId,
      address.name,
      address.line1,
      address.line2,
      address.postalCode,
      address.city,
      address.country,
      ctx.clock(),
    ],
  );
  if (!row) throw new Error(`the address of ${preorderId} was neither written nor found`);
  return addressOf(row);
}

/** The address a pre-order ships to, when it was placed through the hosted checkout. */
export async function shippingAddressOf(
  ctx: ServiceContext,
  shopId: string,
  preorderId: string,
): Promise<ShippingAddress | undefined> {
  const [row] = await ctx.db.query<AddressRow>(
    `SELECT name, line1, line2, postal_code, city, country FROM shipping_addresses
     WHERE shop_id = $1 AND preorder_id = $2`,
    [shopId, preorderId],
  );
  return row && addressOf(row);
}

interface AddressRow {
  name: string;
  line1: string;
  line2: string | null;
  postal_code: string;
  city: string;
  country: string;
}

function addressOf(row: AddressRow): ShippingAddress {
  return {
    name: row.name,
    line1: row.line1,
    line2: row.line2,
    postalCode: row.postal_code,
    city: row.city,
    country: row.country,
  };
}

function sameAddress(a: ShippingAddress, b: ShippingAddress): boolean {
  return (
    a.name === b.name &&
    a.line1 === b.line1 &&
    (a.line2 ?? null) === (b.line2 ?? null) &&
    a.postalCode === b.postalCode &&
    a.city === b.city &&
    a.country === b.country
  );
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
