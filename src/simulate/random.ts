/**
 * Seeded randomness for the forecast's bootstrap and, later, the launch simulator: the same seed gives
 * the same draws, on every machine, so an answer can be reproduced.
 */

/** A source of uniform numbers in [0, 1). */
export type Random = () => number;

/** mulberry32: small, fast and good enough for resampling; not for anything secret. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** One element of a non-empty list, each equally likely. */
export function pick<T>(items: readonly T[], random: Random): T {
  return items[Math.floor(random() * items.length)] as T;
}
