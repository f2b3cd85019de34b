/**
 * The Bass diffusion model of how demand for a new product arrives: some buyers come on their own
 * (innovation, p), more come because others bought (imitation, q), out of a market of m buyers. Time is in
 * days since demand could start; p and q are per day.
 */
import { levenbergMarquardt } from 'ml-levenberg-marquardt';

export interface BassParameters {
  /** Innovation: the share of the remaining market that buys each day on its own. */
  p: number;
  /** Imitation: how much each day's buying grows with the share that has bought already. */
  q: number;
  /** Market size: the units demand levels off at. */
  m: number;
}

/** F(t), the share of the market that has bought by day t: (1 − e^{−(p+q)t}) / (1 + (q/p)·e^{−(p+q)t}). */
export function bassCumulative(p: number, q: number, t: number): number {
  if (t <= 0) return 0;
  const decay = Math.exp(-(p + q) * t);
  return (1 - decay) / (1 + (q / p) * decay);
}

/** m·F(t): the units expected by day t. */
export function expectedAdopters({ p, q, m }: BassParameters, t: number): number {
  return m * bassCumulative(p, q, t);
}

/** m·(F(to) − F(from)): the units expected between two moments, e.g. over one day. */
export function adoptersBetween(parameters: BassParameters, from: number, to: number): number {
  return expectedAdopters(parameters, to) - expectedAdopters(parameters, from);
}

/** The day daily demand peaks, ln(q/p)/(p+q); day 0 when imitation is weaker than innovation. */
export function peakDay({ p, q }: { p: number; q: number }): number {
  return q > p ? Math.log(q / p) / (p + q) : 0;
}

/** ∂F/∂p and ∂F/∂q at day t, for the fit's Jacobian. */
export function bassCumulativeGradient(p: number, q: number, t: number): [dp: number, dq: number] {
  if (t <= 0) return [0, 0];
  const decay = Math.exp(-(p + q) * t);
  const ratio = q / p;
  const denominator = (1 + ratio * decay) ** 2;
  // F depends on p and q through the decay e^{−(p+q)t} and through the ratio q/p.
  const throughDecay = ((1 + ratio) * t * decay) / denominator;
  const perRatio = -((1 - decay) * decay) / denominator;
  return [throughDecay + perRatio * (-q / (p * p)), throughDecay + perRatio * (1 / p)];
}

/** Units placed over one stretch of time, in days since demand could start. */
export interface Observation {
  from: number;
  to: number;
  units: number;
}

export interface BassFit {
  parameters: BassParameters;
  /** Sum of squared differences between the units placed and the units the curve expects. */
  squaredError: number;
  /** The fitted units of each observation, in order. */
  fitted: number[];
  /**
   * The market size stopped at its upper bound: the data do not yet show where demand levels off, so the
   * curve cannot tell the final demand.
   */
  marketAtBound: boolean;
}

/** A market this many times the units seen so far is taken as "the curve has not bent yet". */
const MAX_MARKET_MULTIPLE = 20;
const BOUNDS = { p: [1e-4, 1], q: [0, 2] } as const;
/** Starting points spread over launch-like curves: a least-squares fit of the Bass curve has local minima. */
const STARTS = [0.002, 0.01, 0.05].flatMap((p) => [0.05, 0.2, 0.5].map((q) => ({ p, q })));

/**
 * Fits p, q and m by least squares on the units of each observation (Srinivasan and Mason's non-linear
 * least squares on the increments, not on running totals, whose errors pile up). Levenberg–Marquardt with
 * the exact Jacobian, from several starts unless one is given; m is bounded below by the units seen and
 * above by MAX_MARKET_MULTIPLE times them.
 */
export function fitBass(
  observations: readonly Observation[],
  options: { start?: BassParameters; iterations?: number } = {},
): BassFit {
  const seen = observations.reduce((total, o) => total + o.units, 0);
  // m is fitted in units of what was seen, so that all three parameters have a similar scale.
  const scale = Math.max(seen, 1);
  const x = observations.map((_, index) => index);
  const y = observations.map((o) => o.units);
  const model =
    ([p = 0, q = 0, share = 0]: number[]) =>
    (index: number) =>
      share * scale * shareOf(p, q, observations[index] as Observation);
  const jacobian =
    ([p = 0, q = 0, share = 0]: number[]) =>
    (index: number) => {
      const o = observations[index] as Observation;
      const [toP, toQ] = bassCumulativeGradient(p, q, o.to);
      const [fromP, fromQ] = bassCumulativeGradient(p, q, o.from);
      const m = share * scale;
      return [m * (toP - fromP), m * (toQ - fromQ), scale * shareOf(p, q, o)];
    };
  const minShare = Math.max(seen, Number.MIN_VALUE) / scale;
  const starts = options.start
    ? [options.start]
    : STARTS.map((s) => ({ ...s, m: profiledMarket(s, observations, seen) }));
  let best: { values: number[]; error: number } | undefined;
  for (const start of starts) {
    const result = levenbergMarquardt({ x, y }, model, {
      initialValues: [start.p, start.q, clamp(start.m / scale, minShare, MAX_MARKET_MULTIPLE)],
      minValues: [BOUNDS.p[0], BOUNDS.q[0], minShare],
      maxValues: [BOUNDS.p[1], BOUNDS.q[1], MAX_MARKET_MULTIPLE],
      jacobianFunction: jacobian,
      maxIterations: options.iterations ?? 100,
      errorTolerance: 1e-12,
    });
    if (!best || result.parameterError < best.error) {
      best = { values: result.parameterValues, error: result.parameterError };
    }
  }
  const { values, error } = best as { values: number[]; error: number };
  const [p = 0, q = 0, share = 0] = values;
  const parameters = { p, q, m: share * scale };
  return {
    parameters,
    squaredError: error,
    fitted: observations.map((o) => adoptersBetween(parameters, o.from, o.to)),
    marketAtBound: share >= MAX_MARKET_MULTIPLE * 0.99,
  };
}

/** The share of the market the curve expects over one observation: F(to) − F(from). */
function shareOf(p: number, q: number, o: Observation): number {
  return bassCumulative(p, q, o.to) - bassCumulative(p, q, o.from);
}

/** For a given p and q the best m has a closed form (a one-variable linear least squares). */
function profiledMarket(
  { p, q }: { p: number; q: number },
  observations: readonly Observation[],
  seen: number,
): number {
  let cross = 0;
  let square = 0;
  for (const o of observations) {
    const share = shareOf(p, q, o);
    cross += o.units * share;
    square += share * share;
  }
  return square > 0 ? Math.max(seen, cross / square) : seen;
}

function clamp(value: number, low: number, high: number): number {
  return Math.min(Math.max(value, low), high);
}
