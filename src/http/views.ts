import type { NotOpenReason } from '../domain/campaign.ts';
import { type DueTerms, dueTerms, offerTexts, overridesFor, wordDueTerms } from '../domain/offer-wording.ts';
import {
  type WordingOptions,
  wordAvailability,
  wordingLocale,
  wordShipWindow,
} from '../domain/ship-window-wording.ts';
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
    oversellPolicy: c.oversellPolicy,
    releasedAt: iso(c.releasedAt),
    archivedAt: iso(c.archivedAt),
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
    archivedAt: iso(v.archivedAt),
    createdAt: v.createdAt.toISOString(),
  };
}

/**
 * The offer as the storefront reads it, in `locale` (the shop's unless the page asked for one we have):
 * one coherent set of texts for its state, and what one unit costs now and later.
 */
export function offerView(o: Offer, shop: Shop, now: Date, locale = wordingLocale(shop.locale)) {
  const { paymentTerms, wording: campaignWording, ...offer } = o;
  const wording = { ...wordingFor(shop, now, o.mode), locale };
  const promisedShipDate = o.promise?.kind === 'promised' ? o.promise.window.to : null;
  const terms = dueTerms(o.price, 1, paymentTerms, promisedShipDate);
  const texts = offerTexts(
    { ...o, reason: o.reason as NotOpenReason | null, terms },
    wording,
    overridesFor(campaignWording, locale),
  );
  const promise = offerPromiseView(o.promise, wording);
  return {
    object: 'offer' as const,
    ...offer,
    locale,
    window: { opensAt: iso(o.window.opensAt), closesAt: iso(o.window.closesAt) },
    buttonLabel: texts.buttonLabel,
    message: texts.message,
    payment: { now: terms.now, later: terms.later, laterDue: terms.laterDue, message: texts.paymentTerms },
    texts,
    // What the next unit would be promised is a fact in every state; an invitation to order only when open.
    promise:
      texts.display === 'order'
        ? promise
        : {
            ...promise,
            message:
              o.promise?.kind === 'promised'
                ? wordShipWindow(o.promise.window, { ...wording, mode: 'preorder' }).message
                : promise.message,
            firstShipment: promise.firstShipment && { ...promise.firstShipment, message: null },
          },
    availability: {
      kind: o.availability,
      // "Pre-order — ships …" describes an offer that sells or will; one that does not says why not.
      message:
        texts.display === 'unavailable' || texts.display === 'sold_out'
          ? texts.buttonLabel
          : wordAvailability(o.availability, promise.window, wording),
    },
  };
}

/** What a pre-order pays now and later, and when, with the sentence that says so in `wording.locale`. */
export function dueView(terms: DueTerms, wording: Pick<WordingOptions, 'locale' | 'today'>) {
  return { ...terms, message: wordDueTerms(terms, wording) };
}
