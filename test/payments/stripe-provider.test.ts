import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { inspect } from 'node:util';
import { money } from '../../src/domain/money.ts';
import { type OnSessionPaymentInput, PaymentError } from '../../src/payments/provider.ts';
import { StripePaymentProvider, type StripeProviderOptions } from '../../src/payments/stripe-provider.ts';
import {
  type StripeApiServer,
  sendSignedWebhook,
  signedWebhook,
  startStripeApiServer,
} from '../support/stripe-api-server.ts';

const webhookSecret = 'whsec_test_presell';
let server: StripeApiServer;
let stripe: StripePaymentProvider;

function provider(overrides: Partial<StripeProviderOptions> = {}): StripePaymentProvider {
  return new StripePaymentProvider({
    apiKey: server.apiKey,
    webhookSecret,
    host: server.host,
    port: server.port,
    protocol: 'http',
    maxNetworkRetries: 0,
    ...overrides,
  });
}

let keys = 0;
function onSession(overrides: Partial<OnSessionPaymentInput> = {}): OnSessionPaymentInput {
  keys += 1;
  return {
    idempotencyKey: `key-${keys}`,
    amount: money(2500, 'EUR'),
    paymentMethod: 'pm_card_visa',
    saveForOffSession: false,
    metadata: { preorderId: `po_${keys}` },
    ...overrides,
  };
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

function requestsTo(path: string, replayed = false) {
  return server.requests.filter((request) => request.path === path && request.replayed === replayed);
}

function eventsOf(type: string) {
  return server.events.filter((event) => event.type === type);
}

describe('Stripe provider against a local Stripe API', () => {
  before(async () => {
    server = await startStripeApiServer();
    stripe = provider();
  });
  after(() => server.close());

  test('a card payment on session succeeds, with the idempotency key and the parameters Stripe expects', async () => {
    const input = onSession();
    const payment = await stripe.chargeOnSession(input);
    assert.equal(payment.status, 'succeeded');
    assert.match(payment.paymentId, /^pi_/);
    assert.match(payment.chargeId ?? '', /^ch_/);
    assert.match(payment.paymentMethodId ?? '', /^pm_/);
    assert.deepEqual(payment.amountReceived, money(2500, 'EUR'));
    assert.equal(payment.clientSecret, null);
    assert.deepEqual(payment.metadata, input.metadata);
    const request = server.requests.at(-1);
    assert.equal(request?.idempotencyKey, input.idempotencyKey);
    assert.deepEqual(request?.params, {
      amount: '2500',
      currency: 'eur',
      allowed_payment_method_types: { 0: 'card' },
      capture_method: 'automatic',
      metadata: input.metadata,
      payment_method: 'pm_card_visa',
      confirm: 'true',
    });
  });

  test('each test card decline surfaces as its PaymentError code, with the failed payment', async () => {
    const declines = [
      ['pm_card_chargeDeclined', 'card_declined'],
      ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
      ['pm_card_chargeDeclinedExpiredCard', 'expired_card'],
      ['pm_card_chargeDeclinedProcessingError', 'processing_error'],
    ] as const;
    for (const [paymentMethod, code] of declines) {
      const error = await rejection(stripe.chargeOnSession(onSession({ paymentMethod })));
      assert.equal(error.code, code, paymentMethod);
      assert.ok(error.providerMessage, 'Stripe’s own words are kept for logs');
      assert.notEqual(error.message, error.providerMessage, 'the shopper sees our message');
      assert.match(error.paymentId ?? '', /^pi_/);
      const failed = await stripe.retrievePayment(error.paymentId ?? '');
      assert.equal(failed.status, 'requires_payment_method');
      assert.equal(failed.failure?.code, code);
      assert.ok(failed.clientSecret, 'the shopper can retry with another card');
    }
  });

  test('a card that needs authentication answers requires_action with a client secret', async () => {
    const waiting = await stripe.chargeOnSession(
      onSession({ paymentMethod: 'pm_card_authenticationRequired' }),
    );
    assert.equal(waiting.status, 'requires_action');
    assert.match(waiting.clientSecret ?? '', /^pi_\w+_secret_\w+$/);
    const event = server.completeAction(waiting.paymentId, 'authenticated');
    assert.equal(event.type, 'payment_intent.succeeded');
    assert.equal((await stripe.retrievePayment(waiting.paymentId)).status, 'succeeded');

    const other = await stripe.chargeOnSession(
      onSession({ paymentMethod: 'pm_card_authenticationRequired' }),
    );
    server.completeAction(other.paymentId, 'failed');
    const failed = await stripe.retrievePayment(other.paymentId);
    assert.equal(failed.status, 'requires_payment_method');
    assert.equal(failed.failure?.code, 'authentication_failed');
  });

  test('without a payment method the answer carries the client secret for Stripe.js', async () => {
    const payment = await stripe.chargeOnSession(onSession({ paymentMethod: null, saveForOffSession: true }));
    assert.equal(payment.status, 'requires_payment_method');
    assert.ok(payment.clientSecret);
    assert.match(payment.customerId ?? '', /^cus_/);
    assert.equal(server.requests.at(-1)?.params.confirm, undefined);
  });

  test('a deposit saves the card for off-session use; the balance is charged off session', async () => {
    const deposit = await stripe.chargeOnSession(
      onSession({ amount: money(3000, 'JPY'), saveForOffSession: true, email: 'shopper@example.com' }),
    );
    const created = server.requests.at(-1);
    assert.equal(created?.params.setup_future_usage, 'off_session');
    assert.equal(created?.params.amount, '3000', 'yen have no minor unit');
    assert.ok(deposit.customerId && deposit.paymentMethodId);
    assert.equal(requestsTo('/v1/customers').at(-1)?.params.email, 'shopper@example.com');

    const balance = await stripe.chargeOffSession({
      idempotencyKey: 'balance-1',
      amount: money(7000, 'JPY'),
      customerId: deposit.customerId,
      paymentMethodId: deposit.paymentMethodId,
      metadata: { preorderId: 'po_balance' },
    });
    assert.equal(balance.status, 'succeeded');
    assert.deepEqual(balance.amountReceived, money(7000, 'JPY'));
    const params = server.requests.at(-1)?.params;
    assert.equal(params?.off_session, 'true');
    assert.equal(params?.confirm, 'true');
    assert.equal(params?.customer, deposit.customerId);
  });

  test('card saving with a SetupIntent charges nothing; off-session charges then follow the card', async () => {
    const saveThenCharge = async (paymentMethod: string) => {
      let setup = await stripe.savePaymentMethod({ idempotencyKey: `save-${paymentMethod}`, paymentMethod });
      assert.match(setup.setupId, /^seti_/);
      if (setup.status === 'requires_action') {
        assert.ok(setup.clientSecret);
        server.completeAction(setup.setupId, 'authenticated');
        setup = await stripe.retrieveSetup(setup.setupId);
      }
      assert.equal(setup.status, 'succeeded');
      assert.ok(setup.customerId && setup.paymentMethodId);
      return stripe.chargeOffSession({
        idempotencyKey: `charge-${paymentMethod}`,
        amount: money(1250, 'KWD'),
        customerId: setup.customerId,
        paymentMethodId: setup.paymentMethodId,
      });
    };
    const setupRequest = () => requestsTo('/v1/setup_intents').at(-1)?.params;
    assert.equal((await saveThenCharge('pm_card_visa')).status, 'succeeded');
    assert.equal(setupRequest()?.usage, 'off_session');
    assert.equal((await saveThenCharge('pm_card_authenticationRequiredOnSetup')).status, 'succeeded');
    assert.equal(
      (await rejection(saveThenCharge('pm_card_authenticationRequired'))).code,
      'authentication_required',
    );
    assert.equal((await rejection(saveThenCharge('pm_card_chargeCustomerFail'))).code, 'card_declined');
    const declinedSetup = await rejection(
      stripe.savePaymentMethod({ idempotencyKey: 'save-declined', paymentMethod: 'pm_card_chargeDeclined' }),
    );
    assert.equal(declinedSetup.code, 'card_declined');
    assert.match(declinedSetup.setupId ?? '', /^seti_/);
  });

  test('authorise holds the money; capture takes part of it; cancel releases another', async () => {
    const held = await stripe.authorise(onSession({ amount: money(4000, 'EUR') }));
    assert.equal(held.status, 'requires_capture');
    assert.equal(server.requests.at(-1)?.params.capture_method, 'manual');
    const captured = await stripe.capture({
      idempotencyKey: `capture-${held.paymentId}`,
      paymentId: held.paymentId,
      amount: money(1500, 'EUR'),
    });
    assert.equal(captured.status, 'succeeded');
    assert.deepEqual(captured.amountReceived, money(1500, 'EUR'));
    const again = await rejection(
      stripe.capture({ idempotencyKey: 'capture-again', paymentId: held.paymentId }),
    );
    assert.equal(again.code, 'invalid_state');

    const other = await stripe.authorise(onSession());
    const cancelled = await stripe.cancelAuthorisation({
      idempotencyKey: 'cancel-1',
      paymentId: other.paymentId,
    });
    assert.equal(cancelled.status, 'canceled');
  });

  test('refunds: partial, then the rest; more than is left is refused', async () => {
    const payment = await stripe.chargeOnSession(onSession({ amount: money(10000, 'EUR') }));
    const partial = await stripe.refund({
      idempotencyKey: 'refund-partial',
      paymentId: payment.paymentId,
      amount: money(2500, 'EUR'),
      reason: 'requested_by_customer',
    });
    assert.match(partial.refundId, /^re_/);
    assert.equal(partial.status, 'succeeded');
    assert.deepEqual(partial.amount, money(2500, 'EUR'));
    assert.equal(partial.paymentId, payment.paymentId);
    const tooMuch = await rejection(
      stripe.refund({
        idempotencyKey: 'refund-too-much',
        paymentId: payment.paymentId,
        amount: money(7501, 'EUR'),
      }),
    );
    assert.equal(tooMuch.code, 'invalid_amount');
    const rest = await stripe.refund({ idempotencyKey: 'refund-rest', paymentId: payment.paymentId });
    assert.deepEqual(rest.amount, money(7500, 'EUR'));
    const nothingLeft = await rejection(
      stripe.refund({ idempotencyKey: 'refund-more', paymentId: payment.paymentId }),
    );
    assert.equal(nothingLeft.code, 'invalid_amount');
  });

  test('a retried charge or refund with the same key is one charge and one refund', async () => {
    const input = onSession();
    const succeededBefore = eventsOf('payment_intent.succeeded').length;
    const first = await stripe.chargeOnSession(input);
    const retry = await provider().chargeOnSession(input);
    assert.deepEqual(retry, first);
    assert.equal(eventsOf('payment_intent.succeeded').length, succeededBefore + 1);
    assert.equal(requestsTo('/v1/payment_intents', true).at(-1)?.idempotencyKey, input.idempotencyKey);

    const refundInput = { idempotencyKey: `refund-of-${first.paymentId}`, paymentId: first.paymentId };
    const refundsBefore = eventsOf('refund.created').length;
    const [refund, refundRetry] = [await stripe.refund(refundInput), await stripe.refund(refundInput)];
    assert.equal(refundRetry.refundId, refund.refundId);
    assert.equal(eventsOf('refund.created').length, refundsBefore + 1);
  });

  test('a customer created for a retried call is the same customer', async () => {
    const input = onSession({ saveForOffSession: true, email: 'again@example.com' });
    const first = await stripe.chargeOnSession(input);
    const retry = await stripe.chargeOnSession(input);
    assert.equal(retry.customerId, first.customerId);
    assert.equal(
      requestsTo('/v1/customers', true).at(-1)?.idempotencyKey,
      `${input.idempotencyKey}/customer`,
    );
  });

  test('a key reused with other parameters is an idempotency_conflict', async () => {
    const input = onSession();
    await stripe.chargeOnSession(input);
    const conflict = await rejection(stripe.chargeOnSession({ ...input, amount: money(2600, 'EUR') }));
    assert.equal(conflict.code, 'idempotency_conflict');
  });

  test('Stripe’s other error shapes become stable codes', async () => {
    server.failNextRequests(1, 500);
    assert.equal((await rejection(stripe.chargeOnSession(onSession()))).code, 'provider_unavailable');
    server.failNextRequests(1, 429);
    const limited = await rejection(stripe.chargeOnSession(onSession()));
    assert.equal(limited.code, 'rate_limited');
    assert.equal(limited.retryable, true);
    assert.equal((await rejection(stripe.retrievePayment('pi_missing'))).code, 'not_found');
    assert.equal(
      (await rejection(stripe.chargeOnSession(onSession({ paymentMethod: 'pm_nope' })))).code,
      'not_found',
    );
    const wrongKey = await rejection(
      provider({ apiKey: 'sk_test_wrong_key_0123456789' }).retrievePayment('pi_x'),
    );
    assert.equal(wrongKey.code, 'provider_misconfigured');
    assert.doesNotMatch(`${wrongKey.message} ${wrongKey.providerMessage}`, /wrong_key_0123/);
  });

  test('a 500 is retried by the SDK with the same key, and charges once', async () => {
    server.failNextRequests(1, 500);
    const before = eventsOf('payment_intent.succeeded').length;
    const input = onSession();
    const payment = await provider({ maxNetworkRetries: 1 }).chargeOnSession(input);
    assert.equal(payment.status, 'succeeded');
    const attempts = server.requests.filter((request) => request.idempotencyKey === input.idempotencyKey);
    assert.deepEqual(
      attempts.map((request) => request.status),
      [500, 200],
    );
    assert.equal(eventsOf('payment_intent.succeeded').length, before + 1);
  });

  test('an unreachable API is provider_unavailable', async () => {
    const closed = await startStripeApiServer();
    await closed.close();
    const unreachable = provider({ port: closed.port, timeoutMs: 2000 });
    const error = await rejection(unreachable.chargeOnSession(onSession()));
    assert.equal(error.code, 'provider_unavailable');
    assert.equal(error.retryable, true);
  });

  test('amounts are sent in Stripe’s unit; three-decimal amounts that Stripe refuses never leave', async () => {
    const kwd = await stripe.chargeOnSession(onSession({ amount: money(1250, 'KWD') }));
    assert.deepEqual(kwd.amountReceived, money(1250, 'KWD'));
    const requestsBefore = server.requests.length;
    const refused = await rejection(stripe.chargeOnSession(onSession({ amount: money(1255, 'KWD') })));
    assert.equal(refused.code, 'invalid_amount');
    assert.equal(server.requests.length, requestsBefore, 'nothing was sent');

    const isk = await stripe.chargeOnSession(onSession({ amount: money(500, 'ISK') }));
    assert.equal(server.requests.at(-1)?.params.amount, '50000', 'Stripe counts ISK in hundredths');
    assert.deepEqual(isk.amountReceived, money(500, 'ISK'));
  });

  test('webhooks: a signed event parses; forged, altered and stale ones are refused; a replay keeps its id', async () => {
    const payment = await stripe.chargeOnSession(onSession());
    const event = eventsOf('payment_intent.succeeded').at(-1);
    assert.ok(event);
    const request = signedWebhook(event, webhookSecret);
    const parsed = await stripe.parseWebhook(request);
    assert.equal(parsed.type, 'payment.succeeded');
    assert.equal(parsed.id, event.id);
    assert.ok(parsed.type === 'payment.succeeded' && parsed.payment.paymentId === payment.paymentId);
    assert.deepEqual(
      parsed.type === 'payment.succeeded' && parsed.payment.amountReceived,
      money(2500, 'EUR'),
    );
    assert.equal((await stripe.parseWebhook(request)).id, event.id, 'a redelivery is deduped by event id');

    const forged = signedWebhook(event, 'whsec_someone_else');
    assert.equal((await rejection(stripe.parseWebhook(forged))).code, 'invalid_webhook');
    const altered = { ...request, body: request.body.replace('"succeeded"', '"canceled"') };
    assert.equal((await rejection(stripe.parseWebhook(altered))).code, 'invalid_webhook');
    const stale = signedWebhook(event, webhookSecret, Math.floor(Date.now() / 1000) - 600);
    assert.equal((await rejection(stripe.parseWebhook(stale))).code, 'invalid_webhook');
    assert.equal(
      (await rejection(stripe.parseWebhook({ body: request.body, headers: {} }))).code,
      'invalid_webhook',
    );

    const later = provider({ now: () => new Date(Date.now() + 301_000) });
    assert.equal(
      (await rejection(later.parseWebhook(request))).code,
      'invalid_webhook',
      'replayed five minutes on',
    );
  });

  test('a webhook delivered over HTTP verifies from the raw body as received', async () => {
    const received: string[] = [];
    const receiver = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', async () => {
        const event = await stripe
          .parseWebhook({ body: Buffer.concat(chunks), headers: request.headers })
          .catch((error: PaymentError) => ({ type: error.code }));
        received.push(event.type);
        response.writeHead(event.type === 'invalid_webhook' ? 400 : 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/stripe`;
    try {
      await stripe.chargeOnSession(onSession());
      const event = eventsOf('payment_intent.succeeded').at(-1);
      assert.ok(event);
      assert.equal((await sendSignedWebhook(url, event, webhookSecret)).status, 200);
      assert.equal((await sendSignedWebhook(url, event, 'whsec_forged')).status, 400);
      assert.deepEqual(received, ['payment.succeeded', 'invalid_webhook']);
    } finally {
      receiver.closeAllConnections();
      receiver.close();
    }
  });

  test('webhooks of each kind map to provider-neutral events', async () => {
    const parse = (type: string) => {
      const event = eventsOf(type).at(-1);
      assert.ok(event, `the server sent no ${type}`);
      return stripe.parseWebhook(signedWebhook(event, webhookSecret));
    };
    await rejection(
      stripe.chargeOnSession(onSession({ paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' })),
    );
    const failed = await parse('payment_intent.payment_failed');
    assert.ok(failed.type === 'payment.failed');
    assert.equal(failed.payment.failure?.code, 'insufficient_funds');
    assert.equal((await parse('payment_intent.amount_capturable_updated')).type, 'payment.authorised');
    assert.equal((await parse('payment_intent.canceled')).type, 'payment.canceled');
    assert.equal((await parse('setup_intent.succeeded')).type, 'setup.succeeded');
    const refund = await parse('refund.created');
    assert.ok(refund.type === 'refund.updated' && refund.refund.status === 'succeeded');
    const customerEvent = {
      id: 'evt_customer',
      object: 'event',
      type: 'customer.created',
      created: Math.floor(Date.now() / 1000),
      data: { object: { id: 'cus_1', object: 'customer' } },
    };
    const other = await stripe.parseWebhook(signedWebhook(customerEvent, webhookSecret));
    assert.deepEqual(other.type === 'ignored' && other.providerType, 'customer.created');
  });

  test('secrets stay out of logs: not in the provider, not in its errors', async () => {
    const secretive = provider();
    const declined = await rejection(
      secretive.chargeOnSession(onSession({ paymentMethod: 'pm_card_chargeDeclined' })),
    );
    const shown = [
      inspect(secretive, { depth: Infinity, showHidden: true }),
      JSON.stringify(secretive),
      inspect(declined, { depth: Infinity, showHidden: true }),
    ];
    for (const text of shown) {
      assert.ok(!text.includes(server.apiKey), 'the API key shows');
      assert.ok(!text.includes(webhookSecret), 'the webhook secret shows');
    }
  });
});
