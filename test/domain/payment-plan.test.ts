import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { addDays } from '../../src/domain/calendar.ts';
import type { PaymentTerms } from '../../src/domain/campaign.ts';
import { money } from '../../src/domain/money.ts';
import {
  balanceRetryAt,
  chargedAtOrder,
  depositOf,
  isStepDue,
  nextDue,
  outstandingAfter,
  owedBy,
  type PaymentPlan,
  paymentPlan,
  unpaidSteps,
} from '../../src/domain/payment-plan.ts';

const onRelease = { kind: 'on_release' } as const;

function amounts(plan: PaymentPlan) {
  return plan.steps.map((step) => [step.kind, step.amount.amount, step.due.kind]);
}

describe('payment plan', () => {
  test('pay in full charges the whole total at order and saves no card', () => {
    const plan = paymentPlan({ total: money(4998, 'EUR'), quantity: 2, terms: { kind: 'full' } });
    assert.deepEqual(amounts(plan), [['full', 4998, 'at_order']]);
    assert.equal(plan.saveCard, false);
    assert.deepEqual(chargedAtOrder(plan), money(4998, 'EUR'));
  });

  test('pay later charges nothing now, saves the card and charges the total on release', () => {
    const plan = paymentPlan({ total: money(12000, 'JPY'), quantity: 1, terms: { kind: 'later' } });
    assert.deepEqual(amounts(plan), [['full', 12000, 'on_release']]);
    assert.equal(plan.saveCard, true);
    assert.deepEqual(chargedAtOrder(plan), money(0, 'JPY'));
  });

  test('a percent deposit rounds half away from zero in the currency’s minor unit', () => {
    const deposit = (total: number, currency: string, percent: number) =>
      depositOf(
        paymentPlan({
          total: money(total, currency),
          quantity: 1,
          terms: { kind: 'deposit', percent, balanceDue: onRelease },
        }),
      ).amount;
    assert.equal(deposit(1005, 'JPY', 10), 101, '¥100.5 → ¥101');
    assert.equal(deposit(1004, 'JPY', 10), 100, '¥100.4 → ¥100');
    assert.equal(deposit(1999, 'EUR', 50), 1000, '€9.995 → €10.00');
    assert.equal(deposit(1999, 'EUR', 33.33), 666, '€6.662667 → €6.66');
    assert.equal(deposit(12345, 'KWD', 12.5), 1543, 'KWD 1.543125 → KWD 1.543');
    assert.equal(deposit(12348, 'KWD', 12.5), 1544, 'KWD 1.5435 → KWD 1.544');
  });

  test('a fixed deposit is per unit and never more than the total', () => {
    const plan = (total: number, quantity: number, amount: number) =>
      paymentPlan({
        total: money(total, 'EUR'),
        quantity,
        terms: { kind: 'deposit', amount, balanceDue: onRelease },
      });
    assert.deepEqual(amounts(plan(30000, 3, 2500)), [
      ['deposit', 7500, 'at_order'],
      ['balance', 22500, 'on_release'],
    ]);
    // An early-bird price below the deposit: the deposit is the whole price and nothing is left to collect.
    const capped = plan(1800, 1, 2000);
    assert.deepEqual(amounts(capped), [['deposit', 1800, 'at_order']]);
    assert.equal(capped.saveCard, false);
  });

  test('the balance falls due on release, on a date, or N days before the promised ship date', () => {
    const balanceDue = (terms: Extract<PaymentTerms, { kind: 'deposit' }>['balanceDue'], ship?: string) =>
      paymentPlan({
        total: money(10000, 'EUR'),
        quantity: 1,
        terms: { kind: 'deposit', percent: 20, balanceDue: terms },
        promisedShipDate: ship,
      }).steps[1]?.due;
    assert.deepEqual(balanceDue(onRelease), { kind: 'on_release' });
    assert.deepEqual(balanceDue({ kind: 'on_date', date: '2027-03-01' }), {
      kind: 'on_date',
      date: '2027-03-01',
    });
    assert.deepEqual(balanceDue({ kind: 'days_before_ship', days: 14 }, '2027-03-10'), {
      kind: 'days_before_ship',
      days: 14,
      date: '2027-02-24',
    });
    assert.deepEqual(balanceDue({ kind: 'days_before_ship', days: 1 }, '2028-03-01'), {
      kind: 'days_before_ship',
      days: 1,
      date: '2028-02-29',
    });
    // No ship date promised yet: the balance waits for the release.
    assert.deepEqual(balanceDue({ kind: 'days_before_ship', days: 14 }), { kind: 'on_release' });
    assert.throws(() => balanceDue({ kind: 'on_date', date: '2027-02-30' }), { code: 'invalid_date' });
    assert.throws(() => balanceDue({ kind: 'days_before_ship', days: -1 }, '2027-03-10'), {
      code: 'invalid_payment_terms',
    });
  });

  test('a step is due at order always, on release once released, on a date from that date on', () => {
    const plan = paymentPlan({
      total: money(10000, 'EUR'),
      quantity: 1,
      terms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_date', date: '2027-03-01' } },
    });
    const [deposit, balance] = plan.steps;
    assert.ok(deposit && balance);
    assert.equal(isStepDue(deposit, { today: '2026-01-01', released: false }), true);
    assert.equal(isStepDue(balance, { today: '2027-02-28', released: true }), false);
    assert.equal(isStepDue(balance, { today: '2027-03-01', released: false }), true);
    const later = paymentPlan({ total: money(500, 'EUR'), quantity: 1, terms: { kind: 'later' } }).steps[0];
    assert.ok(later);
    assert.equal(isStepDue(later, { today: '2030-01-01', released: false }), false);
    assert.equal(isStepDue(later, { today: '2026-01-01', released: true }), true);
  });

  test('malformed deposit terms are refused', () => {
    const plan = (terms: PaymentTerms) => paymentPlan({ total: money(1000, 'EUR'), quantity: 1, terms });
    assert.throws(() => plan({ kind: 'deposit', balanceDue: onRelease }), { code: 'invalid_payment_terms' });
    assert.throws(() => plan({ kind: 'deposit', percent: 10, amount: 100, balanceDue: onRelease }), {
      code: 'invalid_payment_terms',
    });
    assert.throws(() => plan({ kind: 'deposit', percent: 120, balanceDue: onRelease }), {
      code: 'invalid_percent',
    });
    assert.throws(() => plan({ kind: 'deposit', amount: 1.5, balanceDue: onRelease }), {
      code: 'invalid_payment_terms',
    });
    assert.throws(() => paymentPlan({ total: money(1000, 'EUR'), quantity: 0, terms: { kind: 'full' } }), {
      code: 'invalid_quantity',
    });
  });

  test('a free pre-order has no steps', () => {
    const plan = paymentPlan({
      total: money(0, 'EUR'),
      quantity: 1,
      terms: { kind: 'deposit', percent: 30, balanceDue: onRelease },
    });
    assert.deepEqual(plan.steps, []);
    assert.equal(plan.saveCard, false);
  });

  test('property: deposit + balance == total, each step positive, deposit never above the total (JPY, EUR, KWD)', () => {
    const terms: fc.Arbitrary<PaymentTerms> = fc.oneof(
      fc.constant({ kind: 'full' } as const),
      fc.constant({ kind: 'later' } as const),
      fc.record({
        kind: fc.constant('deposit' as const),
        percent: fc.integer({ min: 0, max: 10_000 }).map((basisPoints) => basisPoints / 100),
        balanceDue: fc.constant(onRelease),
      }),
      fc.record({
        kind: fc.constant('deposit' as const),
        amount: fc.integer({ min: 0, max: 5_000_000 }),
        balanceDue: fc.constant({ kind: 'days_before_ship', days: 7 } as const),
      }),
    );
    fc.assert(
      fc.property(
        fc.constantFrom('JPY', 'EUR', 'KWD'),
        fc.integer({ min: 0, max: 100_000_000 }),
        fc.integer({ min: 1, max: 50 }),
        terms,
        (currency, total, quantity, paymentTerms) => {
          const plan = paymentPlan({
            total: money(total, currency),
            quantity,
            terms: paymentTerms,
            promisedShipDate: '2027-06-30',
          });
          const stepTotal = plan.steps.reduce((sum, step) => sum + step.amount.amount, 0);
          assert.equal(stepTotal, total);
          for (const step of plan.steps) {
            assert.ok(step.amount.amount > 0);
            assert.equal(step.amount.currency, currency);
          }
          assert.ok(depositOf(plan).amount <= total);
          assert.equal(
            plan.saveCard,
            plan.steps.some((step) => step.due.kind !== 'at_order'),
          );
        },
      ),
    );
  });
});

describe('what a plan still asks for, and when', () => {
  const eur = (amount: number) => money(amount, 'EUR');
  const deposit = (balanceDue: Extract<PaymentTerms, { kind: 'deposit' }>['balanceDue'], shipDate?: string) =>
    paymentPlan({
      total: eur(10_000),
      quantity: 1,
      terms: { kind: 'deposit', percent: 20, balanceDue },
      promisedShipDate: shipDate ?? null,
    });

  test('charges pay the steps in order: the deposit before the balance', () => {
    const plan = deposit(onRelease);
    assert.deepEqual(
      unpaidSteps(plan, eur(0)).map((s) => [s.kind, s.amount.amount]),
      [
        ['deposit', 2_000],
        ['balance', 8_000],
      ],
    );
    assert.deepEqual(
      unpaidSteps(plan, eur(2_500)).map((s) => [s.kind, s.amount.amount]),
      [['balance', 7_500]],
    );
    assert.deepEqual(unpaidSteps(plan, eur(10_000)), []);
    assert.equal(outstandingAfter(plan, eur(2_000)).amount, 8_000);
  });

  test('what is owed by a day follows the steps due by then', () => {
    const plan = deposit({ kind: 'on_date', date: '2027-03-01' });
    const owed = (today: string, charged: number) =>
      owedBy(plan, eur(charged), { today, released: false }).amount;
    assert.equal(owed('2027-02-28', 2_000), 0);
    assert.equal(owed('2027-03-01', 2_000), 8_000);
    assert.equal(owed('2027-03-01', 0), 10_000);
  });

  test('the next day money is due: a date, a release still to come, or nothing', () => {
    assert.deepEqual(nextDue(deposit({ kind: 'on_date', date: '2027-03-01' }), eur(2_000), null), {
      kind: 'date',
      date: '2027-03-01',
    });
    assert.deepEqual(
      nextDue(deposit({ kind: 'days_before_ship', days: 14 }, '2027-03-20'), eur(2_000), null),
      {
        kind: 'date',
        date: '2027-03-06',
      },
    );
    assert.deepEqual(nextDue(deposit(onRelease), eur(2_000), null), { kind: 'release' });
    assert.deepEqual(nextDue(deposit(onRelease), eur(2_000), '2027-04-01'), {
      kind: 'date',
      date: '2027-04-01',
    });
    assert.equal(nextDue(deposit(onRelease), eur(10_000), null), null);
    const full = paymentPlan({ total: eur(5_000), quantity: 1, terms: { kind: 'full' } });
    assert.equal(nextDue(full, eur(0), null), null, 'what is due at order is the placement’s');
  });

  test('property: nothing is due before nextDue says, and something is from then on', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          { kind: 'on_release' } as const,
          { kind: 'on_date', date: '2027-03-01' } as const,
          { kind: 'days_before_ship', days: 10 } as const,
        ),
        fc.integer({ min: 2_000, max: 10_000 }),
        fc.option(fc.constant('2027-02-10'), { nil: null }),
        fc.integer({ min: -40, max: 40 }),
        (balanceDue, charged, releasedOn, offset) => {
          const plan = deposit(balanceDue, '2027-03-15');
          const next = nextDue(plan, eur(charged), releasedOn);
          const today = addDays('2027-02-20', offset);
          const owed = owedBy(plan, eur(charged), {
            today,
            released: releasedOn !== null && today >= releasedOn,
          });
          if (next === null) assert.equal(owed.amount, 0, 'nothing more is asked');
          if (next?.kind === 'date') assert.equal(owed.amount > 0, today >= next.date);
          if (next?.kind === 'release') assert.equal(owed.amount, 0);
        },
      ),
    );
  });
});

test('a failed balance is tried again after each of the retry days, then no more', () => {
  const now = new Date('2026-12-01T09:00:00Z');
  const days = [1, 3, 7];
  assert.deepEqual(
    [1, 2, 3, 4].map((attempt) => balanceRetryAt(days, attempt, now)?.toISOString() ?? null),
    ['2026-12-02T09:00:00.000Z', '2026-12-04T09:00:00.000Z', '2026-12-08T09:00:00.000Z', null],
  );
  assert.equal(balanceRetryAt([], 1, now), null, 'no retry days: the first failure is the last');
});
