/**
 * Backorders that run themselves. Stock that comes in serves the backorders waiting for it first, in queue
 * order; only what is left goes on the shelf. A backorder campaign opens itself when its variant's shelf
 * is empty and pauses itself once stock is back and every backorder is served.
 */
import type { CampaignStatus } from './campaign.ts';

/** Of the units that came in, those the waiting backorders take first; the rest goes on the shelf. */
export function restock(
  previousOnHand: number,
  onHand: number,
  unitsWaiting: number,
): { toBackorders: number; shelf: number } {
  const incoming = Math.max(0, onHand - previousOnHand);
  const toBackorders = Math.min(incoming, Math.max(0, unitsWaiting));
  return { toBackorders, shelf: onHand - toBackorders };
}

export interface BackorderStanding {
  status: CampaignStatus;
  /** The campaign paused itself when stock came back (not the merchant). */
  stockPaused: boolean;
  /** Units on the shelf after the backorders took theirs. */
  shelf: number;
  /** Units of live backorders not yet in stock. */
  unitsWaiting: number;
}

/** The status the campaign moves to by itself, or null when it stays as it is. */
export function backorderStatus(standing: BackorderStanding): 'open' | 'paused' | null {
  if (standing.shelf === 0 && standing.status === 'paused' && standing.stockPaused) return 'open';
  if (standing.shelf > 0 && standing.status === 'open' && standing.unitsWaiting === 0) return 'paused';
  return null;
}
