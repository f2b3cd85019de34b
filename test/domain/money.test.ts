import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  add,
  compare,
  format,
  max,
  min,
  minorUnitDigits,
  money,
  percentOf,
  subtract,
  sum,
  zero,
} from '../../src/domain/money.ts';

/** JPY has no minor unit, EUR cents, KWD fils (thousandths). */
const currencies = fc.constantFrom('JPY', 'EUR', 'KWD');
const amount = fc.integer({ min: -1_000_000_000, max: 1_000_000_000 });
const percent = fc.integer({ min: 0, max: 10_000 }).map((basisPoints) => basisPoints / 100);

describe('money', () => {
  test('minor units follow the currency: JPY 0, EUR 2, KWD 3 decimals', () => {
    assert.equal(minorUnitDigits('JPY'), 0);
    assert.equal(minorUnitDigits('EUR'), 2);
    assert.equal(minorUnitDigits('KWD'), 3);
    // ISO 4217, not the decimals CLDR shows: 1 forint is 100 fillér, 1 Iraqi dinar 1000 fils.
    assert.equal(minorUnitDigits('HUF'), 2);
    assert.equal(minorUnitDigits('IQD'), 3);
    assert.equal(minorUnitDigits('ISK'), 0);
    assert.equal(format(money(1999, 'JPY'), 'en'), '¥1,999');
    assert.equal(format(money(1999, 'EUR'), 'en'), '€19.99');
    assert.match(format(money(1250, 'KWD'), 'en'), /1\.250/);
  });

  test('subtracting what was added gives the amount back, in every currency', () => {
    fc.assert(
      fc.property(currencies, amount, amount, (currency, a, b) => {
        const x = money(a, currency);
        const y = money(b, currency);
        assert.deepEqual(subtract(add(x, y), y), x);
        assert.deepEqual(add(subtract(x, y), y), x);
      }),
    );
  });

  test('amounts of different currencies never combine', () => {
    fc.assert(
      fc.property(currencies, currencies, amount, (first, second, a) => {
        fc.pre(first !== second);
        for (const combine of [add, subtract, compare, min, max]) {
          assert.throws(() => combine(money(a, first), money(a, second)), { code: 'currency_mismatch' });
        }
      }),
    );
  });

  test('an amount is a whole number of minor units', () => {
    assert.throws(() => money(19.99, 'EUR'), { code: 'invalid_amount' });
    assert.throws(() => money(1, 'XXY'), { code: 'invalid_currency' });
  });

  test('percentOf stays between zero and the amount', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), percent, (value, p) => {
        const part = percentOf(value, p);
        assert.ok(Number.isSafeInteger(part));
        assert.ok(part >= 0 && part <= value, `${p} % of ${value} gave ${part}`);
      }),
    );
    assert.equal(percentOf(12345, 0), 0);
    assert.equal(percentOf(12345, 100), 12345);
  });

  test('percentOf rounds the exact result half away from zero to a whole minor unit', () => {
    fc.assert(
      fc.property(amount, fc.integer({ min: 0, max: 10_000 }), (value, basisPoints) => {
        const part = percentOf(value, basisPoints / 100);
        // Exact: value × basisPoints / 10 000; compare twice the distance to avoid fractions.
        const exactTimes10k = BigInt(value) * BigInt(basisPoints);
        const distanceTimes20k = 2n * (BigInt(part) * 10_000n - exactTimes10k);
        const absDistance = distanceTimes20k < 0n ? -distanceTimes20k : distanceTimes20k;
        assert.ok(absDistance <= 10_000n, `${basisPoints / 100} % of ${value} gave ${part}`);
        if (absDistance === 10_000n) {
          // A tie goes away from zero.
          assert.ok(Math.abs(part) * 10_000 > Math.abs(Number(exactTimes10k)));
        }
      }),
    );
  });

  test('percentOf ties go away from zero in each currency’s minor unit', () => {
    assert.equal(percentOf(5, 50), 3, '2.5 yen rounds up to 3 yen');
    assert.equal(percentOf(-5, 50), -3, '−2.5 rounds to −3, not −2');
    assert.equal(percentOf(1, 50), 1, 'half a cent rounds up to a cent');
    assert.equal(percentOf(3333, 12.5), 417, '416.625 fils rounds to 417');
    assert.equal(percentOf(3331, 12.5), 416, '416.375 fils rounds to 416');
    assert.throws(() => percentOf(100, 100.01), { code: 'invalid_percent' });
    assert.throws(() => percentOf(100, -1), { code: 'invalid_percent' });
  });

  test('sum adds in order and is zero of the currency when empty', () => {
    fc.assert(
      fc.property(currencies, fc.array(amount, { maxLength: 20 }), (currency, amounts) => {
        const total = sum(
          currency,
          amounts.map((value) => money(value, currency)),
        );
        assert.deepEqual(
          total,
          money(
            amounts.reduce((a, b) => a + b, 0),
            currency,
          ),
        );
      }),
    );
    assert.deepEqual(sum('KWD', []), zero('KWD'));
    assert.throws(() => sum('EUR', [money(1, 'JPY')]), { code: 'currency_mismatch' });
  });

  test('compare, min and max agree with the amounts', () => {
    fc.assert(
      fc.property(currencies, amount, amount, (currency, a, b) => {
        const x = money(a, currency);
        const y = money(b, currency);
        assert.equal(compare(x, y), Math.sign(a - b));
        assert.equal(min(x, y).amount, Math.min(a, b));
        assert.equal(max(x, y).amount, Math.max(a, b));
      }),
    );
  });
});
