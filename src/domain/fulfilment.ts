/**
 * Fulfilment rules: how many units a shipment may carry, and the lines a pre-order makes in an export.
 *
 * Shipments are parcels. A pre-order ships once it is `ready` (every unit in hand, fully paid); under the
 * split policy it may leave in several parcels, under ship_complete in one. It is `fulfilled` when its
 * last unit shipped: units shipped only grow, and never pass the quantity.
 */
import { DomainError } from './errors.ts';
import type { PreorderState } from './lifecycle.ts';
import type { FulfilmentPolicy } from './promise.ts';

/** Where a pre-order ships. Country is ISO 3166-1 alpha-2; region and phone are optional. */
export interface ShippingAddress {
  name: string;
  line1: string;
  line2: string | null;
  postalCode: string;
  city: string;
  region: string | null;
  country: string;
  phone: string | null;
}

/** An address as typed, optional fields left out, in the stored shape. */
export function normaliseAddress(
  input: Omit<ShippingAddress, 'line2' | 'region' | 'phone'> &
    Partial<Record<'line2' | 'region' | 'phone', string | null | undefined>>,
): ShippingAddress {
  return {
    name: input.name,
    line1: input.line1,
    line2: input.line2 ?? null,
    postalCode: input.postalCode,
    city: input.city,
    region: input.region ?? null,
    country: input.country,
    phone: input.phone ?? null,
  };
}

export interface Shippable {
  state: PreorderState;
  quantity: number;
  unitsShipped: number;
  policy: FulfilmentPolicy;
}

/**
 * The units a new shipment carries: `requested`, or everything left when not given. Refuses a pre-order
 * that is not ready, more units than are left, and a part of a pre-order that ships complete.
 */
export function shipmentUnits(preorder: Shippable, requested?: number | null): number {
  if (preorder.state !== 'ready') {
    throw new DomainError('invalid_transition', `a ${preorder.state} pre-order cannot ship`, {
      from: preorder.state,
      move: 'fulfil',
    });
  }
  const left = preorder.quantity - preorder.unitsShipped;
  const units = requested ?? left;
  if (!Number.isInteger(units) || units < 1 || units > left) {
    throw new DomainError('shipment_too_large', `only ${left} unit${left === 1 ? '' : 's'} left to ship`, {
      unitsLeft: left,
      requested: units,
    });
  }
  if (units < left && preorder.policy === 'ship_complete') {
    throw new DomainError(
      'partial_shipment_refused',
      'this campaign ships each pre-order complete, in one parcel',
      {
        unitsLeft: left,
      },
    );
  }
  return units;
}

/** A bonus an early-bird tier granted with the price it locked. */
export interface Perk {
  tier: string;
  sku?: string | undefined;
  quantity?: number | undefined;
  note?: string | undefined;
}

export interface ExportLine {
  sku: string;
  quantity: number;
  /** A bonus line: the tier that granted it. */
  perk: string | null;
  note: string | null;
}

/**
 * The lines one pre-order makes in a fulfilment export: its own units still to ship, then each perk's
 * bonus item on a line of its own (notes travel on the pre-order's line).
 */
export function exportLines(
  preorder: { sku: string; quantity: number; unitsShipped: number },
  perks: readonly Perk[],
): ExportLine[] {
  const notes = perks.flatMap((perk) => (perk.note ? [perk.note] : []));
  const lines: ExportLine[] = [
    {
      sku: preorder.sku,
      quantity: preorder.quantity - preorder.unitsShipped,
      perk: null,
      note: notes.length > 0 ? notes.join('; ') : null,
    },
  ];
  // Bonus items go out with the first parcel only.
  if (preorder.unitsShipped > 0) return lines;
  for (const perk of perks) {
    if (perk.sku && perk.quantity)
      lines.push({ sku: perk.sku, quantity: perk.quantity, perk: perk.tier, note: null });
  }
  return lines;
}
