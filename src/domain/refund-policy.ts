import { type CalendarDate, compareDates } from './calendar.ts';
import { DomainError } from './errors.ts';
import { type Ledger, netPaid } from './ledger.ts';
import { PREORDER_STATES, type PreorderState, transition } from './lifecycle.ts';
import { type Money, min, subtract, zero } from './money.ts';
import { depositOf, type PaymentPlan } from './payment-plan.ts';

/**
 * A campaign's cancellation policy: a cancellation refunds everything paid until the cutoff, and after it
 * keeps the deposit. `until` a date: full refund on that shop-local date and before. `until` a state: full
 * refund while the pre-order is in a state that comes before it in the lifecycle (`allocated` means "until
 * its units are in hand"). No cutoff: always a full refund.
 *
 * Only a deposit is ever kept, so pay-in-full and pay-later pre-orders always get back everything they
 * paid; a merchant who means to keep more uses the `none` override with a reason.
 */
export interface CancellationPolicy {
  readonly fullRefundUntil:
    | { kind: 'date'; date: CalendarDate }
    | { kind: 'state'; state: PreorderState }
    | null;
}

/** The merchant's choice when cancelling: what the policy gives, or an override that must say why. */
export type RefundChoice =
  | { kind: 'policy' }
  | { kind: 'full'; reason: string }
  | { kind: 'none'; reason: string };

export interface RefundDecision {
  readonly refund: Money;
  /** What the merchant keeps of what was paid. */
  readonly kept: Money;
  readonly basis:
    | 'policy_before_cutoff'
    | 'policy_after_cutoff'
    | 'merchant_full_refund'
    | 'merchant_no_refund';
  /** The merchant's reason for an override; null when the policy decided. */
  readonly reason: string | null;
}

export interface CancellationInput {
  readonly policy: CancellationPolicy;
  readonly plan: PaymentPlan;
  readonly ledger: Ledger;
  readonly state: PreorderState;
  /** Shop-local `YYYY-MM-DD`. */
  readonly today: CalendarDate;
  readonly choice: RefundChoice;
}

/** The refund for cancelling a pre-order now. Refuses a pre-order that can no longer be cancelled. */
export function cancellationRefund(input: CancellationInput): RefundDecision {
  const { ledger, choice } = input;
  transition(input.state, 'cancel');
  const paid = netPaid(ledger);
  const nothing = zero(ledger.currency);
  switch (choice.kind) {
    case 'full':
      return {
        refund: paid,
        kept: nothing,
        basis: 'merchant_full_refund',
        reason: requireReason(choice.reason),
      };
    case 'none':
      return {
        refund: nothing,
        kept: paid,
        basis: 'merchant_no_refund',
        reason: requireReason(choice.reason),
      };
    case 'policy': {
      if (withinFullRefund(input.policy, input.state, input.today)) {
        return { refund: paid, kept: nothing, basis: 'policy_before_cutoff', reason: null };
      }
      const kept = min(depositOf(input.plan), paid);
      return { refund: subtract(paid, kept), kept, basis: 'policy_after_cutoff', reason: null };
    }
  }
}

function withinFullRefund(policy: CancellationPolicy, state: PreorderState, today: CalendarDate): boolean {
  const cutoff = policy.fullRefundUntil;
  if (cutoff === null) return true;
  if (cutoff.kind === 'date') return compareDates(today, cutoff.date) <= 0;
  return PREORDER_STATES.indexOf(state) < PREORDER_STATES.indexOf(cutoff.state);
}

function requireReason(reason: string): string {
  const trimmed = reason.trim();
  if (!trimmed) throw new DomainError('reason_required', 'overriding the cancellation policy needs a reason');
  return trimmed;
}
