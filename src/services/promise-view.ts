import { shopDate } from '../domain/calendar.ts';
import type { CampaignMode } from '../domain/campaign.ts';
import type { NextOffer, PromiseWindow } from '../domain/promise.ts';
import {
  type WordingOptions,
  wordingLocale,
  wordOffer,
  wordShipmentParts,
  wordShipWindow,
} from '../domain/ship-window-wording.ts';
import type { StoredPromise } from './preorder-changes.ts';
import type { Shop } from './shops.ts';

export interface PromiseView {
  status: 'promised' | 'unpromised';
  window: PromiseWindow | null;
  placeInLine: number | null;
  message: string;
  batches: StoredPromise['batches'];
}

export interface OfferPromiseView {
  status: 'promised' | 'to_be_confirmed' | 'sold_out';
  window: PromiseWindow | null;
  message: string;
  firstShipment: { unitsLeft: number; message: string | null } | null;
}

/** How promises are worded for a shop now: its language (whole), its today, and the campaign's kind. */
export function wordingFor(shop: Shop, now: Date, mode: CampaignMode): WordingOptions {
  return { locale: wordingLocale(shop.locale), today: shopDate(now, shop.timeZone), mode };
}

/** A stored promise as the API shows it: machine-readable dates and the sentence the customer reads. */
export function promiseView(
  promise: Omit<StoredPromise, 'promisedOn'>,
  wording: WordingOptions,
): PromiseView {
  if (promise.from && promise.to) {
    const window = { from: promise.from, to: promise.to };
    return {
      status: 'promised',
      window,
      placeInLine: null,
      message: shippingMessage(window, promise.batches, wording),
      batches: promise.batches,
    };
  }
  return {
    status: 'unpromised',
    window: null,
    placeInLine: promise.placeInLine,
    message: toBeConfirmed(wording),
    batches: promise.batches,
  };
}

/**
 * The sentence a customer reads about their units: one window ("Ships in December"), or, when their units
 * ship at different times (the split policy), each part ("2 ship in December, 1 early February").
 */
export function shippingMessage(
  window: PromiseWindow,
  batches: StoredPromise['batches'],
  wording: WordingOptions,
): string {
  const parts = new Map<string, { units: number; window: PromiseWindow }>();
  for (const { units, ships } of batches) {
    if (!ships) continue;
    const key = `${ships.from}|${ships.to}`;
    parts.set(key, { units: (parts.get(key)?.units ?? 0) + units, window: ships });
  }
  if (parts.size < 2) return wordShipWindow(window, wording).message;
  const byDate = [...parts.values()].sort(
    (a, b) => a.window.to.localeCompare(b.window.to) || a.window.from.localeCompare(b.window.from),
  );
  return wordShipmentParts(byDate, wording);
}

/** What the pre-order button says about shipping: the next unit's window and the room left in the first batch. */
export function offerPromiseView(next: NextOffer | null, wording: WordingOptions): OfferPromiseView {
  if (!next || next.kind === 'to_be_confirmed') {
    return { status: 'to_be_confirmed', window: null, message: toBeConfirmed(wording), firstShipment: null };
  }
  const worded = wordOffer(next, wording);
  if (next.kind === 'sold_out')
    return { status: 'sold_out', window: null, message: worded.headline, firstShipment: null };
  const room = next.earliestRoom;
  return {
    status: 'promised',
    window: next.window,
    message: worded.headline,
    firstShipment: { unitsLeft: room.unitsLeft, message: room.isFirstShipment ? worded.unitsLeft : null },
  };
}

function toBeConfirmed(wording: WordingOptions): string {
  return wordOffer({ kind: 'to_be_confirmed', units: 1, unitsLeftInSupply: 0 }, wording).headline;
}
