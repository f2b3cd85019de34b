import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  addDays,
  calendarDate,
  compareDates,
  dateParts,
  dayNumber,
  daysBetween,
  daysInMonth,
  firstDayOfWeek,
  LATEST_DATE,
  shopDate,
  shopDayStart,
  weekStart,
} from '../../src/domain/calendar.ts';
import { DomainError } from '../../src/domain/errors.ts';

const refusesWith = (code: string) => (error: unknown) => error instanceof DomainError && error.code === code;

describe('calendar dates', () => {
  test('day numbers count from 1970-01-01 and round-trip', () => {
    assert.equal(dayNumber('1970-01-01'), 0);
    assert.equal(dayNumber('1970-01-31'), 30);
    assert.equal(dayNumber('1969-12-31'), -1);
    assert.equal(calendarDate(dayNumber('2024-02-29')), '2024-02-29');
  });

  test('refuses what is not a real YYYY-MM-DD day', () => {
    for (const date of ['2025-02-30', '2025-13-01', '2025-1-01', '01/02/2025', '2025-01-01T00:00:00Z', '']) {
      assert.throws(() => dayNumber(date), refusesWith('invalid_date'), date);
    }
  });

  test('adds days across months, years and leap days', () => {
    assert.equal(addDays('2025-12-29', 7), '2026-01-05');
    assert.equal(addDays('2024-02-28', 1), '2024-02-29');
    assert.equal(addDays('2025-02-28', 1), '2025-03-01');
    assert.equal(addDays('2025-03-01', -1), '2025-02-28');
  });

  test('compares and measures', () => {
    assert.equal(compareDates('2025-12-01', '2025-12-02'), -1);
    assert.equal(compareDates('2026-01-01', '2025-12-31'), 1);
    assert.equal(compareDates('2025-12-01', '2025-12-01'), 0);
    assert.equal(daysBetween('2025-12-25', '2026-01-05'), 11);
  });

  test('splits dates into parts and knows month lengths', () => {
    assert.deepEqual(dateParts('2026-03-07'), { year: 2026, month: 3, day: 7 });
    assert.equal(daysInMonth(2024, 2), 29);
    assert.equal(daysInMonth(2025, 2), 28);
    assert.equal(daysInMonth(2025, 12), 31);
  });
});

describe('the shop-calendar date of an instant', () => {
  const instant = Date.parse('2025-12-31T23:30:00Z');

  test('depends on the shop time zone', () => {
    assert.equal(shopDate(instant, 'UTC'), '2025-12-31');
    assert.equal(shopDate(instant, 'Europe/Paris'), '2026-01-01');
    assert.equal(shopDate(instant, 'America/Los_Angeles'), '2025-12-31');
    assert.equal(shopDate(new Date(instant), 'Asia/Tokyo'), '2026-01-01');
  });

  test('refuses an unknown time zone', () => {
    assert.throws(() => shopDate(instant, 'Mars/Olympus_Mons'), refusesWith('invalid_time_zone'));
  });
});

describe('the instant a shop-local day begins', () => {
  const cases: [string, string, string][] = [
    ['2026-12-01', 'Europe/Berlin', '2026-11-30T23:00:00.000Z'],
    ['2026-03-29', 'Europe/Berlin', '2026-03-28T23:00:00.000Z'],
    ['2026-10-25', 'Europe/Berlin', '2026-10-24T22:00:00.000Z'],
    ['2026-12-01', 'America/Los_Angeles', '2026-12-01T08:00:00.000Z'],
    ['2026-12-01', 'Asia/Kolkata', '2026-11-30T18:30:00.000Z'],
    ['2026-12-01', 'Pacific/Kiritimati', '2026-11-30T10:00:00.000Z'],
    // Chile moves its clocks at midnight: that day begins at 01:00.
    ['2026-09-06', 'America/Santiago', '2026-09-06T04:00:00.000Z'],
  ];
  for (const [date, zone, instant] of cases) {
    test(`${date} in ${zone} begins at ${instant}`, () => {
      const start = shopDayStart(date, zone);
      assert.equal(start.toISOString(), instant);
      assert.equal(shopDate(start, zone), date);
      assert.notEqual(shopDate(start.getTime() - 1, zone), date);
    });
  }
});

/** The date of a day number by Date alone, as the calendar would work it out without remembering. */
function isoOfDay(day: number): string {
  return new Date(day * 86_400_000).toISOString().slice(0, 10);
}

describe('the calendar Presell can write', () => {
  test('ends in year 9999: a day past it is refused, never written as a six-digit year', () => {
    assert.equal(calendarDate(dayNumber('9999-12-31')), '9999-12-31');
    assert.throws(() => addDays('9999-12-31', 1), refusesWith('invalid_date'));
    assert.throws(() => calendarDate(-1), refusesWith('invalid_date'));
    // A day read before 1970 is still not one to write, however often it was read.
    assert.equal(dayNumber('1969-12-31'), -1);
    assert.throws(() => calendarDate(-1), refusesWith('invalid_date'));
  });

  test('a date and its day number round-trip, read or written, first or again, past the remembered ones', () => {
    for (let pass = 0; pass < 2; pass++) {
      for (let day = 0; day < 25_000; day += 1) {
        const date = calendarDate(day);
        assert.equal(dayNumber(date), day);
        assert.equal(isoOfDay(day), date);
      }
    }
  });

  test('takes every input date with a year of buffer to spare', () => {
    assert.equal(addDays(LATEST_DATE, 366), '3001-01-01');
  });
});

describe('weeks per locale', () => {
  test('start on Sunday in the United States and on Monday in Europe', () => {
    assert.equal(firstDayOfWeek('en-US'), 7);
    assert.equal(firstDayOfWeek('en-GB'), 1);
    assert.equal(firstDayOfWeek('de-DE'), 1);
  });

  test('the week of a Wednesday', () => {
    assert.equal(weekStart('2025-12-17', 'en-US'), '2025-12-14');
    assert.equal(weekStart('2025-12-17', 'de-DE'), '2025-12-15');
  });

  test('a day that starts its week is its own week start', () => {
    assert.equal(weekStart('2025-12-14', 'en-US'), '2025-12-14');
    assert.equal(weekStart('2025-12-15', 'fr-FR'), '2025-12-15');
    assert.equal(weekStart('2025-12-14', 'fr-FR'), '2025-12-08');
  });

  test('a week can start in the previous year', () => {
    assert.equal(weekStart('2026-01-02', 'en-GB'), '2025-12-29');
    assert.equal(weekStart('2026-01-02', 'en-US'), '2025-12-28');
  });

  test('refuses what is not a locale', () => {
    assert.throws(() => firstDayOfWeek('not a locale'), refusesWith('invalid_locale'));
  });
});
