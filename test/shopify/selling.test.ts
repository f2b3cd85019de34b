/**
 * Selling through Shopify's checkout: the campaign's selling plan group (created, changed, removed), a drop
 * of 500 checkouts through holds against a cap of 100, and orders that come past the cap without a hold
 * (the oversell policy: cancel and refund with an apology, or accept at the end of the queue).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { addDays, shopDayStart } from '../../src/domain/calendar.ts';
import type { SellingPlanInput } from '../../src/shopify/selling-plan-input.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import {
  checkout,
  connectStore,
  openCampaign,
  preorderOfLine,
  requestHold,
  type ShopifyWorld,
  settle,
  shopifyWorld,
} from '../support/shopify.ts';

async function until(check: () => boolean, what: string) {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describeOnEachEngine('Shopify: selling plans and caps at the checkout', ({ db }) => {
  let world: ShopifyWorld;
  before(async () => {
    world = await shopifyWorld(db(), { app: false });
    world.store.addVariants(2, 'LAMP');
    world.store.addVariants(1, 'DROP');
    world.store.addVariants(1, 'LATE');
    await connectStore(world);
  });
  after(() => world.store.stop());

  test('a campaign’s selling plan group is created, follows its changes, and goes when it closes', async () => {
    const campaignId = await openCampaign(world, {
      skus: ['LAMP-1', 'LAMP-2'],
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'days_before_ship', days: 7 } },
    });
    const lamp1 = world.store.variantBySku('LAMP-1');
    const lamp2 = world.store.variantBySku('LAMP-2');
    const group = world.store.groupOf(lamp1.id);
    assert.ok(group, 'a selling plan group exists');
    assert.deepEqual([...group.variantIds].sort(), [lamp1.id, lamp2.id].sort());
    assert.equal(group.merchantCode, `presell-${campaignId}`);
    const plan = () => world.store.groupOf(lamp1.id)?.plans[0]?.input as SellingPlanInput;
    assert.equal(plan().category, 'PRE_ORDER');
    assert.equal(plan().name, 'Vorbestellen', 'in the shop’s language');
    assert.deepEqual(plan().billingPolicy.fixed.checkoutCharge, {
      type: 'PERCENTAGE',
      value: { percentage: 20 },
    });
    // No ship date yet: the delivery is unknown and Shopify is shown a placeholder time for the balance.
    assert.deepEqual(plan().deliveryPolicy.fixed, { fulfillmentTrigger: 'UNKNOWN' });
    assert.equal(plan().billingPolicy.fixed.remainingBalanceChargeTrigger, 'TIME_AFTER_CHECKOUT');
    assert.deepEqual(plan().inventoryPolicy, { reserve: 'ON_SALE' });
    assert.equal(lamp1.inventoryPolicy, 'CONTINUE');

    // A supply batch gives a date: the delivery and the balance (7 days before shipping) become exact.
    const readyDate = new Date(world.clock.now().getTime() + 60 * 86_400_000).toISOString().slice(0, 10);
    const batch = await call(world.app, 'POST', `/v1/campaigns/${campaignId}/batches`, world.shop.admin, {
      sku: 'LAMP-1',
      quantity: 100,
      readyDate,
    });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
    await settle(world);
    assert.equal(plan().deliveryPolicy.fixed.fulfillmentTrigger, 'EXACT_TIME');
    assert.equal(plan().billingPolicy.fixed.remainingBalanceChargeTrigger, 'EXACT_TIME');
    const offer = await call(world.app, 'GET', '/v1/storefront/offers/LAMP-1', world.shop.storefront);
    const window = offer.body.promise.window as { from: string; to: string };
    const dayStart = (date: string) => shopDayStart(date, 'Europe/Berlin').toISOString();
    assert.equal(plan().deliveryPolicy.fixed.fulfillmentExactTime, dayStart(window.from));
    assert.equal(
      plan().billingPolicy.fixed.remainingBalanceChargeExactTime,
      dayStart(addDays(window.to, -7)),
    );
    assert.equal(plan().description, offer.body.promise.message, 'the description is the promise, worded');

    // The terms change: the plan follows (a fixed deposit per unit is a PRICE).
    const changed = await call(world.app, 'PATCH', `/v1/campaigns/${campaignId}`, world.shop.admin, {
      paymentTerms: { kind: 'deposit', amount: 1500, balanceDue: { kind: 'on_release' } },
    });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    await settle(world);
    assert.deepEqual(plan().billingPolicy.fixed.checkoutCharge, {
      type: 'PRICE',
      value: { fixedValue: '15.00' },
    });
    const updates = world.store.requests.filter((r) => r.field === 'sellingPlanGroupUpdate').length;
    await call(world.app, 'PATCH', `/v1/campaigns/${campaignId}`, world.shop.admin, { name: 'Same terms' });
    await settle(world);
    assert.equal(
      world.store.requests.filter((r) => r.field === 'sellingPlanGroupUpdate').length,
      updates,
      'a change Shopify does not show sends nothing',
    );

    // Closed: the group is deleted and the variants stop selling.
    assert.equal(
      (await call(world.app, 'POST', `/v1/campaigns/${campaignId}/close`, world.shop.admin)).status,
      200,
    );
    await settle(world);
    assert.equal(world.store.groupOf(lamp1.id), undefined);
    assert.equal(world.store.groups.size, 0);
    assert.equal(lamp1.inventoryPolicy, 'DENY');
    assert.equal(lamp2.inventoryPolicy, 'DENY');
  });

  test('a drop of 500 checkouts through holds against a cap of 100', async () => {
    const campaignId = await openCampaign(world, { skus: ['DROP-1'], cap: 100 });
    const drop = world.store.variantBySku('DROP-1');
    assert.equal(drop.inventoryPolicy, 'CONTINUE');

    const holds = await Promise.all(Array.from({ length: 500 }, () => requestHold(world, 'DROP-1')));
    const held = holds.filter((answer) => answer.status === 201);
    assert.equal(held.length, 100);
    assert.ok(holds.every((answer) => answer.status === 201 || answer.body.error?.code === 'sold_out'));
    // At the cap the variant stops selling on Shopify at once, before any event is delivered.
    await until(() => drop.inventoryPolicy === 'DENY', 'the variant to stop selling');

    const positions = held.map((answer) => answer.body.preorder.queuePosition as number);
    assert.equal(new Set(positions).size, 100);
    assert.equal(held[0]?.body.lineItemProperty.name, '_presell_hold');

    // The 400 others reach Shopify's checkout too: it refuses them. The 100 with holds become orders.
    for (let i = 0; i < 400; i++) assert.equal(await checkout(world, { sku: 'DROP-1' }), null);
    const orders = [];
    for (const answer of held) {
      orders.push(await checkout(world, { sku: 'DROP-1', holdToken: answer.body.token, raced: true }));
    }
    await settle(world);

    const preorders = await db().query<{ id: string; state: string; queue_position: number; email: string }>(
      `SELECT id, state, queue_position, email FROM preorders WHERE shop_id = $1 AND campaign_id = $2 ORDER BY queue_position`,
      [world.shop.shopId, campaignId],
    );
    assert.equal(preorders.length, 100);
    assert.ok(preorders.every((p) => p.state === 'confirmed'));
    assert.deepEqual(
      preorders.map((p) => p.queue_position).sort((a, b) => a - b),
      [...positions].sort((a, b) => a - b),
      'each pre-order keeps the queue position its hold had',
    );
    assert.ok(
      preorders.every((p) => p.email.endsWith('@example.com')),
      'the order named the customer',
    );
    for (const [index, order] of orders.entries()) {
      const line = await preorderOfLine(world, order?.lines[0]?.id as string);
      assert.equal(line?.preorder_id, held[index]?.body.preorder.id);
    }
    const [money] = await db().query<{ charged: number }>(
      `SELECT sum(amount)::int AS charged FROM ledger_entries WHERE shop_id = $1 AND campaign_id = $2 AND kind = 'charge'
         AND provider = 'shopify'`,
      [world.shop.shopId, campaignId],
    );
    assert.equal(money?.charged, 100 * 7900, 'what Shopify’s checkout took is in the ledger');
    const campaign = await call(world.app, 'GET', `/v1/campaigns/${campaignId}`, world.shop.admin);
    assert.equal(campaign.body.variants[0].unitsLeft, 0);
    assert.equal(drop.inventoryPolicy, 'DENY');
  });

  test('an order past the cap without a hold: cancelled and refunded with an apology, or accepted', async () => {
    const campaignId = await openCampaign(world, { skus: ['LATE-1'], cap: 1 });
    const first = await checkout(world, { sku: 'LATE-1', email: 'first@example.com' });
    await settle(world);
    const firstLine = await preorderOfLine(world, first?.lines[0]?.id as string);
    assert.equal(firstLine?.outcome, 'preorder', 'without a hold, an order is placed while units remain');
    assert.equal(world.store.variantBySku('LATE-1').inventoryPolicy, 'DENY');

    const late = await checkout(world, { sku: 'LATE-1', email: 'late@example.com', raced: true });
    await settle(world);
    const lateLine = await preorderOfLine(world, late?.lines[0]?.id as string);
    assert.equal(lateLine?.outcome, 'refused');
    const order = world.store.order(late?.id as string);
    assert.equal(order.lines[0]?.refundedQuantity, 1);
    assert.equal(order.refunds[0]?.amount, 7900, 'refunded in full');
    assert.match(order.refunds[0]?.note ?? '', /Es tut uns leid/);
    const refused = await db().query<{ data: { lineItemId: string; refunded: { amount: number } } }>(
      `SELECT data FROM events WHERE shop_id = $1 AND type = 'shopify.line_refused'`,
      [world.shop.shopId],
    );
    assert.deepEqual(
      refused.map((e) => [e.data.lineItemId, e.data.refunded.amount]),
      [[late?.lines[0]?.id, 7900]],
    );

    // The campaign accepts oversold units instead: the line joins the end of the queue, the cap grows.
    await call(world.app, 'PATCH', `/v1/campaigns/${campaignId}`, world.shop.admin, {
      oversellPolicy: 'accept',
    });
    await settle(world);
    const accepted = await checkout(world, { sku: 'LATE-1', email: 'accepted@example.com', raced: true });
    await settle(world);
    const acceptedLine = await preorderOfLine(world, accepted?.lines[0]?.id as string);
    assert.equal(acceptedLine?.outcome, 'preorder');
    const preorder = await call(
      world.app,
      'GET',
      `/v1/preorders/${acceptedLine?.preorder_id}`,
      world.shop.admin,
    );
    assert.equal(preorder.body.state, 'confirmed');
    assert.equal(preorder.body.queuePosition, 2);
    assert.equal(preorder.body.promise.status, 'unpromised');
    const campaign = await call(world.app, 'GET', `/v1/campaigns/${campaignId}`, world.shop.admin);
    assert.equal(campaign.body.variants[0].cap, 2);
    assert.equal(campaign.body.oversellPolicy, 'accept');
    const oversold = await db().query(
      `SELECT 1 FROM events WHERE shop_id = $1 AND type = 'campaign.oversold'`,
      [world.shop.shopId],
    );
    assert.equal(oversold.length, 1);
    assert.equal(world.store.variantBySku('LATE-1').inventoryPolicy, 'DENY', 'still nothing more to sell');
  });
});
