import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { money } from '../../src/domain/money.ts';
import { type OnSessionPaymentInput, PaymentError, type PaymentEvent } from '../../src/payments/provider.ts';
import { TEST_SIGNATURE_HEADER, TestPaymentProvider } from '../../src/payments/test-provider.ts';

const VISA = '4242424242424242';

function onSession(
  idempotencyKey: string,
  overrides: Partial<OnSessionPaymentInput> = {},
): OnSessionPaymentInput {
  return {
    idempotencyKey,
    amount: money(2500, 'EUR'),
    paymentMethod: VISA,
    saveForOffSession: false,
    metadata: { preorderId: 'po_1' },
    ...overrides,
  };
}

function succeededCharges(provider: TestPaymentProvider): PaymentEvent[] {
  return provider.events().filter((event) => event.type === 'payment.succeeded');
}

async function rejection(promise: Promise<unknown>): Promise<PaymentError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof PaymentError, `expected a PaymentError, got ${error}`);
    return error;
  }
  assert.fail('expected the call to fail');
}

describe('test payment provider', () => {
  test('4242 4242 4242 4242 charges on session', async () => {
    const provider = new TestPaymentProvider();
    const payment = await provider.chargeOnSession(onSession('k1', { paymentMethod: '4242 4242 4242 4242' }));
    assert.equal(payment.status, 'succeeded');
    assert.deepEqual(payment.amountReceived, money(2500, 'EUR'));
    assert.match(payment.paymentId, /^pi_test_/);
    assert.match(payment.chargeId ?? '', /^ch_test_/);
    assert.equal(payment.clientSecret, null);
    assert.deepEqual(payment.metadata, { preorderId: 'po_1' });
    assert.deepEqual(await provider.retrievePayment(payment.paymentId), payment);
  });

  test('each decline card fails with its code, a customer-safe message, and the failed payment', async () => {
    const declines = [
      ['4000000000000002', 'card_declined', /declined/],
      ['4000000000009995', 'insufficient_funds', /insufficient funds/],
      ['4000000000000069', 'expired_card', /expired/],
      ['4000000000000119', 'processing_error', /processing/],
    ] as const;
    const provider = new TestPaymentProvider();
    for (const [number, code, message] of declines) {
      const error = await rejection(
        provider.chargeOnSession(onSession(`k-${number}`, { paymentMethod: number })),
      );
      assert.equal(error.code, code);
      assert.match(error.message, message);
      assert.ok(error.paymentId);
      const failed = await provider.retrievePayment(error.paymentId);
      assert.equal(failed.status, 'requires_payment_method');
      assert.equal(failed.failure?.code, code);
    }
    assert.equal(succeededCharges(provider).length, 0);
    assert.equal(
      provider.events().filter((event) => event.type === 'payment.failed').length,
      declines.length,
    );
  });

  test('a card that needs authentication waits for the shopper, then succeeds or fails', async () => {
    const provider = new TestPaymentProvider();
    const waiting = await provider.chargeOnSession(onSession('k1', { paymentMethod: '4000002500003155' }));
    assert.equal(waiting.status, 'requires_action');
    assert.match(waiting.clientSecret ?? '', /^pi_test_\w+_secret_/);
    const event = provider.completeAction(waiting.paymentId, 'authenticated');
    assert.equal(event.type, 'payment.succeeded');
    assert.equal((await provider.retrievePayment(waiting.paymentId)).status, 'succeeded');

    const other = await provider.chargeOnSession(onSession('k2', { paymentMethod: '4000002500003155' }));
    const failed = provider.completeAction(other.paymentId, 'failed');
    assert.equal(failed.type, 'payment.failed');
    assert.equal((await provider.retrievePayment(other.paymentId)).failure?.code, 'authentication_failed');
    assert.throws(() => provider.completeAction(waiting.paymentId, 'authenticated'), {
      code: 'invalid_state',
    });
  });

  test('without a payment method the payment waits for the shopper with a client secret', async () => {
    const provider = new TestPaymentProvider();
    const payment = await provider.chargeOnSession(onSession('k1', { paymentMethod: null }));
    assert.equal(payment.status, 'requires_payment_method');
    assert.ok(payment.clientSecret);
  });

  test('a deposit saves the card and the balance is charged off session with it', async () => {
    const provider = new TestPaymentProvider();
    const deposit = await provider.chargeOnSession(
      onSession('deposit', { amount: money(3000, 'JPY'), saveForOffSession: true, email: 'a@example.com' }),
    );
    assert.ok(deposit.customerId && deposit.paymentMethodId);
    const balance = await provider.chargeOffSession({
      idempotencyKey: 'balance',
      amount: money(7000, 'JPY'),
      customerId: deposit.customerId,
      paymentMethodId: deposit.paymentMethodId,
    });
    assert.equal(balance.status, 'succeeded');
    assert.deepEqual(balance.amountReceived, money(7000, 'JPY'));
    assert.notEqual(balance.paymentId, deposit.paymentId);
  });

  test('saving a card charges nothing; off-session charges then follow the card', async () => {
    const provider = new TestPaymentProvider();
    const chargeLater = async (number: string, authenticate: boolean) => {
      let setup = await provider.savePaymentMethod({
        idempotencyKey: `save-${number}`,
        paymentMethod: number,
      });
      if (authenticate) {
        assert.equal(setup.status, 'requires_action');
        assert.equal(provider.completeAction(setup.setupId, 'authenticated').type, 'setup.succeeded');
        setup = await provider.retrieveSetup(setup.setupId);
      }
      assert.equal(setup.status, 'succeeded');
      assert.ok(setup.customerId && setup.paymentMethodId);
      return provider.chargeOffSession({
        idempotencyKey: `later-${number}`,
        amount: money(1250, 'KWD'),
        customerId: setup.customerId,
        paymentMethodId: setup.paymentMethodId,
      });
    };
    assert.equal((await chargeLater(VISA, false)).status, 'succeeded');
    assert.equal(
      (await chargeLater('4000002500003155', true)).status,
      'succeeded',
      'set up, so no new challenge',
    );
    assert.equal((await rejection(chargeLater('4000002760003184', true))).code, 'authentication_required');
    assert.equal((await rejection(chargeLater('4000000000000341', false))).code, 'card_declined');
    assert.equal(succeededCharges(provider).length, 2);
  });

  test('a decline card cannot be saved', async () => {
    const provider = new TestPaymentProvider();
    const error = await rejection(
      provider.savePaymentMethod({ idempotencyKey: 's', paymentMethod: '4000000000000002' }),
    );
    assert.equal(error.code, 'card_declined');
    assert.ok(error.setupId);
  });

  test('an off-session charge needs a payment method saved for that customer', async () => {
    const provider = new TestPaymentProvider();
    const setup = await provider.savePaymentMethod({ idempotencyKey: 's1', paymentMethod: VISA });
    const stranger = await provider.savePaymentMethod({ idempotencyKey: 's2', paymentMethod: VISA });
    assert.ok(setup.paymentMethodId && stranger.customerId);
    const error = await rejection(
      provider.chargeOffSession({
        idempotencyKey: 'c',
        amount: money(100, 'EUR'),
        customerId: stranger.customerId,
        paymentMethodId: setup.paymentMethodId,
      }),
    );
    assert.equal(error.code, 'invalid_request');
  });

  test('the same idempotency key returns the first answer and never charges twice', async () => {
    const provider = new TestPaymentProvider({ latencyMs: 5 });
    const [first, second] = await Promise.all([
      provider.chargeOnSession(onSession('same')),
      provider.chargeOnSession(onSession('same')),
    ]);
    const third = await provider.chargeOnSession(onSession('same', { metadata: { preorderId: 'po_1' } }));
    assert.deepEqual(second, first);
    assert.deepEqual(third, first);
    assert.equal(succeededCharges(provider).length, 1);
  });

  test('a decline is remembered under its key; a key reused for another request is refused', async () => {
    const provider = new TestPaymentProvider();
    const decline = onSession('d', { paymentMethod: '4000000000000002' });
    const first = await rejection(provider.chargeOnSession(decline));
    const again = await rejection(provider.chargeOnSession(decline));
    assert.equal(again.paymentId, first.paymentId);
    const conflict = await rejection(
      provider.chargeOnSession(onSession('d', { amount: money(2600, 'EUR') })),
    );
    assert.equal(conflict.code, 'idempotency_conflict');
  });

  test('a request refused before reaching the card can be corrected under the same key', async () => {
    const provider = new TestPaymentProvider();
    const refused = await rejection(
      provider.chargeOnSession(onSession('k', { paymentMethod: '4111111111111111' })),
    );
    assert.equal(refused.code, 'invalid_request');
    assert.equal((await provider.chargeOnSession(onSession('k'))).status, 'succeeded');
  });

  test('an answer lost on the way back is found by retrying with the same key', async () => {
    const provider = new TestPaymentProvider();
    provider.interruptNextCalls(1, 'after');
    const lost = await rejection(provider.chargeOnSession(onSession('k')));
    assert.equal(lost.code, 'provider_unavailable');
    assert.equal(lost.retryable, true);
    const retried = await provider.chargeOnSession(onSession('k'));
    assert.equal(retried.status, 'succeeded');
    assert.equal(succeededCharges(provider).length, 1);

    provider.interruptNextCalls(1, 'before');
    assert.equal((await rejection(provider.chargeOnSession(onSession('k2')))).code, 'provider_unavailable');
    assert.equal(succeededCharges(provider).length, 1, 'nothing ran');
  });

  test('refunds: partial, the rest, never more than was taken, once per key', async () => {
    const provider = new TestPaymentProvider();
    const payment = await provider.chargeOnSession(onSession('k'));
    const partial = await provider.refund({
      idempotencyKey: 'r1',
      paymentId: payment.paymentId,
      amount: money(1000, 'EUR'),
    });
    assert.equal(partial.status, 'succeeded');
    assert.deepEqual(partial.amount, money(1000, 'EUR'));
    const retried = await provider.refund({
      idempotencyKey: 'r1',
      paymentId: payment.paymentId,
      amount: money(1000, 'EUR'),
    });
    assert.equal(retried.refundId, partial.refundId);
    const over = await rejection(
      provider.refund({ idempotencyKey: 'r2', paymentId: payment.paymentId, amount: money(1501, 'EUR') }),
    );
    assert.equal(over.code, 'invalid_amount');
    const rest = await provider.refund({ idempotencyKey: 'r3', paymentId: payment.paymentId });
    assert.deepEqual(rest.amount, money(1500, 'EUR'));
    assert.equal(provider.events().filter((event) => event.type === 'refund.updated').length, 2);
  });

  test('authorise holds the money; capture takes all or part; cancel releases it', async () => {
    const provider = new TestPaymentProvider();
    const held = await provider.authorise(onSession('a1'));
    assert.equal(held.status, 'requires_capture');
    assert.deepEqual(held.amountReceived, money(0, 'EUR'));
    const captured = await provider.capture({
      idempotencyKey: 'c1',
      paymentId: held.paymentId,
      amount: money(2000, 'EUR'),
    });
    assert.equal(captured.status, 'succeeded');
    assert.deepEqual(captured.amountReceived, money(2000, 'EUR'));
    assert.equal(
      (await rejection(provider.capture({ idempotencyKey: 'c2', paymentId: held.paymentId }))).code,
      'invalid_state',
    );

    const other = await provider.authorise(onSession('a2'));
    assert.equal(
      (await provider.cancelAuthorisation({ idempotencyKey: 'x', paymentId: other.paymentId })).status,
      'canceled',
    );
    assert.equal(
      (await rejection(provider.refund({ idempotencyKey: 'r', paymentId: other.paymentId }))).code,
      'invalid_state',
    );
  });

  test('every call waits the configured latency', async () => {
    const provider = new TestPaymentProvider({ latencyMs: 40 });
    const started = performance.now();
    await provider.chargeOnSession(onSession('k'));
    assert.ok(performance.now() - started >= 35);
  });

  test('webhooks: a signed request parses, a forged or stale one is refused, a replay keeps its event id', async () => {
    let now = new Date('2026-11-26T12:00:00Z');
    const provider = new TestPaymentProvider({ webhookSecret: 'whsec_demo', now: () => now });
    await provider.chargeOnSession(onSession('k'));
    const [event] = succeededCharges(provider);
    assert.ok(event);
    const request = provider.webhookRequest(event);
    const parsed = await provider.parseWebhook(request);
    assert.deepEqual(parsed, event);
    assert.equal(
      (await provider.parseWebhook(request)).id,
      event.id,
      'a replay is the same event: dedupe by id',
    );

    const tampered = { ...request, body: String(request.body).replace('2500', '250') };
    assert.equal((await rejection(provider.parseWebhook(tampered))).code, 'invalid_webhook');
    const forger = new TestPaymentProvider({ webhookSecret: 'whsec_other', now: () => now });
    assert.equal(
      (await rejection(provider.parseWebhook(forger.webhookRequest(event)))).code,
      'invalid_webhook',
    );
    assert.equal(
      (await rejection(provider.parseWebhook({ body: request.body, headers: {} }))).code,
      'invalid_webhook',
    );

    now = new Date(now.getTime() + 301_000);
    assert.equal(
      (await rejection(provider.parseWebhook(request))).code,
      'invalid_webhook',
      'too old: a replay',
    );
    assert.ok(TEST_SIGNATURE_HEADER in provider.webhookRequest(event).headers);
  });
});
