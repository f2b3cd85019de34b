/** The supply plan through the API, and the promises it gives each customer, on both engines. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { call, manualClock, openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';

describeOnEachEngine('the supply plan and promises', ({ db }) => {
  // 1 December 2026, 09:00 UTC: 10:00 in Berlin, the test shop's time zone.
  const clock = manualClock(new Date('2026-12-01T09:00:00Z'));
  let app: FastifyInstance;
  let shop: TestShop;
  let sequence = 0;

  before(async () => {
    const made = await testApp(db(), { clock: clock.now });
    app = made.app;
    shop = await testShop(made.ctx);
  });

  const place = (sku: string, quantity: number) =>
    call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': `promise-${++sequence}` },
      { sku, quantity, email: `customer${sequence}@example.com` },
    );
  const promiseOf = async (preorderId: string) =>
    (await call(app, 'GET', `/v1/preorders/${preorderId}`, shop.admin)).body.promise;
  const addBatch = (campaignId: string, body: Record<string, unknown>) =>
    call(app, 'POST', `/v1/campaigns/${campaignId}/batches`, shop.admin, body);
  const changesOf = async (preorderId: string) =>
    db().query<{ data: { cause: string; oldWindow: unknown; newWindow: unknown } }>(
      `SELECT data FROM events WHERE subject_id = $1 AND type = 'preorder.promise_changed' ORDER BY id`,
      [preorderId],
    );

  test('each customer is promised the batch their place in the queue reaches, buffer included', async () => {
    const launch = await openLaunch(app, shop, { sku: 'PR-1', cap: 100, promiseSettings: { bufferDays: 3 } });
    assert.equal(
      (await addBatch(launch.campaignId, { sku: 'PR-1', quantity: 5, readyDate: '2026-12-14' })).status,
      201,
    );
    const second = await addBatch(launch.campaignId, {
      sku: 'PR-1',
      quantity: 5,
      readyDate: '2027-01-11',
      bufferDays: 7,
    });
    assert.equal(second.body.bufferDays, 7);
    const a = await place('PR-1', 4);
    const b = await place('PR-1', 2);
    const c = await place('PR-1', 4);
    const d = await place('PR-1', 1);
    assert.deepEqual(a.body.promise.window, { from: '2026-12-14', to: '2026-12-17' });
    assert.deepEqual(
      b.body.promise.window,
      { from: '2027-01-11', to: '2027-01-18' },
      'its last unit is in batch 2',
    );
    assert.deepEqual(c.body.promise.window, { from: '2027-01-11', to: '2027-01-18' });
    assert.equal(d.body.promise.status, 'unpromised');
    assert.equal(d.body.promise.placeInLine, 1);
    assert.deepEqual(
      await promiseOf(a.body.id),
      a.body.promise,
      'the stored promise is the one the customer saw',
    );
  });

  test('the offer tells the next shopper their window and the room left in the first shipment', async () => {
    const launch = await openLaunch(app, shop, {
      sku: 'PR-OFFER',
      cap: 100,
      promiseSettings: { bufferDays: 0 },
    });
    const offer = async () =>
      (await call(app, 'GET', '/v1/storefront/offers/PR-OFFER', shop.storefront)).body.promise;
    assert.deepEqual(
      await offer(),
      {
        status: 'to_be_confirmed',
        window: null,
        message: 'Liefertermin folgt',
        firstShipment: null,
      },
      'worded in the shop’s language (de-DE)',
    );
    await addBatch(launch.campaignId, { sku: 'PR-OFFER', quantity: 3, readyDate: '2026-12-14' });
    await addBatch(launch.campaignId, { sku: 'PR-OFFER', quantity: 3, readyDate: '2027-01-04' });
    await place('PR-OFFER', 1);
    const first = await offer();
    assert.equal(first.status, 'promised');
    assert.deepEqual(first.window, { from: '2026-12-14', to: '2026-12-14' });
    assert.deepEqual(first.firstShipment, {
      unitsLeft: 2,
      message: 'Nur noch 2 Stück in der ersten Lieferung',
    });
    assert.equal(first.message, 'Jetzt vorbestellen – Versand in der Woche vom 14. Dezember');
    await place('PR-OFFER', 2);
    const next = await offer();
    assert.deepEqual(next.window, { from: '2027-01-04', to: '2027-01-04' });
    assert.equal(next.firstShipment.message, null, 'the first shipment is spoken for');
    await place('PR-OFFER', 3);
    assert.deepEqual(
      (await offer()).status,
      'to_be_confirmed',
      'past planned supply, with the date to be confirmed',
    );
  });

  test('a slipped batch re-promises the customers it serves and tells them, within the tolerance silently', async () => {
    const launch = await openLaunch(app, shop, {
      sku: 'PR-SLIP',
      cap: 100,
      promiseSettings: { toleranceDays: 2 },
    });
    const first = await addBatch(launch.campaignId, { sku: 'PR-SLIP', quantity: 2, readyDate: '2026-12-14' });
    await addBatch(launch.campaignId, { sku: 'PR-SLIP', quantity: 10, readyDate: '2027-02-01' });
    const early = await place('PR-SLIP', 2);
    const late = await place('PR-SLIP', 1);
    const small = await call(
      app,
      'PATCH',
      `/v1/campaigns/${launch.campaignId}/batches/${first.body.id}`,
      shop.admin,
      {
        readyDate: '2026-12-16',
      },
    );
    assert.equal(small.status, 200);
    assert.deepEqual((await promiseOf(early.body.id)).window.from, '2026-12-16');
    assert.equal((await changesOf(early.body.id)).length, 0, 'two days is within the tolerance');
    await call(app, 'PATCH', `/v1/campaigns/${launch.campaignId}/batches/${first.body.id}`, shop.admin, {
      readyDate: '2027-01-04',
    });
    const changes = await changesOf(early.body.id);
    assert.equal(changes.length, 1);
    const detail = await call(app, 'GET', `/v1/preorders/${early.body.id}`, shop.admin);
    assert.deepEqual(
      detail.body.promiseHistory.map((h: { cause: string; newWindow: unknown }) => [h.cause, h.newWindow]),
      [['batch_slipped', { from: '2027-01-04', to: '2027-01-11' }]],
    );
    assert.equal(changes[0]?.data.cause, 'batch_slipped');
    assert.deepEqual(changes[0]?.data.newWindow, { from: '2027-01-04', to: '2027-01-11' });
    assert.equal((await changesOf(late.body.id)).length, 0, 'a customer of another batch hears nothing');
  });

  test('lowering a batch below what it serves moves the overflow to later supply, never drops it', async () => {
    const launch = await openLaunch(app, shop, { sku: 'PR-SHRINK', cap: 100 });
    const first = await addBatch(launch.campaignId, {
      sku: 'PR-SHRINK',
      quantity: 4,
      readyDate: '2026-12-20',
    });
    const a = await place('PR-SHRINK', 2);
    const b = await place('PR-SHRINK', 2);
    await call(app, 'PATCH', `/v1/campaigns/${launch.campaignId}/batches/${first.body.id}`, shop.admin, {
      quantity: 3,
    });
    assert.equal((await promiseOf(a.body.id)).status, 'promised');
    const moved = await promiseOf(b.body.id);
    assert.deepEqual([moved.status, moved.placeInLine], ['unpromised', 1]);
    assert.deepEqual(
      (await changesOf(b.body.id)).map((c) => c.data.cause),
      ['batch_quantity_changed'],
    );
    const later = await addBatch(launch.campaignId, {
      sku: 'PR-SHRINK',
      quantity: 5,
      readyDate: '2027-01-20',
    });
    assert.equal(later.status, 201);
    assert.equal((await promiseOf(b.body.id)).status, 'promised');
  });

  test('when the merchant sells only planned supply, placements stop where the plan ends', async () => {
    const launch = await openLaunch(app, shop, {
      sku: 'PR-LIMIT',
      cap: 100,
      promiseSettings: { beyondSupply: 'sold_out' },
    });
    assert.equal((await place('PR-LIMIT', 1)).status, 201, 'no plan yet: nothing limits it but the cap');
    await addBatch(launch.campaignId, { sku: 'PR-LIMIT', quantity: 3, readyDate: '2026-12-20' });
    assert.equal((await place('PR-LIMIT', 2)).status, 201);
    const over = await place('PR-LIMIT', 1);
    assert.equal(over.status, 409);
    assert.equal(over.body.error.code, 'sold_out');
    const offer = await call(app, 'GET', '/v1/storefront/offers/PR-LIMIT', shop.storefront);
    assert.deepEqual([offer.body.state, offer.body.unitsLeft], ['sold_out', 0]);
  });

  test('a batch date before today in the shop’s calendar is refused and changes nothing', async () => {
    const launch = await openLaunch(app, shop, { sku: 'PR-PAST', cap: 10 });
    const past = await addBatch(launch.campaignId, { sku: 'PR-PAST', quantity: 3, readyDate: '2026-11-30' });
    assert.equal(past.status, 422);
    assert.equal(past.body.error.code, 'ready_date_in_past');
    const today = await addBatch(launch.campaignId, { sku: 'PR-PAST', quantity: 3, readyDate: '2026-12-01' });
    assert.equal(today.status, 201);
    const list = await call(app, 'GET', `/v1/campaigns/${launch.campaignId}/batches`, shop.admin);
    assert.equal(list.body.data.length, 1);
    const other = await addBatch(launch.campaignId, { sku: 'PR-1', quantity: 3, readyDate: '2026-12-20' });
    assert.equal(other.body.error.code, 'unknown_variant');
  });

  test('a merchant priority moves a customer ahead and re-promises the ones it passes', async () => {
    const launch = await openLaunch(app, shop, {
      sku: 'PR-VIP',
      cap: 10,
      promiseSettings: { bufferDays: 0 },
    });
    await addBatch(launch.campaignId, { sku: 'PR-VIP', quantity: 2, readyDate: '2026-12-10' });
    await addBatch(launch.campaignId, { sku: 'PR-VIP', quantity: 2, readyDate: '2027-01-10' });
    const first = await place('PR-VIP', 2);
    const vip = await place('PR-VIP', 2);
    assert.equal(vip.body.promise.window.from, '2027-01-10');
    const raised = await call(app, 'PATCH', `/v1/preorders/${vip.body.id}`, shop.admin, { priority: 5 });
    assert.equal(raised.status, 200);
    assert.deepEqual([raised.body.priority, raised.body.promise.window.from], [5, '2026-12-10']);
    assert.equal((await promiseOf(first.body.id)).window.from, '2027-01-10');
    assert.deepEqual(
      (await changesOf(first.body.id)).map((c) => c.data.cause),
      ['priority_changed'],
    );
    const bad = await call(app, 'PATCH', `/v1/preorders/${vip.body.id}`, shop.admin, { priority: -1 });
    assert.equal(bad.status, 400);
  });

  test('the promise report shows each batch, the unpromised line and demand against supply', async () => {
    const launch = await openLaunch(app, shop, {
      sku: 'PR-REPORT',
      cap: 10,
      promiseSettings: { bufferDays: 1 },
    });
    const batch = await addBatch(launch.campaignId, {
      sku: 'PR-REPORT',
      quantity: 3,
      readyDate: '2026-12-20',
    });
    await place('PR-REPORT', 2);
    await place('PR-REPORT', 2);
    const report = await call(app, 'GET', `/v1/campaigns/${launch.campaignId}/promise`, shop.admin);
    assert.equal(report.status, 200);
    const [variant] = report.body.variants;
    assert.deepEqual(variant.batches, [
      {
        batchId: batch.body.id,
        quantity: 3,
        unitsServed: 3,
        customers: 2,
        window: { from: '2026-12-20', to: '2026-12-21' },
        message: variant.batches[0].message,
      },
    ]);
    assert.match(variant.batches[0].message, /20/);
    assert.deepEqual(variant.unpromised, { units: 1, customers: 1 });
    assert.deepEqual(variant.timeline, [
      { date: '2026-12-01', cumulativeDemand: 4, cumulativeSupply: 0 },
      { date: '2026-12-20', cumulativeDemand: 4, cumulativeSupply: 3 },
    ]);
  });

  test('receiving a batch makes its units in stock and ready now', async () => {
    const launch = await openLaunch(app, shop, {
      sku: 'PR-RECV',
      cap: 10,
      promiseSettings: { bufferDays: 2 },
    });
    const batch = await addBatch(launch.campaignId, { sku: 'PR-RECV', quantity: 3, readyDate: '2027-03-01' });
    const a = await place('PR-RECV', 3);
    assert.equal(a.body.promise.window.from, '2027-03-01');
    const received = await call(
      app,
      'PATCH',
      `/v1/campaigns/${launch.campaignId}/batches/${batch.body.id}`,
      shop.admin,
      {
        quantityReceived: 3,
      },
    );
    assert.equal(received.body.state, 'received');
    const promise = await promiseOf(a.body.id);
    assert.deepEqual(promise.window, { from: '2026-12-01', to: '2026-12-03' });
    assert.equal(promise.batches[0].inStock, true);
    assert.deepEqual(
      (await changesOf(a.body.id)).map((c) => c.data.cause),
      ['batch_received'],
    );
  });

  test('a change on a later day re-promises from when units came, not from the day of the change', async () => {
    const launch = await openLaunch(app, shop, {
      sku: 'PR-LATER',
      cap: 10,
      promiseSettings: { bufferDays: 2 },
    });
    const batch = await addBatch(launch.campaignId, {
      sku: 'PR-LATER',
      quantity: 3,
      readyDate: '2027-03-01',
    });
    const [a, b, c] = [await place('PR-LATER', 1), await place('PR-LATER', 1), await place('PR-LATER', 1)];
    const received = await call(
      app,
      'PATCH',
      `/v1/campaigns/${launch.campaignId}/batches/${batch.body.id}`,
      shop.admin,
      { quantityReceived: 2 },
    );
    assert.equal(received.status, 200);
    assert.deepEqual((await promiseOf(a.body.id)).window, { from: '2026-12-01', to: '2026-12-03' });
    clock.advance(3 * 24 * 3600 * 1000);
    try {
      const raised = await call(app, 'PATCH', `/v1/preorders/${c.body.id}`, shop.admin, { priority: 1 });
      assert.equal(raised.status, 200);
      assert.deepEqual(
        raised.body.promise.window,
        { from: '2026-12-04', to: '2026-12-06' },
        'served first now, from the units in stock: a promise made today starts today',
      );
      assert.deepEqual(
        (await promiseOf(a.body.id)).window,
        { from: '2026-12-01', to: '2026-12-03' },
        'its unit came on 1 December: three days on, its window has not moved',
      );
      assert.deepEqual(
        (await changesOf(a.body.id)).map((change) => change.data.cause),
        ['batch_received'],
      );
      assert.deepEqual((await promiseOf(b.body.id)).window, { from: '2027-03-01', to: '2027-03-03' });
    } finally {
      clock.advance(-3 * 24 * 3600 * 1000);
    }
  });
});
