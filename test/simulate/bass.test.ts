/** The Bass curve: its closed form against the model's differential equation, and the least-squares fit. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  adoptersBetween,
  bassCumulative,
  bassCumulativeGradient,
  expectedAdopters,
  fitBass,
  peakDay,
} from '../../src/simulate/bass.ts';
import { simulatedDays } from '../support/simulated-demand.ts';

/**
 * F(t) by integrating dF/dt = (p + q·F)(1 − F), F(0) = 0, with classic fourth-order Runge–Kutta: an
 * independent computation of what the closed form claims.
 */
function integrated(p: number, q: number, t: number, steps = 20_000): number {
  const slope = (f: number) => (p + q * f) * (1 - f);
  const h = t / steps;
  let f = 0;
  for (let i = 0; i < steps; i++) {
    const k1 = slope(f);
    const k2 = slope(f + (h / 2) * k1);
    const k3 = slope(f + (h / 2) * k2);
    const k4 = slope(f + h * k3);
    f += (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4);
  }
  return f;
}

describe('the Bass closed form', () => {
  const cases = [
    { p: 0.03, q: 0.38 },
    { p: 0.01, q: 0.25 },
    { p: 0.2, q: 0 },
    { p: 0.002, q: 0.9 },
  ];
  for (const { p, q } of cases) {
    test(`p = ${p}, q = ${q}: matches the integrated differential equation`, () => {
      for (const t of [0.25, 1, 5, 12.5, 30, 90]) {
        const closed = bassCumulative(p, q, t);
        assert.ok(
          Math.abs(closed - integrated(p, q, t)) < 1e-9,
          `t = ${t}: ${closed} vs ${integrated(p, q, t)}`,
        );
      }
    });
  }

  test('starts at nothing, levels off at the market, and the days add up', () => {
    const curve = { p: 0.03, q: 0.38, m: 1000 };
    assert.equal(bassCumulative(0.03, 0.38, 0), 0);
    assert.equal(bassCumulative(0.03, 0.38, -1), 0);
    assert.ok(Math.abs(expectedAdopters(curve, 200) - 1000) < 1e-6);
    let total = 0;
    for (let day = 0; day < 30; day++) total += adoptersBetween(curve, day, day + 1);
    assert.ok(Math.abs(total - expectedAdopters(curve, 30)) < 1e-9);
    // With q = 0 it is the exponential 1 − e^{−pt}: innovators only.
    assert.ok(Math.abs(bassCumulative(0.2, 0, 3) - (1 - Math.exp(-0.6))) < 1e-15);
  });

  test('daily demand peaks at ln(q/p)/(p+q), or at once when imitation is weaker', () => {
    const curve = { p: 0.01, q: 0.25, m: 1 };
    const peak = peakDay(curve);
    assert.ok(Math.abs(peak - Math.log(25) / 0.26) < 1e-12);
    const rate = (t: number) => adoptersBetween(curve, t, t + 1e-6);
    assert.ok(rate(peak) > rate(peak - 0.5) && rate(peak) > rate(peak + 0.5));
    assert.equal(peakDay({ p: 0.2, q: 0.1 }), 0);
  });

  test('the gradient in p and q matches central differences', () => {
    for (const [p, q, t] of [
      [0.03, 0.38, 4],
      [0.01, 0.25, 20],
      [0.002, 0.9, 7.5],
    ] as const) {
      const h = 1e-7;
      const [dp, dq] = bassCumulativeGradient(p, q, t);
      const numericP = (bassCumulative(p + h, q, t) - bassCumulative(p - h, q, t)) / (2 * h);
      const numericQ = (bassCumulative(p, q + h, t) - bassCumulative(p, q - h, t)) / (2 * h);
      assert.ok(Math.abs(dp - numericP) < 1e-5 * Math.max(1, Math.abs(numericP)), `${dp} vs ${numericP}`);
      assert.ok(Math.abs(dq - numericQ) < 1e-5 * Math.max(1, Math.abs(numericQ)), `${dq} vs ${numericQ}`);
    }
  });
});

describe('the least-squares fit', () => {
  const truth = { p: 0.01, q: 0.25, m: 2000 };

  test('recovers the parameters of demand drawn from a known curve, past its peak', () => {
    // The peak is at ln(q/p)/(p+q) ≈ 12.4 days; 25 days of Poisson draws. Tolerances: m within 10 %,
    // q within 12 %, p within 25 % (p, the first days' trickle, is the least determined; over 40 seeds
    // the worst errors were 7 %, 8 % and 18 %).
    for (const seed of [1, 2, 3, 4, 5]) {
      const { parameters, marketAtBound } = fitBass(simulatedDays(truth, 25, seed));
      assert.equal(marketAtBound, false);
      assert.ok(Math.abs(parameters.m / truth.m - 1) < 0.1, `seed ${seed}: m = ${parameters.m}`);
      assert.ok(Math.abs(parameters.q / truth.q - 1) < 0.12, `seed ${seed}: q = ${parameters.q}`);
      assert.ok(Math.abs(parameters.p / truth.p - 1) < 0.25, `seed ${seed}: p = ${parameters.p}`);
    }
  });

  test('fits exact increments exactly, from parts of days too', () => {
    const observations = [0.6, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10.4].flatMap((to, index, ends) => {
      const from = index === 0 ? 0 : (ends[index - 1] as number);
      return [{ from, to, units: adoptersBetween({ p: 0.03, q: 0.38, m: 500 }, from, to) }];
    });
    const { parameters, squaredError } = fitBass(observations);
    assert.ok(squaredError < 1e-6, `${squaredError}`);
    assert.ok(Math.abs(parameters.m - 500) < 0.5, `${parameters.m}`);
    assert.ok(Math.abs(parameters.q - 0.38) < 1e-3 && Math.abs(parameters.p - 0.03) < 1e-3);
  });

  test('pure exponential growth: any market above what was seen fits, and the fit says so', () => {
    const growing = Array.from({ length: 8 }, (_, day) => ({
      from: day,
      to: day + 1,
      units: 10 * Math.exp(0.3 * day),
    }));
    assert.equal(fitBass(growing).marketAtBound, true);
  });
});
