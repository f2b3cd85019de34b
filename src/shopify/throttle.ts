/**
 * Shopify's GraphQL Admin API limits by cost: a bucket of points (`maximumAvailable`) that refills at
 * `restoreRate` a second; each query costs points, and a query that costs more than is available is
 * answered THROTTLED. Every answer reports the bucket (`extensions.cost.throttleStatus`), so a client can
 * wait before a query instead of being refused. Pure arithmetic; the client sleeps.
 */

export interface ThrottleStatus {
  maximumAvailable: number;
  currentlyAvailable: number;
  restoreRate: number;
}

/** Milliseconds to wait before a query expected to cost `cost`, `elapsedMs` after `status` was reported. */
export function waitForPoints(status: ThrottleStatus, cost: number, elapsedMs: number): number {
  const refilled = status.currentlyAvailable + (status.restoreRate * elapsedMs) / 1000;
  const available = Math.min(status.maximumAvailable, refilled);
  const needed = Math.min(cost, status.maximumAvailable);
  if (available >= needed || status.restoreRate <= 0) return 0;
  return Math.ceil(((needed - available) / status.restoreRate) * 1000);
}

/**
 * How long to back off after the `attempt`-th THROTTLED answer (1 for the first): what the bucket needs to
 * cover the query when its status is known, never less than a doubling floor from 250 ms, at most 30 s.
 */
export function throttledBackoff(attempt: number, status: ThrottleStatus | undefined, cost: number): number {
  const floor = 250 * 2 ** Math.max(0, attempt - 1);
  const refill = status ? waitForPoints(status, cost, 0) : 0;
  return Math.min(30_000, Math.max(floor, refill));
}
