import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkCampaignRules } from '../../src/domain/campaign.ts';
import { type EarlyBirdTier, type Pricing, priceNow, priceUnits } from '../../src/domain/pricing.ts';

const HOUR = 3_600_000;
const start = Date.parse('2025-06-01T00:00:00.000Z');
/** The instant `hours` hours after the start of the launch. */
const at = (hours: number) => new Date(start + hours * HOUR);
const iso = (hours: number) => at(hours).toISOString();

describe('priceUnits and priceNow, by example', () => {
  const early: Pricing = {
    priceAmount: 5000,
    earlyBird: [{ name: 'early', firstUnits: 10, unitAmount: 4000 }],
  };

  test('without tiers every unit is at the regular price', () => {
    assert.deepEqual(priceUnits({ priceAmount: 5000, earlyBird: [] }, 0, 3, at(0)), {
      lines: [{ tier: null, quantity: 3, unitAmount: 5000 }],
      unitAmount: 5000,
      totalAmount: 15000,
    });
  });

  const byUnits: [string, number, number, PriceLineRow[]][] = [
    ['units inside the tier', 0, 10, [['early', 10, 4000]]],
    ['the last unit of the tier', 9, 1, [['early', 1, 4000]]],
    ['the first unit after the tier', 10, 1, [[null, 1, 5000]]],
    [
      'a pre-order that crosses the end pays early only for units inside',
      8,
      5,
      [
        ['early', 2, 4000],
        [null, 3, 5000],
      ],
    ],
  ];
  for (const [name, unitsBefore, quantity, rows] of byUnits) {
    test(`first 10 units: ${name}`, () =>
      assert.deepEqual(priceUnits(early, unitsBefore, quantity, at(0)), priced(rows)));
  }

  test('a dated tier ends exactly at its instant', () => {
    const launchWeek: Pricing = {
      priceAmount: 5000,
      earlyBird: [{ name: 'week', until: iso(168), percentOff: 20 }],
    };
    assert.deepEqual(
      priceUnits(launchWeek, 500, 2, new Date(start + 168 * HOUR - 1)),
      priced([['week', 2, 4000]]),
    );
    assert.deepEqual(priceUnits(launchWeek, 500, 2, at(168)), priced([[null, 2, 5000]]));
  });

  test('a tier with units and a date ends at whichever comes first', () => {
    const both: Pricing = {
      priceAmount: 5000,
      earlyBird: [{ name: 'first 5 today', firstUnits: 5, until: iso(24), unitAmount: 3000 }],
    };
    assert.deepEqual(
      priceUnits(both, 3, 4, at(1)),
      priced([
        ['first 5 today', 2, 3000],
        [null, 2, 5000],
      ]),
    );
    assert.deepEqual(priceUnits(both, 0, 2, at(24)), priced([[null, 2, 5000]]));
  });

  test('the cheapest applicable tier wins, and the next one takes over when it ends', () => {
    const stacked: Pricing = {
      priceAmount: 5000,
      earlyBird: [
        { name: 'first 20', firstUnits: 20, percentOff: 10 },
        { name: 'first 5', firstUnits: 5, unitAmount: 4000 },
      ],
    };
    assert.deepEqual(
      priceUnits(stacked, 3, 20, at(0)),
      priced([
        ['first 5', 2, 4000],
        ['first 20', 15, 4500],
        [null, 3, 5000],
      ]),
    );
  });

  test('runs of one tier across another tier’s end stay one line', () => {
    const overlapping: Pricing = {
      priceAmount: 5000,
      earlyBird: [
        { name: 'cheap', firstUnits: 5, unitAmount: 4000 },
        { name: 'dear', firstUnits: 3, unitAmount: 4500 },
      ],
    };
    assert.deepEqual(priceUnits(overlapping, 0, 5, at(0)), priced([['cheap', 5, 4000]]));
  });

  test('between tiers at the same price, the one listed first names the line', () => {
    const tied: Pricing = {
      priceAmount: 5000,
      earlyBird: [
        { name: 'a', firstUnits: 2, unitAmount: 4000 },
        { name: 'b', firstUnits: 4, unitAmount: 4000 },
      ],
    };
    assert.deepEqual(
      priceUnits(tied, 0, 4, at(0)),
      priced([
        ['a', 2, 4000],
        ['b', 2, 4000],
      ]),
    );
  });

  test('a percent off is rounded half away from zero to a whole minor unit', () => {
    const odd: Pricing = {
      priceAmount: 1004,
      earlyBird: [{ name: 'eighth', firstUnits: 1, percentOff: 12.5 }],
    };
    assert.deepEqual(priceUnits(odd, 0, 1, at(0)), priced([['eighth', 1, 878]]));
  });

  const quotes: [string, Pricing, number, ReturnType<typeof priceNow>][] = [
    [
      'a unit tier reports the units left in it',
      early,
      7,
      {
        unitAmount: 4000,
        regularAmount: 5000,
        tier: { name: 'early', unitsLeft: 3, endsAt: null, perk: null },
      },
    ],
    [
      'after the unit tier, the regular price',
      early,
      10,
      { unitAmount: 5000, regularAmount: 5000, tier: null },
    ],
    [
      'a dated tier reports its end',
      { priceAmount: 5000, earlyBird: [{ name: 'week', until: iso(168), unitAmount: 4500 }] },
      1000,
      {
        unitAmount: 4500,
        regularAmount: 5000,
        tier: { name: 'week', unitsLeft: null, endsAt: iso(168), perk: null },
      },
    ],
  ];
  for (const [name, pricing, unitsHeld, expected] of quotes) {
    test(`priceNow: ${name}`, () => assert.deepEqual(priceNow(pricing, unitsHeld, at(0)), expected));
  }
});

type PriceLineRow = [tier: string | null, quantity: number, unitAmount: number];

/** The expected result of priceUnits from its lines. */
function priced(rows: PriceLineRow[]) {
  const lines = rows.map(([tier, quantity, unitAmount]) => ({ tier, quantity, unitAmount }));
  return {
    lines,
    unitAmount: lines[0]?.unitAmount,
    totalAmount: lines.reduce((sum, line) => sum + line.quantity * line.unitAmount, 0),
  };
}

/** Campaign pricing within the API schema's ranges that checkCampaignRules accepts; tiers end within 10 days. */
const pricingArb: fc.Arbitrary<Pricing> = fc.integer({ min: 1, max: 1_000_000 }).chain((priceAmount) =>
  fc
    .array(
      fc
        .record({
          firstUnits: fc.option(fc.integer({ min: 1, max: 60 })),
          until: fc.option(fc.integer({ min: 0, max: 240 }).map(iso)),
          price: fc.oneof(
            fc.integer({ min: 0, max: priceAmount - 1 }).map((unitAmount) => ({ unitAmount })),
            fc.integer({ min: 1, max: 9_999 }).map((basisPoints) => ({ percentOff: basisPoints / 100 })),
          ),
        })
        .filter((tier) => tier.firstUnits !== null || tier.until !== null),
      { maxLength: 5 },
    )
    .map((tiers) => ({
      priceAmount,
      earlyBird: tiers.map(
        ({ price, ...tier }, index): EarlyBirdTier => ({ name: `tier ${index}`, ...tier, ...price }),
      ),
    })),
);
const hourArb = fc.integer({ min: 0, max: 250 });
const unitsArb = fc.integer({ min: 0, max: 80 });
const quantityArb = fc.integer({ min: 1, max: 80 });

const ended = (tier: EarlyBirdTier, unit: number, now: Date) =>
  (tier.firstUnits != null && unit >= tier.firstUnits) ||
  (tier.until != null && now.getTime() >= Date.parse(tier.until));

describe('pricing properties', () => {
  test('the generated pricing is what a campaign may have', () => {
    fc.assert(
      fc.property(pricingArb, (pricing) => {
        checkCampaignRules({
          mode: 'preorder',
          opensAt: null,
          closesAt: null,
          perCustomerLimit: null,
          paymentTerms: { kind: 'full' },
          ...pricing,
        });
      }),
    );
  });

  test('lines cover the quantity, add up to the total, and never cost more than the regular price', () => {
    fc.assert(
      fc.property(pricingArb, unitsArb, quantityArb, hourArb, (pricing, unitsBefore, quantity, hour) => {
        const { lines, unitAmount, totalAmount } = priceUnits(pricing, unitsBefore, quantity, at(hour));
        assert.equal(
          lines.reduce((sum, line) => sum + line.quantity, 0),
          quantity,
        );
        assert.equal(
          totalAmount,
          lines.reduce((sum, line) => sum + line.quantity * line.unitAmount, 0),
        );
        assert.equal(unitAmount, lines[0]?.unitAmount);
        for (const line of lines) {
          assert.ok(Number.isSafeInteger(line.unitAmount) && Number.isSafeInteger(line.quantity));
          assert.ok(line.quantity >= 1);
          assert.ok(line.unitAmount >= 0 && line.unitAmount <= pricing.priceAmount);
          if (line.tier === null) assert.equal(line.unitAmount, pricing.priceAmount);
        }
      }),
    );
  });

  test('a later unit never costs less than an earlier one, and neighbouring lines differ', () => {
    fc.assert(
      fc.property(pricingArb, unitsArb, quantityArb, hourArb, (pricing, unitsBefore, quantity, hour) => {
        const { lines } = priceUnits(pricing, unitsBefore, quantity, at(hour));
        for (const [index, line] of lines.entries()) {
          const previous = lines[index - 1];
          if (!previous) continue;
          assert.ok(previous.unitAmount <= line.unitAmount);
          assert.notDeepEqual([previous.tier, previous.unitAmount], [line.tier, line.unitAmount]);
        }
      }),
    );
  });

  test('buying q units at once costs the same as buying them one by one', () => {
    fc.assert(
      fc.property(pricingArb, unitsArb, quantityArb, hourArb, (pricing, unitsBefore, quantity, hour) => {
        const together = priceUnits(pricing, unitsBefore, quantity, at(hour)).totalAmount;
        let oneByOne = 0;
        for (let unit = unitsBefore; unit < unitsBefore + quantity; unit++) {
          oneByOne += priceUnits(pricing, unit, 1, at(hour)).totalAmount;
        }
        assert.equal(together, oneByOne);
      }),
    );
  });

  test('once every tier has run out of units and time, every unit is at the regular price', () => {
    fc.assert(
      fc.property(pricingArb, unitsArb, quantityArb, hourArb, (pricing, extraUnits, quantity, extraHours) => {
        const unitsBefore =
          Math.max(0, ...pricing.earlyBird.map((tier) => tier.firstUnits ?? 0)) + extraUnits;
        const lastEnd = Math.max(
          start,
          ...pricing.earlyBird.map((tier) => (tier.until ? Date.parse(tier.until) : start)),
        );
        const now = new Date(lastEnd + extraHours * HOUR);
        assert.deepEqual(priceUnits(pricing, unitsBefore, quantity, now), {
          lines: [{ tier: null, quantity, unitAmount: pricing.priceAmount }],
          unitAmount: pricing.priceAmount,
          totalAmount: quantity * pricing.priceAmount,
        });
        assert.equal(priceNow(pricing, unitsBefore, now).tier, null);
      }),
    );
  });

  test('priceNow quotes what the next unit will cost, and its units left are really sold at that price', () => {
    fc.assert(
      fc.property(pricingArb, unitsArb, hourArb, (pricing, unitsHeld, hour) => {
        const now = at(hour);
        const quote = priceNow(pricing, unitsHeld, now);
        const next = priceUnits(pricing, unitsHeld, 1, now);
        assert.equal(quote.unitAmount, next.unitAmount);
        assert.equal(quote.regularAmount, pricing.priceAmount);
        assert.equal(quote.tier?.name ?? null, next.lines[0]?.tier);
        assert.equal(
          quote.tier === null,
          pricing.earlyBird.every((tier) => ended(tier, unitsHeld, now)),
        );
        if (!quote.tier) return;
        const tier = pricing.earlyBird.find(({ name }) => name === quote.tier?.name);
        assert.equal(quote.tier.endsAt, tier?.until ?? null);
        if (quote.tier.unitsLeft === null) {
          assert.equal(tier?.firstUnits ?? null, null);
          return;
        }
        assert.ok(quote.tier.unitsLeft > 0);
        assert.deepEqual(priceUnits(pricing, unitsHeld, quote.tier.unitsLeft, now).lines, [
          { tier: quote.tier.name, quantity: quote.tier.unitsLeft, unitAmount: quote.unitAmount },
        ]);
      }),
    );
  });
});
