/**
 * Promise windows in words, in the shop's locale: "Ships the week of 14 December", "Ships early January",
 * "Ships in December", "Ships between 1 and 15 December", and the backorder "Back in stock — ships by
 * 3 March". The phrase names the smallest period that contains the window, so it is as specific as the
 * supply plan allows and never promises earlier than the window: a locale week, a third of a month
 * (1–10, 11–20, 21–end), the month when the window covers at least half of it, or else both days.
 *
 * Dates go through Intl in the requested locale with timeZone 'UTC' on calendar dates, so no zone
 * shifts a day; phrases come from a table per language (en, de, fr, ja). Other languages are worded whole
 * in English: callers pass `wordingLocale(shop.locale)`, so that the dates are English too.
 * A date shows its year only when it is not in the shop's current year.
 */
import {
  addDays,
  type CalendarDate,
  dateParts,
  daysBetween,
  daysInMonth,
  utcMidnight,
  weekStart,
} from './calendar.ts';
import type { CampaignMode, NotOpenReason, OfferState } from './campaign.ts';
import { DomainError } from './errors.ts';
import type { NextOffer, PromiseWindow } from './promise.ts';

export type WindowPhraseKind = 'week' | 'part_of_month' | 'month' | 'range' | 'by';
export type PartOfMonth = 'early' | 'mid' | 'late';

/** The period a message names; it contains the promise window. */
export type WordedPeriod =
  | {
      readonly kind: Exclude<WindowPhraseKind, 'part_of_month'>;
      readonly from: CalendarDate;
      readonly to: CalendarDate;
    }
  | {
      readonly kind: 'part_of_month';
      readonly part: PartOfMonth;
      readonly from: CalendarDate;
      readonly to: CalendarDate;
    };

export type WordedWindow = WordedPeriod & { readonly message: string };

export interface WordingOptions {
  readonly locale: string;
  /** The shop's current date, which decides whether a date needs its year. */
  readonly today: CalendarDate;
  /** Backorders say "Back in stock — ships by …". Default preorder. */
  readonly mode?: 'preorder' | 'backorder';
}

export interface OfferWording {
  /** "Order now — ships the week of 14 December", "Date to be confirmed", "Sold out". */
  readonly headline: string;
  readonly window: WordedWindow | null;
  /** "Only 12 left in the first shipment", for the storefront to show when it wants urgency. */
  readonly unitsLeft: string | null;
}

export function wordShipWindow(window: PromiseWindow, options: WordingOptions): WordedWindow {
  if (daysBetween(window.from, window.to) < 0) {
    throw new DomainError(
      'invalid_window',
      `a window cannot end (${window.to}) before it starts (${window.from})`,
      {
        window,
      },
    );
  }
  const phrases = phrasesFor(options.locale);
  if (options.mode === 'backorder') {
    const message = phrases.join(
      phrases.backInStock,
      phrases.ships(phrases.by(dayAndMonth(window.to, options))),
    );
    return { kind: 'by', from: window.from, to: window.to, message };
  }
  const period = periodOf(window, options.locale);
  return { ...period, message: capitalise(predicateOf(period, phrases, options), options.locale) };
}

/**
 * A promise whose units ship at different times (the split policy), earliest first: "2 ship in December,
 * 1 early February"; a backorder's: "Back in stock — 2 ship by 3 March, 1 by 10 April".
 */
export function wordShipmentParts(
  parts: readonly { readonly units: number; readonly window: PromiseWindow }[],
  options: WordingOptions,
): string {
  const phrases = phrasesFor(options.locale);
  const worded = phrases.shipsInParts(
    parts.map(({ units, window }) => ({
      count: new Intl.NumberFormat(options.locale).format(units),
      plural: new Intl.PluralRules(options.locale).select(units),
      period:
        options.mode === 'backorder'
          ? phrases.by(dayAndMonth(window.to, options))
          : periodPhrase(periodOf(window, options.locale), phrases, options),
    })),
  );
  return options.mode === 'backorder'
    ? phrases.join(phrases.backInStock, worded)
    : capitalise(worded, options.locale);
}

export function wordOffer(offer: NextOffer, options: WordingOptions): OfferWording {
  const phrases = phrasesFor(options.locale);
  switch (offer.kind) {
    case 'sold_out':
      return { headline: capitalise(phrases.soldOut, options.locale), window: null, unitsLeft: null };
    case 'to_be_confirmed':
      return { headline: capitalise(phrases.toBeConfirmed, options.locale), window: null, unitsLeft: null };
    case 'promised': {
      const window = wordShipWindow(offer.window, options);
      const headline =
        window.kind === 'by'
          ? window.message
          : phrases.join(phrases.orderNow, predicateOf(window, phrases, options));
      const { unitsLeft, isFirstShipment } = offer.earliestRoom;
      const plural = new Intl.PluralRules(options.locale).select(unitsLeft);
      const template = phrases.unitsLeft[plural] ?? phrases.unitsLeft.other;
      const count = new Intl.NumberFormat(options.locale).format(unitsLeft);
      return { headline, window, unitsLeft: template(count, isFirstShipment ? 'first' : 'next') };
    }
  }
}

/**
 * How the storefront tells a sku's availability apart: "In stock", "Backorder — ships by 12 December",
 * "Pre-order — ships the week of 14 December" (the date to be confirmed without a window).
 */
export function wordAvailability(
  kind: 'in_stock' | CampaignMode,
  window: PromiseWindow | null,
  options: WordingOptions,
): string {
  const phrases = phrasesFor(options.locale);
  if (kind === 'in_stock') return phrases.inStock;
  const lead = phrases.button[kind];
  if (!window) return phrases.join(lead, phrases.toBeConfirmed);
  const predicate =
    kind === 'backorder'
      ? phrases.ships(phrases.by(dayAndMonth(window.to, options)))
      : predicateOf(periodOf(window, options.locale), phrases, options);
  return phrases.join(lead, predicate);
}

function periodOf(window: PromiseWindow, locale: string): WordedPeriod {
  const week = weekStart(window.from, locale);
  if (daysBetween(week, window.to) < 7) return { kind: 'week', from: week, to: addDays(week, 6) };
  const start = dateParts(window.from);
  const end = dateParts(window.to);
  if (start.year === end.year && start.month === end.month) {
    const monthLength = daysInMonth(start.year, start.month);
    const monthStart = window.from.slice(0, 8);
    const part = partOfMonth(start.day);
    if (part === partOfMonth(end.day)) {
      const bounds: Record<PartOfMonth, [number, number]> = {
        early: [1, 10],
        mid: [11, 20],
        late: [21, monthLength],
      };
      const [first, last] = bounds[part];
      return { kind: 'part_of_month', part, from: monthStart + pad(first), to: monthStart + pad(last) };
    }
    if (2 * (end.day - start.day + 1) >= monthLength) {
      return { kind: 'month', from: `${monthStart}01`, to: monthStart + pad(monthLength) };
    }
  }
  return { kind: 'range', from: window.from, to: window.to };
}

function partOfMonth(day: number): PartOfMonth {
  return day <= 10 ? 'early' : day <= 20 ? 'mid' : 'late';
}

function pad(day: number): string {
  return String(day).padStart(2, '0');
}

/** The phrase without a capital, so that it can follow "Order now — ". */
function predicateOf(period: WordedPeriod, phrases: Phrases, options: WordingOptions): string {
  return phrases.ships(periodPhrase(period, phrases, options));
}

/** When, without saying what: "the week of 14 December", "early January". */
function periodPhrase(period: WordedPeriod, phrases: Phrases, options: WordingOptions): string {
  switch (period.kind) {
    case 'week':
      return phrases.week(dayAndMonth(period.from, options));
    case 'part_of_month':
      return phrases.partOfMonth[period.part](monthName(period.from, options));
    case 'month':
      return phrases.month(monthName(period.from, options));
    case 'range':
      return phrases.range(...rangeEnds(period, options));
    case 'by':
      return phrases.by(dayAndMonth(period.to, options));
  }
}

/** "14 December", "December 14", "14. Dezember", "12月14日" — with the year only when it is not the current one. */
export function dayAndMonth(date: CalendarDate, options: Pick<WordingOptions, 'locale' | 'today'>): string {
  return dateFormat(options.locale, {
    day: 'numeric',
    month: 'long',
    ...yearUnlessCurrent([date], options),
  }).format(utcMidnight(date));
}

function monthName(date: CalendarDate, options: WordingOptions): string {
  return dateFormat(options.locale, { month: 'long', ...yearUnlessCurrent([date], options) }).format(
    utcMidnight(date),
  );
}

/**
 * The two ends of a range as the locale writes them, each with what it shares with the other placed
 * where the locale puts it: "1" and "15 December" in en-GB, "December 1" and "15" in en-US, "1." and
 * "15. Dezember" in German. The dash and the spaces around it are dropped; punctuation before the dash
 * belongs to the first date.
 */
function rangeEnds(period: WordedPeriod, options: WordingOptions): [string, string] {
  const format = dateFormat(options.locale, {
    day: 'numeric',
    month: 'long',
    ...yearUnlessCurrent([period.from, period.to], options),
  });
  const [from, to] = [utcMidnight(period.from), utcMidnight(period.to)];
  const parts = format.formatRangeToParts(from, to);
  const lastOfStart = parts.findLastIndex((part) => part.source === 'startRange');
  const firstOfEnd = parts.findIndex((part) => part.source === 'endRange');
  const separator = /^(.*?)\s*[–—~～-]\s*$/u.exec(textOf(parts.slice(lastOfStart + 1, firstOfEnd)));
  if (lastOfStart < 0 || firstOfEnd < 0 || !separator) return [format.format(from), format.format(to)];
  return [textOf(parts.slice(0, lastOfStart + 1)) + separator[1], textOf(parts.slice(firstOfEnd))];
}

function textOf(parts: readonly { value: string }[]): string {
  return parts.map((part) => part.value).join('');
}

function yearUnlessCurrent(
  dates: readonly CalendarDate[],
  options: Pick<WordingOptions, 'today'>,
): { year?: 'numeric' } {
  const currentYear = options.today.slice(0, 4);
  return dates.every((date) => date.slice(0, 4) === currentYear) ? {} : { year: 'numeric' };
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

function dateFormat(locale: string, fields: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(fields)}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { ...fields, timeZone: 'UTC' });
    dateFormats.set(key, format);
  }
  return format;
}

function capitalise(text: string, locale: string): string {
  return text.charAt(0).toLocaleUpperCase(locale) + text.slice(1);
}

// ——— phrases per language ———

/** Periods are phrases of time ("the week of 14 December"); `ships` makes one a promise. */
interface Phrases {
  week(date: string): string;
  partOfMonth: Record<PartOfMonth, (month: string) => string>;
  month(month: string): string;
  range(from: string, to: string): string;
  by(date: string): string;
  ships(period: string): string;
  /** Units that ship at different times: "2 ship in December, 1 early February". */
  shipsInParts(parts: readonly { count: string; plural: Intl.LDMLPluralRule; period: string }[]): string;
  toBeConfirmed: string;
  soldOut: string;
  orderNow: string;
  backInStock: string;
  /** The sku is on the shelf: no pre-order needed. */
  inStock: string;
  /** A lead ("Order now") and a phrase. */
  join(lead: string, predicate: string): string;
  unitsLeft: Partial<Record<Intl.LDMLPluralRule, UnitsLeft>> & { other: UnitsLeft };
  /** What the storefront's button says, by what a shopper can do now. */
  button: Record<ButtonKind, string>;
}

type ButtonKind = CampaignMode | 'sold_out' | 'upcoming' | 'closed' | 'in_stock';

type UnitsLeft = (count: string, shipment: 'first' | 'next') => string;

const english: Phrases = {
  week: (date) => `the week of ${date}`,
  partOfMonth: {
    early: (month) => `early ${month}`,
    mid: (month) => `mid-${month}`,
    late: (month) => `late ${month}`,
  },
  month: (month) => `in ${month}`,
  range: (from, to) => `between ${from} and ${to}`,
  by: (date) => `by ${date}`,
  ships: (period) => `ships ${period}`,
  shipsInParts: (parts) =>
    parts
      .map(({ count, plural, period }, index) =>
        index === 0 ? `${count} ${plural === 'one' ? 'ships' : 'ship'} ${period}` : `${count} ${period}`,
      )
      .join(', '),
  toBeConfirmed: 'date to be confirmed',
  soldOut: 'sold out',
  orderNow: 'Order now',
  backInStock: 'Back in stock',
  inStock: 'In stock',
  join: (lead, predicate) => `${lead} — ${predicate}`,
  unitsLeft: { other: (count, shipment) => `Only ${count} left in the ${shipment} shipment` },
  button: {
    preorder: 'Pre-order',
    backorder: 'Backorder',
    sold_out: 'Sold out',
    upcoming: 'Coming up',
    closed: 'Unavailable',
    in_stock: 'Add to cart',
  },
};

const phrasesByLanguage: Readonly<Record<string, Phrases>> = {
  en: english,
  de: {
    week: (date) => `in der Woche vom ${date}`,
    partOfMonth: {
      early: (month) => `Anfang ${month}`,
      mid: (month) => `Mitte ${month}`,
      late: (month) => `Ende ${month}`,
    },
    month: (month) => `im ${month}`,
    range: (from, to) => `zwischen dem ${from} und dem ${to}`,
    by: (date) => `bis zum ${date}`,
    ships: (period) => `Versand ${period}`,
    shipsInParts: (parts) =>
      `Versand: ${parts.map(({ count, period }) => `${count} Stück ${period}`).join(', ')}`,
    toBeConfirmed: 'Liefertermin folgt',
    soldOut: 'ausverkauft',
    orderNow: 'Jetzt vorbestellen',
    backInStock: 'Wieder verfügbar',
    inStock: 'Auf Lager',
    join: (lead, predicate) => `${lead} – ${predicate}`,
    unitsLeft: {
      other: (count, shipment) =>
        `Nur noch ${count} Stück in der ${shipment === 'first' ? 'ersten' : 'nächsten'} Lieferung`,
    },
    button: {
      preorder: 'Vorbestellen',
      backorder: 'Nachbestellen',
      sold_out: 'Ausverkauft',
      upcoming: 'Demnächst',
      closed: 'Nicht verfügbar',
      in_stock: 'In den Warenkorb',
    },
  },
  fr: {
    week: (date) => `la semaine du ${date}`,
    partOfMonth: {
      early: (month) => `début ${month}`,
      mid: (month) => `mi-${month}`,
      late: (month) => `fin ${month}`,
    },
    month: (month) => `en ${month}`,
    range: (from, to) => `entre le ${from} et le ${to}`,
    by: (date) => `d’ici le ${date}`,
    ships: (period) => `expédition ${period}`,
    shipsInParts: (parts) =>
      `expédition : ${parts
        .map(
          ({ count, plural, period }) =>
            `${count} ${plural === 'one' ? 'exemplaire' : 'exemplaires'} ${period}`,
        )
        .join(', ')}`,
    toBeConfirmed: 'date à confirmer',
    soldOut: 'épuisé',
    orderNow: 'Précommandez maintenant',
    backInStock: 'De retour en stock',
    inStock: 'En stock',
    join: (lead, predicate) => `${lead} — ${predicate}`,
    unitsLeft: {
      one: (_count, shipment) =>
        `Plus qu’un seul exemplaire dans le ${shipment === 'first' ? 'premier' : 'prochain'} envoi`,
      other: (count, shipment) =>
        `Plus que ${count} exemplaires dans le ${shipment === 'first' ? 'premier' : 'prochain'} envoi`,
    },
    button: {
      preorder: 'Précommander',
      backorder: 'Commander',
      sold_out: 'Épuisé',
      upcoming: 'Bientôt disponible',
      closed: 'Indisponible',
      in_stock: 'Ajouter au panier',
    },
  },
  ja: {
    week: (date) => `${date}の週`,
    partOfMonth: {
      early: (month) => `${month}上旬`,
      mid: (month) => `${month}中旬`,
      late: (month) => `${month}下旬`,
    },
    month: (month) => `${month}`,
    range: (from, to) => `${from}～${to}`,
    by: (date) => `${date}まで`,
    ships: (period) => `${period}に発送`,
    shipsInParts: (parts) => parts.map(({ count, period }) => `${count}点は${period}に発送`).join('、'),
    toBeConfirmed: '発送日未定',
    soldOut: '完売',
    orderNow: '今すぐ予約',
    backInStock: '再入荷予定',
    inStock: '在庫あり',
    join: (lead, predicate) => `${lead}：${predicate}`,
    unitsLeft: {
      other: (count, shipment) => `${shipment === 'first' ? '初回' : '次回'}出荷分は残り${count}点`,
    },
    button: {
      preorder: '予約注文',
      backorder: '取り寄せ注文',
      sold_out: '完売',
      upcoming: '近日販売',
      closed: '販売停止',
      in_stock: 'カートに追加',
    },
  },
};

/**
 * The storefront button's label for what a shopper can do now, in the shop's language; a backorder whose
 * variant is in stock again sells through the store's own cart.
 */
export function buttonLabel(
  mode: CampaignMode,
  state: OfferState,
  locale: string,
  reason: NotOpenReason | null = null,
): string {
  const kind = reason === 'in_stock' ? 'in_stock' : state === 'open' ? mode : state;
  return phrasesFor(locale).button[kind];
}

/** Whether texts exist whole in the locale's language (en, de, fr, ja). */
export function hasWording(locale: string): boolean {
  try {
    return languageOf(locale) in phrasesByLanguage;
  } catch {
    return false;
  }
}

/**
 * The locale a shop's texts are worded in: its own when its language has texts, else English of its region
 * (es-ES → en-ES), so that words, dates and amounts are in one language, never "ships in diciembre".
 */
export function wordingLocale(locale: string): string {
  if (hasWording(locale)) return locale;
  const region = canonicalRegion(locale);
  return region ? `en-${region}` : 'en';
}

function canonicalRegion(locale: string): string | undefined {
  return parsedLocale(locale)?.region;
}

function languageOf(locale: string): string {
  const parsed = parsedLocale(locale);
  if (!parsed) throw new DomainError('invalid_locale', `${locale} is not a locale`, { locale });
  return parsed.language;
}

/**
 * Each locale parsed once: every storefront answer asks which locale to word it in, and parsing a tag
 * costs more than the rest of answering an offer from the cache. Kept to a few hundred tags.
 */
function parsedLocale(locale: string): Intl.Locale | undefined {
  let parsed = parsedLocales.get(locale);
  if (!parsed) {
    try {
      parsed = new Intl.Locale(locale);
    } catch {
      return undefined;
    }
    if (parsedLocales.size >= 500) parsedLocales.clear();
    parsedLocales.set(locale, parsed);
  }
  return parsed;
}

const parsedLocales = new Map<string, Intl.Locale>();

function phrasesFor(locale: string): Phrases {
  return phrasesByLanguage[languageOf(locale)] ?? english;
}
