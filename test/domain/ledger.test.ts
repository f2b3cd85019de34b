import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  append,
  charged,
  due,
  emptyLedger,
  type Ledger,
  type LedgerEntry,
  ledgerOf,
  netPaid,
  outstanding,
  refundable,
  refundablePayments,
  refunded,
  splitRefund,
} from '../../src/domain/ledger.ts';
import { money } from '../../src/domain/money.ts';
import { paymentPlan } from '../../src/domain/payment-plan.ts';

const at = new Date('2026-11-01T10:00:00Z');

function entry(
  kind: LedgerEntry['kind'],
  amount: number,
  paymentReference: string,
  idempotencyKey: string,
  currency = 'EUR',
): LedgerEntry {
  return {
    kind,
    amount: money(amount, currency),
    provider: 'test',
    paymentReference,
    refundReference: kind === 'refund' ? `re_${idempotencyKey}` : null,
    idempotencyKey,
    createdAt: at,
  };
}

/** A €100 deposit-then-balance pre-order: €20 deposit on pi_deposit, €80 balance on pi_balance. */
function depositAndBalance(): Ledger {
  return ledgerOf('EUR', [
    entry('charge', 2000, 'pi_deposit', 'dep'),
    entry('charge', 8000, 'pi_balance', 'bal'),
  ]);
}

describe('ledger', () => {
  test('charged, refunded and net paid are sums of the entries', () => {
    const ledger = append(depositAndBalance(), entry('refund', 3000, 'pi_balance', 'ref-1'));
    assert.deepEqual(charged(ledger), money(10000, 'EUR'));
    assert.deepEqual(refunded(ledger), money(3000, 'EUR'));
    assert.deepEqual(netPaid(ledger), money(7000, 'EUR'));
    assert.deepEqual(refundable(ledger), money(7000, 'EUR'));
  });

  test('an authorisation moves no money until it is captured as a charge', () => {
    let ledger = append(emptyLedger('JPY'), entry('authorisation', 5000, 'pi_auth', 'auth', 'JPY'));
    assert.deepEqual(charged(ledger), money(0, 'JPY'));
    assert.deepEqual(refundable(ledger), money(0, 'JPY'));
    ledger = append(ledger, entry('charge', 5000, 'pi_auth', 'capture', 'JPY'));
    assert.deepEqual(netPaid(ledger), money(5000, 'JPY'));
  });

  test('a refund of more than its payment still holds is refused', () => {
    const ledger = depositAndBalance();
    assert.throws(() => append(ledger, entry('refund', 2001, 'pi_deposit', 'r')), {
      code: 'refund_exceeds_payment',
    });
    assert.throws(() => append(ledger, entry('refund', 1, 'pi_unknown', 'r')), {
      code: 'refund_exceeds_payment',
    });
    assert.throws(() => append(emptyLedger('EUR'), entry('refund', 1, 'pi_deposit', 'r')), {
      code: 'refund_exceeds_payment',
    });
    const partly = append(ledger, entry('refund', 1500, 'pi_deposit', 'r1'));
    assert.throws(() => append(partly, entry('refund', 501, 'pi_deposit', 'r2')), {
      code: 'refund_exceeds_payment',
    });
    assert.deepEqual(netPaid(append(partly, entry('refund', 500, 'pi_deposit', 'r2'))), money(8000, 'EUR'));
  });

  test('entries in another currency, and amounts that are not positive, are refused', () => {
    assert.throws(() => append(depositAndBalance(), entry('charge', 100, 'pi_x', 'x', 'KWD')), {
      code: 'currency_mismatch',
    });
    assert.throws(() => append(emptyLedger('EUR'), entry('charge', 0, 'pi_x', 'x')), {
      code: 'invalid_amount',
    });
    assert.throws(() => append(emptyLedger('EUR'), entry('charge', -5, 'pi_x', 'x')), {
      code: 'invalid_amount',
    });
  });

  test('the same idempotency key books once: a retry changes nothing, a different movement is refused', () => {
    const ledger = depositAndBalance();
    assert.equal(append(ledger, entry('charge', 2000, 'pi_deposit', 'dep')), ledger);
    assert.equal(ledger.entries.length, 2);
    assert.throws(() => append(ledger, entry('charge', 2500, 'pi_deposit', 'dep')), {
      code: 'idempotency_conflict',
    });
    assert.throws(() => append(ledger, entry('charge', 2000, 'pi_other', 'dep')), {
      code: 'idempotency_conflict',
    });
  });

  test('ledgerOf checks stored entries as if appended in order', () => {
    assert.throws(
      () => ledgerOf('EUR', [entry('refund', 100, 'pi_a', 'r'), entry('charge', 100, 'pi_a', 'c')]),
      {
        code: 'refund_exceeds_payment',
      },
    );
  });

  test('a refund is split newest payment first, each up to what it holds', () => {
    const ledger = depositAndBalance();
    const parts = (amount: number) =>
      splitRefund(ledger, money(amount, 'EUR')).map((part) => [part.paymentReference, part.amount.amount]);
    assert.deepEqual(parts(10000), [
      ['pi_balance', 8000],
      ['pi_deposit', 2000],
    ]);
    assert.deepEqual(parts(5000), [['pi_balance', 5000]]);
    assert.deepEqual(parts(0), []);
    assert.throws(() => parts(10001), { code: 'refund_exceeds_payment' });
    const balanceRefunded = append(ledger, entry('refund', 8000, 'pi_balance', 'r'));
    assert.deepEqual(
      refundablePayments(balanceRefunded).map((payment) => payment.paymentReference),
      ['pi_deposit'],
    );
  });

  test('due counts the plan steps due by today less what was charged; outstanding is what is left to collect', () => {
    const plan = paymentPlan({
      total: money(10000, 'EUR'),
      quantity: 1,
      terms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_date', date: '2027-03-01' } },
    });
    const depositOnly = ledgerOf('EUR', [entry('charge', 2000, 'pi_deposit', 'dep')]);
    assert.deepEqual(
      due(emptyLedger('EUR'), plan, { today: '2027-01-01', released: false }),
      money(2000, 'EUR'),
    );
    assert.deepEqual(due(depositOnly, plan, { today: '2027-01-01', released: false }), money(0, 'EUR'));
    assert.deepEqual(due(depositOnly, plan, { today: '2027-03-01', released: false }), money(8000, 'EUR'));
    assert.deepEqual(outstanding(depositOnly, plan, 'confirmed'), money(8000, 'EUR'));
    // Nothing is owed on a cancelled pre-order, whatever it paid.
    assert.deepEqual(outstanding(depositOnly, plan, 'cancelled'), money(0, 'EUR'));
    assert.deepEqual(outstanding(emptyLedger('EUR'), plan, 'cancelled'), money(0, 'EUR'));
    // A goodwill refund does not make the refunded money collectable again.
    const withRefund = append(depositAndBalance(), entry('refund', 1000, 'pi_balance', 'goodwill'));
    assert.deepEqual(outstanding(withRefund, plan, 'ready'), money(0, 'EUR'));
    assert.deepEqual(due(withRefund, plan, { today: '2027-03-01', released: true }), money(0, 'EUR'));
  });

  test('property: whatever is appended, charged − refunded never goes negative (JPY, EUR, KWD)', () => {
    const movement = fc.record({
      kind: fc.constantFrom<LedgerEntry['kind']>('authorisation', 'charge', 'refund', 'refund'),
      amount: fc.integer({ min: -10, max: 50_000 }),
      payment: fc.constantFrom('pi_a', 'pi_b', 'pi_c'),
      key: fc.constantFrom('k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7', 'k8'),
      currency: fc.constantFrom('JPY', 'EUR', 'KWD'),
    });
    fc.assert(
      fc.property(
        fc.constantFrom('JPY', 'EUR', 'KWD'),
        fc.array(movement, { maxLength: 30 }),
        (currency, moves) => {
          let ledger = emptyLedger(currency);
          for (const move of moves) {
            try {
              ledger = append(ledger, entry(move.kind, move.amount, move.payment, move.key, move.currency));
            } catch (error) {
              assert.ok(error instanceof Error && 'code' in error, String(error));
            }
            assert.ok(netPaid(ledger).amount >= 0);
            assert.deepEqual(refundable(ledger), netPaid(ledger));
            assert.ok(ledger.entries.every((booked) => booked.amount.currency === currency));
            const keys = ledger.entries.map((booked) => booked.idempotencyKey);
            assert.equal(new Set(keys).size, keys.length);
          }
        },
      ),
    );
  });

  test('property: a split refund gives back exactly the amount and can be booked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 5 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (charges, fraction) => {
          let ledger = emptyLedger('KWD');
          for (const [index, amount] of charges.entries()) {
            ledger = append(ledger, entry('charge', amount, `pi_${index}`, `c${index}`, 'KWD'));
          }
          const amount = money(Math.floor(netPaid(ledger).amount * fraction), 'KWD');
          const parts = splitRefund(ledger, amount);
          assert.equal(
            parts.reduce((total, part) => total + part.amount.amount, 0),
            amount.amount,
          );
          for (const [index, part] of parts.entries()) {
            ledger = append(
              ledger,
              entry('refund', part.amount.amount, part.paymentReference, `r${index}`, 'KWD'),
            );
          }
          assert.equal(netPaid(ledger).amount, charged(ledger).amount - amount.amount);
        },
      ),
    );
  });
});
