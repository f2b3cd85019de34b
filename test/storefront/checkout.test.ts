/**
 * The hosted checkout's API as its page uses it: a placement with its address, the test provider's card
 * and 3-D Secure steps in the browser, and the confirm that completes the pre-order; every refusal clear.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { DECLINED, launch, type MoneyWorld, moneyWorld, VISA } from '../money/support.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';

const address = {
  name: 'Ada Lovelace',
  line1: 'Marienplatz 1',
  postalCode: '80331',
  city: 'München',
  country: 'DE',
};

describeOnEachEngine('the hosted checkout’s API', ({ db }) => {
  let world: MoneyWorld;
  let sequence = 0;

  before(async () => {
    world = await moneyWorld(db());
  });

  const checkout = (body: Record<string, unknown>, key = `checkout-${++sequence}`) =>
    call(
      world.app,
      'POST',
      '/v1/storefront/checkouts',
      { ...world.shop.storefront, 'idempotency-key': key },
      body,
    );
  const browser = (step: 'confirm' | 'authenticate', body: Record<string, unknown>) =>
    call(world.app, 'POST', `/v1/storefront/test-payments/${step}`, world.shop.storefront, body);
  const confirm = (id: string) =>
    call(world.app, 'POST', `/v1/storefront/preorders/${id}/confirm`, world.shop.storefront);

  test('places with the address, holds the units, and says what is due now and later', async () => {
    const { sku } = await launch(world, 10_000, 'EUR', {
      cap: 10,
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    });
    const placed = await checkout({
      sku,
      quantity: 2,
      email: 'ada@example.com',
      shippingAddress: address,
      locale: 'en-GB',
    });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.equal(placed.body.state, 'placed');
    assert.equal(placed.body.payment.status, 'requires_payment_method');
    assert.match(placed.body.payment.clientSecret, /_secret_/);
    assert.deepEqual(placed.body.due.now, { amount: 4000, currency: 'EUR' });
    assert.deepEqual(placed.body.due.later, { amount: 16000, currency: 'EUR' });
    assert.equal(placed.body.due.message, 'Pay €40.00 now, €160.00 when it ships');
    const offer = await call(world.app, 'GET', `/v1/storefront/offers/${sku}`, world.shop.storefront);
    assert.equal(offer.body.unitsLeft, 8, 'the units are held while the shopper pays');

    const fetched = await call(world.app, 'GET', `/v1/preorders/${placed.body.id}`, world.shop.admin);
    assert.deepEqual(fetched.body.shippingAddress, { ...address, line2: null, region: null, phone: null });
  });

  test('a declined card leaves the pre-order waiting for another card; a good one completes it', async () => {
    const { sku } = await launch(world, 5_000, 'EUR', { cap: 5 });
    const placed = await checkout({ sku, quantity: 1, email: 'grace@example.com', shippingAddress: address });
    const clientSecret = placed.body.payment.clientSecret as string;

    const declined = await browser('confirm', { clientSecret, card: DECLINED });
    assert.deepEqual(declined.body, { status: 'requires_payment_method', code: 'card_declined' });
    const waiting = await confirm(placed.body.id);
    assert.equal(waiting.body.state, 'placed', 'nothing is cancelled: the shopper may try another card');

    const paid = await browser('confirm', { clientSecret, card: VISA });
    assert.deepEqual(paid.body, { status: 'succeeded', code: null });
    const confirmed = await confirm(placed.body.id);
    assert.equal(confirmed.status, 200);
    assert.equal(confirmed.body.state, 'confirmed');
    assert.equal(confirmed.body.payment.status, 'succeeded');
    const ledger = await call(world.app, 'GET', `/v1/preorders/${placed.body.id}/ledger`, world.shop.admin);
    assert.deepEqual(ledger.body.charged, { amount: 5000, currency: 'EUR' }, 'charged once');
  });

  test('a 3-D Secure card asks the test bank; a refusal can be followed by a confirmation', async () => {
    const { sku } = await launch(world, 5_000, 'EUR', { paymentTerms: { kind: 'later' } });
    const placed = await checkout({
      sku,
      quantity: 1,
      email: 'secure@example.com',
      shippingAddress: address,
    });
    assert.match(placed.body.payment.clientSecret, /^seti_/, 'pay later saves the card');
    const clientSecret = placed.body.payment.clientSecret as string;
    const challenged = await browser('confirm', { clientSecret, card: '4000002500003155' });
    assert.deepEqual(challenged.body, { status: 'requires_action', code: null });
    const failed = await browser('authenticate', { clientSecret, outcome: 'failed' });
    assert.deepEqual(failed.body, { status: 'requires_payment_method', code: 'authentication_failed' });
    await browser('confirm', { clientSecret, card: '4000002500003155' });
    const passed = await browser('authenticate', { clientSecret, outcome: 'authenticated' });
    assert.equal(passed.body.status, 'succeeded');
    assert.equal((await confirm(placed.body.id)).body.state, 'confirmed');
  });

  test('refusals: sold out with how many are left, the limit, a wrong secret, not a test card', async () => {
    const { sku } = await launch(world, 1_000, 'EUR', { cap: 2, perCustomerLimit: 2 });
    const tooMany = await checkout({ sku, quantity: 3, email: 'many@example.com', shippingAddress: address });
    assert.deepEqual([tooMany.status, tooMany.body.error.code], [422, 'per_customer_limit']);
    await checkout({ sku, quantity: 1, email: 'first@example.com', shippingAddress: address });
    const some = await checkout({ sku, quantity: 2, email: 'second@example.com', shippingAddress: address });
    assert.deepEqual(
      [some.status, some.body.error.code, some.body.error.details],
      [409, 'sold_out', { unitsLeft: 1 }],
    );

    const wrong = await browser('confirm', { clientSecret: 'pi_test_nothing_secret_nothing', card: VISA });
    assert.equal(wrong.status, 404);
    const placed = await checkout({ sku, quantity: 1, email: 'third@example.com', shippingAddress: address });
    const notACard = await browser('confirm', {
      clientSecret: placed.body.payment.clientSecret,
      card: '1234',
    });
    assert.equal(notACard.status, 422);
    assert.equal(notACard.body.error.code, 'invalid_request');
  });

  test('the provider unreachable: 503, and a retry with the same key gets the one pre-order', async () => {
    const { sku } = await launch(world, 2_000, 'EUR', { cap: 5 });
    world.provider.interruptNextCalls(1, 'before');
    const body = { sku, quantity: 1, email: 'offline@example.com', shippingAddress: address };
    const unreachable = await checkout(body, 'offline-key');
    assert.equal(unreachable.status, 503);
    assert.equal(unreachable.body.error.code, 'provider_unavailable');
    const retried = await checkout(body, 'offline-key');
    assert.equal(retried.status, 201, JSON.stringify(retried.body));
    assert.match(retried.body.payment.clientSecret, /_secret_/);
    const offer = await call(world.app, 'GET', `/v1/storefront/offers/${sku}`, world.shop.storefront);
    assert.equal(offer.body.unitsLeft, 4, 'one pre-order holds one unit');
    const fetched = await call(world.app, 'GET', `/v1/preorders/${retried.body.id}`, world.shop.admin);
    assert.equal(fetched.body.shippingAddress.city, 'München', 'the address is kept with the retry');
  });

  test('bad input is refused by field and changes nothing; a retry with another address is refused', async () => {
    const { sku } = await launch(world, 1_000, 'EUR', { cap: 5 });
    const country = await checkout({
      sku,
      quantity: 1,
      email: 'x@example.com',
      shippingAddress: { ...address, country: 'XX' },
    });
    assert.equal(country.status, 400);
    assert.match(country.body.error.message, /body\.shippingAddress\.country/);
    const unknown = await checkout({
      sku,
      quantity: 1,
      email: 'x@example.com',
      shippingAddress: address,
      coupon: 'FREE',
    });
    assert.equal(unknown.status, 400, 'an unknown field is refused');
    const first = await checkout(
      { sku, quantity: 1, email: 'retry@example.com', shippingAddress: address },
      'same-key',
    );
    const replay = await checkout(
      { sku, quantity: 1, email: 'retry@example.com', shippingAddress: address },
      'same-key',
    );
    assert.equal(replay.body.id, first.body.id);
    const moved = await checkout(
      { sku, quantity: 1, email: 'retry@example.com', shippingAddress: { ...address, city: 'Berlin' } },
      'same-key',
    );
    assert.equal(moved.status, 422);
    assert.equal(moved.body.error.code, 'idempotency_key_reused');
    const offer = await call(world.app, 'GET', `/v1/storefront/offers/${sku}`, world.shop.storefront);
    assert.equal(offer.body.unitsLeft, 4, 'one pre-order, however many tries');
  });
});
