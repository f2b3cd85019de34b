/** Money and dates as the merchant reads them: Intl, in the browser's language and the shop's time zone. */
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

/** The shop's time zone, known from sign-in on (GET /v1/shop) and after the settings change it. */
let shopTimeZone = 'UTC';

export function setShopTimeZone(timeZone: string): void {
  shopTimeZone = timeZone;
}

export function timeZone(): string {
  return shopTimeZone;
}

/** A moment as the shop's clock shows it. */
export function instant(iso: string, zone: string = shopTimeZone): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: zone }).format(
    new Date(iso),
  );
}

/** The shop's wall-clock reading of a moment, as UTC milliseconds (what `<input type=datetime-local>` shows). */
function wallClock(at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: shopTimeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  return Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'));
}

/** A moment as a datetime-local field's value in the shop's time zone ("" for none). */
export function zonedInput(iso: string | null): string {
  return iso ? new Date(wallClock(new Date(iso).getTime())).toISOString().slice(0, 16) : '';
}

/**
 * The moment a datetime-local value means in the shop's time zone, or null for an empty field. The zone's
 * offset is read at the guess and again at the answer, so a change of offset between them (summer time)
 * is followed; a wall time that a clock change skips reads as the moment after it.
 */
export function instantFromInput(local: string): string | null {
  if (!local) return null;
  const wall = new Date(`${local}:00Z`).getTime();
  const guess = wall - (wallClock(wall) - wall);
  return new Date(wall - (wallClock(guess) - guess)).toISOString();
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
