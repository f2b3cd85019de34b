/** The forecast-accuracy measure: reproducible, exact when the whole window is seen, worse with less seen. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawBassParameters, forecastAccuracy } from '../../src/simulate/forecast-accuracy.ts';
import { seededRandom } from '../../src/simulate/random.ts';

test('curves are drawn inside the stated ranges', () => {
  const random = seededRandom(1);
  for (let i = 0; i < 1000; i++) {
    const { p, q, m } = drawBassParameters(random);
    assert.ok(p >= 0.002 && p <= 0.03 && q >= 0.02 && q <= 0.2 && m >= 300 && m <= 10_000, `${p} ${q} ${m}`);
  }
});

test('the same seed gives the same errors; seeing the whole window leaves none; half beats a quarter', () => {
  const options = { launches: 12, seed: 5, windowDays: 42, at: [0.25, 0.5, 1] };
  const results = forecastAccuracy(options);
  assert.deepEqual(results, forecastAccuracy(options));
  const [quarter, half, whole] = results as [
    (typeof results)[number],
    (typeof results)[number],
    (typeof results)[number],
  ];
  assert.equal(whole.medianAbsolutePercentageError, 0);
  assert.equal(whole.p90AbsolutePercentageError, 0);
  assert.ok(half.medianAbsolutePercentageError < quarter.medianAbsolutePercentageError);
  assert.ok(half.fitted >= quarter.fitted);
});
