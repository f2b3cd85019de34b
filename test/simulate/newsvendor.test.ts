/** The newsvendor rule against hand-computed cases, and the properties any production advice must keep. */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { DomainError } from '../../src/domain/errors.ts';
import type { DemandDistribution } from '../../src/simulate/forecast.ts';
import { newsvendor, type UnitEconomics } from '../../src/simulate/newsvendor.ts';

const close = (actual: number, expected: number, tolerance = 1e-4) =>
  assert.ok(Math.abs(actual - expected) <= tolerance, `${actual}, expected ${expected}`);

/** Ten equally likely demands, 10 to 100. */
const TEN: DemandDistribution = { kind: 'samples', values: [30, 10, 100, 20, 50, 40, 70, 60, 90, 80] };
const economics = (fields: Partial<UnitEconomics> = {}): UnitEconomics => ({
  unitPrice: 10,
  unitCost: 4,
  salvageValue: 1,
  shortageCost: 0,
  ...fields,
});

/** Advice on the ten demands, with these economics, units covered and cap. */
const onTen = (fields: Partial<UnitEconomics> = {}, unitsCovered = 0, cap: number | null = null) =>
  newsvendor({ demand: TEN, economics: economics(fields), unitsCovered, cap });

describe('normal demand', () => {
  test('μ 100, σ 20, price 5000, cost 2000, salvage 500: produce 109', () => {
    // Cu = 3000, Co = 1500, ratio 2/3, z = 0.4307, 100 + 8.61 → 109 units. At 109: z = 0.45,
    // loss = 20·(φ(0.45) − 0.45·(1 − Φ(0.45))) = 20·(0.360527 − 0.45·0.326355) = 4.273344 short,
    // sold 95.726656, left over 13.273344, profit 5000·95.726656 + 500·13.273344 − 2000·109 = 267 269.95.
    const advice = newsvendor({
      demand: { kind: 'normal', mean: 100, standardDeviation: 20 },
      economics: { unitPrice: 5000, unitCost: 2000, salvageValue: 500, shortageCost: 0 },
      unitsCovered: 0,
      cap: null,
    });
    close(advice.criticalRatio, 2 / 3, 1e-12);
    assert.equal(advice.targetUnits, 109);
    assert.equal(advice.unitsToProduce, 109);
    close(advice.expectedShort, 4.273344);
    close(advice.expectedSold, 95.726656);
    close(advice.expectedLeftOver, 13.273344);
    close(advice.expectedProfit, 267_269.95, 0.05);
  });

  test('units the plan brings are topped up, not replaced; a cap bounds the target', () => {
    const demand: DemandDistribution = { kind: 'normal', mean: 100, standardDeviation: 20 };
    const money = { unitPrice: 5000, unitCost: 2000, salvageValue: 500, shortageCost: 0 };
    const topped = newsvendor({ demand, economics: money, unitsCovered: 70, cap: null });
    assert.equal(topped.unitsToProduce, 39);
    assert.equal(topped.unitsInAll, 109);
    const capped = newsvendor({ demand, economics: money, unitsCovered: 0, cap: 100 });
    assert.equal(capped.targetUnits, 100);
    // Nobody can pre-order past the cap: every unit made is sold up to E[min(D, 100)] = 100 − 7.9788.
    close(capped.expectedShort, 0);
    close(capped.expectedSold, 100 - 20 * 0.3989422804);
  });

  test('no spread: produce the mean', () => {
    const advice = newsvendor({
      demand: { kind: 'normal', mean: 200, standardDeviation: 0 },
      economics: economics(),
      unitsCovered: 0,
      cap: null,
    });
    assert.equal(advice.targetUnits, 200);
    close(advice.expectedSold, 200);
    close(advice.expectedProfit, 200 * 6);
  });
});

describe('empirical demand (samples)', () => {
  test('price 10, cost 4, salvage 1: ratio 2/3, the 7th of 10 demands, 70', () => {
    const advice = onTen();
    close(advice.criticalRatio, 2 / 3, 1e-12);
    assert.equal(advice.targetUnits, 70);
    // Sold: 10+20+…+70 and 70 three times, over 10 = 49; short: (10+20+30)/10 = 6; left over 21.
    close(advice.expectedSold, 49);
    close(advice.expectedShort, 6);
    close(advice.expectedLeftOver, 21);
    close(advice.expectedProfit, 10 * 49 + 21 - 4 * 70);
  });

  test('a plan of 90 units: produce nothing, and count what 90 units do', () => {
    const advice = onTen({}, 90);
    assert.equal(advice.unitsToProduce, 0);
    assert.equal(advice.unitsInAll, 90);
    // Sold (10+…+90 + 90)/10 = 54, short 10/10 = 1, left over 36, profit 540 + 36 − 360 = 216.
    close(advice.expectedSold, 54);
    close(advice.expectedShort, 1);
    close(advice.expectedLeftOver, 36);
    close(advice.expectedProfit, 216);
    assert.equal(onTen({}, 50).unitsToProduce, 20);
  });

  test('a cap of 50: no more than 50, and demand beyond it is nobody’s shortage', () => {
    const advice = onTen({}, 0, 50);
    assert.equal(advice.targetUnits, 50);
    close(advice.expectedSold, 40); // (10+20+30+40 + 50·6)/10
    close(advice.expectedShort, 0);
    close(advice.expectedLeftOver, 10);
  });

  test('goodwill lost on a shortage raises the ratio: 9/(9+3) = 0.75, the 8th demand, 80', () => {
    const advice = onTen({ shortageCost: 3 });
    close(advice.criticalRatio, 0.75, 1e-12);
    assert.equal(advice.targetUnits, 80);
  });

  test('a price at or below cost: produce nothing', () => {
    const advice = onTen({ unitPrice: 4 });
    assert.equal(advice.criticalRatio, 0);
    assert.equal(advice.targetUnits, 0);
    close(advice.expectedShort, 55);
  });

  test('a salvage value at or above the cost has no limit and is refused', () => {
    assert.throws(
      () => onTen({ salvageValue: 4 }),
      (error: unknown) => error instanceof DomainError && error.code === 'salvage_not_below_cost',
    );
  });
});

describe('properties', () => {
  const demandArbitrary = fc.oneof(
    fc.record({
      kind: fc.constant('normal' as const),
      mean: fc.double({ min: 0, max: 10_000, noNaN: true }),
      standardDeviation: fc.double({ min: 0, max: 3_000, noNaN: true }),
    }),
    fc.record({
      kind: fc.constant('samples' as const),
      values: fc.array(fc.double({ min: 0, max: 10_000, noNaN: true }), { minLength: 1, maxLength: 50 }),
    }),
  );
  const economicsArbitrary = fc
    .record({
      unitCost: fc.integer({ min: 1, max: 100_000 }),
      margin: fc.integer({ min: -1_000, max: 100_000 }),
      salvageShare: fc.double({ min: 0, max: 0.99, noNaN: true }),
      shortageCost: fc.integer({ min: 0, max: 10_000 }),
    })
    .map(({ unitCost, margin, salvageShare, shortageCost }) => ({
      unitCost,
      unitPrice: Math.max(unitCost + margin, 0),
      salvageValue: Math.floor(unitCost * salvageShare),
      shortageCost,
    }));
  const covered = fc.integer({ min: 0, max: 12_000 });
  const cap = fc.option(fc.integer({ min: 0, max: 12_000 }));
  const more = (demand: DemandDistribution, extra: number): DemandDistribution =>
    demand.kind === 'normal'
      ? { ...demand, mean: demand.mean + extra }
      : { kind: 'samples', values: demand.values.map((v) => v + extra) };

  test('more demand never lowers the advice', () => {
    fc.assert(
      fc.property(
        demandArbitrary,
        economicsArbitrary,
        covered,
        cap,
        fc.double({ min: 0, max: 5_000, noNaN: true }),
        (demand, money, unitsCovered, limit, extra) => {
          const before = newsvendor({ demand, economics: money, unitsCovered, cap: limit });
          const after = newsvendor({
            demand: more(demand, extra),
            economics: money,
            unitsCovered,
            cap: limit,
          });
          assert.ok(after.unitsToProduce >= before.unitsToProduce);
        },
      ),
    );
  });

  test('a higher unit cost never raises the advice', () => {
    fc.assert(
      fc.property(
        demandArbitrary,
        economicsArbitrary,
        covered,
        cap,
        fc.integer({ min: 0, max: 50_000 }),
        (demand, money, unitsCovered, limit, rise) => {
          const before = newsvendor({ demand, economics: money, unitsCovered, cap: limit });
          const dearer = { ...money, unitCost: money.unitCost + rise };
          const after = newsvendor({ demand, economics: dearer, unitsCovered, cap: limit });
          assert.ok(after.unitsToProduce <= before.unitsToProduce);
        },
      ),
    );
  });

  test('units add up: sold plus left over is every unit, none beyond the cap or the plan is advised', () => {
    fc.assert(
      fc.property(demandArbitrary, economicsArbitrary, covered, cap, (demand, money, unitsCovered, limit) => {
        const advice = newsvendor({ demand, economics: money, unitsCovered, cap: limit });
        assert.equal(advice.unitsInAll, unitsCovered + advice.unitsToProduce);
        assert.ok(Math.abs(advice.expectedSold + advice.expectedLeftOver - advice.unitsInAll) < 1e-6);
        assert.ok(advice.expectedSold <= advice.unitsInAll + 1e-9 && advice.expectedShort >= -1e-9);
        if (limit !== null) assert.ok(advice.targetUnits <= limit);
        assert.ok(advice.criticalRatio >= 0 && advice.criticalRatio < 1);
      }),
    );
  });
});
