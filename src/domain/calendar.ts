import { DomainError } from './errors.ts';

/** A day in the shop's calendar, `YYYY-MM-DD`: no time of day, no time zone. */
export type CalendarDate = string;

/** ISO weekday: 1 = Monday … 7 = Sunday. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

const msPerDay = 86_400_000;
const datePattern = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Days since 1970-01-01 of a calendar date. Refuses anything that is not a real day written
 * `YYYY-MM-DD` (the round trip catches 2025-02-30, which Date.parse would roll into March).
 */
export function dayNumber(date: CalendarDate): number {
  const known = remembered.number.get(date);
  if (known !== undefined) return known;
  const time = datePattern.test(date) ? Date.parse(`${date}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(time) || isoOfTime(time) !== date) {
    throw new DomainError('invalid_date', `${date} is not a calendar date (YYYY-MM-DD)`, { date });
  }
  const day = time / msPerDay;
  remember(date, day, { writable: false });
  return day;
}

/**
 * Dates and day numbers met lately, both ways: the promise engine turns the same few hundred days back
 * and forth for every pre-order, and going through Date each time was a large part of a re-promise.
 * Only valid pairs are kept, and a day only when it may be written (a date before 1970 may be read, not
 * written); all are forgotten at once when there are many.
 */
const remembered = { number: new Map<CalendarDate, number>(), date: new Map<number, CalendarDate>() };

function remember(date: CalendarDate, day: number, { writable }: { writable: boolean }) {
  if (remembered.number.size >= 10_000 || remembered.date.size >= 10_000) {
    remembered.number.clear();
    remembered.date.clear();
  }
  remembered.number.set(date, day);
  if (writable) remembered.date.set(day, date);
}

/**
 * The latest day Presell accepts from anyone: far enough for any real plan, and with a year's buffer on
 * top still a date that every part of the system (and PostgreSQL) reads back as written.
 */
export const LATEST_DATE: CalendarDate = '2999-12-31';
/** The earliest day Presell accepts: day 0 of its calendar. */
export const EARLIEST_DATE: CalendarDate = '1970-01-01';
const lastWritableDay = Date.parse('9999-12-31T00:00:00Z') / msPerDay;

/** The calendar date of a day number (days since 1970-01-01); refuses a day past year 9999 or before 1970. */
export function calendarDate(day: number): CalendarDate {
  const known = remembered.date.get(day);
  if (known !== undefined) return known;
  if (!Number.isSafeInteger(day) || day < 0 || day > lastWritableDay) {
    throw new DomainError('invalid_date', 'that date is outside the calendar Presell can write', { day });
  }
  const date = isoOfTime(day * msPerDay);
  remember(date, day, { writable: true });
  return date;
}

export function addDays(date: CalendarDate, days: number): CalendarDate {
  return calendarDate(dayNumber(date) + days);
}

/** Days from `from` to `to`: negative when `to` is earlier. */
export function daysBetween(from: CalendarDate, to: CalendarDate): number {
  return dayNumber(to) - dayNumber(from);
}

/** Negative, zero or positive, like a sort comparator. */
export function compareDates(a: CalendarDate, b: CalendarDate): number {
  return Math.sign(daysBetween(b, a));
}

export function dateParts(date: CalendarDate): { year: number; month: number; day: number } {
  dayNumber(date);
  return { year: Number(date.slice(0, 4)), month: Number(date.slice(5, 7)), day: Number(date.slice(8, 10)) };
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Midnight UTC of a calendar date. Formatting it with `timeZone: 'UTC'` shows exactly that day in any
 * locale, whatever the zone of the machine.
 */
export function utcMidnight(date: CalendarDate): Date {
  return new Date(dayNumber(date) * msPerDay);
}

const dateFormatsByZone = new Map<string, Intl.DateTimeFormat>();

/** The date an instant falls on in the shop's IANA time zone (e.g. 'Europe/Paris'). */
export function shopDate(instant: Date | number, timeZone: string): CalendarDate {
  const parts = dateFormatIn(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((each) => each.type === type)?.value ?? '';
  return `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
}

const dayStarts = new Map<string, Date>();
const msPerMinute = 60_000;

/**
 * The instant a shop-local calendar day begins in an IANA time zone: the first minute whose date there is
 * `date` (midnight, or later where the clocks jump over midnight). Shops are within ±14 hours of UTC.
 */
export function shopDayStart(date: CalendarDate, timeZone: string): Date {
  const key = `${timeZone}|${date}`;
  let start = dayStarts.get(key);
  if (!start) {
    const midnightUtc = dayNumber(date) * msPerDay;
    let low = midnightUtc / msPerMinute - 14 * 60;
    let high = midnightUtc / msPerMinute + 14 * 60;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (compareDates(shopDate(middle * msPerMinute, timeZone), date) >= 0) high = middle;
      else low = middle + 1;
    }
    start = new Date(low * msPerMinute);
    if (dayStarts.size > 10_000) dayStarts.clear();
    dayStarts.set(key, start);
  }
  return start;
}

/**
 * Where an instant falls on the shop's calendar as a number of days: the day number of its shop-local
 * date plus the fraction of that day its local clock shows (noon on day 20000 is 20000.5). A day of a
 * clock change counts as 24 hours, which is close enough for a demand curve.
 */
export function shopDayPosition(instant: Date | number, timeZone: string): number {
  const date = shopDate(instant, timeZone);
  const parts = timeFormatIn(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes) =>
    Number(parts.find((each) => each.type === type)?.value);
  const seconds = (part('hour') % 24) * 3600 + part('minute') * 60 + part('second');
  return dayNumber(date) + seconds / 86_400;
}

/**
 * First day of the week in a locale, from Intl.Locale week info where the runtime has it (en-US: Sunday,
 * de-DE: Monday); Monday, the ISO rule, where it does not.
 */
export function firstDayOfWeek(locale: string): Weekday {
  const info = localeOf(locale) as Intl.Locale & {
    getWeekInfo?: () => { firstDay: number };
    weekInfo?: { firstDay: number };
  };
  const firstDay = info.getWeekInfo?.().firstDay ?? info.weekInfo?.firstDay ?? 1;
  return firstDay as Weekday;
}

/** The first day of the locale's week that contains `date`. */
export function weekStart(date: CalendarDate, locale: string): CalendarDate {
  const day = dayNumber(date);
  const offset = (isoWeekday(day) - firstDayOfWeek(locale) + 7) % 7;
  return calendarDate(day - offset);
}

/** 1970-01-01, day 0, was a Thursday (ISO weekday 4). */
function isoWeekday(day: number): Weekday {
  return (((((day + 3) % 7) + 7) % 7) + 1) as Weekday;
}

function isoOfTime(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

function localeOf(locale: string): Intl.Locale {
  try {
    return new Intl.Locale(locale);
  } catch {
    throw new DomainError('invalid_locale', `${locale} is not a locale`, { locale });
  }
}

const timeFormatsByZone = new Map<string, Intl.DateTimeFormat>();

function timeFormatIn(timeZone: string): Intl.DateTimeFormat {
  let format = timeFormatsByZone.get(timeZone);
  if (!format) {
    dateFormatIn(timeZone); // refuses an unknown zone with our error
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    timeFormatsByZone.set(timeZone, format);
  }
  return format;
}

function dateFormatIn(timeZone: string): Intl.DateTimeFormat {
  let format = dateFormatsByZone.get(timeZone);
  if (!format) {
    try {
      format = new Intl.DateTimeFormat('en-US', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
      });
    } catch {
      throw new DomainError('invalid_time_zone', `${timeZone} is not an IANA time zone`, { timeZone });
    }
    dateFormatsByZone.set(timeZone, format);
  }
  return format;
}
