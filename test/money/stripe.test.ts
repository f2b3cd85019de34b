/**
 * The Stripe flow, through the official SDK against the local Stripe stand-in: a payment the shopper
 * must authenticate completes on the webhook or on the confirm call; webhooks replayed, out of order or
 * forged book nothing twice. KWD amounts are whole tens of fils, as Stripe requires.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runDueJobs } from '../../src/jobs.ts';
import { StripePaymentProvider } from '../../src/payments/stripe-provider.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertRefused } from '../support/http-assertions.ts';
import {
  type StripeApiServer,
  type StripeEvent,
  signedWebhook,
  startStripeApiServer,
} from '../support/stripe-api-server.ts';
import { eventsOf, launch, ledgerOf, type MoneyWorld, moneyWorld, place, stateOf } from './support.ts';

const webhookSecret = 'whsec_presell_money_tests';
/** Stripe's test card that needs 3-D Secure on session and goes through off session once set up. */
const AUTHENTICATE_ONCE = 'pm_card_authenticationRequiredOnSetup';

describeOnEachEngine('payments through Stripe', ({ db }) => {
  let stripe: StripeApiServer;
  let world: MoneyWorld;

  before(async () => {
    stripe = await startStripeApiServer();
    const provider = new StripePaymentProvider({
      apiKey: stripe.apiKey,
      webhookSecret,
      host: stripe.host,
      port: stripe.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    world = await moneyWorld(db(), 'KWD', provider);
  });
  after(() => stripe.close());

  const deliver = (event: StripeEvent | Record<string, unknown>, secret = webhookSecret) => {
    const { body, headers } = signedWebhook(event, secret);
    return world.app.inject({ method: 'POST', url: '/v1/webhooks/stripe', headers, payload: body });
  };
  const intentOf = async (preorderId: string) => {
    const [row] = await db().query<{ provider_ref: string }>(
      `SELECT provider_ref FROM payment_operations WHERE preorder_id = $1 AND purpose = 'first_step'`,
      [preorderId],
    );
    return row?.provider_ref as string;
  };

  test('a deposit that needs authentication completes on the webhook, once, whatever the order of delivery', async () => {
    const { sku, campaignId } = await launch(world, 12_250, 'KWD', {
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    });
    const placed = await place(world, sku, { paymentMethod: AUTHENTICATE_ONCE });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.equal(placed.body.state, 'placed');
    assert.equal(placed.body.payment.status, 'requires_action');
    assert.match(placed.body.payment.clientSecret, /^pi_.+_secret_/);

    const intent = await intentOf(placed.body.id);
    const waiting = stripe.events.findLast(
      (e) => e.type === 'payment_intent.requires_action' && e.data.object.id === intent,
    ) as StripeEvent;
    const succeeded = stripe.completeAction(intent, 'authenticated');

    const forged = await deliver(succeeded, 'whsec_someone_else');
    assert.equal(forged.statusCode, 400);
    assert.equal(forged.json().error.code, 'invalid_webhook');
    assert.equal(await stateOf(world, placed.body.id), 'placed', 'a forged webhook changes nothing');

    for (const event of [succeeded, succeeded, waiting, succeeded]) {
      const answer = await deliver(event);
      assert.equal(answer.statusCode, 200, answer.body);
    }
    assert.equal(await stateOf(world, placed.body.id), 'confirmed');
    assert.deepEqual(
      (await ledgerOf(world, placed.body.id)).entries.map((e) => e.amount),
      [{ amount: 2_450, currency: 'KWD' }],
    );
    const confirmations = (await eventsOf(db(), placed.body.id)).filter(
      (e) => e.type === 'preorder.confirmed',
    );
    assert.equal(confirmations.length, 1);

    await call(world.app, 'POST', `/v1/campaigns/${campaignId}/release`, world.shop.admin);
    await runDueJobs(world.ctx, world.payments);
    assert.deepEqual(
      (await ledgerOf(world, placed.body.id)).entries.map((e) => e.amount.amount),
      [2_450, 9_800],
    );
  });

  test('the shopper’s confirm call completes the payment without waiting for the webhook', async () => {
    const { sku } = await launch(world, 5_000, 'KWD');
    const placed = await place(world, sku, { paymentMethod: AUTHENTICATE_ONCE });
    assert.equal(placed.body.payment.status, 'requires_action');
    const url = `/v1/storefront/preorders/${placed.body.id}/confirm`;
    const early = await call(world.app, 'POST', url, world.shop.storefront);
    assert.equal(early.status, 200);
    assert.equal(early.body.state, 'placed');
    assert.equal(early.body.payment.status, 'requires_action');

    const succeeded = stripe.completeAction(await intentOf(placed.body.id), 'authenticated');
    const confirmed = await call(world.app, 'POST', url, world.shop.storefront);
    assert.equal(confirmed.status, 200);
    assert.equal(confirmed.body.state, 'confirmed');
    assert.equal(confirmed.body.payment.status, 'succeeded');
    assert.equal(
      (await deliver(succeeded)).statusCode,
      200,
      'the webhook arriving afterwards books nothing more',
    );
    assert.equal((await ledgerOf(world, placed.body.id)).charged.amount, 5_000);
  });

  test('a card Stripe declines is answered 402 and an amount Stripe cannot take is refused', async () => {
    const { sku } = await launch(world, 7_000, 'KWD');
    assertRefused(
      await place(world, sku, { paymentMethod: 'pm_card_chargeDeclinedInsufficientFunds' }),
      402,
      'insufficient_funds',
    );
    const odd = await launch(world, 1_255, 'KWD');
    assertRefused(await place(world, odd.sku, { paymentMethod: 'pm_card_visa' }), 422, 'invalid_amount');
    const offer = await call(world.app, 'GET', `/v1/storefront/offers/${odd.sku}`, world.shop.storefront);
    assert.equal(offer.body.unitsLeft, 100, 'a refused payment holds no units');
  });

  test('webhooks for another provider name, or unsigned, are refused', async () => {
    const unsigned = await world.app.inject({
      method: 'POST',
      url: '/v1/webhooks/stripe',
      headers: { 'content-type': 'application/json' },
      payload: '{"id":"evt_1"}',
    });
    assert.equal(unsigned.statusCode, 400);
    const other = await world.app.inject({
      method: 'POST',
      url: '/v1/webhooks/paypal',
      headers: { 'content-type': 'application/json' },
      payload: '{}',
    });
    assert.equal(other.statusCode, 404);
  });
});
