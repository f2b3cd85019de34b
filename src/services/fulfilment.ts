/**
 * Shipments: parcels recorded through the API or a CSV import. Each parcel is a row; a pre-order is
 * `fulfilled` when its last unit shipped (the domain's `shipmentUnits` decides what a parcel may carry).
 * Addresses are set at placement or later, and change until an export hands the pre-order to fulfilment.
 */
import { DomainError, type Refusal } from '../domain/errors.ts';
import { type ShippingAddress, shipmentUnits } from '../domain/fulfilment.ts';
import type { PreorderState } from '../domain/lifecycle.ts';
import type { FulfilmentPolicy } from '../domain/promise.ts';
import { newId } from '../ids.ts';
import { itemRefusal } from './bulk-jobs.ts';
import type { ServiceContext } from './context.ts';
import { setShippingAddress, shipParcels } from './preorder-changes.ts';
import { getPreorder, type Preorder } from './preorders.ts';
import type { Shop } from './shops.ts';
import { inTransaction, type UnitOfWork } from './unit-of-work.ts';

export interface ShipmentInput {
  /** Units in the parcel; every unit left when not given. */
  quantity?: number | null | undefined;
  carrier?: string | null | undefined;
  trackingNumber?: string | null | undefined;
  trackingUrl?: string | null | undefined;
  /** When it left; now when not given. */
  shippedAt?: Date | undefined;
}

/** The merchant shipped (part of) a ready pre-order; the last parcel fulfils it. */
export async function recordShipment(
  ctx: ServiceContext,
  shop: Shop,
  id: string,
  input: ShipmentInput,
): Promise<Preorder> {
  const refusals = await inTransaction(ctx, (uow) =>
    shipAll(uow, shop.id, [{ key: 0, preorderId: id, ...input }]),
  );
  const refusal = refusals.get(0);
  if (refusal) throw new DomainError(refusal.code, refusal.message, refusal.details);
  return getPreorder(ctx, shop.id, id);
}

export type ParcelRequest = ShipmentInput & { key: number; preorderId: string };

interface ShippableRow {
  id: string;
  state: PreorderState;
  quantity: number;
  units_shipped: number;
  policy: FulfilmentPolicy;
}

/**
 * Records parcels in the caller's unit of work: the pre-orders are locked (in id order, so two imports
 * never deadlock), each parcel is checked against what its pre-order has left under that lock and then
 * written whole, or refused whole. Returns the refusal of each parcel that was not recorded, by key.
 */
export async function shipAll(
  uow: UnitOfWork,
  shopId: string,
  requests: readonly ParcelRequest[],
): Promise<Map<number, Refusal>> {
  const refusals = new Map<number, Refusal>();
  const ids = [...new Set(requests.map((parcel) => parcel.preorderId))];
  const rows = await uow.tx.query<ShippableRow>(
    `SELECT p.id, p.state, p.quantity, p.units_shipped, c.fulfilment_policy AS policy
     FROM preorders p JOIN campaigns c ON c.shop_id = p.shop_id AND c.id = p.campaign_id
     WHERE p.shop_id = $1 AND p.id = ANY($2) ORDER BY p.id FOR UPDATE OF p`,
    [shopId, ids],
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  const recorded = await uow.tx.query<{ preorder_id: string; tracking_number: string }>(
    `SELECT preorder_id, tracking_number FROM shipments
     WHERE shop_id = $1 AND preorder_id = ANY($2) AND tracking_number IS NOT NULL`,
    [shopId, ids],
  );
  const tracked = new Set(recorded.map((row) => `${row.preorder_id} ${row.tracking_number}`));
  const written: Record<string, unknown>[] = [];
  const parcels: Parameters<typeof shipParcels>[2][number][] = [];
  for (const parcel of requests) {
    const row = byId.get(parcel.preorderId);
    try {
      if (!row) throw new DomainError('not_found', `no pre-order ${parcel.preorderId} in this shop`);
      const trackingKey = `${row.id} ${parcel.trackingNumber}`;
      if (parcel.trackingNumber && tracked.has(trackingKey)) {
        throw new DomainError(
          'shipment_already_recorded',
          `a parcel with tracking number ${parcel.trackingNumber} is already recorded for ${row.id}`,
        );
      }
      const quantity = shipmentUnits(
        { state: row.state, quantity: row.quantity, unitsShipped: row.units_shipped, policy: row.policy },
        parcel.quantity,
      );
      const shipment = {
        shipmentId: newId('shipment', uow.now.getTime()),
        quantity,
        carrier: parcel.carrier ?? null,
        trackingNumber: parcel.trackingNumber ?? null,
        trackingUrl: parcel.trackingUrl ?? null,
        shippedAt: parcel.shippedAt ?? uow.now,
      };
      parcels.push({
        preorder: {
          id: row.id,
          shopId,
          state: row.state,
          quantity: row.quantity,
          unitsShipped: row.units_shipped,
        },
        parcel: shipment,
      });
      if (row.units_shipped + quantity === row.quantity) row.state = 'fulfilled';
      row.units_shipped += quantity;
      if (parcel.trackingNumber) tracked.add(trackingKey);
      written.push({ ...shipment, preorderId: row.id, shippedAt: shipment.shippedAt.toISOString() });
    } catch (error) {
      refusals.set(parcel.key, itemRefusal(error));
    }
  }
  await shipParcels(uow, shopId, parcels);
  if (written.length > 0) {
    await uow.tx.query(
      `INSERT INTO shipments (shop_id, id, preorder_id, quantity, carrier, tracking_number, tracking_url, shipped_at,
         created_at)
       SELECT $1, s."shipmentId", s."preorderId", s.quantity, s.carrier, s."trackingNumber", s."trackingUrl",
         s."shippedAt", $2
       FROM jsonb_to_recordset($3::jsonb) AS s("shipmentId" text, "preorderId" text, quantity int, carrier text,
         "trackingNumber" text, "trackingUrl" text, "shippedAt" timestamptz)`,
      [shopId, uow.now, JSON.stringify(written)],
    );
  }
  return refusals;
}

export interface Parcel {
  id: string;
  quantity: number;
  carrier: string | null;
  trackingNumber: string | null;
  trackingUrl: string | null;
  shippedAt: Date;
}

/** Every parcel of a pre-order, first shipped first. */
export async function shipmentsOf(
  ctx: ServiceContext,
  shopId: string,
  preorderId: string,
): Promise<Parcel[]> {
  const rows = await ctx.db.query<{
    id: string;
    quantity: number;
    carrier: string | null;
    tracking_number: string | null;
    tracking_url: string | null;
    shipped_at: Date;
  }>(
    `SELECT id, quantity, carrier, tracking_number, tracking_url, shipped_at FROM shipments
     WHERE shop_id = $1 AND preorder_id = $2 ORDER BY shipped_at, id`,
    [shopId, preorderId],
  );
  return rows.map((row) => ({
    id: row.id,
    quantity: row.quantity,
    carrier: row.carrier,
    trackingNumber: row.tracking_number,
    trackingUrl: row.tracking_url,
    shippedAt: row.shipped_at,
  }));
}

/** Sets or changes where a pre-order ships, until it is exported. */
export async function changeShippingAddress(
  ctx: ServiceContext,
  shop: Shop,
  id: string,
  address: ShippingAddress,
): Promise<Preorder> {
  await inTransaction(ctx, async (uow) => {
    const [row] = await uow.tx.query<{ state: PreorderState; exported_at: Date | null }>(
      'SELECT state, exported_at FROM preorders WHERE shop_id = $1 AND id = $2 FOR UPDATE',
      [shop.id, id],
    );
    if (!row) throw new DomainError('not_found', 'no such pre-order', { id });
    if (row.exported_at) {
      throw new DomainError(
        'already_exported',
        'this pre-order was exported to fulfilment; its address is final',
        {
          exportedAt: row.exported_at.toISOString(),
        },
      );
    }
    if (row.state === 'cancelled' || row.state === 'fulfilled') {
      throw new DomainError('invalid_transition', `a ${row.state} pre-order does not ship anywhere new`, {
        from: row.state,
      });
    }
    await setShippingAddress(uow, { id, shopId: shop.id, state: row.state }, address);
  });
  return getPreorder(ctx, shop.id, id);
}
