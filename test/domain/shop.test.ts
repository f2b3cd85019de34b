import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../../src/domain/errors.ts';
import { canonicalLocale, canonicalTimeZone, checkShopSettings } from '../../src/domain/shop.ts';

const valid = { name: 'Demo Co.', currency: 'EUR', timeZone: 'Europe/Berlin', locale: 'de-DE' };

const refusesField = (field: string) => (error: unknown) =>
  error instanceof DomainError && error.code === 'invalid_shop' && error.details?.field === field;

describe('shop settings', () => {
  test('accepts good settings unchanged', () => {
    assert.deepEqual(checkShopSettings(valid), valid);
  });

  test('returns the canonical spelling of each setting', () => {
    assert.deepEqual(
      checkShopSettings({ name: '  Acme  ', currency: 'JPY', timeZone: 'europe/berlin', locale: 'EN-gb' }),
      { name: 'Acme', currency: 'JPY', timeZone: 'Europe/Berlin', locale: 'en-GB' },
    );
  });

  test('refuses a currency that is not ISO 4217 as written, as the API does', () => {
    for (const currency of ['EURO', 'XYZ', '', 'E', '€', 'eur', ' EUR']) {
      assert.throws(() => checkShopSettings({ ...valid, currency }), refusesField('currency'), currency);
    }
    assert.throws(() => checkShopSettings({ ...valid, currency: 'eur' }), /"eur".*as written: EUR/);
  });

  test('refuses a time zone that is not an IANA name', () => {
    for (const timeZone of ['Berlin', 'Europe/Nowhere', '+01:00', 'GMT+1x', '']) {
      assert.throws(() => checkShopSettings({ ...valid, timeZone }), refusesField('timeZone'), timeZone);
    }
  });

  test('refuses a locale that is malformed or unknown', () => {
    for (const locale of ['en_US', 'xx-YY', 'zz', '', 'i-klingon', 'de-DE-', '12']) {
      assert.throws(() => checkShopSettings({ ...valid, locale }), refusesField('locale'), locale);
    }
  });

  test('refuses an empty, overlong or control-character name', () => {
    for (const name of ['', '   ', 'x'.repeat(201), 'Demo\nCo.', 'Demo\u0000']) {
      assert.throws(() => checkShopSettings({ ...valid, name }), refusesField('name'), JSON.stringify(name));
    }
  });

  test('the refusal message names the bad value and shows a good one', () => {
    assert.throws(() => checkShopSettings({ ...valid, timeZone: 'Berlin' }), /"Berlin".*Europe\/Berlin/);
  });

  test('time zone aliases resolve to their canonical zone', () => {
    assert.equal(canonicalTimeZone('UTC'), 'UTC');
    assert.equal(canonicalTimeZone('US/Eastern'), 'America/New_York');
    assert.equal(canonicalTimeZone('Nowhere/City'), undefined);
  });

  test('locales keep their region and variants', () => {
    assert.equal(canonicalLocale('de-ch-1996'), 'de-CH-1996');
    assert.equal(canonicalLocale('fr'), 'fr');
  });
});
