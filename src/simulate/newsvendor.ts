/**
 * How many units to produce for an uncertain demand, by the newsvendor rule: a unit short loses its margin
 * (the underage cost Cu), a unit left over loses its cost less what it fetches later (the overage cost Co),
 * and the quantity that balances the two covers demand with probability Cu / (Cu + Co), the critical ratio.
 * Pure: amounts are minor units of one currency.
 */
import { DomainError } from '../domain/errors.ts';
import type { DemandDistribution } from './forecast.ts';
import { normalCdf, normalDensity, normalQuantile } from './normal.ts';

export interface UnitEconomics {
  /** What a unit sells for. */
  unitPrice: number;
  /** What a unit costs to produce. */
  unitCost: number;
  /** What a unit left over fetches afterwards (sold off, returned to the supplier). */
  salvageValue: number;
  /** Goodwill lost per unit a customer cannot get, on top of the margin. */
  shortageCost: number;
}

export interface NewsvendorInput {
  demand: DemandDistribution;
  economics: UnitEconomics;
  /** Units the supply plan already brings: production tops them up, never replaces them. */
  unitsCovered: number;
  /** No more units can be pre-ordered than this; null when there is no cap. */
  cap: number | null;
}

export interface ProductionAdvice {
  criticalRatio: number;
  /** Units that should be there in all: the critical ratio's quantile of demand, at most the cap. */
  targetUnits: number;
  /** Units to produce on top of those covered; 0 when the plan already reaches the target. */
  unitsToProduce: number;
  /** Units there will be: covered plus produced. */
  unitsInAll: number;
  expectedSold: number;
  expectedLeftOver: number;
  expectedShort: number;
  /** Revenue plus salvage, less the cost of every unit (covered and produced) and the goodwill lost. */
  expectedProfit: number;
}

export function newsvendor({ demand, economics, unitsCovered, cap }: NewsvendorInput): ProductionAdvice {
  const { unitPrice, unitCost, salvageValue, shortageCost } = economics;
  const overage = unitCost - salvageValue;
  if (overage <= 0) {
    throw new DomainError(
      'salvage_not_below_cost',
      'salvageValue must be below unitCost: otherwise every unit made pays for itself and there is no limit',
      { field: 'salvageValue', expected: `below ${unitCost}`, received: salvageValue },
    );
  }
  const underage = Math.max(unitPrice - unitCost + shortageCost, 0);
  const criticalRatio = underage / (underage + overage);
  const quantile =
    criticalRatio === 0 ? 0 : Math.max(0, Math.ceil(demandQuantile(demand, criticalRatio) - 1e-9));
  const targetUnits = cap === null ? quantile : Math.min(quantile, cap);
  const unitsToProduce = Math.max(targetUnits - unitsCovered, 0);
  const unitsInAll = unitsCovered + unitsToProduce;
  const sellable = cap === null ? unitsInAll : Math.min(unitsInAll, cap);
  const loss = (units: number) => expectedShortfall(demand, units);
  const expectedSold = meanOf(demand) - loss(sellable);
  // Demand beyond the cap could not be pre-ordered: it is nobody's shortage.
  const expectedShort = cap === null ? loss(unitsInAll) : Math.max(loss(sellable) - loss(cap), 0);
  const expectedLeftOver = unitsInAll - expectedSold;
  return {
    criticalRatio,
    targetUnits,
    unitsToProduce,
    unitsInAll,
    expectedSold,
    expectedLeftOver,
    expectedShort,
    expectedProfit:
      unitPrice * expectedSold +
      salvageValue * expectedLeftOver -
      unitCost * unitsInAll -
      shortageCost * expectedShort,
  };
}

/** The demand that is not exceeded with the given probability. */
function demandQuantile(demand: DemandDistribution, probability: number): number {
  if (demand.kind === 'normal') {
    return demand.mean + demand.standardDeviation * normalQuantile(probability);
  }
  const sorted = [...demand.values].sort((a, b) => a - b);
  // The smallest sample with at least `probability` of the samples at or below it.
  return sorted[Math.max(Math.ceil(probability * sorted.length) - 1, 0)] ?? 0;
}

/**
 * E[(D − units)⁺], the units demanded beyond `units` (the standard loss function). For a normal demand
 * σ·(φ(z) − z·(1 − Φ(z))) with z = (units − μ)/σ; it reads the normal's tail below zero too, which matters
 * only when the mean is within a few deviations of nothing.
 */
function expectedShortfall(demand: DemandDistribution, units: number): number {
  if (demand.kind === 'normal') {
    const { mean, standardDeviation: sd } = demand;
    const z = (units - mean) / sd;
    // No spread, or so little that z overflows: demand is the mean.
    if (!Number.isFinite(z)) return Math.max(mean - units, 0);
    return sd * (normalDensity(z) - z * (1 - normalCdf(z)));
  }
  if (demand.values.length === 0) return 0;
  return demand.values.reduce((total, v) => total + Math.max(v - units, 0), 0) / demand.values.length;
}

function meanOf(demand: DemandDistribution): number {
  if (demand.kind === 'normal') return demand.mean;
  if (demand.values.length === 0) return 0;
  return demand.values.reduce((total, v) => total + v, 0) / demand.values.length;
}
