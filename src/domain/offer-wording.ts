/**
 * Everything the pre-order button and the lines around it say, as one coherent set per offer state: a
 * paused campaign says "Unavailable" and nothing about shipping; an in-stock backorder leaves the store's
 * own button alone. Beside the ship date (ship-window-wording.ts) come the payment terms of one unit
 * ("Pay €20 now, €80 when it ships"), the early-bird line, the units left under the cap and the
 * countdown's sentence. Whole sentences per language (en, de, fr, ja), English for other languages; the
 * merchant may replace any of them per campaign and locale.
 */
import type { CalendarDate } from './calendar.ts';
import type { CampaignMode, NotOpenReason, OfferState, PaymentTerms } from './campaign.ts';
import { format, type Money, subtract } from './money.ts';
import { chargedAtOrder, paymentPlan } from './payment-plan.ts';
import type { NextOffer } from './promise.ts';
import {
  buttonLabel,
  dayAndMonth,
  type WordingOptions,
  wordOffer,
  wordShipWindow,
} from './ship-window-wording.ts';

/** What the storefront does with the offer: sell it, announce it, or say why not. */
export type OfferDisplay = 'order' | 'upcoming' | 'sold_out' | 'unavailable' | 'in_stock';

/** When the rest of one unit's price is charged, after what is paid at order. */
export type LaterDue =
  | { kind: 'on_release' }
  | { kind: 'on_date'; date: CalendarDate }
  | { kind: 'before_ship' };

/** What a pre-order (or one unit) costs now and later under the campaign's terms. */
export interface DueTerms {
  readonly now: Money;
  readonly later: Money;
  /** null when nothing is left to pay later. */
  readonly laterDue: LaterDue | null;
}

/** Texts a merchant may replace per campaign and locale; `{count}` and `{time}` are filled in. */
export const OVERRIDABLE_TEXTS = [
  'buttonLabel',
  'headline',
  'paymentTerms',
  'earlyBird',
  'unitsLeft',
  'countdown',
  'message',
] as const;
export type OverridableText = (typeof OVERRIDABLE_TEXTS)[number];
export type TextOverrides = Partial<Record<OverridableText, string | null | undefined>>;

export interface OfferTexts {
  readonly display: OfferDisplay;
  readonly buttonLabel: string;
  /** The one sentence about shipping: "Order now — ships the week of 14 December". */
  readonly headline: string | null;
  /** The unit price now, formatted, and the regular one when an early-bird price is below it. */
  readonly price: string;
  readonly regularPrice: string | null;
  readonly paymentTerms: string | null;
  readonly earlyBird: string | null;
  /** "Only 4 left", or "Only 12 left in the first shipment". */
  readonly unitsLeft: string | null;
  /** A sentence with `{time}` where the time left goes, and the instant it counts down to. */
  readonly countdown: { readonly until: string; readonly message: string } | null;
  /** The merchant's own note. */
  readonly message: string | null;
}

export interface OfferFacts {
  readonly mode: CampaignMode;
  readonly state: OfferState;
  readonly reason: NotOpenReason | null;
  readonly price: Money;
  readonly regularPrice: Money;
  readonly earlyBird: { name: string; unitsLeft: number | null; endsAt: string | null } | null;
  /** Units left under the cap and the supply limit; null when neither limits it. */
  readonly unitsLeft: number | null;
  readonly promise: NextOffer | null;
  readonly terms: DueTerms;
  readonly window: { opensAt: Date | null; closesAt: Date | null };
}

/** At or below this many units left under the cap, the button says how many. */
export const FEW_UNITS_LEFT = 25;

/**
 * What `quantity` units at `total` pay now and later (the offer: one unit at its price). A balance due some
 * days before shipping has its date from the promise; without one it is "before it ships".
 */
export function dueTerms(
  total: Money,
  quantity: number,
  terms: PaymentTerms,
  promisedShipDate: CalendarDate | null,
): DueTerms {
  const dateless =
    terms.kind === 'deposit' && terms.balanceDue.kind === 'days_before_ship' && !promisedShipDate;
  const plan = paymentPlan({
    total,
    quantity,
    terms: dateless ? { ...terms, balanceDue: { kind: 'on_release' } } : terms,
    promisedShipDate,
  });
  const now = chargedAtOrder(plan);
  const later = subtract(plan.total, now);
  const due = plan.steps.find((step) => step.due.kind !== 'at_order')?.due;
  if (!due || later.amount === 0) return { now, later, laterDue: null };
  if (dateless) return { now, later, laterDue: { kind: 'before_ship' } };
  return {
    now,
    later,
    laterDue:
      due.kind === 'on_release'
        ? { kind: 'on_release' }
        : { kind: 'on_date', date: (due as { date: CalendarDate }).date },
  };
}

/** The texts of an offer in `wording.locale`, with the merchant's overrides for that locale applied. */
export function offerTexts(
  facts: OfferFacts,
  wording: WordingOptions,
  overrides: TextOverrides = {},
): OfferTexts {
  const phrases = phrasesFor(wording.locale);
  const display = displayOf(facts);
  const count = (n: number) => new Intl.NumberFormat(wording.locale).format(n);
  const pick = (key: OverridableText, fallback: string | null, values: Record<string, string> = {}) => {
    const override = overrides[key];
    if (!override || fallback === null) return fallback;
    return override.replace(/\{(count|time)\}/g, (whole, name: string) => values[name] ?? whole);
  };
  const selling = display === 'order' || display === 'upcoming';
  const discounted = facts.price.amount < facts.regularPrice.amount;
  const tier = facts.earlyBird;
  const earlyBird =
    selling && tier && discounted
      ? tier.unitsLeft !== null
        ? phrases.earlyBirdUnits(tier.name, count(tier.unitsLeft))
        : tier.endsAt
          ? phrases.earlyBirdUntil(tier.name, dayAndMonth(tier.endsAt.slice(0, 10), wording))
          : null
      : null;
  const label = buttonLabel(facts.mode, facts.state, wording.locale, facts.reason);
  return {
    display,
    buttonLabel: (display === 'order' ? pick('buttonLabel', label) : label) as string,
    headline: pick('headline', headlineOf(display, facts.promise, wording)),
    price: format(facts.price, wording.locale),
    regularPrice: discounted ? format(facts.regularPrice, wording.locale) : null,
    paymentTerms: pick('paymentTerms', selling ? wordDueTerms(facts.terms, wording) : null),
    earlyBird: pick('earlyBird', earlyBird, {
      count: tier?.unitsLeft === null || !tier ? '' : count(tier.unitsLeft),
    }),
    unitsLeft: display === 'order' ? pick('unitsLeft', ...unitsLeftLine(facts, phrases, wording)) : null,
    countdown: countdownOf(display, facts.window, phrases, overrides.countdown),
    message: selling ? (overrides.message ?? null) : null,
  };
}

/**
 * The overrides for a locale from a campaign's wording: the exact tag's, then its language's, then the
 * ones for every locale (the campaign's `buttonLabel` and `message`).
 */
export function overridesFor(
  wording: {
    buttonLabel?: string | null;
    message?: string | null;
    locales?: Record<string, TextOverrides> | null;
  },
  locale: string,
): TextOverrides {
  const language = locale.split('-')[0] ?? locale;
  const byLocale = wording.locales ?? {};
  return {
    ...(wording.buttonLabel ? { buttonLabel: wording.buttonLabel } : {}),
    ...(wording.message ? { message: wording.message } : {}),
    ...withoutEmpty(byLocale[language]),
    ...withoutEmpty(byLocale[locale]),
  };
}

function withoutEmpty(overrides: TextOverrides | undefined): TextOverrides {
  return Object.fromEntries(Object.entries(overrides ?? {}).filter(([, value]) => value));
}

function displayOf(facts: OfferFacts): OfferDisplay {
  if (facts.reason === 'in_stock') return 'in_stock';
  if (facts.state === 'open') return facts.promise?.kind === 'sold_out' ? 'sold_out' : 'order';
  if (facts.state === 'upcoming') return 'upcoming';
  if (facts.state === 'sold_out') return 'sold_out';
  return 'unavailable';
}

function headlineOf(
  display: OfferDisplay,
  promise: NextOffer | null,
  wording: WordingOptions,
): string | null {
  const next: NextOffer = promise ?? { kind: 'to_be_confirmed', units: 1, unitsLeftInSupply: 0 };
  if (display === 'order') return wordOffer(next, wording).headline;
  // Before opening, the date is a fact to know, not yet an invitation to order.
  if (display === 'upcoming' && next.kind === 'promised') return wordShipWindow(next.window, wording).message;
  if (display === 'upcoming' && next.kind === 'to_be_confirmed') return wordOffer(next, wording).headline;
  return null;
}

/** The cap's count when few are left, else the room in the first shipment; the count for an override. */
function unitsLeftLine(
  facts: OfferFacts,
  phrases: Phrases,
  wording: WordingOptions,
): [string | null, Record<string, string>] {
  const count = (n: number) => new Intl.NumberFormat(wording.locale).format(n);
  if (facts.unitsLeft !== null && facts.unitsLeft <= FEW_UNITS_LEFT) {
    const plural = new Intl.PluralRules(wording.locale).select(facts.unitsLeft);
    const template = phrases.unitsLeft[plural] ?? phrases.unitsLeft.other;
    return [template(count(facts.unitsLeft)), { count: count(facts.unitsLeft) }];
  }
  if (facts.promise?.kind === 'promised' && facts.promise.earliestRoom.isFirstShipment) {
    return [
      wordOffer(facts.promise, wording).unitsLeft,
      { count: count(facts.promise.earliestRoom.unitsLeft) },
    ];
  }
  return [null, {}];
}

/** "Pay €20 now, €80 when it ships", or null when nothing is to pay. */
export function wordDueTerms(
  terms: DueTerms,
  wording: Pick<WordingOptions, 'locale' | 'today'>,
): string | null {
  const phrases = phrasesFor(wording.locale);
  if (terms.now.amount === 0 && terms.later.amount === 0) return null;
  const now = format(terms.now, wording.locale);
  if (!terms.laterDue) return phrases.payNow(now);
  const due = terms.laterDue;
  const when =
    due.kind === 'on_release'
      ? phrases.whenItShips
      : due.kind === 'before_ship'
        ? phrases.beforeItShips
        : phrases.onDate(dayAndMonth(due.date, wording));
  const later = format(terms.later, wording.locale);
  return terms.now.amount === 0
    ? phrases.payNothingNow(later, when)
    : phrases.payNowAndLater(now, later, when);
}

function countdownOf(
  display: OfferDisplay,
  window: OfferFacts['window'],
  phrases: Phrases,
  override: string | null | undefined,
): OfferTexts['countdown'] {
  const usable = override?.includes('{time}') ? override : null;
  if (display === 'upcoming' && window.opensAt) {
    return { until: window.opensAt.toISOString(), message: usable ?? phrases.opensIn };
  }
  if (display === 'order' && window.closesAt) {
    return { until: window.closesAt.toISOString(), message: usable ?? phrases.endsIn };
  }
  return null;
}

// ——— phrases per language ———

interface Phrases {
  payNow(now: string): string;
  payNowAndLater(now: string, later: string, when: string): string;
  payNothingNow(later: string, when: string): string;
  whenItShips: string;
  beforeItShips: string;
  onDate(date: string): string;
  earlyBirdUnits(tier: string, count: string): string;
  earlyBirdUntil(tier: string, date: string): string;
  unitsLeft: Partial<Record<Intl.LDMLPluralRule, (count: string) => string>> & {
    other: (count: string) => string;
  };
  /** With `{time}` where the time left goes. */
  opensIn: string;
  endsIn: string;
}

const english: Phrases = {
  payNow: (now) => `Pay ${now} now`,
  payNowAndLater: (now, later, when) => `Pay ${now} now, ${later} ${when}`,
  payNothingNow: (later, when) => `Pay nothing now, ${later} ${when}`,
  whenItShips: 'when it ships',
  beforeItShips: 'before it ships',
  onDate: (date) => `on ${date}`,
  earlyBirdUnits: (tier, count) => `${tier}: ${count} left at this price`,
  earlyBirdUntil: (tier, date) => `${tier}: this price until ${date}`,
  unitsLeft: { other: (count) => `Only ${count} left` },
  opensIn: 'Opens in {time}',
  endsIn: 'Ends in {time}',
};

const phrasesByLanguage: Readonly<Record<string, Phrases>> = {
  en: english,
  de: {
    payNow: (now) => `Jetzt ${now} zahlen`,
    payNowAndLater: (now, later, when) => `Jetzt ${now} zahlen, ${later} ${when}`,
    payNothingNow: (later, when) => `Jetzt nichts zahlen, ${later} ${when}`,
    whenItShips: 'beim Versand',
    beforeItShips: 'vor dem Versand',
    onDate: (date) => `am ${date}`,
    earlyBirdUnits: (tier, count) => `${tier}: noch ${count} zu diesem Preis`,
    earlyBirdUntil: (tier, date) => `${tier}: dieser Preis gilt bis zum ${date}`,
    unitsLeft: { other: (count) => `Nur noch ${count} verfügbar` },
    opensIn: 'Startet in {time}',
    endsIn: 'Endet in {time}',
  },
  fr: {
    payNow: (now) => `Payez ${now} maintenant`,
    payNowAndLater: (now, later, when) => `Payez ${now} maintenant et ${later} ${when}`,
    payNothingNow: (later, when) => `Rien à payer maintenant, ${later} ${when}`,
    whenItShips: 'à l’expédition',
    beforeItShips: 'avant l’expédition',
    onDate: (date) => `le ${date}`,
    earlyBirdUnits: (tier, count) => `${tier} : plus que ${count} à ce prix`,
    earlyBirdUntil: (tier, date) => `${tier} : ce prix jusqu’au ${date}`,
    unitsLeft: {
      one: () => 'Plus qu’un seul exemplaire',
      other: (count) => `Plus que ${count} exemplaires`,
    },
    opensIn: 'Ouverture dans {time}',
    endsIn: 'Fin dans {time}',
  },
  ja: {
    payNow: (now) => `今${now}をお支払い`,
    payNowAndLater: (now, later, when) => `今${now}、${when}${later}をお支払い`,
    payNothingNow: (later, when) => `今のお支払いはなし、${when}${later}をお支払い`,
    whenItShips: '発送時に',
    beforeItShips: '発送前に',
    onDate: (date) => `${date}に`,
    earlyBirdUnits: (tier, count) => `${tier}：この価格で残り${count}点`,
    earlyBirdUntil: (tier, date) => `${tier}：${date}までこの価格`,
    unitsLeft: { other: (count) => `残り${count}点` },
    opensIn: '販売開始まで{time}',
    endsIn: '販売終了まで{time}',
  },
};

function phrasesFor(locale: string): Phrases {
  return phrasesByLanguage[new Intl.Locale(locale).language] ?? english;
}
