import type { Perk } from './fulfilment.ts';
import { percentOf } from './money.ts';

/**
 * An early-bird tier: the first `firstUnits` units of the campaign and/or units placed before `until`
 * sell at `unitAmount` or at `percentOff` the regular price. A unit gets the cheapest tier it qualifies for.
 */
export interface EarlyBirdTier {
  name: string;
  firstUnits?: number | null;
  /** ISO 8601 instant. */
  until?: string | null;
  unitAmount?: number | null;
  percentOff?: number | null;
  /** A bonus for each unit sold in this tier: an item (sku and quantity per unit, not charged) or a note. */
  perk?: TierPerk | null;
}

export interface TierPerk {
  sku?: string | null;
  quantity?: number | null;
  note?: string | null;
}

export interface Pricing {
  /** Regular price of one unit, in minor units. */
  priceAmount: number;
  earlyBird: readonly EarlyBirdTier[];
}

/** A run of units at one price: what a pre-order pays is a list of these. */
export interface PriceLine {
  tier: string | null;
  quantity: number;
  unitAmount: number;
  /** The tier's perk as it was when the price was locked: later changes to the tier never take it away. */
  perk?: TierPerk;
}

export interface PricedUnits {
  lines: PriceLine[];
  /** The price of the first unit, the one shown as "unit price". */
  unitAmount: number;
  totalAmount: number;
}

export interface PriceNow {
  unitAmount: number;
  regularAmount: number;
  tier: { name: string; unitsLeft: number | null; endsAt: string | null; perk: TierPerk | null } | null;
}

/**
 * Prices `quantity` units that come after `unitsBefore` units of the campaign, at `now`.
 * Each unit's tier is decided by its own place in the campaign's count, so a pre-order that crosses
 * the end of a tier pays the early price only for the units inside it.
 */
export function priceUnits(pricing: Pricing, unitsBefore: number, quantity: number, now: Date): PricedUnits {
  const lines: PriceLine[] = [];
  let unit = unitsBefore;
  const end = unitsBefore + quantity;
  while (unit < end) {
    const tier = bestTier(pricing, unit, now);
    const runEnd = Math.min(end, nextThreshold(pricing, unit) ?? end);
    const unitAmount = tier ? tierAmount(pricing, tier) : pricing.priceAmount;
    const last = lines.at(-1);
    if (last && last.unitAmount === unitAmount && last.tier === (tier?.name ?? null)) {
      last.quantity += runEnd - unit;
    } else {
      const line: PriceLine = { tier: tier?.name ?? null, quantity: runEnd - unit, unitAmount };
      if (tier?.perk) line.perk = tier.perk;
      lines.push(line);
    }
    unit = runEnd;
  }
  const totalAmount = lines.reduce((sum, line) => sum + line.quantity * line.unitAmount, 0);
  return { lines, unitAmount: lines[0]?.unitAmount ?? pricing.priceAmount, totalAmount };
}

/** What the next unit costs now, and how long its tier lasts (units left, end date). */
export function priceNow(pricing: Pricing, unitsHeld: number, now: Date): PriceNow {
  const tier = bestTier(pricing, unitsHeld, now);
  if (!tier) return { unitAmount: pricing.priceAmount, regularAmount: pricing.priceAmount, tier: null };
  return {
    unitAmount: tierAmount(pricing, tier),
    regularAmount: pricing.priceAmount,
    tier: {
      name: tier.name,
      unitsLeft: tier.firstUnits == null ? null : tier.firstUnits - unitsHeld,
      endsAt: tier.until ?? null,
      perk: tier.perk ?? null,
    },
  };
}

/**
 * The perks a pre-order's locked price lines granted: per tier, the bonus item times the units bought in
 * it, and the note.
 */
export function perksOf(lines: readonly PriceLine[]): Perk[] {
  const perks: Perk[] = [];
  for (const line of lines) {
    if (!line.perk || line.tier === null) continue;
    const perk: Perk = { tier: line.tier };
    if (line.perk.sku && line.perk.quantity) {
      perk.sku = line.perk.sku;
      perk.quantity = line.perk.quantity * line.quantity;
    }
    if (line.perk.note) perk.note = line.perk.note;
    perks.push(perk);
  }
  return perks;
}

function bestTier(pricing: Pricing, unit: number, now: Date): EarlyBirdTier | undefined {
  let best: EarlyBirdTier | undefined;
  for (const tier of pricing.earlyBird) {
    if (tier.firstUnits != null && unit >= tier.firstUnits) continue;
    if (tier.until != null && now.getTime() >= Date.parse(tier.until)) continue;
    if (!best || tierAmount(pricing, tier) < tierAmount(pricing, best)) best = tier;
  }
  return best;
}

function tierAmount(pricing: Pricing, tier: EarlyBirdTier): number {
  if (tier.unitAmount != null) return tier.unitAmount;
  return pricing.priceAmount - percentOf(pricing.priceAmount, tier.percentOff ?? 0);
}

/** The next unit count after `unit` at which some tier ends, where the price may change. */
function nextThreshold(pricing: Pricing, unit: number): number | undefined {
  let next: number | undefined;
  for (const tier of pricing.earlyBird) {
    if (tier.firstUnits != null && tier.firstUnits > unit && (next === undefined || tier.firstUnits < next)) {
      next = tier.firstUnits;
    }
  }
  return next;
}
