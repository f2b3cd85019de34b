import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DomainError } from '../../src/domain/errors.ts';
import {
  canonicalLocale,
  canonicalTimeZone,
  checkShopSettings,
  contrast,
  NO_BRANDING,
  shownBranding,
  wordingOf,
} from '../../src/domain/shop.ts';

const valid = { name: 'Demo Co.', currency: 'EUR', timeZone: 'Europe/Berlin', locale: 'de-DE' };

const refusesField = (field: string) => (error: unknown) =>
  error instanceof DomainError && error.code === 'invalid_shop' && error.details?.field === field;

describe('shop settings', () => {
  test('accepts good settings unchanged; branding left out is none', () => {
    assert.deepEqual(checkShopSettings(valid), { ...valid, ...NO_BRANDING });
    const branding = { brandName: 'Lumen', accentColor: '#0a0b0c', logoUrl: 'https://cdn.example/l.png' };
    assert.deepEqual(checkShopSettings({ ...valid, ...branding }), { ...valid, ...branding });
  });

  test('returns the canonical spelling of each setting', () => {
    assert.deepEqual(
      checkShopSettings({ name: '  Acme  ', currency: 'JPY', timeZone: 'europe/berlin', locale: 'EN-gb' }),
      { name: 'Acme', currency: 'JPY', timeZone: 'Europe/Berlin', locale: 'en-GB', ...NO_BRANDING },
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

  test('branding: a brand name of blanks is none, colours in lower case, logos only over https', () => {
    const checked = checkShopSettings({ ...valid, brandName: '  ', accentColor: '#ABCDEF' });
    assert.deepEqual([checked.brandName, checked.accentColor], [null, '#abcdef']);
    for (const accentColor of ['red', '#abc', '#abcdefa', 'abcdef', '#ggggg0', '']) {
      assert.throws(
        () => checkShopSettings({ ...valid, accentColor }),
        refusesField('accentColor'),
        accentColor,
      );
    }
    for (const logoUrl of [
      'http://a.example/l.png',
      'ftp://a.example/l',
      'https://',
      '//a.example/l',
      'data:x',
    ]) {
      assert.throws(() => checkShopSettings({ ...valid, logoUrl }), refusesField('logoUrl'), logoUrl);
    }
    assert.throws(
      () => checkShopSettings({ ...valid, logoUrl: `https://a.example/${'x'.repeat(2000)}` }),
      refusesField('logoUrl'),
    );
  });

  test('the branding customers see: the shop’s name and Presell’s blue by default, readable text on any accent', () => {
    assert.deepEqual(shownBranding({ name: 'Demo', ...NO_BRANDING }), {
      name: 'Demo',
      accentColor: '#1d4ed8',
      onAccent: '#ffffff',
      logoUrl: null,
    });
    const yellow = shownBranding({ name: 'Demo', brandName: 'Lumen', accentColor: '#ffcc00', logoUrl: null });
    assert.deepEqual([yellow.name, yellow.onAccent], ['Lumen', '#000000']);
    // Whatever the accent, the text chosen on it meets WCAG AA for normal text (4.5:1).
    for (let value = 0; value < 0x1000000; value += 0x010203 * 7) {
      const accentColor = `#${value.toString(16).padStart(6, '0')}`;
      const { onAccent } = shownBranding({ name: 'x', brandName: null, accentColor, logoUrl: null });
      assert.ok(contrast(accentColor, onAccent) >= 4.5, `${onAccent} on ${accentColor}`);
    }
    assert.equal(Math.round(contrast('#ffffff', '#000000')), 21);
    assert.equal(contrast('#777777', '#777777'), 1);
  });

  test('what a locale gives customers: its own texts, or English of its region', () => {
    assert.deepEqual(wordingOf('ja-JP'), { locale: 'ja-JP', language: 'ja', fallback: false });
    assert.deepEqual(wordingOf('es-ES'), { locale: 'en-ES', language: 'en', fallback: true });
    assert.deepEqual(wordingOf('pt'), { locale: 'en', language: 'en', fallback: true });
  });
});
