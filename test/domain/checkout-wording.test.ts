import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHECKOUT_LANGUAGES, checkoutWording } from '../../src/domain/checkout-wording.ts';
import { COUNTRY_CODES, countriesIn, isCountry } from '../../src/domain/countries.ts';

/** Every key of an object and of the objects in it, as paths. */
function keysOf(value: object, prefix = ''): string[] {
  return Object.entries(value).flatMap(([key, inner]) =>
    inner && typeof inner === 'object' ? keysOf(inner, `${prefix}${key}.`) : [`${prefix}${key}`],
  );
}

test('the checkout’s texts exist whole in every language, with the same placeholders', () => {
  assert.deepEqual(CHECKOUT_LANGUAGES.sort(), ['de', 'en', 'fr', 'ja']);
  const english = checkoutWording('en');
  for (const language of CHECKOUT_LANGUAGES) {
    const wording = checkoutWording(language);
    assert.deepEqual(keysOf(wording).sort(), keysOf(english).sort(), language);
    for (const path of keysOf(english)) {
      const read = (texts: object) =>
        path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown>)[key], texts) as string;
      assert.ok(read(wording).trim().length > 0, `${language}: ${path} is empty`);
      assert.deepEqual(
        read(wording).match(/\{\w+\}/g),
        read(english).match(/\{\w+\}/g),
        `${language}: ${path}`,
      );
    }
  }
  assert.equal(checkoutWording('es-ES'), english, 'a language without texts gets English');
});

test('countries are ISO 3166-1 codes, named in the shopper’s language', () => {
  assert.equal(COUNTRY_CODES.length, 249);
  assert.ok(isCountry('DE') && isCountry('JP'));
  assert.ok(!isCountry('EU') && !isCountry('XK') && !isCountry('DD') && !isCountry('de'));
  assert.equal(countriesIn('de-DE').find((country) => country.code === 'DE')?.name, 'Deutschland');
});
