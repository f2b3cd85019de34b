/**
 * Under the split policy a customer's units ship with their batches: the promise says each part ("2 ship
 * in December, 1 early February"), in the API, and a received batch is in stock for every customer it serves.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createShop } from '../../src/services/shops.ts';
import { call, manualClock, openLaunch, type TestShop, testApp } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';

describeOnEachEngine('split promises', ({ db }) => {
  const clock = manualClock(new Date('2026-12-01T09:00:00Z'));
  let app: FastifyInstance;
  let shop: TestShop;

  before(async () => {
    const made = await testApp(db(), { clock: clock.now });
    app = made.app;
    const created = await createShop(made.ctx, {
      name: 'Split',
      currency: 'EUR',
      timeZone: 'Europe/London',
      locale: 'en-GB',
    });
    shop = {
      shopId: created.shop.id,
      admin: { authorization: `Bearer ${created.adminKey}` },
      storefront: { 'presell-key': created.publishableKey },
    };
  });

  let keys = 0;
  const place = async (sku: string, quantity: number, email: string) => {
    const placed = await call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': `split-${++keys}` },
      { sku, quantity, email },
    );
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    return placed.body.id as string;
  };
  const promiseOf = async (id: string) =>
    (await call(app, 'GET', `/v1/preorders/${id}`, shop.admin)).body.promise;
  const batch = async (
    campaignId: string,
    sku: string,
    quantity: number,
    readyDate: string,
    bufferDays: number,
  ) => {
    const made = await call(app, 'POST', `/v1/campaigns/${campaignId}/batches`, shop.admin, {
      sku,
      quantity,
      readyDate,
      bufferDays,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body.id as string;
  };

  test('units in two batches: both dates in the promise; one batch: one date', async () => {
    const { campaignId, sku } = await openLaunch(app, shop, {
      sku: 'SPLIT-1',
      promiseSettings: { policy: 'split' },
    });
    await batch(campaignId, sku, 2, '2026-12-10', 20);
    await batch(campaignId, sku, 5, '2027-02-03', 6);
    const both = await place(sku, 3, 'both@example.com');
    const later = await place(sku, 1, 'later@example.com');

    const split = await promiseOf(both);
    assert.equal(split.message, '2 ship in December, 1 early February 2027');
    assert.deepEqual(split.window, { from: '2027-02-03', to: '2027-02-09' }, 'the window is the last unit’s');
    assert.deepEqual(
      split.batches.map((b: { units: number; ships: unknown }) => [b.units, b.ships]),
      [
        [2, { from: '2026-12-10', to: '2026-12-30' }],
        [1, { from: '2027-02-03', to: '2027-02-09' }],
      ],
    );
    assert.equal((await promiseOf(later)).message, 'Ships early February 2027');
  });

  test('ship complete: one date, that of the last unit', async () => {
    const { campaignId, sku } = await openLaunch(app, shop, {
      sku: 'SPLIT-COMPLETE',
      promiseSettings: { policy: 'ship_complete' },
    });
    await batch(campaignId, sku, 2, '2026-12-10', 20);
    await batch(campaignId, sku, 5, '2027-02-03', 6);
    const whole = await place(sku, 3, 'whole@example.com');
    assert.equal((await promiseOf(whole)).message, 'Ships early February 2027');
  });

  test('a received batch is in stock for every customer it serves', async () => {
    const { campaignId, sku } = await openLaunch(app, shop, {
      sku: 'SPLIT-RECEIVED',
      promiseSettings: { policy: 'split' },
    });
    const first = await batch(campaignId, sku, 3, '2026-12-10', 5);
    await batch(campaignId, sku, 5, '2027-02-03', 6);
    const customers = [
      await place(sku, 1, 'one@example.com'),
      await place(sku, 3, 'three@example.com'),
      await place(sku, 1, 'after@example.com'),
    ];
    const partly = await call(app, 'PATCH', `/v1/campaigns/${campaignId}/batches/${first}`, shop.admin, {
      state: 'received',
      quantityReceived: 2,
    });
    assert.equal(partly.status, 200, JSON.stringify(partly.body));
    const inHand = [];
    for (const id of customers) {
      for (const part of (await promiseOf(id)).batches) if (part.inStock) inHand.push([id, part.units]);
    }
    assert.deepEqual(
      inHand,
      [
        [customers[0], 1],
        [customers[1], 1],
      ],
      'the units received are the first in the queue’s',
    );
    const received = await call(app, 'PATCH', `/v1/campaigns/${campaignId}/batches/${first}`, shop.admin, {
      quantityReceived: 3,
    });
    assert.equal(received.status, 200, JSON.stringify(received.body));
    const drawn = [];
    for (const id of customers) {
      for (const part of (await promiseOf(id)).batches) drawn.push({ id, ...part });
    }
    const fromFirst = drawn.filter((part) => part.batchId === first);
    assert.deepEqual(
      fromFirst.map((part) => [part.units, part.inStock]),
      [
        [1, true],
        [2, true],
      ],
      JSON.stringify(drawn),
    );
    assert.ok(
      drawn.filter((part) => part.batchId !== first).every((part) => !part.inStock),
      'the batch still expected is not',
    );
    const [one] = await Promise.all([promiseOf(customers[0] as string)]);
    assert.match(one.message, /^Ships /, 'units in hand ship now');
  });
});
