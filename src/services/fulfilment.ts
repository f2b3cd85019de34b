import { DomainError } from '../domain/errors.ts';
import type { PreorderState } from '../domain/lifecycle.ts';
import type { ServiceContext } from './context.ts';
import { movePreorder } from './preorder-changes.ts';
import { getPreorder, type Preorder } from './preorders.ts';
import type { Shop } from './shops.ts';
import { inTransaction } from './unit-of-work.ts';

export interface ShipmentInput {
  carrier?: string | null | undefined;
  trackingNumber?: string | null | undefined;
  trackingUrl?: string | null | undefined;
  /** When it left; now when not given. */
  shippedAt?: Date | undefined;
}

/** The merchant shipped a ready pre-order: it is fulfilled, with its carrier and tracking. */
export async function recordShipment(
  ctx: ServiceContext,
  shop: Shop,
  id: string,
  input: ShipmentInput,
): Promise<Preorder> {
  await inTransaction(ctx, async (uow) => {
    const [row] = await uow.tx.query<{ state: PreorderState }>(
      'SELECT state FROM preorders WHERE shop_id = $1 AND id = $2 FOR UPDATE',
      [shop.id, id],
    );
    if (!row) throw new DomainError('not_found', 'no such pre-order', { id });
    const shipment = {
      carrier: input.carrier ?? null,
      trackingNumber: input.trackingNumber ?? null,
      trackingUrl: input.trackingUrl ?? null,
      shippedAt: input.shippedAt ?? uow.now,
    };
    await movePreorder(
      uow,
      { id, shopId: shop.id, state: row.state },
      'fulfil',
      { ...shipment, shippedAt: shipment.shippedAt.toISOString() },
      shipment,
    );
  });
  return getPreorder(ctx, shop.id, id);
}
