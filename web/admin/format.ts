/** Money and dates as the merchant reads them: Intl, in the browser's language. */
import type { Money } from './api.ts';

const locale = navigator.language || 'en-GB';

/** Digits after the point in the currency's minor units (2 for EUR, 0 for JPY). */
function fractionDigits(currency: string): number {
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

export function money(value: Money): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency: value.currency }).format(
    value.amount / 10 ** fractionDigits(value.currency),
  );
}

/** Minor units from what the merchant typed in major units ("129.50" → 12950 for EUR); NaN if not a number. */
export function minorUnits(typed: string, currency: string): number {
  return Math.round(Number(typed.replace(',', '.')) * 10 ** fractionDigits(currency));
}

/** A calendar date (YYYY-MM-DD) written out; it is a day, so no time zone moves it. */
export function day(date: string): string {
  return new Intl.DateTimeFormat(locale, {
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  }).format(new Date(`${date}T00:00:00Z`));
}

export function instant(iso: string, timeZone?: string): string {
  return new Intl.DateTimeFormat(locale, {
    dateStyle: 'medium',
    timeStyle: 'short',
    ...(timeZone ? { timeZone } : {}),
  }).format(new Date(iso));
}

export function count(value: number): string {
  return new Intl.NumberFormat(locale).format(value);
}

export function percent(value: number): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 }).format(value);
}

/** What an amount is in major units, for an input field ("129.50"). */
export function majorUnits(value: Money): string {
  const digits = fractionDigits(value.currency);
  return (value.amount / 10 ** digits).toFixed(digits);
}
