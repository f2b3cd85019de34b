import { addDays, type CalendarDate, compareDates, dayNumber } from './calendar.ts';
import type { PaymentTerms } from './campaign.ts';
import { DomainError } from './errors.ts';
import { type Money, min, money, percentOf, subtract, sum } from './money.ts';

/** When a step of the plan falls due. `days_before_ship` carries the date it resolves to for the current promise. */
export type StepDue =
  | { kind: 'at_order' }
  | { kind: 'on_release' }
  | { kind: 'on_date'; date: CalendarDate }
  | { kind: 'days_before_ship'; days: number; date: CalendarDate };

export interface PaymentStep {
  readonly kind: 'full' | 'deposit' | 'balance';
  readonly amount: Money;
  readonly due: StepDue;
}

/**
 * What a pre-order pays and when. Every step has a positive amount and the steps add up to `total`,
 * so a free pre-order has none.
 */
export interface PaymentPlan {
  readonly total: Money;
  readonly steps: readonly PaymentStep[];
  /** A step falls due after the order, so the card must be saved for an off-session charge. */
  readonly saveCard: boolean;
}

export interface PlanInput {
  /** The locked price of all units, early-bird prices included. */
  readonly total: Money;
  readonly quantity: number;
  readonly terms: PaymentTerms;
  /** `YYYY-MM-DD`, the shop-local date the promise says the order ships; read by `days_before_ship`. */
  readonly promisedShipDate?: CalendarDate | null;
}

/**
 * The payment steps for a pre-order.
 *
 * Deposits: a fixed `amount` is per unit (as the campaign's price is), so N units put down N times it.
 * A `percent` is taken of the whole total once, rounded half away from zero to a whole minor unit of
 * the currency (`percentOf`): yen for JPY, cents for EUR, fils for KWD. Either way the deposit is capped
 * at the total, and the balance is the total minus the deposit, so the balance absorbs the rounding and
 * deposit + balance == total exactly.
 *
 * A `days_before_ship` balance is due that many days before the promised ship date; recompute the plan
 * when the promise moves. A date already past means the balance is due at once. While no ship date is
 * promised it falls due on release instead: by then the product exists, and until then no date can be named.
 */
export function paymentPlan(input: PlanInput): PaymentPlan {
  const { total, quantity, terms } = input;
  if (total.amount < 0) throw new DomainError('invalid_amount', 'a pre-order total cannot be negative');
  if (!Number.isSafeInteger(quantity) || quantity < 1) {
    throw new DomainError('invalid_quantity', `${quantity} is not a positive whole number of units`);
  }
  switch (terms.kind) {
    case 'full':
      return plan(total, [{ kind: 'full', amount: total, due: { kind: 'at_order' } }]);
    case 'later':
      return plan(total, [{ kind: 'full', amount: total, due: { kind: 'on_release' } }]);
    case 'deposit': {
      const deposit = depositAmount(total, quantity, terms);
      const balanceDue = resolveBalanceDue(terms.balanceDue, input.promisedShipDate);
      return plan(total, [
        { kind: 'deposit', amount: deposit, due: { kind: 'at_order' } },
        { kind: 'balance', amount: subtract(total, deposit), due: balanceDue },
      ]);
    }
  }
}

/** What the plan charges when the pre-order is placed. */
export function chargedAtOrder(plan: PaymentPlan): Money {
  return sum(
    plan.total.currency,
    plan.steps.filter((step) => step.due.kind === 'at_order').map((step) => step.amount),
  );
}

/** The deposit the plan takes at order, zero when its terms have none. */
export function depositOf(plan: PaymentPlan): Money {
  return sum(
    plan.total.currency,
    plan.steps.filter((step) => step.kind === 'deposit').map((step) => step.amount),
  );
}

/** Whether a step is owed by `today` (shop-local `YYYY-MM-DD`), given whether the product was released. */
export function isStepDue(step: PaymentStep, at: { today: CalendarDate; released: boolean }): boolean {
  switch (step.due.kind) {
    case 'at_order':
      return true;
    case 'on_release':
      return at.released;
    case 'on_date':
    case 'days_before_ship':
      return compareDates(step.due.date, at.today) <= 0;
  }
}

/**
 * What each step still lacks after `charged`: charges pay the steps in order, so a deposit is paid before
 * its balance. Steps fully paid are left out.
 */
export function unpaidSteps(plan: PaymentPlan, charged: Money): PaymentStep[] {
  let paid = charged.amount;
  const unpaid: PaymentStep[] = [];
  for (const step of plan.steps) {
    const covered = Math.min(paid, step.amount.amount);
    paid -= covered;
    if (covered < step.amount.amount) {
      unpaid.push({ ...step, amount: money(step.amount.amount - covered, step.amount.currency) });
    }
  }
  return unpaid;
}

/** What the plan has yet to collect in all. A refund does not make money collectable again. */
export function outstandingAfter(plan: PaymentPlan, charged: Money): Money {
  return sum(
    plan.total.currency,
    unpaidSteps(plan, charged).map((step) => step.amount),
  );
}

/** What the plan asks for by `today` (shop-local) beyond what was charged. */
export function owedBy(
  plan: PaymentPlan,
  charged: Money,
  at: { today: CalendarDate; released: boolean },
): Money {
  return sum(
    plan.total.currency,
    unpaidSteps(plan, charged)
      .filter((step) => isStepDue(step, at))
      .map((step) => step.amount),
  );
}

/** When a plan next asks for money: on a day of the shop's calendar, or on a release still to come. */
export type NextDue = { readonly kind: 'date'; readonly date: CalendarDate } | { readonly kind: 'release' };

/**
 * When the plan next asks for money after the order that `charged` does not cover: the earliest day an
 * unpaid step falls due (a release that came counts as its day), else "on release" when a step waits for
 * one; null when nothing more is asked. Steps due at order are the placement's own.
 */
export function nextDue(plan: PaymentPlan, charged: Money, releasedOn: CalendarDate | null): NextDue | null {
  let earliest: CalendarDate | null = null;
  let waitsForRelease = false;
  for (const step of unpaidSteps(plan, charged)) {
    if (step.due.kind === 'at_order') continue;
    const date = step.due.kind === 'on_release' ? releasedOn : step.due.date;
    if (date === null) waitsForRelease = true;
    else if (earliest === null || compareDates(date, earliest) < 0) earliest = date;
  }
  if (earliest !== null) return { kind: 'date', date: earliest };
  return waitsForRelease ? { kind: 'release' } : null;
}

function plan(total: Money, steps: PaymentStep[]): PaymentPlan {
  const payable = steps.filter((step) => step.amount.amount > 0);
  return { total, steps: payable, saveCard: payable.some((step) => step.due.kind !== 'at_order') };
}

function depositAmount(
  total: Money,
  quantity: number,
  terms: Extract<PaymentTerms, { kind: 'deposit' }>,
): Money {
  const { percent, amount } = terms;
  if ((percent == null) === (amount == null)) {
    throw new DomainError('invalid_payment_terms', 'a deposit has exactly one of percent and amount');
  }
  if (percent != null) return money(percentOf(total.amount, percent), total.currency);
  if (amount == null || !Number.isSafeInteger(amount) || amount < 0) {
    throw new DomainError(
      'invalid_payment_terms',
      `a deposit of ${amount} is not a whole number of minor units`,
    );
  }
  return min(money(amount * quantity, total.currency), total);
}

function resolveBalanceDue(
  trigger: Extract<PaymentTerms, { kind: 'deposit' }>['balanceDue'],
  promisedShipDate: CalendarDate | null | undefined,
): StepDue {
  switch (trigger.kind) {
    case 'on_release':
      return { kind: 'on_release' };
    case 'on_date':
      dayNumber(trigger.date); // refuses a date that does not exist
      return { kind: 'on_date', date: trigger.date };
    case 'days_before_ship': {
      if (!Number.isSafeInteger(trigger.days) || trigger.days < 0) {
        throw new DomainError('invalid_payment_terms', `${trigger.days} is not a whole number of days`);
      }
      // No ship date is promised yet: the balance waits for the release, when the product exists.
      if (promisedShipDate == null) return { kind: 'on_release' };
      return { kind: 'days_before_ship', days: trigger.days, date: addDays(promisedShipDate, -trigger.days) };
    }
  }
}

/**
 * When a failed balance is tried again: `retryDays[n - 1]` days after try n failed; null after the last
 * try, when the card path cancels by the campaign's policy and a store's path leaves it to the merchant.
 */
export function balanceRetryAt(retryDays: readonly number[], attempt: number, now: Date): Date | null {
  const days = retryDays[attempt - 1];
  return days === undefined ? null : new Date(now.getTime() + days * 86_400_000);
}
