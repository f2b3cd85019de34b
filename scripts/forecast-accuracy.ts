/**
 * The final-demand forecast's error over simulated launches, at a quarter and at half of the window.
 *
 *   npm run simulate:accuracy [-- --launches 100 --seed 13]
 */
import { parseArgs } from 'node:util';
import { forecastAccuracy } from '../src/simulate/forecast-accuracy.ts';

const { values } = parseArgs({
  options: { launches: { type: 'string', default: '100' }, seed: { type: 'string', default: '13' } },
});
const launches = Number(values.launches);
const seed = Number(values.seed);
const windowDays = 42;
const results = forecastAccuracy({ launches, seed, windowDays, at: [0.25, 0.5] });
const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
console.log(`${launches} simulated launches of ${windowDays} days, seed ${seed}:`);
for (const result of results) {
  console.log(
    `  at ${percent(result.at)} of the window: median absolute percentage error ${percent(result.medianAbsolutePercentageError)}, ` +
      `90th percentile ${percent(result.p90AbsolutePercentageError)}; Bass fit used in ${result.fitted} of ${launches} ` +
      `(median error ${percent(result.medianByMethod.bass)}), the run-rate fallback in ${launches - result.fitted} ` +
      `(median error ${percent(result.medianByMethod.runRate)})`,
  );
}
