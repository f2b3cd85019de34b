/**
 * Offers as answered, kept for a second in this process: a store page's shoppers ask for the same offer
 * again and again, and the answer already says it may be used for OFFER_MAX_AGE_SECONDS. Any write this
 * process answers (a placement, a payment, a merchant's change) empties the cache, so its own shoppers
 * never see an offer older than their last change; another process's changes show within the second.
 * Concurrent misses of one key share one computation.
 */
import { createHash } from 'node:crypto';

export interface CachedAnswer {
  status: number;
  body: string;
  etag: string;
}

/** How long this process answers an offer as it computed it, unless a write comes first. */
export const OFFER_CACHE_MS = 1000;

interface Entry {
  answer: Promise<CachedAnswer>;
  expires: number;
  generation: number;
}

export class OfferCache {
  readonly #entries = new Map<string, Entry>();
  #generation = 0;

  /** `now`: the services' clock, in milliseconds. */
  constructor(
    private readonly now: () => number,
    private readonly ttlMs = OFFER_CACHE_MS,
    private readonly maxEntries = 10_000,
  ) {}

  /** The answer under `key`, computed by `compute` when there is none fresh. */
  get(key: string, compute: () => Promise<{ status: number; body: string }>): Promise<CachedAnswer> {
    const now = this.now();
    const known = this.#entries.get(key);
    if (known && known.expires > now && known.generation === this.#generation) return known.answer;
    if (this.#entries.size >= this.maxEntries) this.#entries.clear();
    const answer = compute().then(({ status, body }) => ({ status, body, etag: etagOf(body) }));
    const entry = { answer, expires: now + this.ttlMs, generation: this.#generation };
    this.#entries.set(key, entry);
    // A failure is not kept: the next request tries again.
    answer.catch(() => {
      if (this.#entries.get(key) === entry) this.#entries.delete(key);
    });
    return answer;
  }

  /** Something changed: every answer is computed again. */
  invalidate(): void {
    this.#generation += 1;
    this.#entries.clear();
  }
}

export function etagOf(body: string): string {
  return `W/"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
}
