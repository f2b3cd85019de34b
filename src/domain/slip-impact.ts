/**
 * What a batch slip would do, before anyone is told: who moves and by how many days, whose window passes
 * the first promise they were given (they are asked to consent), the money at stake, the cancellations to
 * expect, and the notices that would go out. Pure: the plans before and after come in as windows.
 */
import { type CalendarDate, daysBetween } from './calendar.ts';
import { type PromiseWindow, windowMoved } from './promise.ts';

export interface SlipCandidate {
  preorderId: string;
  email: string;
  /** The window the customer was told last, and the one the slip would give (null: no date). */
  oldWindow: PromiseWindow | null;
  newWindow: PromiseWindow | null;
  /** The first window the customer was ever given. */
  firstPromise: PromiseWindow | null;
  /** Paid so far (charged − refunded), and whether the terms were a deposit; minor units. */
  paid: number;
  deposit: boolean;
  /** What the plan has yet to collect. */
  outstanding: number;
}

/** This campaign's record after earlier delays: customers delayed, and of those, how many cancelled after. */
export interface DelayHistory {
  delayed: number;
  cancelledAfter: number;
}

/** The cancellation rate assumed while a campaign has no delay of its own to learn from. */
export const DEFAULT_CANCELLATION_RATE = 0.1;

/** Preorder ids listed per group at most; the counts are always whole. */
export const LISTED = 100;

export interface SlipImpact {
  /** Pre-orders whose window changes at all; announced ones move beyond the tolerance, quiet ones within it. */
  moved: number;
  announced: number;
  quiet: number;
  /** By how many days the end of the window moves: one bar per number of days. */
  histogram: { days: number; preorders: number }[];
  /** Pre-orders that lose their date (no supply covers them any more). */
  losePromise: number;
  pastFirstPromise: { preorders: number; preorderIds: string[] };
  /** Of the pre-orders that move, minor units. */
  money: { paid: number; deposits: number; balancesNotCollected: number };
  expectedCancellations: {
    rate: number;
    basis: 'history' | 'default';
    preorders: number;
    history: DelayHistory;
  };
  /** Message kinds that would go out, and to how many customers; quiet moves wait for the next progress update. */
  notices: { kind: 'delay_consent' | 'promise_changed' | 'progress_update'; customers: number }[];
}

export function slipImpact(
  candidates: readonly SlipCandidate[],
  options: { toleranceDays: number; history: DelayHistory; defaultRate?: number },
): SlipImpact {
  const histogram = new Map<number, number>();
  const past: string[] = [];
  const consent = new Set<string>();
  const informed = new Set<string>();
  const quietly = new Set<string>();
  const money = { paid: 0, deposits: 0, balancesNotCollected: 0 };
  let moved = 0;
  let announced = 0;
  let losePromise = 0;
  for (const candidate of candidates) {
    const { oldWindow, newWindow } = candidate;
    if (sameWindow(oldWindow, newWindow)) continue;
    moved += 1;
    money.paid += candidate.paid;
    if (candidate.deposit) money.deposits += candidate.paid;
    money.balancesNotCollected += candidate.outstanding;
    if (newWindow === null) losePromise += 1;
    else if (oldWindow) {
      const days = daysBetween(oldWindow.to, newWindow.to);
      histogram.set(days, (histogram.get(days) ?? 0) + 1);
    }
    if (!windowMoved(oldWindow, newWindow, options.toleranceDays)) {
      quietly.add(candidate.email);
      continue;
    }
    announced += 1;
    if (passes(newWindow, candidate.firstPromise)) {
      past.push(candidate.preorderId);
      consent.add(candidate.email);
    } else informed.add(candidate.email);
  }
  const { history } = options;
  const basis = history.delayed > 0 ? 'history' : 'default';
  const rate =
    basis === 'history'
      ? history.cancelledAfter / history.delayed
      : (options.defaultRate ?? DEFAULT_CANCELLATION_RATE);
  return {
    moved,
    announced,
    quiet: moved - announced,
    histogram: [...histogram].sort(([a], [b]) => a - b).map(([days, preorders]) => ({ days, preorders })),
    losePromise,
    pastFirstPromise: { preorders: past.length, preorderIds: past.slice(0, LISTED) },
    money,
    expectedCancellations: { rate, basis, preorders: Math.round(rate * announced), history },
    notices: [
      { kind: 'delay_consent', customers: consent.size },
      { kind: 'promise_changed', customers: [...informed].filter((email) => !consent.has(email)).length },
      {
        kind: 'progress_update',
        customers: [...quietly].filter((email) => !consent.has(email) && !informed.has(email)).length,
      },
    ],
  };
}

function sameWindow(a: PromiseWindow | null, b: PromiseWindow | null): boolean {
  return a === b || (a !== null && b !== null && a.from === b.from && a.to === b.to);
}

/** A new window passes the first promise when it ends later, or when there is no date any more. */
function passes(window: PromiseWindow | null, first: PromiseWindow | null): boolean {
  if (!first) return false;
  if (!window) return true;
  return compare(window.to, first.to) > 0;
}

function compare(a: CalendarDate, b: CalendarDate): number {
  return daysBetween(b, a);
}
