/**
 * Consent to a delay (the US mail-order rule, 16 CFR 435): a seller who cannot ship within the time it
 * stated asks the buyer whether to keep the order or cancel it for a refund; without an answer by a
 * deadline the order is kept or cancelled, as the shop's jurisdiction says. Pure: windows and the clock in.
 */
import { type CalendarDate, compareDates } from './calendar.ts';

export interface Window {
  from: CalendarDate;
  to: CalendarDate;
}

/**
 * Whether a move of a promise asks the customer: it must end later than the first window the customer
 * was told (and later than the one it replaces), or lose its date altogether. A customer never told a
 * date is not asked: no time was stated.
 */
export function delayNeedsConsent(move: {
  firstWindow: Window | null;
  oldWindow: Window | null;
  newWindow: Window | null;
}): boolean {
  const { firstWindow, oldWindow, newWindow } = move;
  if (!firstWindow) return false;
  if (!newWindow) return oldWindow !== null;
  const laterThanFirst = compareDates(newWindow.to, firstWindow.to) > 0;
  const laterThanBefore = !oldWindow || compareDates(newWindow.to, oldWindow.to) > 0;
  return laterThanFirst && laterThanBefore;
}

/** Until when the customer can answer. */
export function consentDeadline(requestedAt: Date, answerDays: number): Date {
  return new Date(requestedAt.getTime() + answerDays * 86_400_000);
}

/**
 * Whether the next reminder is due: reminder n (0-based, `sent` of them gone) goes `reminderDays[n]`
 * days before the deadline; `reminderDays` is latest last.
 */
export function reminderDue(
  consent: { deadline: Date; sent: number },
  reminderDays: readonly number[],
  now: Date,
): boolean {
  const days = reminderDays[consent.sent];
  if (days === undefined || now >= consent.deadline) return false;
  return now.getTime() >= consent.deadline.getTime() - days * 86_400_000;
}
