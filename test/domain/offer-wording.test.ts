import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { PaymentTerms } from '../../src/domain/campaign.ts';
import { money } from '../../src/domain/money.ts';
import {
  dueTerms,
  FEW_UNITS_LEFT,
  type OfferFacts,
  offerTexts,
  overridesFor,
} from '../../src/domain/offer-wording.ts';
import type { NextOffer } from '../../src/domain/promise.ts';

const eur = (amount: number) => money(amount, 'EUR');
const today = '2026-12-01';
const promised: NextOffer = {
  kind: 'promised',
  units: 1,
  window: { from: '2026-12-14', to: '2026-12-18' },
  earliestRoom: { batchId: 'b1', unitsLeft: 12, isFirstShipment: true },
  unitsLeftInSupply: 200,
};
const deposit: PaymentTerms = { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } };

function facts(overrides: Partial<OfferFacts> = {}): OfferFacts {
  const price = overrides.price ?? eur(10_000);
  return {
    mode: 'preorder',
    state: 'open',
    reason: null,
    price,
    regularPrice: eur(10_000),
    earlyBird: null,
    unitsLeft: 400,
    promise: promised,
    terms: dueTerms(price, 1, deposit, null),
    window: { opensAt: null, closesAt: null },
    ...overrides,
  };
}

/** Intl separates amounts and currency signs with no-break spaces; the tests write plain ones. */
const plain = (text: string | null) => text?.replace(/[\u00a0\u202f]/g, ' ') ?? null;
const words = (locale: string) => ({ locale, today, mode: 'preorder' as const });

describe('one unit’s payment terms', () => {
  test('a deposit: what is paid now and the rest when it ships, worded whole in each language', () => {
    const terms = dueTerms(eur(10_000), 1, deposit, null);
    assert.deepEqual(terms, {
      now: eur(2_000),
      later: eur(8_000),
      laterDue: { kind: 'on_release' as const },
    });
    const sentences = ['en-GB', 'de-DE', 'fr-FR', 'ja-JP'].map((locale) =>
      plain(offerTexts(facts({ terms }), words(locale)).paymentTerms),
    );
    assert.deepEqual(sentences, [
      'Pay €20.00 now, €80.00 when it ships',
      'Jetzt 20,00 € zahlen, 80,00 € beim Versand',
      'Payez 20,00 € maintenant et 80,00 € à l’expédition',
      '今€20.00、発送時に€80.00をお支払い',
    ]);
  });

  test('in full, later, on a date, and before shipping with and without a promised date', () => {
    const say = (terms: PaymentTerms, shipDate: string | null = null) =>
      offerTexts(facts({ terms: dueTerms(eur(10_000), 1, terms, shipDate) }), words('en-GB')).paymentTerms;
    assert.equal(say({ kind: 'full' }), 'Pay €100.00 now');
    assert.equal(say({ kind: 'later' }), 'Pay nothing now, €100.00 when it ships');
    assert.equal(
      say({ kind: 'deposit', amount: 2500, balanceDue: { kind: 'on_date', date: '2027-01-15' } }),
      'Pay €25.00 now, €75.00 on 15 January 2027',
    );
    const beforeShip: PaymentTerms = {
      kind: 'deposit',
      percent: 10,
      balanceDue: { kind: 'days_before_ship', days: 7 },
    };
    assert.equal(say(beforeShip, '2026-12-18'), 'Pay €10.00 now, €90.00 on 11 December');
    assert.equal(say(beforeShip), 'Pay €10.00 now, €90.00 before it ships');
  });

  test('now and later always add up to the price', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 1, max: 9999 }).map((basis) => basis / 100),
        (amount, percent) => {
          const terms = dueTerms(
            eur(amount),
            1,
            { kind: 'deposit', percent, balanceDue: { kind: 'on_release' } },
            null,
          );
          assert.equal(terms.now.amount + terms.later.amount, amount);
          assert.ok(terms.now.amount >= 0 && terms.later.amount >= 0);
        },
      ),
    );
  });
});

describe('texts per offer state', () => {
  test('open: the button, the ship date, the terms and the room in the first shipment', () => {
    const texts = offerTexts(facts(), words('en-GB'));
    assert.equal(texts.display, 'order');
    assert.equal(texts.buttonLabel, 'Pre-order');
    assert.equal(texts.headline, 'Order now — ships the week of 14 December');
    assert.equal(texts.unitsLeft, 'Only 12 left in the first shipment');
    assert.equal(texts.price, '€100.00');
    assert.equal(texts.regularPrice, null);
  });

  test('few units under the cap are counted, in each language’s plural', () => {
    assert.equal(offerTexts(facts({ unitsLeft: 3 }), words('en-GB')).unitsLeft, 'Only 3 left');
    assert.equal(offerTexts(facts({ unitsLeft: 1 }), words('fr-FR')).unitsLeft, 'Plus qu’un seul exemplaire');
    assert.equal(offerTexts(facts({ unitsLeft: 2 }), words('fr-FR')).unitsLeft, 'Plus que 2 exemplaires');
    assert.equal(
      offerTexts(facts({ unitsLeft: FEW_UNITS_LEFT }), words('ja-JP')).unitsLeft,
      `残り${FEW_UNITS_LEFT}点`,
    );
  });

  test('paused or closed: "Unavailable" and nothing about ordering or shipping', () => {
    for (const reason of ['paused', 'closed', 'window_ended'] as const) {
      const texts = offerTexts(facts({ state: 'closed', reason }), words('en-GB'));
      assert.deepEqual(
        [
          texts.display,
          texts.buttonLabel,
          texts.headline,
          texts.paymentTerms,
          texts.unitsLeft,
          texts.countdown,
        ],
        ['unavailable', 'Unavailable', null, null, null, null],
      );
    }
  });

  test('a backorder in stock keeps the store’s button: no headline, no urgency', () => {
    const texts = offerTexts(
      facts({ mode: 'backorder', state: 'closed', reason: 'in_stock', unitsLeft: 5 }),
      { ...words('en-GB'), mode: 'backorder' },
    );
    assert.deepEqual(
      [texts.display, texts.buttonLabel, texts.headline, texts.unitsLeft],
      ['in_stock', 'Add to cart', null, null],
    );
  });

  test('sold out: the button says so, and nothing else sells', () => {
    const texts = offerTexts(facts({ state: 'sold_out', unitsLeft: 0 }), words('de-DE'));
    assert.deepEqual(
      [texts.display, texts.buttonLabel, texts.unitsLeft, texts.paymentTerms],
      ['sold_out', 'Ausverkauft', null, null],
    );
  });

  test('upcoming: the date as a fact, the terms, and a countdown to opening', () => {
    const opensAt = new Date('2026-12-05T09:00:00Z');
    const texts = offerTexts(
      facts({ state: 'upcoming', reason: 'not_yet_open', window: { opensAt, closesAt: null } }),
      words('en-GB'),
    );
    assert.equal(texts.display, 'upcoming');
    assert.equal(texts.buttonLabel, 'Coming up');
    assert.equal(texts.headline, 'Ships the week of 14 December');
    assert.deepEqual(texts.countdown, { until: opensAt.toISOString(), message: 'Opens in {time}' });
    assert.equal(texts.unitsLeft, null);
  });

  test('open with an end: a countdown to closing; an early-bird price with its units left', () => {
    const closesAt = new Date('2026-12-24T23:00:00Z');
    const texts = offerTexts(
      facts({
        price: eur(7_900),
        regularPrice: eur(9_900),
        earlyBird: { name: 'Early bird', unitsLeft: 12, endsAt: null },
        window: { opensAt: null, closesAt },
      }),
      words('de-DE'),
    );
    assert.equal(texts.countdown?.message, 'Endet in {time}');
    assert.equal(texts.earlyBird, 'Early bird: noch 12 zu diesem Preis');
    assert.equal(plain(texts.regularPrice), '99,00 €');
  });
});

describe('the merchant’s texts per campaign and locale', () => {
  const wording = {
    buttonLabel: 'Reserve yours',
    message: 'Hand-made in Porto',
    locales: {
      de: { buttonLabel: 'Jetzt sichern', unitsLeft: 'Nur {count} Stück!' },
      'de-CH': { buttonLabel: 'Jetzt reservieren' },
    },
  };

  test('the most specific locale wins, then the language, then the campaign’s own', () => {
    assert.equal(overridesFor(wording, 'de-CH').buttonLabel, 'Jetzt reservieren');
    assert.equal(overridesFor(wording, 'de-DE').buttonLabel, 'Jetzt sichern');
    assert.equal(overridesFor(wording, 'fr-FR').buttonLabel, 'Reserve yours');
    assert.equal(overridesFor({}, 'fr-FR').buttonLabel, undefined);
  });

  test('counts are filled in; the button override applies only while the offer sells', () => {
    const open = offerTexts(facts({ unitsLeft: 4 }), words('de-DE'), overridesFor(wording, 'de-DE'));
    assert.equal(open.buttonLabel, 'Jetzt sichern');
    assert.equal(open.unitsLeft, 'Nur 4 Stück!');
    assert.equal(open.message, 'Hand-made in Porto');
    const paused = offerTexts(
      facts({ state: 'closed', reason: 'paused' }),
      words('de-DE'),
      overridesFor(wording, 'de-DE'),
    );
    assert.deepEqual([paused.buttonLabel, paused.message], ['Nicht verfügbar', null]);
  });
});
