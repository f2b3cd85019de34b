/**
 * Input at the edges of what Presell counts, on both engines: dates far in the future, supply plans that
 * would overflow a counter, and requests Node's HTTP parser itself refuses. Each gets a clear refusal in
 * the error shape and leaves the shop working.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { LATEST_DATE } from '../../src/domain/calendar.ts';
import { MAX_SUPPLY_UNITS } from '../../src/domain/promise.ts';
import { call, manualClock, openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertNothingWritten, assertRefused, databaseDigest } from '../support/http-assertions.ts';

describeOnEachEngine('limits', ({ db }) => {
  const clock = manualClock(new Date('2026-12-01T09:00:00Z'));
  let app: FastifyInstance;
  let shop: TestShop;
  let sequence = 0;

  before(async () => {
    const made = await testApp(db(), { clock: clock.now });
    app = made.app;
    shop = await testShop(made.ctx);
  });
  after(() => app.close());

  const place = (sku: string) =>
    call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': `limits-${++sequence}` },
      { sku, quantity: 1, email: `limits${sequence}@example.com` },
    );

  test('a ready date past the supported calendar is refused and the sku keeps selling', async () => {
    const launch = await openLaunch(app, shop, { sku: 'FAR-1', cap: 10 });
    assert.equal((await place('FAR-1')).status, 201);
    const before = await databaseDigest(db());
    for (const readyDate of ['9999-12-31', '3000-01-01']) {
      const batch = await call(app, 'POST', `/v1/campaigns/${launch.campaignId}/batches`, shop.admin, {
        sku: 'FAR-1',
        quantity: 5,
        readyDate,
        bufferDays: 1,
      });
      assertRefused(batch, 400, 'validation_failed');
      assert.match((batch.body as { error: { message: string } }).error.message, /2999-12-31/);
    }
    assertNothingWritten(before, await databaseDigest(db()));

    const latest = await call(app, 'POST', `/v1/campaigns/${launch.campaignId}/batches`, shop.admin, {
      sku: 'FAR-1',
      quantity: 5,
      readyDate: LATEST_DATE,
      bufferDays: 365,
    });
    assert.equal(latest.status, 201, JSON.stringify(latest.body));
    const offer = await call(app, 'GET', '/v1/storefront/offers/FAR-1', shop.storefront);
    assert.equal(offer.status, 200, JSON.stringify(offer.body));
    const placed = await place('FAR-1');
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.deepEqual(placed.body.promise.window, { from: LATEST_DATE, to: '3000-12-31' });
    const report = await call(app, 'GET', `/v1/campaigns/${launch.campaignId}/promise`, shop.admin);
    assert.equal(report.status, 200);
    const slipped = await call(
      app,
      'PATCH',
      `/v1/campaigns/${launch.campaignId}/batches/${latest.body.id}`,
      shop.admin,
      { readyDate: '9999-12-30' },
    );
    assertRefused(slipped, 400, 'validation_failed');
  });

  test('far instants are refused wherever a campaign takes one', async () => {
    for (const field of ['opensAt', 'closesAt']) {
      const answer = await call(app, 'POST', '/v1/campaigns', shop.admin, {
        name: 'Far',
        mode: 'preorder',
        price: { amount: 100, currency: 'EUR' },
        variants: [],
        [field]: '9999-12-31T23:59:59Z',
      });
      assertRefused(answer, 400, 'validation_failed');
    }
  });

  test('a supply plan past the largest count is refused with supply_too_large and nothing moves', async () => {
    const launch = await openLaunch(app, shop, {
      sku: 'HUGE-1',
      cap: null,
      promiseSettings: { beyondSupply: 'sold_out' },
    });
    const batch = (quantity: number) =>
      call(app, 'POST', `/v1/campaigns/${launch.campaignId}/batches`, shop.admin, {
        sku: 'HUGE-1',
        quantity,
        readyDate: '2027-03-01',
      });
    const tenMillion = 10_000_000;
    for (let i = 0; i < MAX_SUPPLY_UNITS / tenMillion; i++)
      assert.equal((await batch(tenMillion)).status, 201);
    const before = await databaseDigest(db());
    const refused = await batch(1);
    assertRefused(refused, 422, 'supply_too_large');
    assert.deepEqual((refused.body as { error: { details: unknown } }).error.details, {
      limit: MAX_SUPPLY_UNITS,
      units: MAX_SUPPLY_UNITS + 1,
    });
    assertNothingWritten(before, await databaseDigest(db()));
    assert.equal((await place('HUGE-1')).status, 201, 'the variant keeps selling');
  });

  test('requests the HTTP parser refuses get the error shape', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as { port: number };
    const raw = (request: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(request));
        let answer = '';
        socket.on('data', (chunk) => {
          answer += chunk;
        });
        socket.on('end', () => resolve(answer));
        socket.on('error', reject);
      });
    for (const request of [
      'GET /health HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n',
      'POST /v1/variants HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}',
      'NOT-A-METHOD / HTTP/1.1\r\n\r\n',
    ]) {
      const answer = await raw(request);
      assert.match(answer, /^HTTP\/1\.1 400 /, JSON.stringify(request));
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      assert.equal(body.error.code, 'bad_request');
      assert.equal(typeof body.error.message, 'string');
    }
  });
});
