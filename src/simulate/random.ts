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

/**
 * An independent stream for each named use of one seed (demand, supply, customers…): a policy that draws
 * nothing more from one stream cannot shift the draws of another, so two policies see the same launch.
 */
export function randomStream(seed: number, name: string): Random {
  let hash = seed >>> 0;
  for (const character of name) hash = Math.imul(hash ^ (character.codePointAt(0) ?? 0), 0x01000193) >>> 0;
  return seededRandom(hash);
}

/** A Poisson draw by Knuth's method for small means, by a normal approximation above a few hundred. */
export function poisson(mean: number, random: Random): number {
  if (mean <= 0) return 0;
  if (mean > 500) {
    // Box–Muller: exp(−mean) would underflow, and at this size the normal is within a fraction of a unit.
    const normal = Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
    return Math.max(0, Math.round(mean + Math.sqrt(mean) * normal));
  }
  const limit = Math.exp(-mean);
  let count = -1;
  for (let product = 1; product > limit; product *= random()) count++;
  return count;
}

/** An exponential draw of the given mean (a memoryless wait: most short, a long tail). */
export function exponential(mean: number, random: Random): number {
  return -mean * Math.log(1 - random());
}

/** One of the options, each as likely as its weight. */
export function weighted<T extends { weight: number }>(options: readonly T[], random: Random): T {
  const total = options.reduce((sum, option) => sum + option.weight, 0);
  let left = random() * total;
  for (const option of options) {
    left -= option.weight;
    if (left < 0) return option;
  }
  return options.at(-1) as T;
}
