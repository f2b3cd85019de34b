import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { PaymentTerms } from '../../src/domain/campaign.ts';
import { emptyLedger, type Ledger, ledgerOf, netPaid } from '../../src/domain/ledger.ts';
import type { PreorderState } from '../../src/domain/lifecycle.ts';
import { money } from '../../src/domain/money.ts';
import { paymentPlan } from '../../src/domain/payment-plan.ts';
import {
  type CancellationInput,
  type CancellationPolicy,
  cancellationRefund,
} from '../../src/domain/refund-policy.ts';

const depositTerms: PaymentTerms = { kind: 'deposit', percent: 25, balanceDue: { kind: 'on_release' } };

function paid(amounts: number[], currency = 'EUR'): Ledger {
  return ledgerOf(
    currency,
    amounts.map((amount, index) => ({
      kind: 'charge' as const,
      amount: money(amount, currency),
      provider: 'test',
      paymentReference: `pi_${index}`,
      idempotencyKey: `charge-${index}`,
      createdAt: new Date('2026-11-01T00:00:00Z'),
    })),
  );
}

function decide(overrides: Partial<CancellationInput> & { terms?: PaymentTerms }) {
  const { terms = depositTerms, ...rest } = overrides;
  return cancellationRefund({
    policy: { fullRefundUntil: { kind: 'date', date: '2027-01-31' } },
    plan: paymentPlan({ total: money(20000, 'EUR'), quantity: 1, terms }),
    ledger: paid([5000]),
    state: 'confirmed',
    today: '2027-01-15',
    choice: { kind: 'policy' },
    ...rest,
  });
}

describe('refund policy', () => {
  test('until the cutoff date, inclusive, a cancellation refunds everything paid', () => {
    for (const today of ['2027-01-15', '2027-01-31']) {
      const decision = decide({ today, ledger: paid([5000, 15000]), state: 'balance_due' });
      assert.deepEqual(decision.refund, money(20000, 'EUR'));
      assert.deepEqual(decision.kept, money(0, 'EUR'));
      assert.equal(decision.basis, 'policy_before_cutoff');
    }
  });

  test('after the cutoff date the deposit is kept and the rest refunded', () => {
    const decision = decide({ today: '2027-02-01', ledger: paid([5000, 15000]), state: 'ready' });
    assert.deepEqual(decision.refund, money(15000, 'EUR'));
    assert.deepEqual(decision.kept, money(5000, 'EUR'));
    assert.equal(decision.basis, 'policy_after_cutoff');
    assert.deepEqual(decide({ today: '2027-02-01' }).refund, money(0, 'EUR'), 'only the deposit was paid');
  });

  test('a state cutoff refunds in full only in the states before it', () => {
    const policy: CancellationPolicy = { fullRefundUntil: { kind: 'state', state: 'allocated' } };
    const refundIn = (state: PreorderState) => decide({ policy, state, today: '2099-01-01' }).refund.amount;
    assert.equal(refundIn('placed'), 5000);
    assert.equal(refundIn('confirmed'), 5000);
    assert.equal(refundIn('allocated'), 0);
    assert.equal(refundIn('balance_due'), 0);
  });

  test('no cutoff means a full refund whenever the pre-order is cancelled', () => {
    const decision = decide({ policy: { fullRefundUntil: null }, today: '2099-12-31', state: 'ready' });
    assert.deepEqual(decision.refund, money(5000, 'EUR'));
  });

  test('pay-in-full and pay-later pre-orders have no deposit, so the policy refunds them in full', () => {
    for (const terms of [{ kind: 'full' }, { kind: 'later' }] as const) {
      const decision = decide({ terms, today: '2027-06-01', ledger: paid([20000]) });
      assert.deepEqual(decision.refund, money(20000, 'EUR'));
      assert.equal(decision.basis, 'policy_after_cutoff');
    }
  });

  test('the merchant overrides the policy with a reason', () => {
    const full = decide({
      today: '2027-06-01',
      choice: { kind: 'full', reason: ' Shipping delayed by us ' },
    });
    assert.deepEqual(full.refund, money(5000, 'EUR'));
    assert.equal(full.basis, 'merchant_full_refund');
    assert.equal(full.reason, 'Shipping delayed by us');
    const none = decide({ choice: { kind: 'none', reason: 'Custom engraving already made' } });
    assert.deepEqual(none.refund, money(0, 'EUR'));
    assert.deepEqual(none.kept, money(5000, 'EUR'));
    assert.throws(() => decide({ choice: { kind: 'none', reason: '  ' } }), { code: 'reason_required' });
  });

  test('a fulfilled or already cancelled pre-order cannot be cancelled', () => {
    for (const state of ['fulfilled', 'cancelled'] as const) {
      assert.throws(() => decide({ state }), { code: 'invalid_transition' });
    }
  });

  test('nothing paid, nothing refunded', () => {
    const decision = decide({ ledger: emptyLedger('EUR'), state: 'placed' });
    assert.deepEqual(decision.refund, money(0, 'EUR'));
  });

  test('malformed dates are refused', () => {
    assert.throws(() => decide({ today: '15/01/2027' }), { code: 'invalid_date' });
  });

  test('property: refund + kept == net paid, both never negative (JPY, EUR, KWD)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('JPY', 'EUR', 'KWD'),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom<PreorderState>('placed', 'confirmed', 'allocated', 'balance_due', 'ready'),
        fc.constantFrom('2026-12-31', '2027-01-01', '2027-01-02'),
        fc.constantFrom<CancellationInput['choice']>(
          { kind: 'policy' },
          { kind: 'full', reason: 'r' },
          { kind: 'none', reason: 'r' },
        ),
        (currency, total, basisPoints, paidFraction, state, today, choice) => {
          const terms: PaymentTerms = {
            kind: 'deposit',
            percent: basisPoints / 100,
            balanceDue: { kind: 'on_release' },
          };
          const ledger = paid(
            [Math.floor(total * paidFraction)].filter((amount) => amount > 0),
            currency,
          );
          const decision = cancellationRefund({
            policy: { fullRefundUntil: { kind: 'date', date: '2027-01-01' } },
            plan: paymentPlan({ total: money(total, currency), quantity: 1, terms }),
            ledger,
            state,
            today,
            choice,
          });
          assert.ok(decision.refund.amount >= 0 && decision.kept.amount >= 0);
          assert.equal(decision.refund.amount + decision.kept.amount, netPaid(ledger).amount);
          assert.equal(decision.refund.currency, currency);
        },
      ),
    );
  });
});
