import { wordAvailability } from '../domain/ship-window-wording.ts';
import type { Campaign, Offer } from '../services/campaigns.ts';
import { offerPromiseView, wordingFor } from '../services/promise-view.ts';
import type { Shop } from '../services/shops.ts';
import type { Variant } from '../services/variants.ts';

/** How the API shows records: money as `{amount, currency}`, times as ISO 8601 UTC, an `object` tag. */
const iso = (date: Date | null) => date?.toISOString() ?? null;

export function campaignView(c: Campaign) {
  return {
    id: c.id,
    object: 'campaign' as const,
    name: c.name,
    mode: c.mode,
    status: c.status,
    opensAt: iso(c.opensAt),
    closesAt: iso(c.closesAt),
    perCustomerLimit: c.perCustomerLimit,
    price: { amount: c.priceAmount, currency: c.currency },
    earlyBird: c.earlyBird,
    paymentTerms: c.paymentTerms,
    wording: c.wording,
    promiseSettings: c.promiseSettings,
    cancellationPolicy: c.cancellationPolicy,
    releasedAt: iso(c.releasedAt),
    unitsHeld: c.unitsHeld,
    variants: c.variants.map((v) => ({
      variantId: v.variantId,
      sku: v.sku,
      cap: v.cap,
      held: v.held,
      unitsLeft: v.unitsLeft,
    })),
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export function variantView(v: Variant) {
  return {
    id: v.id,
    object: 'variant' as const,
    sku: v.sku,
    name: v.name,
    externalId: v.externalId,
    onHand: v.onHand,
    createdAt: v.createdAt.toISOString(),
  };
}

export function offerView(o: Offer, shop: Shop, now: Date) {
  const wording = wordingFor(shop, now, o.mode);
  const promise = offerPromiseView(o.promise, wording);
  return {
    object: 'offer' as const,
    ...o,
    window: { opensAt: iso(o.window.opensAt), closesAt: iso(o.window.closesAt) },
    promise,
    availability: {
      kind: o.availability,
      message: wordAvailability(o.availability, promise.window, wording),
    },
  };
}
