/**
 * Storefront routes are limited per client address and key (writes and reads apart, reads far higher), and
 * answer CORS; admin routes are not limited.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { READS_PER_WRITE } from '../../src/http/storefront-routes.ts';
import { openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';
import { assertNothingWritten, assertRefused, databaseDigest } from '../support/http-assertions.ts';

const LIMIT = 5;
const ORIGIN = 'https://shop.example';

describe('storefront rate limit and CORS', () => {
  let db: Database;
  let app: FastifyInstance;
  let shopA: TestShop;
  let shopB: TestShop;
  let addresses = 0;
  /** A client address no other test has used, so each test starts with a full allowance. */
  const newAddress = () => `203.0.113.${++addresses}`;

  before(async () => {
    db = await openDatabase();
    await migrate(db);
    const made = await testApp(db, { rateLimit: { max: LIMIT, timeWindow: 60_000 } });
    app = made.app;
    shopA = await testShop(made.ctx, 'Shop A');
    shopB = await testShop(made.ctx, 'Shop B');
    await openLaunch(app, shopA, { sku: 'A-1' });
    await openLaunch(app, shopB, { sku: 'B-1' });
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  const request = async (options: InjectOptions & { remoteAddress: string }) => {
    const response = await app.inject(options);
    return { status: response.statusCode, body: response.json(), headers: response.headers };
  };
  const offer = (shop: TestShop, sku: string, remoteAddress: string, headers: Record<string, string> = {}) =>
    request({
      method: 'GET',
      url: `/v1/storefront/offers/${sku}`,
      headers: { ...shop.storefront, ...headers },
      remoteAddress,
    });
  const place = (shop: TestShop, sku: string, remoteAddress: string, key: string) =>
    request({
      method: 'POST',
      url: '/v1/storefront/preorders',
      headers: { ...shop.storefront, 'idempotency-key': key, origin: ORIGIN },
      payload: { sku, quantity: 1, email: 'limited@example.com' },
      remoteAddress,
    });
  let keys = 0;
  /** Uses up the write allowance of shop A's key from `address`. */
  const exhaust = async (address: string) => {
    for (let n = 1; n <= LIMIT; n++)
      assert.equal((await place(shopA, 'A-1', address, `exhaust-${++keys}`)).status, 201, `placement ${n}`);
  };

  test(`placement ${LIMIT + 1} from one address with one key gets 429 with Retry-After`, async () => {
    const address = newAddress();
    await exhaust(address);
    const limited = await place(shopA, 'A-1', address, 'one-too-many');
    assertRefused(limited, 429, 'rate_limited');
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 60,
      `Retry-After ${retryAfter}`,
    );
    assert.match(String(limited.headers['request-id']), /^req_/);
  });

  test('reads are counted apart from placements, with a far higher allowance', async () => {
    const address = newAddress();
    await exhaust(address);
    const reads = LIMIT * READS_PER_WRITE;
    for (let n = 1; n <= reads; n++) {
      const answer = await offer(shopA, 'A-1', address);
      assert.equal(answer.status, 200, `read ${n} of ${reads}`);
    }
    assertRefused(await offer(shopA, 'A-1', address), 429, 'rate_limited');
  });

  test('made-up keys are refused before the limit and buy no fresh allowance', async () => {
    const address = newAddress();
    await exhaust(address);
    for (let n = 0; n < 3; n++) {
      const forged = await offer(shopA, 'A-1', address, { 'presell-key': `pk_madeup${n}` });
      assertRefused(forged, 401, 'unauthorized');
    }
    assertRefused(await place(shopA, 'A-1', address, 'after-forged'), 429, 'rate_limited');
  });

  test('a keyless request with a bad body is told about the key first', async () => {
    const answer = await request({
      method: 'POST',
      url: '/v1/storefront/preorders',
      headers: { 'idempotency-key': 'keyless' },
      payload: { quantity: 'many' },
      remoteAddress: newAddress(),
    });
    assertRefused(answer, 401, 'unauthorized');
  });

  test('a limited placement is refused before it writes anything', async () => {
    const address = newAddress();
    await exhaust(address);
    const before = await databaseDigest(db);
    assertRefused(await place(shopA, 'A-1', address, 'limited-1'), 429, 'rate_limited');
    assertNothingWritten(before, await databaseDigest(db));
  });

  test('another shop’s key from the same address still passes', async () => {
    const address = newAddress();
    await exhaust(address);
    assert.equal((await offer(shopB, 'B-1', address)).status, 200);
    assert.equal((await place(shopB, 'B-1', address, 'other-shop-1')).status, 201);
  });

  test('the same key from another address still passes', async () => {
    const address = newAddress();
    await exhaust(address);
    assert.equal((await place(shopA, 'A-1', newAddress(), 'other-address-1')).status, 201);
  });

  test('admin routes are not limited', async () => {
    const address = newAddress();
    await exhaust(address);
    for (let n = 1; n <= 3 * LIMIT; n++) {
      const listed = await request({
        method: 'GET',
        url: '/v1/variants',
        headers: shopA.admin,
        remoteAddress: address,
      });
      assert.equal(listed.status, 200, `admin request ${n}`);
    }
  });

  test('storefront answers, refusals included, allow any origin', async () => {
    const address = newAddress();
    const origin = { origin: ORIGIN };
    const answers = [
      await offer(shopA, 'A-1', address, origin),
      await place(shopA, 'A-1', address, 'cors-1'),
      await offer(shopA, 'NO-SUCH-SKU', address, origin),
      await request({
        method: 'GET',
        url: '/v1/storefront/offers/A-1',
        headers: { 'presell-key': 'pk_unknown', ...origin },
        remoteAddress: address,
      }),
    ];
    assert.deepEqual(
      answers.map((answer) => answer.status),
      [200, 201, 404, 401],
    );
    for (const answer of answers) assert.equal(answer.headers['access-control-allow-origin'], '*');
    const exhausted = newAddress();
    await exhaust(exhausted);
    const limited = await place(shopA, 'A-1', exhausted, 'cors-limited');
    assert.equal(limited.status, 429);
    assert.equal(limited.headers['access-control-allow-origin'], '*');
  });

  test('the CORS preflight allows GET and POST with the key and Idempotency-Key headers', async () => {
    const preflight = await app.inject({
      method: 'OPTIONS',
      url: '/v1/storefront/preorders',
      headers: {
        origin: ORIGIN,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,presell-key,idempotency-key',
      },
      remoteAddress: newAddress(),
    });
    assert.equal(preflight.statusCode, 204);
    assert.equal(preflight.headers['access-control-allow-origin'], '*');
    const methods = String(preflight.headers['access-control-allow-methods']).split(/,\s*/);
    assert.ok(methods.includes('GET') && methods.includes('POST'), `methods: ${methods}`);
    const allowed = String(preflight.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
    for (const header of ['content-type', 'presell-key', 'idempotency-key']) {
      assert.ok(allowed.includes(header), `${header} not allowed: ${allowed}`);
    }
  });
});
