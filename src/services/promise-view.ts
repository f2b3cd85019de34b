import type { NextOffer } from '../domain/promise.ts';
import type { Shop } from './shops.ts';
import type { StoredPromise } from './supply.ts';

export interface PromiseView {
  status: 'promised' | 'unpromised';
  window: { from: string; to: string } | null;
  placeInLine: number | null;
  message: string;
  batches: StoredPromise['batches'];
}

/** A stored promise as the API shows it: machine-readable dates and the sentence the customer reads. */
export function promiseView(promise: StoredPromise, shop: Shop): PromiseView {
  if (promise.from && promise.to) {
    const window = { from: promise.from, to: promise.to };
    return {
      status: 'promised',
      window,
      placeInLine: null,
      message: windowMessage(window, shop),
      batches: promise.batches,
    };
  }
  return {
    status: 'unpromised',
    window: null,
    placeInLine: promise.placeInLine,
    message: 'Date to be confirmed',
    batches: promise.batches,
  };
}

/** The sentence for a ship window in the shop's language. */
export function windowMessage(window: { from: string; to: string }, shop: Shop): string {
  const format = new Intl.DateTimeFormat(shop.locale, { day: 'numeric', month: 'long', timeZone: 'UTC' });
  return `Ships ${format.formatRange(new Date(window.from), new Date(window.to))}`;
}

export interface OfferPromiseView {
  status: 'promised' | 'to_be_confirmed' | 'sold_out';
  window: { from: string; to: string } | null;
  message: string;
  firstShipment: { unitsLeft: number; message: string | null } | null;
}

/** What the pre-order button says about shipping: the next unit's window and the room left in the first batch. */
export function offerPromiseView(next: NextOffer | null, shop: Shop): OfferPromiseView {
  if (!next || next.kind === 'to_be_confirmed') {
    return { status: 'to_be_confirmed', window: null, message: 'Date to be confirmed', firstShipment: null };
  }
  if (next.kind === 'sold_out')
    return { status: 'sold_out', window: null, message: 'Sold out', firstShipment: null };
  const room = next.earliestRoom;
  return {
    status: 'promised',
    window: next.window,
    message: `Order now — ${windowMessage(next.window, shop).toLowerCase()}`,
    firstShipment: {
      unitsLeft: room.unitsLeft,
      message: room.isFirstShipment ? `Only ${room.unitsLeft} left in the first shipment` : null,
    },
  };
}
