/** Demand drawn from known curves, seeded: what the fit and the forecast are tested on. */
import { adoptersBetween, type BassParameters, type Observation } from '../../src/simulate/bass.ts';
import { poisson, seededRandom } from '../../src/simulate/random.ts';

/** Daily units drawn around a Bass curve: what a launch with these parameters could have seen. */
export function simulatedDays(truth: BassParameters, days: number, seed: number): Observation[] {
  const random = seededRandom(seed);
  return Array.from({ length: days }, (_, day) => ({
    from: day,
    to: day + 1,
    units: poisson(adoptersBetween(truth, day, day + 1), random),
  }));
}
