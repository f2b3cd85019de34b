import { DomainError } from './errors.ts';

/** An amount in the currency's minor units (cents, yen, fils) and its ISO 4217 code. */
export interface Money {
  readonly amount: number;
  readonly currency: string;
}

const supportedCurrencies = new Set(Intl.supportedValuesOf('currency'));

export function isCurrency(code: string): boolean {
  return supportedCurrencies.has(code);
}

/**
 * ISO 4217 minor units where the platform's data (CLDR, through Intl) differs: CLDR gives the decimals
 * people are shown (HUF 0, IQD 0), ISO the unit money is counted in (HUF 2, IQD 3).
 */
const ISO_MINOR_UNITS: Readonly<Record<string, number>> = {
  AFN: 2,
  ALL: 2,
  COP: 2,
  HUF: 2,
  IDR: 2,
  IQD: 3,
  IRR: 2,
  KPW: 2,
  LAK: 2,
  LBP: 2,
  MGA: 2,
  MMK: 2,
  PKR: 2,
  SOS: 2,
  SYP: 2,
  YER: 2,
};

/** Decimal places of the currency's ISO 4217 minor unit: JPY 0, EUR 2, HUF 2, KWD 3. */
export function minorUnitDigits(currency: string): number {
  let digits = digitsByCurrency.get(currency);
  if (digits === undefined) {
    assertCurrency(currency);
    digits =
      ISO_MINOR_UNITS[currency] ??
      new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ??
      2;
    digitsByCurrency.set(currency, digits);
  }
  return digits;
}

/**
 * Number formats made once per currency and locale: making one costs tens of microseconds, more than
 * the rest of wording a message's money. Both maps stay as small as the currencies and locales in use.
 */
const digitsByCurrency = new Map<string, number>();
const currencyFormats = new Map<string, Intl.NumberFormat>();

export function money(amount: number, currency: string): Money {
  assertCurrency(currency);
  assertAmount(amount);
  return { amount, currency };
}

export function add(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

export function subtract(a: Money, b: Money): Money {
  assertSameCurrency(a, b);
  return money(a.amount - b.amount, a.currency);
}

export function zero(currency: string): Money {
  return money(0, currency);
}

/** Adds up amounts of one currency; `currency` names the result, so an empty list is zero of it. */
export function sum(currency: string, values: Iterable<Money>): Money {
  let total = zero(currency);
  for (const value of values) total = add(total, value);
  return total;
}

/** -1, 0 or 1 as `a` is less than, equal to or more than `b`. */
export function compare(a: Money, b: Money): -1 | 0 | 1 {
  assertSameCurrency(a, b);
  return a.amount < b.amount ? -1 : a.amount > b.amount ? 1 : 0;
}

export function min(a: Money, b: Money): Money {
  return compare(a, b) <= 0 ? a : b;
}

export function max(a: Money, b: Money): Money {
  return compare(a, b) >= 0 ? a : b;
}

/**
 * `percent` of an amount in minor units, rounded half away from zero to a whole minor unit.
 * Percent may have up to two decimals (12.5 %); the arithmetic stays in integers.
 */
export function percentOf(amount: number, percent: number): number {
  assertAmount(amount);
  const basisPoints = Math.round(percent * 100);
  if (basisPoints < 0 || basisPoints > 10_000)
    throw new DomainError('invalid_percent', `${percent} % is not 0–100`);
  const scaled = amount * basisPoints;
  if (!Number.isSafeInteger(scaled)) throw new DomainError('invalid_amount', 'amount too large');
  const rounded = Math.floor((Math.abs(scaled) + 5_000) / 10_000);
  return scaled < 0 ? -rounded : rounded;
}

/** Formats for people, e.g. `€19.99`, `¥1,999`, `KWD 1.250`, in the given locale. */
export function format(value: Money, locale: string): string {
  const digits = minorUnitDigits(value.currency);
  const key = `${locale}|${value.currency}`;
  let numberFormat = currencyFormats.get(key);
  if (!numberFormat) {
    numberFormat = new Intl.NumberFormat(locale, { style: 'currency', currency: value.currency });
    if (currencyFormats.size >= 500) currencyFormats.clear();
    currencyFormats.set(key, numberFormat);
  }
  return numberFormat.format(value.amount / 10 ** digits);
}

function assertCurrency(currency: string) {
  if (!isCurrency(currency))
    throw new DomainError('invalid_currency', `${currency} is not an ISO 4217 currency`);
}

function assertAmount(amount: number) {
  if (!Number.isSafeInteger(amount)) {
    throw new DomainError('invalid_amount', `${amount} is not a whole number of minor units`);
  }
}

function assertSameCurrency(a: Money, b: Money) {
  if (a.currency !== b.currency) {
    throw new DomainError('currency_mismatch', `cannot combine ${a.currency} and ${b.currency}`);
  }
}
