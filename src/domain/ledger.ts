import type { CalendarDate } from './calendar.ts';
import { DomainError } from './errors.ts';
import type { PreorderState } from './lifecycle.ts';
import { add, compare, type Money, min, subtract, sum, zero } from './money.ts';
import { outstandingAfter, owedBy, type PaymentPlan } from './payment-plan.ts';

/**
 * One money movement of a pre-order. An authorisation holds money on the card and moves none; a charge
 * takes it (a capture of an authorisation is a charge on the same payment); a refund gives it back.
 */
export interface LedgerEntry {
  readonly kind: 'authorisation' | 'charge' | 'refund';
  /** Positive; the kind says which way the money went. */
  readonly amount: Money;
  /** The payment provider that moved it, e.g. `stripe` or `test`. */
  readonly provider: string;
  /** The provider's payment (`pi_…`) the money moved on; for a refund, the payment it gives back. */
  readonly paymentReference: string;
  /** The provider's refund (`re_…`), for refunds. */
  readonly refundReference?: string | null;
  /** The key the provider call carried: the same movement is never booked twice. */
  readonly idempotencyKey: string;
  readonly createdAt: Date;
}

/**
 * Where a pre-order's money stands, one word each: `unpaid` nothing charged yet (payment pending, or a card
 * saved for later); `deposit_paid` part of the total charged, the balance not yet; `failed` a balance charge
 * failed and its retry is scheduled; `paid` the whole total charged; `refunded` some or all of what was paid
 * given back. The rule is the generated column `preorders.payment_status` (migration 011), so an index
 * serves the filter.
 */
export const PAYMENT_STATUSES = ['unpaid', 'deposit_paid', 'failed', 'paid', 'refunded'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Append-only money movements of one pre-order, all in its currency. */
export interface Ledger {
  readonly currency: string;
  readonly entries: readonly LedgerEntry[];
}

/** What can still be refunded on one provider payment. */
export interface RefundablePayment {
  readonly provider: string;
  readonly paymentReference: string;
  readonly amount: Money;
}

export function emptyLedger(currency: string): Ledger {
  return { currency: zero(currency).currency, entries: [] };
}

/** A ledger from stored entries, checked as if each had been appended in order. */
export function ledgerOf(currency: string, entries: Iterable<LedgerEntry>): Ledger {
  let ledger = emptyLedger(currency);
  for (const entry of entries) ledger = append(ledger, entry);
  return ledger;
}

/**
 * The ledger with `entry` added. An entry whose idempotency key is already booked returns the ledger
 * unchanged when it is the same movement (a retry) and is refused when it differs. Refused too: another
 * currency, an amount that is not positive, and a refund of more than its payment still holds, which
 * keeps charged − refunded from ever going below zero.
 */
export function append(ledger: Ledger, entry: LedgerEntry): Ledger {
  const booked = ledger.entries.find((existing) => existing.idempotencyKey === entry.idempotencyKey);
  if (booked) {
    if (sameMovement(booked, entry)) return ledger;
    throw new DomainError(
      'idempotency_conflict',
      'this idempotency key already booked a different movement',
      {
        idempotencyKey: entry.idempotencyKey,
      },
    );
  }
  if (entry.amount.currency !== ledger.currency) {
    throw new DomainError(
      'currency_mismatch',
      `a ${entry.amount.currency} entry cannot join a ${ledger.currency} ledger`,
    );
  }
  if (entry.amount.amount <= 0) {
    throw new DomainError('invalid_amount', 'a ledger entry moves a positive amount');
  }
  if (entry.kind === 'refund') {
    const left = refundableOn(ledger, entry.provider, entry.paymentReference);
    if (compare(entry.amount, left) > 0) {
      throw new DomainError(
        'refund_exceeds_payment',
        'a refund cannot give back more than its payment took',
        {
          paymentReference: entry.paymentReference,
          refundable: left.amount,
          requested: entry.amount.amount,
        },
      );
    }
  }
  return { currency: ledger.currency, entries: [...ledger.entries, entry] };
}

export function charged(ledger: Ledger): Money {
  return total(ledger, 'charge');
}

export function refunded(ledger: Ledger): Money {
  return total(ledger, 'refund');
}

/** Charged − refunded: what the merchant holds of this pre-order's money. Never negative. */
export function netPaid(ledger: Ledger): Money {
  return subtract(charged(ledger), refunded(ledger));
}

/** What could be refunded now: every charge less what was given back. Authorisations are released, not refunded. */
export function refundable(ledger: Ledger): Money {
  return sum(
    ledger.currency,
    refundablePayments(ledger).map((payment) => payment.amount),
  );
}

/**
 * Per provider payment, what it took and has not given back, the payment that first took money latest
 * coming first. Payments with nothing left are left out.
 */
export function refundablePayments(ledger: Ledger): RefundablePayment[] {
  const payments = new Map<string, RefundablePayment>();
  for (const entry of ledger.entries) {
    if (entry.kind === 'authorisation') continue;
    const key = paymentKey(entry.provider, entry.paymentReference);
    const before = payments.get(key)?.amount ?? zero(ledger.currency);
    const amount = entry.kind === 'charge' ? add(before, entry.amount) : subtract(before, entry.amount);
    // A Map keeps the position of a key's first set, so payments stay in the order they first took money.
    payments.set(key, { provider: entry.provider, paymentReference: entry.paymentReference, amount });
  }
  return [...payments.values()].filter((payment) => payment.amount.amount > 0).reverse();
}

/**
 * How to give back `amount` across the payments that took it: the newest payment first (the balance
 * before the deposit), each up to what it still holds. A deposit and a balance are separate provider
 * payments, so refunding both takes two refunds.
 */
export function splitRefund(ledger: Ledger, amount: Money): RefundablePayment[] {
  const available = refundable(ledger);
  if (compare(amount, available) > 0) {
    throw new DomainError('refund_exceeds_payment', 'a refund cannot give back more than was paid', {
      refundable: available.amount,
      requested: amount.amount,
    });
  }
  const parts: RefundablePayment[] = [];
  let left = amount;
  for (const payment of refundablePayments(ledger)) {
    if (left.amount === 0) break;
    const part = min(left, payment.amount);
    parts.push({ ...payment, amount: part });
    left = subtract(left, part);
  }
  return parts;
}

/**
 * What the plan still has to collect in all: total − charged, and nothing once the pre-order was cancelled
 * (what it paid is refunded or kept by the policy; nobody owes more). A refund does not make money
 * collectable again: a goodwill refund lowers what the customer paid, not what they owe.
 */
export function outstanding(ledger: Ledger, plan: PaymentPlan, state: PreorderState): Money {
  if (state === 'cancelled') return zero(ledger.currency);
  return outstandingAfter(plan, charged(ledger));
}

/** What is owed by `today`: the plan's steps due by then, less what was charged. */
export function due(
  ledger: Ledger,
  plan: PaymentPlan,
  at: { today: CalendarDate; released: boolean },
): Money {
  return owedBy(plan, charged(ledger), at);
}

function total(ledger: Ledger, kind: LedgerEntry['kind']): Money {
  return sum(
    ledger.currency,
    ledger.entries.filter((entry) => entry.kind === kind).map((entry) => entry.amount),
  );
}

function refundableOn(ledger: Ledger, provider: string, paymentReference: string): Money {
  const key = paymentKey(provider, paymentReference);
  const payment = refundablePayments(ledger).find(
    (candidate) => paymentKey(candidate.provider, candidate.paymentReference) === key,
  );
  return payment?.amount ?? zero(ledger.currency);
}

function paymentKey(provider: string, paymentReference: string): string {
  return `${provider}\u0000${paymentReference}`;
}

function sameMovement(a: LedgerEntry, b: LedgerEntry): boolean {
  return (
    a.kind === b.kind &&
    a.amount.amount === b.amount.amount &&
    a.amount.currency === b.amount.currency &&
    a.provider === b.provider &&
    a.paymentReference === b.paymentReference &&
    (a.refundReference ?? null) === (b.refundReference ?? null)
  );
}
