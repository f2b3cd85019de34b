/**
 * Orders and money on Shopify: a cancellation on Shopify's side, webhooks duplicated and out of order, a
 * balance collected by mandate exactly once, fulfilment released when ready and fulfilled from Shopify, and
 * a hold that runs out giving its units back.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TestPaymentProvider } from '../../src/payments/test-provider.ts';
import { releaseAbandonedPlacements } from '../../src/services/abandoned-placements.ts';
import { DEFAULT_PAYMENT_SETTINGS } from '../../src/services/payment-operations.ts';
import { collectShopifyBalances } from '../../src/shopify/balances.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertNothingWritten, assertRefused, databaseDigest } from '../support/http-assertions.ts';
import {
  checkout,
  connectStore,
  deliver,
  openCampaign,
  preorderOfLine,
  requestHold,
  type ShopifyWorld,
  settle,
  shopifyWorld,
  storeWebhook,
} from '../support/shopify.ts';

/** A server whose PRESELL_BALANCE_RETRY_DAYS is not the default (1,3,7): the adapter follows it too. */
const RETRY_DAYS = [2, 5];

describeOnEachEngine('Shopify: orders and money', ({ db }) => {
  let world: ShopifyWorld;
  before(async () => {
    world = await shopifyWorld(db(), {
      app: false,
      paymentSettings: { ...DEFAULT_PAYMENT_SETTINGS, balanceRetryDays: RETRY_DAYS },
    });
    for (const prefix of ['CXL', 'OOO', 'BAL', 'DEC', 'SHIP', 'EXP']) world.store.addVariants(1, prefix);
    await connectStore(world);
  });
  after(() => world.store.stop());

  /** A hold, then its checkout on Shopify, then the outbox: the pre-order the line became. */
  async function sell(sku: string, email = 'buyer@example.com') {
    const hold = await requestHold(world, sku);
    assert.equal(hold.status, 201, JSON.stringify(hold.body));
    const order = await checkout(world, { sku, email, holdToken: hold.body.token, raced: true });
    assert.ok(order);
    await settle(world);
    const line = await preorderOfLine(world, order.lines[0]?.id as string);
    return { order, preorderId: line?.preorder_id as string };
  }

  const ledger = async (preorderId: string) =>
    (await call(world.app, 'GET', `/v1/preorders/${preorderId}/ledger`, world.shop.admin)).body;
  const preorder = async (preorderId: string) =>
    (await call(world.app, 'GET', `/v1/preorders/${preorderId}`, world.shop.admin)).body;

  test('a cancellation on Shopify’s side refunds and frees the unit', async () => {
    const campaignId = await openCampaign(world, {
      skus: ['CXL-1'],
      cap: 1,
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    });
    const { order, preorderId } = await sell('CXL-1');
    assert.equal((await preorder(preorderId)).state, 'confirmed');
    assert.equal((await ledger(preorderId)).charged.amount, 1580, 'the deposit Shopify’s checkout took');
    const variant = world.store.variantBySku('CXL-1');
    assert.equal(variant.inventoryPolicy, 'DENY', 'at the cap');

    // Shopify took the money: Presell cannot give it back through its own card provider, and says where.
    const before = await databaseDigest(db());
    const cancelHere = await call(
      world.app,
      'POST',
      `/v1/preorders/${preorderId}/cancel`,
      world.shop.admin,
      {},
    );
    assertRefused(cancelHere, 409, 'refund_elsewhere');
    assert.match(cancelHere.body.error.message, /paid through shopify: refund it in shopify/);
    const refundHere = await call(
      world.app,
      'POST',
      `/v1/preorders/${preorderId}/refunds`,
      { ...world.shop.admin, 'idempotency-key': 'shopify-goodwill' },
      { amount: 500, reason: 'goodwill' },
    );
    assertRefused(refundHere, 409, 'refund_elsewhere');
    assertNothingWritten(before, await databaseDigest(db()));

    const refund = world.store.cancelOrder(order.id);
    await deliver(world, storeWebhook(world, 'orders/cancelled', world.store.orderPayload(order.id)));
    await deliver(
      world,
      storeWebhook(world, 'refunds/create', world.store.refundPayload(world.store.order(order.id), refund)),
    );
    await settle(world);

    assert.equal((await preorder(preorderId)).state, 'cancelled');
    const money = await ledger(preorderId);
    assert.equal(money.charged.amount, 1580);
    assert.equal(money.refunded.amount, 1580, 'the refund is booked once, though two webhooks carried it');
    assert.equal(money.netPaid.amount, 0);
    assert.equal(world.store.netPaid(order.id), 0);
    const campaign = await call(world.app, 'GET', `/v1/campaigns/${campaignId}`, world.shop.admin);
    assert.equal(campaign.body.variants[0].unitsLeft, 1, 'the unit is back on sale');
    assert.equal(variant.inventoryPolicy, 'CONTINUE', 'and Shopify sells it again');
  });

  test('webhooks duplicated and out of order come to the same end', async () => {
    await openCampaign(world, { skus: ['OOO-1'], cap: 10 });
    const hold = await requestHold(world, 'OOO-1');
    const variant = world.store.variantBySku('OOO-1');
    const order = world.store.checkout({
      variantId: variant.id,
      quantity: 1,
      email: 'ooo@example.com',
      holdToken: hold.body.token,
    });
    assert.ok(order);
    const created = storeWebhook(world, 'orders/create', world.store.orderPayload(order.id));
    const refund = world.store.cancelOrder(order.id);
    // Shopify delivers the cancellation and its refund first, then the order, twice.
    await deliver(world, storeWebhook(world, 'orders/cancelled', world.store.orderPayload(order.id)));
    await deliver(
      world,
      storeWebhook(world, 'refunds/create', world.store.refundPayload(world.store.order(order.id), refund)),
    );
    assert.equal((await deliver(world, created)).json().duplicate, false);
    assert.equal((await deliver(world, created)).json().duplicate, true);
    await settle(world);

    const lines = await db().query<{ preorder_id: string }>(
      'SELECT preorder_id FROM shopify_order_lines WHERE shop_id = $1 AND order_id = $2',
      [world.shop.shopId, order.id],
    );
    assert.equal(lines.length, 1);
    const preorderId = lines[0]?.preorder_id as string;
    assert.equal(preorderId, hold.body.preorder.id);
    assert.equal((await preorder(preorderId)).state, 'cancelled');
    const money = await ledger(preorderId);
    assert.deepEqual([money.charged.amount, money.refunded.amount], [7900, 7900]);
    const failures = await db().query(`SELECT 1 FROM outbox_failures WHERE shop_id = $1`, [
      world.shop.shopId,
    ]);
    assert.deepEqual(failures, [], 'what failed before the order was known succeeded on its retry');
  });

  test('a balance is collected by mandate payment exactly once, however often the job runs', async () => {
    const campaignId = await openCampaign(world, {
      skus: ['BAL-1'],
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    });
    const { order, preorderId } = await sell('BAL-1');
    assert.ok(world.store.order(order.id).mandateId, 'Shopify vaulted the customer’s payment method');
    assert.deepEqual(
      await collectShopifyBalances(world.shopify),
      { tries: 0 },
      'nothing is due before release',
    );

    assert.equal(
      (await call(world.app, 'POST', `/v1/campaigns/${campaignId}/release`, world.shop.admin)).status,
      200,
    );
    // The first answer is lost after Shopify took the money: the same key is sent again.
    world.store.loseNextAnswers(1);
    await Promise.all([collectShopifyBalances(world.shopify), collectShopifyBalances(world.shopify)]);
    await collectShopifyBalances(world.shopify);
    await settle(world);

    const payments = [...world.store.mandatePayments.values()].filter((p) => p.orderId === order.id);
    assert.deepEqual(
      payments.map((p) => p.amount),
      [6320],
      'Shopify charged the balance once',
    );
    const money = await ledger(preorderId);
    assert.equal(money.charged.amount, 7900);
    assert.equal(money.outstanding.amount, 0);
    const charges = money.entries.filter((e: { kind: string }) => e.kind === 'charge');
    assert.equal(charges.length, 2, 'the deposit and one balance');
    const events = await db().query(
      `SELECT 1 FROM events WHERE subject_id = $1 AND type = 'preorder.balance_charged'`,
      [preorderId],
    );
    assert.equal(events.length, 1);
  });

  test('a declined mandate payment is tried on the server’s schedule, then left to the merchant', async () => {
    const campaignId = await openCampaign(world, {
      skus: ['DEC-1'],
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    });
    const { preorderId } = await sell('DEC-1');
    await call(world.app, 'POST', `/v1/campaigns/${campaignId}/release`, world.shop.admin);
    world.store.declineMandatePayments = true;
    try {
      const tries: number[] = [];
      const started = world.clock.now().getTime();
      for (const days of [0, 1, 1, 5, 30]) {
        world.clock.advance(days * 86_400_000);
        tries.push((await collectShopifyBalances(world.shopify)).tries);
      }
      assert.deepEqual(tries, [1, 0, 1, 1, 0], 'the first try, none a day later, retries 2 and 5 days on');
      const failures = await db().query<{ data: { attempt: number; retryAt: string | null } }>(
        `SELECT data FROM events WHERE subject_id = $1 AND type = 'preorder.payment_failed' ORDER BY id`,
        [preorderId],
      );
      const day = (n: number) => new Date(started + n * 86_400_000).toISOString();
      assert.deepEqual(
        failures.map((f) => [f.data.attempt, f.data.retryAt]),
        [
          [1, day(2)],
          [2, day(2 + 5)],
          [3, null],
        ],
      );
      assert.equal((await preorder(preorderId)).state, 'confirmed', 'not cancelled: the merchant decides');
    } finally {
      world.store.declineMandatePayments = false;
    }
  });

  test('fulfilment: Shopify’s hold is released once the pre-order is ready, and its shipment fulfils it', async () => {
    const campaignId = await openCampaign(world, { skus: ['SHIP-1'], cap: 5 });
    const { order, preorderId } = await sell('SHIP-1');
    const fulfilmentOrder = world.store.order(order.id).fulfillmentOrders[0];
    assert.equal(fulfilmentOrder?.status, 'ON_HOLD', 'no ship date when it sold: Shopify holds it');

    const readyDate = world.clock.now().toISOString().slice(0, 10);
    const batch = await call(world.app, 'POST', `/v1/campaigns/${campaignId}/batches`, world.shop.admin, {
      sku: 'SHIP-1',
      quantity: 5,
      readyDate,
    });
    const received = await call(
      world.app,
      'PATCH',
      `/v1/campaigns/${campaignId}/batches/${batch.body.id}`,
      world.shop.admin,
      {
        state: 'received',
        quantityReceived: 5,
      },
    );
    assert.equal(received.status, 200, JSON.stringify(received.body));
    await settle(world);
    assert.equal((await preorder(preorderId)).state, 'ready');
    assert.equal(fulfilmentOrder?.status, 'OPEN');
    assert.deepEqual(fulfilmentOrder?.holds, []);

    const shipped = world.store.fulfillmentPayload(order.id, {
      company: 'DHL',
      number: 'JD0001',
      url: 'https://track.example/JD0001',
    });
    await deliver(world, storeWebhook(world, 'fulfillments/create', shipped));
    await settle(world);
    const done = await preorder(preorderId);
    assert.equal(done.state, 'fulfilled');
    assert.equal(done.shipment.carrier, 'DHL');
    assert.equal(done.shipment.trackingNumber, 'JD0001');
  });

  test('a hold nobody checks out gives its units back when it runs out', async () => {
    const campaignId = await openCampaign(world, { skus: ['EXP-1'], cap: 1 });
    const hold = await requestHold(world, 'EXP-1');
    assert.equal(hold.status, 201);
    const variant = world.store.variantBySku('EXP-1');
    await settle(world);
    assert.equal(variant.inventoryPolicy, 'DENY');
    assertRefusedHold(await requestHold(world, 'EXP-1'));

    world.clock.advance(16 * 60_000);
    const payments = { provider: new TestPaymentProvider(), settings: DEFAULT_PAYMENT_SETTINGS };
    assert.equal((await releaseAbandonedPlacements(world.ctx, payments)).released, 1);
    await settle(world);
    const campaign = await call(world.app, 'GET', `/v1/campaigns/${campaignId}`, world.shop.admin);
    assert.equal(campaign.body.variants[0].unitsLeft, 1);
    assert.equal(variant.inventoryPolicy, 'CONTINUE');
    assert.equal((await requestHold(world, 'EXP-1')).status, 201);
  });
});

function assertRefusedHold(answer: { status: number; body: { error?: { code: string } } }) {
  assert.equal(answer.status, 409);
  assert.equal(answer.body.error?.code, 'sold_out');
}
