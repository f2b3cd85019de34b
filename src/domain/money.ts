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

/** Decimal places of the currency's minor unit, from ISO 4217 as the platform knows it: JPY 0, EUR 2, KWD 3. */
export function minorUnitDigits(currency: string): number {
  assertCurrency(currency);
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

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

export function multiply(a: Money, factor: number): Money {
  if (!Number.isSafeInteger(factor))
    throw new DomainError('invalid_amount', `factor ${factor} is not an integer`);
  return money(a.amount * factor, a.currency);
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
  return new Intl.NumberFormat(locale, { style: 'currency', currency: value.currency }).format(
    value.amount / 10 ** digits,
  );
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
