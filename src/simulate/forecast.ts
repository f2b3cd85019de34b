/**
 * The forecast of a campaign's final demand from the units placed each day so far: a Bass curve fitted by
 * least squares when there is enough to fit, with an interval from a residual bootstrap; otherwise the
 * run rate so far carried to the horizon, marked as the fallback it is. Pure: the time, the horizon and
 * the seed of the bootstrap are passed in.
 */
import { type CalendarDate, calendarDate, dayNumber } from '../domain/calendar.ts';
import { adoptersBetween, type BassParameters, fitBass, type Observation, peakDay } from './bass.ts';
import { normalQuantile } from './normal.ts';
import { pick, type Random, seededRandom } from './random.ts';

/** Units placed on one shop-local day. */
export interface DailyDemand {
  date: CalendarDate;
  units: number;
  /** Pre-orders placed, and the sum of their squared quantities: the run rate's spread needs both. */
  orders: number;
  unitsSquared: number;
}

/** Times are positions on the shop's calendar in days (see shopDayPosition): noon of day 20000 is 20000.5. */
export interface DemandHistory {
  /** When demand could start: the campaign's opening. */
  start: number;
  now: number;
  /** Days with placements, between start and now; days not listed had none. */
  daily: readonly DailyDemand[];
}

export interface ForecastOptions {
  /** The moment the forecast is for, usually the campaign's close. */
  horizon: number;
  seed?: number;
  replicates?: number;
}

/** The forecast demand's distribution, as production advice takes it. */
export type DemandDistribution =
  | { kind: 'normal'; mean: number; standardDeviation: number }
  | { kind: 'samples'; values: readonly number[] };

export type FallbackReason = 'no_placements' | 'too_few_days' | 'too_few_units' | 'curve_not_bent';

export interface ForecastPoint {
  date: CalendarDate;
  /** Units placed by the end of the day (so far, today); null after today. */
  actual: number | null;
  /** The model's running total by the end of the day (today: by now): the fitted curve, or the run-rate line. */
  fitted: number;
  /** What the forecast expects by the end of the day, with its interval; null before today. */
  expected: number | null;
  low: number | null;
  high: number | null;
}

export interface Forecast {
  method: 'bass' | 'run_rate';
  /** Why the Bass curve was not used; null when it was. */
  fallbackReason: FallbackReason | null;
  unitsSoFar: number;
  /** Final demand at the horizon: the expected units and an interval holding CONFIDENCE of the outcomes. */
  final: { expected: number; low: number; high: number };
  distribution: DemandDistribution;
  parameters: { kind: 'bass'; p: number; q: number; m: number } | { kind: 'run_rate'; unitsPerDay: number };
  interval:
    | { method: 'residual_bootstrap'; replicates: number; seed: number }
    | { method: 'normal_approximation' };
  byDate: ForecastPoint[];
}

/** The interval's coverage: 90 %, between the 5th and the 95th percentile. */
export const CONFIDENCE = 0.9;
/** Fewer days or units than this and a three-parameter curve would fit noise: the run rate is used. */
const MIN_FIT_DAYS = 7;
const MIN_FIT_UNITS = 30;
const DEFAULT_REPLICATES = 200;
const DEFAULT_SEED = 13;
/** A bootstrap refit starts at the fit it resamples, so few iterations suffice. */
const REFIT_ITERATIONS = 30;

export const FALLBACK_MESSAGES: Record<FallbackReason, string> = {
  no_placements: 'no pre-orders yet: there is no demand to forecast from',
  too_few_days: `fewer than ${MIN_FIT_DAYS} days of selling: too little to fit a demand curve`,
  too_few_units: `fewer than ${MIN_FIT_UNITS} units placed: too little to fit a demand curve`,
  curve_not_bent: 'daily demand is still growing: the curve cannot tell yet where it levels off',
};

export function forecastDemand(history: DemandHistory, options: ForecastOptions): Forecast {
  const observations = observationsOf(history);
  const unitsSoFar = history.daily.reduce((total, d) => total + d.units, 0);
  const elapsed = history.now - history.start;
  let reason: FallbackReason | null = null;
  if (unitsSoFar === 0) reason = 'no_placements';
  else if (elapsed < MIN_FIT_DAYS) reason = 'too_few_days';
  else if (unitsSoFar < MIN_FIT_UNITS) reason = 'too_few_units';
  if (!reason) {
    const fit = fitBass(observations);
    // Before daily demand has peaked, curves of very different market sizes fit the days seen about
    // equally well (least squares then tends to underestimate the market): the fit cannot be trusted yet.
    if (!fit.marketAtBound && peakDay(fit.parameters) <= elapsed) {
      return bassForecast(history, options, observations, fit, unitsSoFar);
    }
    reason = 'curve_not_bent';
  }
  return runRateForecast(history, options, unitsSoFar, reason);
}

/**
 * The days from the start to now as stretches of time since the start: whole days, and the parts of the
 * first and of today that lie inside the window.
 */
function observationsOf(history: DemandHistory): Observation[] {
  const units = new Map(history.daily.map((d) => [dayNumber(d.date), d.units]));
  const observations: Observation[] = [];
  for (let day = Math.floor(history.start); day < history.now; day++) {
    const from = Math.max(day, history.start) - history.start;
    const to = Math.min(day + 1, history.now) - history.start;
    if (to > from) observations.push({ from, to, units: units.get(day) ?? 0 });
  }
  return observations;
}

/**
 * The dates the answer covers, from the start's date to the horizon's: each with its end (capped at the
 * horizon) and the moment its running totals are compared at (now for today, whose actual is so far).
 */
function datesOf(history: DemandHistory, horizon: number) {
  const last = Math.max(Math.floor(horizon - 1e-9), Math.floor(history.now));
  const dates = [];
  for (let day = Math.floor(history.start); day <= last; day++) {
    const end = Math.min(day + 1, Math.max(horizon, history.now));
    dates.push({ day, end, seen: day === Math.floor(history.now) ? history.now : end });
  }
  return dates;
}

function actualByDay(history: DemandHistory) {
  const units = new Map(history.daily.map((d) => [dayNumber(d.date), d.units]));
  let total = 0;
  return (day: number) => {
    total += units.get(day) ?? 0;
    return day <= Math.floor(history.now) ? total : null;
  };
}

/**
 * The fitted curve's forecast. Interval: a residual bootstrap. Each replicate adds the fit's residuals,
 * drawn again, to the fitted days, fits the curve again, and carries it from now to the horizon plus the
 * day-to-day noise of residuals drawn for the days to come; the replicates' percentiles bound the interval
 * and their values are the distribution production advice reads.
 */
function bassForecast(
  history: DemandHistory,
  options: ForecastOptions,
  observations: Observation[],
  fit: ReturnType<typeof fitBass>,
  unitsSoFar: number,
): Forecast {
  const seed = options.seed ?? DEFAULT_SEED;
  const replicates = options.replicates ?? DEFAULT_REPLICATES;
  const random = seededRandom(seed);
  const residuals = centred(observations.map((o, index) => o.units - (fit.fitted[index] ?? 0)));
  const at = (position: number) => position - history.start;
  const now = at(history.now);
  const dates = datesOf(history, options.horizon);
  const future = dates.filter((d) => d.end > history.now);
  const paths = Array.from({ length: replicates }, () => {
    const resampled = observations.map((o, index) => ({
      ...o,
      units: (fit.fitted[index] ?? 0) + pick(residuals, random),
    }));
    const refit = fitBass(resampled, { start: fit.parameters, iterations: REFIT_ITERATIONS }).parameters;
    return futurePath(refit, future, now, at, unitsSoFar, residuals, random);
  });
  const expectedAt = (end: number) => unitsSoFar + adoptersBetween(fit.parameters, now, at(end));
  const finals = paths.map((path) => path.at(-1) ?? unitsSoFar);
  const actual = actualByDay(history);
  const firstFuture = dates.length - future.length;
  const byDate = dates.map(({ day, end, seen }, index) =>
    point(
      day,
      actual(day),
      adoptersBetween(fit.parameters, 0, at(seen)),
      index < firstFuture
        ? null
        : bounded(
            expectedAt(end),
            paths.map((path) => path[index - firstFuture] ?? unitsSoFar),
          ),
    ),
  );
  const { p, q, m } = fit.parameters;
  return {
    method: 'bass',
    fallbackReason: null,
    unitsSoFar,
    final: bounded(expectedAt(Math.max(options.horizon, history.now)), finals),
    distribution: { kind: 'samples', values: finals },
    parameters: { kind: 'bass', p, q, m },
    interval: { method: 'residual_bootstrap', replicates, seed },
    byDate,
  };
}

/** One replicate's running totals at the end of each future date: never below what is already placed. */
function futurePath(
  parameters: BassParameters,
  future: readonly { end: number }[],
  now: number,
  at: (position: number) => number,
  unitsSoFar: number,
  residuals: readonly number[],
  random: Random,
): number[] {
  let noise = 0;
  let previous = now;
  let highest = unitsSoFar;
  return future.map(({ end }) => {
    const length = at(end) - previous;
    previous = at(end);
    noise += length * pick(residuals, random);
    highest = Math.max(highest, unitsSoFar + adoptersBetween(parameters, now, at(end)) + noise);
    return highest;
  });
}

/**
 * The run rate so far carried to the horizon. Orders are taken to arrive as a Poisson process at the rate
 * seen, each of a quantity like those seen (a compound Poisson process), and the rate itself is known only
 * to within 1/√orders: the variance of the units to come is rate·t·E[quantity²] + (units rate·t)²/orders.
 * The interval is the normal approximation of that.
 */
function runRateForecast(
  history: DemandHistory,
  options: ForecastOptions,
  unitsSoFar: number,
  reason: FallbackReason,
): Forecast {
  const orders = history.daily.reduce((total, d) => total + d.orders, 0);
  const unitsSquared = history.daily.reduce((total, d) => total + d.unitsSquared, 0);
  // Less than a day of selling is read as one day: a morning's orders are not a day's rate doubled.
  const elapsed = Math.max(history.now - history.start, 1);
  const unitsPerDay = unitsSoFar / elapsed;
  const spreadAt = (end: number) => {
    const days = Math.max(end - history.now, 0);
    const mean = unitsSoFar + unitsPerDay * days;
    if (orders === 0) return { mean, standardDeviation: 0 };
    const variance = (orders / elapsed) * days * (unitsSquared / orders) + (unitsPerDay * days) ** 2 / orders;
    return { mean, standardDeviation: Math.sqrt(variance) };
  };
  const actual = actualByDay(history);
  const byDate = datesOf(history, options.horizon).map(({ day, end, seen }) =>
    point(
      day,
      actual(day),
      unitsPerDay * (seen - history.start),
      end > history.now ? normalInterval(spreadAt(end), unitsSoFar) : null,
    ),
  );
  const final = spreadAt(Math.max(options.horizon, history.now));
  return {
    method: 'run_rate',
    fallbackReason: reason,
    unitsSoFar,
    final: normalInterval(final, unitsSoFar),
    distribution: { kind: 'normal', ...final },
    parameters: { kind: 'run_rate', unitsPerDay },
    interval: { method: 'normal_approximation' },
    byDate,
  };
}

function normalInterval(
  { mean, standardDeviation }: { mean: number; standardDeviation: number },
  floor: number,
): { expected: number; low: number; high: number } {
  const z = normalQuantile(0.5 + CONFIDENCE / 2);
  return interval(mean, Math.max(floor, mean - z * standardDeviation), mean + z * standardDeviation);
}

/** The point and the replicates' percentiles bounding CONFIDENCE of them. */
function bounded(expected: number, replicates: readonly number[]) {
  const sorted = [...replicates].sort((a, b) => a - b);
  const tail = (1 - CONFIDENCE) / 2;
  return interval(expected, percentile(sorted, tail), percentile(sorted, 1 - tail));
}

/**
 * Whole units: the point rounded, the bounds widened to whole units. An interval that left out its own
 * estimate would be read wrongly, so a bootstrap skewed away from the point is widened to include it.
 */
function interval(expected: number, low: number, high: number) {
  const point = Math.round(expected);
  return { expected: point, low: Math.min(Math.floor(low), point), high: Math.max(Math.ceil(high), point) };
}

function point(
  day: number,
  actual: number | null,
  fitted: number,
  expected: { expected: number; low: number; high: number } | null,
): ForecastPoint {
  return {
    date: calendarDate(day),
    actual,
    fitted: Math.round(fitted),
    expected: expected?.expected ?? null,
    low: expected?.low ?? null,
    high: expected?.high ?? null,
  };
}

/** Linear interpolation between the closest ranks of sorted values. */
function percentile(sorted: readonly number[], fraction: number): number {
  const rank = fraction * (sorted.length - 1);
  const below = sorted[Math.floor(rank)] ?? 0;
  const above = sorted[Math.ceil(rank)] ?? below;
  return below + (above - below) * (rank - Math.floor(rank));
}

/** Residuals shifted to average zero, so that redrawing them adds noise but no drift. */
function centred(values: readonly number[]): number[] {
  const mean = values.reduce((total, v) => total + v, 0) / values.length;
  return values.map((v) => v - mean);
}
