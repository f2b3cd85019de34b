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
      message: wordWindow(window, shop),
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

function wordWindow(window: { from: string; to: string }, shop: Shop): string {
  const format = new Intl.DateTimeFormat(shop.locale, { day: 'numeric', month: 'long', timeZone: 'UTC' });
  return `Ships ${format.formatRange(new Date(window.from), new Date(window.to))}`;
}
