import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { addDays, daysBetween, weekStart } from '../../src/domain/calendar.ts';
import type { CampaignMode, OfferState } from '../../src/domain/campaign.ts';
import { DomainError } from '../../src/domain/errors.ts';
import type { NextOffer } from '../../src/domain/promise.ts';
import {
  buttonLabel,
  wordingLocale,
  wordOffer,
  wordShipmentParts,
  wordShipWindow,
} from '../../src/domain/ship-window-wording.ts';

const today = '2026-11-02';
const locales = ['en-US', 'en-GB', 'de-DE', 'fr-FR', 'ja-JP'] as const;

function messages(from: string, to: string, options: { today?: string; mode?: 'backorder' } = {}) {
  return Object.fromEntries(
    locales.map((locale) => [locale, wordShipWindow({ from, to }, { locale, today, ...options }).message]),
  );
}

const refusesWith = (code: string) => (error: unknown) => error instanceof DomainError && error.code === code;

describe('a window that fits in one week', () => {
  test('is worded as the week, which starts on Sunday in the US and Japan and on Monday in Europe', () => {
    assert.deepEqual(messages('2026-12-14', '2026-12-18'), {
      'en-US': 'Ships the week of December 13',
      'en-GB': 'Ships the week of 14 December',
      'de-DE': 'Versand in der Woche vom 14. Dezember',
      'fr-FR': 'Expédition la semaine du 14 décembre',
      'ja-JP': '12月13日の週に発送',
    });
  });

  test('names the week, not just the window', () => {
    assert.deepEqual(wordShipWindow({ from: '2026-12-16', to: '2026-12-16' }, { locale: 'en-GB', today }), {
      kind: 'week',
      from: '2026-12-14',
      to: '2026-12-20',
      message: 'Ships the week of 14 December',
    });
  });

  test('a week that spans two months', () => {
    const worded = wordShipWindow({ from: '2026-11-30', to: '2026-12-03' }, { locale: 'en-GB', today });
    assert.deepEqual(worded, {
      kind: 'week',
      from: '2026-11-30',
      to: '2026-12-06',
      message: 'Ships the week of 30 November',
    });
    assert.equal(messages('2026-11-30', '2026-12-03')['en-US'], 'Ships the week of November 29');
  });

  test('a week that spans two years', () => {
    const worded = wordShipWindow({ from: '2026-12-29', to: '2027-01-01' }, { locale: 'de-DE', today });
    assert.deepEqual(worded, {
      kind: 'week',
      from: '2026-12-28',
      to: '2027-01-03',
      message: 'Versand in der Woche vom 28. Dezember',
    });
    assert.equal(
      wordShipWindow({ from: '2026-12-29', to: '2027-01-01' }, { locale: 'ja-JP', today }).message,
      '12月27日の週に発送',
    );
  });

  test('shows the year when the week is not in the current one', () => {
    assert.equal(
      wordShipWindow({ from: '2026-12-29', to: '2027-01-01' }, { locale: 'en-GB', today: '2027-01-01' })
        .message,
      'Ships the week of 28 December 2026',
    );
  });
});

describe('a window that fits in a third of a month', () => {
  test('is worded early, mid or late', () => {
    assert.deepEqual(messages('2027-01-02', '2027-01-09', { today: '2027-01-01' }), {
      'en-US': 'Ships early January',
      'en-GB': 'Ships early January',
      'de-DE': 'Versand Anfang Januar',
      'fr-FR': 'Expédition début janvier',
      'ja-JP': '1月上旬に発送',
    });
    assert.deepEqual(messages('2026-12-12', '2026-12-19'), {
      'en-US': 'Ships mid-December',
      'en-GB': 'Ships mid-December',
      'de-DE': 'Versand Mitte Dezember',
      'fr-FR': 'Expédition mi-décembre',
      'ja-JP': '12月中旬に発送',
    });
  });

  test('late runs to the end of the month', () => {
    assert.deepEqual(wordShipWindow({ from: '2027-02-21', to: '2027-02-28' }, { locale: 'fr-FR', today }), {
      kind: 'part_of_month',
      part: 'late',
      from: '2027-02-21',
      to: '2027-02-28',
      message: 'Expédition fin février 2027',
    });
  });
});

describe('longer windows', () => {
  test('a window over half its month is worded as the month', () => {
    assert.deepEqual(messages('2026-12-01', '2026-12-20'), {
      'en-US': 'Ships in December',
      'en-GB': 'Ships in December',
      'de-DE': 'Versand im Dezember',
      'fr-FR': 'Expédition en décembre',
      'ja-JP': '12月に発送',
    });
    assert.deepEqual(wordShipWindow({ from: '2026-12-01', to: '2026-12-20' }, { locale: 'en-GB', today }), {
      kind: 'month',
      from: '2026-12-01',
      to: '2026-12-31',
      message: 'Ships in December',
    });
  });

  test('a shorter one names both days, as each locale orders them', () => {
    assert.deepEqual(messages('2026-12-01', '2026-12-15'), {
      'en-US': 'Ships between December 1 and 15',
      'en-GB': 'Ships between 1 and 15 December',
      'de-DE': 'Versand zwischen dem 1. und dem 15. Dezember',
      'fr-FR': 'Expédition entre le 1 et le 15 décembre',
      'ja-JP': '12/01～12/15に発送',
    });
  });

  test('a range over two years shows both years', () => {
    assert.deepEqual(messages('2026-12-20', '2027-01-10'), {
      'en-US': 'Ships between December 20, 2026 and January 10, 2027',
      'en-GB': 'Ships between 20 December 2026 and 10 January 2027',
      'de-DE': 'Versand zwischen dem 20. Dezember 2026 und dem 10. Januar 2027',
      'fr-FR': 'Expédition entre le 20 décembre 2026 et le 10 janvier 2027',
      'ja-JP': '2026/12/20～2027/01/10に発送',
    });
  });

  test('a range in a later year shows it once', () => {
    assert.equal(
      wordShipWindow({ from: '2027-11-25', to: '2027-12-10' }, { locale: 'en-GB', today }).message,
      'Ships between 25 November and 10 December 2027',
    );
  });
});

describe('backorders', () => {
  test('say the product is coming back and the day it ships by', () => {
    assert.deepEqual(messages('2027-02-24', '2027-03-03', { mode: 'backorder', today: '2027-02-01' }), {
      'en-US': 'Back in stock — ships by March 3',
      'en-GB': 'Back in stock — ships by 3 March',
      'de-DE': 'Wieder verfügbar – Versand bis zum 3. März',
      'fr-FR': 'De retour en stock — expédition d’ici le 3 mars',
      'ja-JP': '再入荷予定：3月3日までに発送',
    });
    assert.deepEqual(
      wordShipWindow({ from: '2027-02-24', to: '2027-03-03' }, { locale: 'en-GB', today, mode: 'backorder' }),
      { kind: 'by', from: '2027-02-24', to: '2027-03-03', message: 'Back in stock — ships by 3 March 2027' },
    );
  });
});

describe('the offer lines', () => {
  const offer = (unitsLeft: number, isFirstShipment: boolean): NextOffer => ({
    kind: 'promised',
    units: 1,
    window: { from: '2026-12-14', to: '2026-12-18' },
    earliestRoom: { batchId: 'bat_1', unitsLeft, isFirstShipment },
    unitsLeftInSupply: 40,
  });

  test('order now, with the window and the units left in the shipment', () => {
    const worded = wordOffer(offer(12, true), { locale: 'en-GB', today });
    assert.equal(worded.headline, 'Order now — ships the week of 14 December');
    assert.equal(worded.unitsLeft, 'Only 12 left in the first shipment');
    assert.equal(worded.window?.kind, 'week');
  });

  test('in each language, with plural forms and local digits grouping', () => {
    const lines = (unitsLeft: number, isFirstShipment: boolean) =>
      locales.map((locale) => wordOffer(offer(unitsLeft, isFirstShipment), { locale, today }).unitsLeft);
    assert.deepEqual(lines(1, false), [
      'Only 1 left in the next shipment',
      'Only 1 left in the next shipment',
      'Nur noch 1 Stück in der nächsten Lieferung',
      'Plus qu’un seul exemplaire dans le prochain envoi',
      '次回出荷分は残り1点',
    ]);
    assert.deepEqual(lines(1200, true), [
      'Only 1,200 left in the first shipment',
      'Only 1,200 left in the first shipment',
      'Nur noch 1.200 Stück in der ersten Lieferung',
      'Plus que 1\u202f200 exemplaires dans le premier envoi',
      '初回出荷分は残り1,200点',
    ]);
    assert.deepEqual(
      locales.map((locale) => wordOffer(offer(3, true), { locale, today }).headline),
      [
        'Order now — ships the week of December 13',
        'Order now — ships the week of 14 December',
        'Jetzt vorbestellen – Versand in der Woche vom 14. Dezember',
        'Précommandez maintenant — expédition la semaine du 14 décembre',
        '今すぐ予約：12月13日の週に発送',
      ],
    );
  });

  test('a backorder offer leads with back in stock', () => {
    const worded = wordOffer(offer(3, true), { locale: 'en-GB', today, mode: 'backorder' });
    assert.equal(worded.headline, 'Back in stock — ships by 18 December');
  });

  test('past the planned supply', () => {
    const past = (kind: 'to_be_confirmed' | 'sold_out', locale: string) =>
      wordOffer(
        kind === 'sold_out' ? { kind, unitsAvailable: 0 } : { kind, units: 1, unitsLeftInSupply: 0 },
        { locale, today },
      );
    assert.deepEqual(past('to_be_confirmed', 'en-US'), {
      headline: 'Date to be confirmed',
      window: null,
      unitsLeft: null,
    });
    assert.deepEqual(
      locales.map((locale) => past('to_be_confirmed', locale).headline),
      [
        'Date to be confirmed',
        'Date to be confirmed',
        'Liefertermin folgt',
        'Date à confirmer',
        '発送日未定',
      ],
    );
    assert.deepEqual(
      locales.map((locale) => past('sold_out', locale).headline),
      ['Sold out', 'Sold out', 'Ausverkauft', 'Épuisé', '完売'],
    );
  });
});

describe('units that ship at different times (split policy)', () => {
  const december = { from: '2026-12-10', to: '2026-12-30' };
  const february = { from: '2027-02-03', to: '2027-02-09' };
  test('each part with its count and period, whole in each language', () => {
    const parts = [
      { units: 2, window: december },
      { units: 1, window: february },
    ];
    assert.deepEqual(
      locales.map((locale) => wordShipmentParts(parts, { locale, today })),
      [
        '2 ship in December, 1 early February 2027',
        '2 ship in December, 1 early February 2027',
        'Versand: 2 Stück im Dezember, 1 Stück Anfang Februar 2027',
        'Expédition : 2 exemplaires en décembre, 1 exemplaire début février 2027',
        '2点は12月に発送、1点は2027年2月上旬に発送',
      ],
    );
  });

  test('a backorder says by when each part ships', () => {
    const parts = [
      { units: 1, window: december },
      { units: 3, window: february },
    ];
    assert.deepEqual(
      locales.map((locale) => wordShipmentParts(parts, { locale, today, mode: 'backorder' })),
      [
        'Back in stock — 1 ships by December 30, 3 by February 9, 2027',
        'Back in stock — 1 ships by 30 December, 3 by 9 February 2027',
        'Wieder verfügbar – Versand: 1 Stück bis zum 30. Dezember, 3 Stück bis zum 9. Februar 2027',
        'De retour en stock — expédition : 1 exemplaire d’ici le 30 décembre, 3 exemplaires d’ici le 9 février 2027',
        '再入荷予定：1点は12月30日までに発送、3点は2027年2月9日までに発送',
      ],
    );
  });
});

describe('other languages and bad input', () => {
  test('a language without texts is worded whole in English of its region, dates included', () => {
    assert.deepEqual(['es-ES', 'it-IT', 'pt', 'de-AT', 'fr-CA', 'ja-JP', 'en-US'].map(wordingLocale), [
      'en-ES',
      'en-IT',
      'en',
      'de-AT',
      'fr-CA',
      'ja-JP',
      'en-US',
    ]);
    const wording = (locale: string) => ({ locale: wordingLocale(locale), today });
    assert.equal(
      wordShipWindow({ from: '2026-12-01', to: '2026-12-20' }, wording('es-ES')).message,
      'Ships in December',
    );
    assert.equal(
      wordShipWindow({ from: '2026-12-14', to: '2026-12-18' }, wording('it-IT')).message,
      'Ships the week of 14 December',
    );
    assert.equal(
      wordShipWindow({ from: '2026-12-10', to: '2026-12-17' }, wording('es-ES')).message,
      'Ships between 10 and 17 December',
    );
  });

  test('a window cannot end before it starts', () => {
    assert.throws(
      () => wordShipWindow({ from: '2026-12-10', to: '2026-12-09' }, { locale: 'en-GB', today }),
      refusesWith('invalid_window'),
    );
  });

  test('a locale must be a locale', () => {
    assert.throws(
      () => wordShipWindow({ from: '2026-12-10', to: '2026-12-12' }, { locale: 'not a locale', today }),
      refusesWith('invalid_locale'),
    );
  });
});

describe('wording properties', () => {
  const windowArbitrary = fc
    .record({ start: fc.integer({ min: 0, max: 800 }), length: fc.integer({ min: 0, max: 70 }) })
    .map(({ start, length }) => ({ from: addDays(today, start), to: addDays(today, start + length) }));

  test('the named period contains the window, is the smallest that does, and never says "coming soon"', () => {
    fc.assert(
      fc.property(windowArbitrary, fc.constantFrom(...locales, 'es-ES'), (window, locale) => {
        const worded = wordShipWindow(window, { locale, today });
        assert.ok(worded.from <= window.from && window.to <= worded.to, JSON.stringify(worded));
        assert.ok(worded.message.length > 0);
        assert.doesNotMatch(worded.message, /soon|bald|bientôt|近日/i);
        const fitsWeek = daysBetween(weekStart(window.from, locale), window.to) < 7;
        assert.equal(worded.kind === 'week', fitsWeek, JSON.stringify(worded));
        const third = (date: string) =>
          `${date.slice(0, 7)}/${Math.min(2, Math.floor((Number(date.slice(8)) - 1) / 10))}`;
        const fitsThird = third(window.from) === third(window.to);
        assert.equal(worded.kind === 'part_of_month', fitsThird && !fitsWeek, JSON.stringify(worded));
      }),
      { numRuns: 500 },
    );
  });
});

describe('the storefront button', () => {
  const labels: [string, CampaignMode, OfferState, string][] = [
    ['en-GB', 'preorder', 'open', 'Pre-order'],
    ['en-US', 'backorder', 'open', 'Backorder'],
    ['en-GB', 'preorder', 'closed', 'Unavailable'],
    ['en-GB', 'backorder', 'upcoming', 'Coming up'],
    ['en-GB', 'preorder', 'sold_out', 'Sold out'],
    ['de-DE', 'preorder', 'open', 'Vorbestellen'],
    ['de-DE', 'backorder', 'sold_out', 'Ausverkauft'],
    ['fr-FR', 'preorder', 'open', 'Précommander'],
    ['fr-FR', 'preorder', 'closed', 'Indisponible'],
    ['ja-JP', 'preorder', 'open', '予約注文'],
    ['ja-JP', 'preorder', 'upcoming', '近日販売'],
    ['pt-BR', 'preorder', 'open', 'Pre-order'],
  ];
  for (const [locale, mode, state, label] of labels) {
    test(`${locale} ${mode} ${state} → ${label}`, () =>
      assert.equal(buttonLabel(mode, state, locale), label));
  }
});
