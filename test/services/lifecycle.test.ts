/**
 * The whole lifecycle through the API, on both engines: placed → confirmed on payment → allocated when
 * received stock covers every unit, in queue order → balance_due when the balance falls due → ready once
 * paid → fulfilled when the merchant ships; and the refund policy that depends on the state.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import {
  CHARGES_DECLINED,
  daysLater,
  eventsOf,
  launch,
  ledgerOf,
  type MoneyWorld,
  moneyWorld,
  place,
  providerEvents,
  stateOf,
  VISA,
} from '../money/support.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertNothingWritten, assertRefused, databaseDigest } from '../support/http-assertions.ts';

/** Stripe's test card whose bank always asks the shopper to authenticate. */
const THREE_D_SECURE = '4000002760003184';

const DEPOSIT_ON_RELEASE = { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } };

describeOnEachEngine('the pre-order lifecycle', ({ db }) => {
  let world: MoneyWorld;

  before(async () => {
    world = await moneyWorld(db());
  });

  const addBatch = async (campaignId: string, sku: string, quantity: number) => {
    const batch = await call(world.app, 'POST', `/v1/campaigns/${campaignId}/batches`, world.shop.admin, {
      sku,
      quantity,
      readyDate: '2027-02-01',
    });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
    return batch.body.id as string;
  };
  const receive = (campaignId: string, batchId: string, quantityReceived: number) =>
    call(world.app, 'PATCH', `/v1/campaigns/${campaignId}/batches/${batchId}`, world.shop.admin, {
      quantityReceived,
    });
  const moves = async (preorderId: string) =>
    (await eventsOf(db(), preorderId))
      .map((event) => event.type)
      .filter((type) => type !== 'preorder.promise_changed');

  test('paid in full: received stock allocates it and it is ready; the shipment fulfils it', async () => {
    const { campaignId, sku } = await launch(world, 5_000, 'EUR', { cap: 10 });
    const batchId = await addBatch(campaignId, sku, 5);
    const placed = await place(world, sku, { paymentMethod: VISA, quantity: 2 });
    assert.equal(placed.body.state, 'confirmed');

    const notReady = await call(
      world.app,
      'POST',
      `/v1/preorders/${placed.body.id}/fulfil`,
      world.shop.admin,
      {
        carrier: 'DHL',
      },
    );
    assertRefused(notReady, 409, 'invalid_transition');
    assert.equal((notReady.body as { error: { details: { from: string } } }).error.details.from, 'confirmed');

    assert.equal((await receive(campaignId, batchId, 5)).status, 200);
    assert.equal(await stateOf(world, placed.body.id), 'ready');

    const shipped = await call(
      world.app,
      'POST',
      `/v1/preorders/${placed.body.id}/fulfil`,
      world.shop.admin,
      {
        carrier: 'DHL',
        trackingNumber: '00340434161234567890',
        trackingUrl: 'https://www.dhl.de/track?id=00340434161234567890',
      },
    );
    assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
    assert.equal(shipped.body.state, 'fulfilled');
    assert.equal(shipped.body.shipment.carrier, 'DHL');
    assert.equal(shipped.body.shipment.trackingNumber, '00340434161234567890');
    assert.equal(shipped.body.shipment.shippedAt, world.clock.now().toISOString());
    assert.deepEqual(await moves(placed.body.id), [
      'preorder.placed',
      'preorder.confirmed',
      'preorder.allocated',
      'preorder.ready',
      'preorder.fulfilled',
    ]);

    const before = await databaseDigest(db());
    const again = await call(
      world.app,
      'POST',
      `/v1/preorders/${placed.body.id}/fulfil`,
      world.shop.admin,
      {},
    );
    assertRefused(again, 409, 'invalid_transition');
    assertNothingWritten(before, await databaseDigest(db()));
    const cancel = await call(world.app, 'POST', `/v1/preorders/${placed.body.id}/cancel`, world.shop.admin, {
      reason: 'too late',
    });
    assertRefused(cancel, 409, 'invalid_transition');
  });

  test('a deposit: allocated while the balance waits for the release, then balance_due, charged, ready', async () => {
    const { campaignId, sku } = await launch(world, 10_000, 'EUR', {
      cap: 10,
      paymentTerms: DEPOSIT_ON_RELEASE,
    });
    const batchId = await addBatch(campaignId, sku, 5);
    const placed = await place(world, sku, { paymentMethod: VISA });
    await receive(campaignId, batchId, 5);
    assert.equal(await stateOf(world, placed.body.id), 'allocated');
    await daysLater(world, 1);
    assert.equal(await stateOf(world, placed.body.id), 'allocated', 'nothing is due before the release');

    assert.equal(
      (await call(world.app, 'POST', `/v1/campaigns/${campaignId}/release`, world.shop.admin)).status,
      200,
    );
    await daysLater(world, 0);
    assert.equal(await stateOf(world, placed.body.id), 'ready');
    assert.equal((await ledgerOf(world, placed.body.id)).charged.amount, 10_000);
    assert.deepEqual(await moves(placed.body.id), [
      'preorder.placed',
      'preorder.confirmed',
      'preorder.allocated',
      'preorder.balance_due',
      'preorder.balance_charged',
      'preorder.ready',
    ]);
  });

  test('the default policy refunds everything until allocated and keeps the deposit after', async () => {
    const { campaignId, sku } = await launch(world, 10_000, 'EUR', {
      cap: 10,
      paymentTerms: DEPOSIT_ON_RELEASE,
    });
    const batchId = await addBatch(campaignId, sku, 1);
    const first = await place(world, sku, { paymentMethod: VISA });
    const second = await place(world, sku, { paymentMethod: VISA });
    await receive(campaignId, batchId, 1);
    assert.equal(await stateOf(world, first.body.id), 'allocated');
    assert.equal(await stateOf(world, second.body.id), 'confirmed');

    const cancel = (id: string) =>
      call(world.app, 'POST', `/v1/preorders/${id}/cancel`, world.shop.admin, { reason: 'changed my mind' });
    const beforeCutoff = await cancel(second.body.id);
    assert.equal(beforeCutoff.body.basis, 'policy_before_cutoff');
    assert.deepEqual(
      beforeCutoff.body.refunds.map((r: { amount: { amount: number } }) => r.amount.amount),
      [2_000],
    );
    const afterCutoff = await cancel(first.body.id);
    assert.equal(afterCutoff.body.basis, 'policy_after_cutoff');
    assert.deepEqual(afterCutoff.body.refunds, [], 'the deposit is kept');
    assert.equal((await ledgerOf(world, first.body.id)).netPaid.amount, 2_000);
  });

  test('a partial receipt allocates the pre-orders it covers whole, in queue order', async () => {
    const { campaignId, sku } = await launch(world, 5_000, 'EUR', { cap: 10 });
    const batchId = await addBatch(campaignId, sku, 6);
    const first = await place(world, sku, { paymentMethod: VISA, quantity: 2 });
    const second = await place(world, sku, { paymentMethod: VISA, quantity: 2 });
    const third = await place(world, sku, { paymentMethod: VISA, quantity: 2 });
    await receive(campaignId, batchId, 3);
    assert.deepEqual(
      [
        await stateOf(world, first.body.id),
        await stateOf(world, second.body.id),
        await stateOf(world, third.body.id),
      ],
      ['ready', 'confirmed', 'confirmed'],
      'the second has one unit of two in stock',
    );
    await receive(campaignId, batchId, 6);
    assert.deepEqual(
      [await stateOf(world, second.body.id), await stateOf(world, third.body.id)],
      ['ready', 'ready'],
    );
  });

  test('an unpaid placement that stock covers is allocated the moment it is paid', async () => {
    const { campaignId, sku } = await launch(world, 5_000, 'EUR', { cap: 10 });
    const batchId = await addBatch(campaignId, sku, 2);
    await receive(campaignId, batchId, 2);
    const placed = await place(world, sku, { paymentMethod: THREE_D_SECURE });
    assert.equal(placed.body.state, 'placed');
    assert.equal(placed.body.payment.status, 'requires_action');
    assert.equal(placed.body.promise.batches[0].inStock, true);
    const challenge = providerEvents(world.provider, 'payment.requires_action').find(
      (event) => 'payment' in event && event.payment.metadata.preorderId === placed.body.id,
    );
    assert.ok(challenge && 'payment' in challenge);
    world.provider.completeAction(challenge.payment.paymentId, 'authenticated');
    const confirmed = await call(
      world.app,
      'POST',
      `/v1/storefront/preorders/${placed.body.id}/confirm`,
      world.shop.storefront,
    );
    assert.equal(confirmed.status, 200);
    assert.equal(confirmed.body.state, 'ready');
    assert.deepEqual(await moves(placed.body.id), [
      'preorder.placed',
      'preorder.confirmed',
      'preorder.allocated',
      'preorder.ready',
    ]);
  });

  test('received units stay with the customers they were allocated to: a priority cannot take them', async () => {
    const { campaignId, sku } = await launch(world, 5_000, 'EUR', { cap: 10 });
    const batchId = await addBatch(campaignId, sku, 1);
    const first = await place(world, sku, { paymentMethod: VISA });
    const second = await place(world, sku, { paymentMethod: VISA });
    await receive(campaignId, batchId, 1);
    assert.equal(await stateOf(world, first.body.id), 'ready');
    const before = await databaseDigest(db());
    const jump = await call(world.app, 'PATCH', `/v1/preorders/${second.body.id}`, world.shop.admin, {
      priority: 5,
    });
    assertRefused(jump, 409, 'units_in_hand');
    assert.deepEqual((jump.body as { error: { details: unknown } }).error.details, {
      preorders: [first.body.id],
    });
    assertNothingWritten(before, await databaseDigest(db()));
  });

  test('a charge that keeps failing on allocated units is tried on schedule, then cancelled', async () => {
    const { campaignId, sku } = await launch(world, 10_000, 'EUR', {
      cap: 10,
      paymentTerms: { kind: 'later' },
    });
    const batchId = await addBatch(campaignId, sku, 1);
    const placed = await place(world, sku, { paymentMethod: CHARGES_DECLINED });
    assert.equal(placed.body.state, 'confirmed', 'the card was saved');
    await receive(campaignId, batchId, 1);
    assert.equal(await stateOf(world, placed.body.id), 'allocated');
    await call(world.app, 'POST', `/v1/campaigns/${campaignId}/release`, world.shop.admin);
    await daysLater(world, 0);
    assert.equal(await stateOf(world, placed.body.id), 'balance_due');
    for (const days of [1, 3]) {
      await daysLater(world, days);
      assert.equal(await stateOf(world, placed.body.id), 'balance_due');
    }
    await daysLater(world, 7);
    assert.equal(await stateOf(world, placed.body.id), 'cancelled');
    const failures = (await eventsOf(db(), placed.body.id)).filter(
      (e) => e.type === 'preorder.payment_failed',
    );
    assert.deepEqual(
      failures.map((e) => e.data.attempt),
      [1, 2, 3, 4],
    );
    assert.equal((await ledgerOf(world, placed.body.id)).charged.amount, 0);
  });
});
