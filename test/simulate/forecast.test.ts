/** The forecast of final demand: the fitted curve with its bootstrap interval, and the fallback. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { calendarDate } from '../../src/domain/calendar.ts';
import type { Observation } from '../../src/simulate/bass.ts';
import { type DemandHistory, type Forecast, forecastDemand } from '../../src/simulate/forecast.ts';
import { simulatedDays } from '../support/simulated-demand.ts';

const DAY_0 = 20_000;

/** Whole days of units from day DAY_0 on, each unit its own pre-order, observed up to `now` days in. */
function history(days: readonly Pick<Observation, 'units'>[], now = days.length, start = 0): DemandHistory {
  return {
    start: DAY_0 + start,
    now: DAY_0 + now,
    daily: days.flatMap((d, index) =>
      d.units > 0
        ? [{ date: calendarDate(DAY_0 + index), units: d.units, orders: d.units, unitsSquared: d.units }]
        : [],
    ),
  };
}

function assertConsistent(forecast: Forecast) {
  const { expected, low, high } = forecast.final;
  assert.ok(low <= expected && expected <= high, `interval ${low}–${high} and ${expected}`);
  assert.ok(low >= forecast.unitsSoFar, 'demand never ends below the units already placed');
  let previous = 0;
  for (const point of forecast.byDate) {
    if (point.expected === null) continue;
    assert.ok(point.low !== null && point.high !== null);
    assert.ok(point.low <= point.expected && point.expected <= point.high, JSON.stringify(point));
    assert.ok(point.expected >= previous, 'running totals never fall');
    previous = point.expected;
  }
}

describe('the fitted forecast', () => {
  const truth = { p: 0.01, q: 0.25, m: 2000 };

  test('25 days of a launch drawn from a known curve: the final demand at day 60 and an interval around it', () => {
    // Over the seeds tried, the 90 % interval held the final demand the draws went on to reach (all 60 days).
    for (const seed of [1, 2, 3, 4, 5]) {
      const days = simulatedDays(truth, 60, seed);
      const reached = days.reduce((total, d) => total + d.units, 0);
      const forecast = forecastDemand(history(days.slice(0, 25)), { horizon: DAY_0 + 60 });
      assert.equal(forecast.method, 'bass');
      assert.equal(forecast.fallbackReason, null);
      assertConsistent(forecast);
      assert.ok(
        Math.abs(forecast.final.expected / 2000 - 1) < 0.05,
        `seed ${seed}: ${forecast.final.expected}`,
      );
      assert.ok(forecast.final.low <= reached && reached <= forecast.final.high, `seed ${seed}: ${reached}`);
      assert.equal(forecast.distribution.kind, 'samples');
    }
  });

  test('the answer covers every date from the start to the horizon, actuals up to today', () => {
    const days = simulatedDays(truth, 25, 1);
    const forecast = forecastDemand(history(days, 24.5), { horizon: DAY_0 + 40 });
    assert.equal(forecast.byDate.length, 40);
    assert.equal(forecast.byDate[0]?.date, calendarDate(DAY_0));
    assert.equal(forecast.byDate.at(-1)?.date, calendarDate(DAY_0 + 39));
    // Day 24 is today: its actual is what was placed so far, and its expected running total is forecast.
    assert.equal(forecast.byDate[24]?.actual, forecast.unitsSoFar);
    assert.notEqual(forecast.byDate[24]?.expected, null);
    assert.equal(forecast.byDate[23]?.expected, null);
    assert.equal(forecast.byDate[25]?.actual, null);
    assert.equal(forecast.byDate.at(-1)?.expected, forecast.final.expected);
  });

  test('the same seed gives the same answer; another seed moves only the interval', () => {
    const seen = history(simulatedDays(truth, 25, 2));
    const once = forecastDemand(seen, { horizon: DAY_0 + 60, seed: 5 });
    assert.deepEqual(forecastDemand(seen, { horizon: DAY_0 + 60, seed: 5 }), once);
    const other = forecastDemand(seen, { horizon: DAY_0 + 60, seed: 6 });
    assert.equal(other.final.expected, once.final.expected);
    assert.notDeepEqual(other.distribution, once.distribution);
  });

  test('a horizon already past (a closed campaign): the final demand is what was placed', () => {
    const days = simulatedDays(truth, 25, 3);
    const forecast = forecastDemand(history(days), { horizon: DAY_0 + 20 });
    assert.deepEqual(forecast.final, {
      expected: forecast.unitsSoFar,
      low: forecast.unitsSoFar,
      high: forecast.unitsSoFar,
    });
  });
});

describe('the fallback', () => {
  test('no placements: nothing to forecast from', () => {
    const forecast = forecastDemand(history([], 3), { horizon: DAY_0 + 10 });
    assert.equal(forecast.fallbackReason, 'no_placements');
    assert.deepEqual(forecast.final, { expected: 0, low: 0, high: 0 });
  });

  test('fewer than 7 days, or fewer than 30 units: too little to fit', () => {
    const busy = forecastDemand(history([{ units: 40 }, { units: 50 }, { units: 45 }]), {
      horizon: DAY_0 + 30,
    });
    assert.equal(busy.fallbackReason, 'too_few_days');
    const quiet = Array.from({ length: 10 }, () => ({ units: 2 }));
    assert.equal(forecastDemand(history(quiet), { horizon: DAY_0 + 30 }).fallbackReason, 'too_few_units');
  });

  test('demand still growing: the curve cannot tell the market yet, and the run rate is used instead', () => {
    // Ten days of a curve whose daily demand peaks after three weeks.
    const early = simulatedDays({ p: 0.0005, q: 0.35, m: 20_000 }, 10, 7);
    const forecast = forecastDemand(history(early), { horizon: DAY_0 + 40 });
    assert.equal(forecast.method, 'run_rate');
    assert.equal(forecast.fallbackReason, 'curve_not_bent');
  });

  test('the run rate by hand: 12 units in 3 days, 7 days to go', () => {
    // Started at noon of day 0, now noon of day 3: 4 units a day, 28 more by noon of day 10, 40 in all.
    // Six pre-orders of 2 units: variance (6/3)·7·E[q² = 4] + 28²/6 = 56 + 130.67, deviation 13.66,
    // interval 40 ± 1.645·13.66 = 17.5–62.5, widened to whole units.
    const daily = [0, 1, 2].map((day) => ({
      date: calendarDate(DAY_0 + day),
      units: 4,
      orders: 2,
      unitsSquared: 8,
    }));
    const forecast = forecastDemand(
      { start: DAY_0 + 0.5, now: DAY_0 + 3.5, daily },
      { horizon: DAY_0 + 10.5 },
    );
    assert.equal(forecast.method, 'run_rate');
    assert.deepEqual(forecast.parameters, { kind: 'run_rate', unitsPerDay: 4 });
    assert.deepEqual(forecast.final, { expected: 40, low: 17, high: 63 });
    assert.equal(forecast.distribution.kind, 'normal');
    if (forecast.distribution.kind === 'normal') {
      assert.ok(Math.abs(forecast.distribution.standardDeviation - Math.sqrt(56 + 784 / 6)) < 1e-9);
    }
    assert.equal(forecast.byDate.at(-1)?.fitted, 40);
    assertConsistent(forecast);
  });
});

test('any history: the interval contains the point, and running totals never fall', () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat({ max: 60 }), { minLength: 1, maxLength: 30 }),
      fc.double({ min: 0, max: 0.99, noNaN: true }),
      fc.integer({ min: 0, max: 60 }),
      (units, partOfToday, ahead) => {
        const now = units.length - 1 + partOfToday;
        const forecast = forecastDemand(
          history(
            units.map((u) => ({ units: u })),
            now,
          ),
          {
            horizon: DAY_0 + now + ahead,
            replicates: 40,
          },
        );
        assertConsistent(forecast);
      },
    ),
    { numRuns: 60 },
  );
});
