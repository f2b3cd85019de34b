/**
 * How good the final-demand forecast is, measured on simulated launches: Bass parameters drawn over a
 * range of launch-like curves, daily pre-orders drawn around each curve (Poisson), the forecast made from
 * the days seen at a point of the window and compared with the units the launch went on to reach.
 */
import { calendarDate } from '../domain/calendar.ts';
import { adoptersBetween, type BassParameters } from './bass.ts';
import { type Forecast, forecastDemand } from './forecast.ts';
import { poisson, type Random, randomStream } from './random.ts';

export interface AccuracyOptions {
  launches: number;
  seed: number;
  windowDays: number;
  /** When the forecast is made, as shares of the window (0.25: a quarter of the way through). */
  at: readonly number[];
}

export interface AccuracyAt {
  at: number;
  /** Median of |forecast − final| / final over the launches. */
  medianAbsolutePercentageError: number;
  /** The same error's 90th percentile: how wrong a bad case is. */
  p90AbsolutePercentageError: number;
  /** Launches the Bass fit forecast; the others fell back to the run rate. */
  fitted: number;
  /** The median error of each kind of forecast apart (0 when none was made). */
  medianByMethod: { bass: number; runRate: number };
}

/**
 * Innovation 0.002–0.03 and imitation 0.02–0.2 a day: over a six-week window these run from launches that
 * are nearly over by the close to ones whose word of mouth has barely started (a third of the market
 * reached), and from a rush on day one to a peak late in the window. Markets of 300 to 10,000 pre-orders,
 * uniform in the logarithm.
 */
export function drawBassParameters(random: Random): BassParameters {
  return {
    p: 0.002 + random() * 0.028,
    q: 0.02 + random() * 0.18,
    m: Math.round(300 * (10_000 / 300) ** random()),
  };
}

export function forecastAccuracy({ launches, seed, windowDays, at }: AccuracyOptions): AccuracyAt[] {
  const parameters = randomStream(seed, 'curves');
  const demand = randomStream(seed, 'demand');
  const errors = at.map(() => ({ bass: [] as number[], runRate: [] as number[] }));
  const start = 20_000;
  for (let launch = 0; launch < launches; launch++) {
    const curve = drawBassParameters(parameters);
    const daily = Array.from({ length: windowDays }, (_, day) =>
      poisson(adoptersBetween(curve, day, day + 1), demand),
    );
    const final = daily.reduce((total, units) => total + units, 0);
    if (final === 0) continue;
    at.forEach((share, index) => {
      const seen = Math.round(share * windowDays);
      const forecast = forecastAt(daily.slice(0, seen), start, windowDays);
      const error = Math.abs(forecast.final.expected - final) / final;
      errors[index]?.[forecast.method === 'bass' ? 'bass' : 'runRate'].push(error);
    });
  }
  const sorted = (values: readonly number[]) => [...values].sort((a, b) => a - b);
  return at.map((share, index) => {
    const { bass, runRate } = errors[index] as { bass: number[]; runRate: number[] };
    const all = sorted([...bass, ...runRate]);
    return {
      at: share,
      medianAbsolutePercentageError: middle(all, 0.5),
      p90AbsolutePercentageError: middle(all, 0.9),
      fitted: bass.length,
      medianByMethod: { bass: middle(sorted(bass), 0.5), runRate: middle(sorted(runRate), 0.5) },
    };
  });
}

/** The forecast from the days seen; one bootstrap replicate, since only the point forecast is judged. */
function forecastAt(seen: readonly number[], start: number, windowDays: number): Forecast {
  return forecastDemand(
    {
      start,
      now: start + seen.length,
      daily: seen.map((units, day) => ({
        date: calendarDate(start + day),
        units,
        orders: units,
        unitsSquared: units,
      })),
    },
    { horizon: start + windowDays, replicates: 1 },
  );
}

/** Linear interpolation between the closest ranks. */
function middle(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = fraction * (sorted.length - 1);
  const below = sorted[Math.floor(rank)] as number;
  const above = sorted[Math.ceil(rank)] as number;
  return below + (above - below) * (rank - Math.floor(rank));
}
