/** Logs are JSON lines, each with the request id, and never hold a key, an email or a request body. */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { LOG_REDACTIONS } from '../../src/http/app.ts';
import { call, openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';

const REQUEST_ID = /^req_[0-9a-f]{16}$/;
const EMAIL = 'Secret.Shopper@Example.com';

/** An app whose logger writes into `lines`, one entry per line written. */
async function loggedApp(db: Database) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const { app, ctx } = await testApp(db, { logger: { level: 'info', redact: LOG_REDACTIONS, stream } });
  return { app, ctx, lines };
}

function parsed(lines: readonly string[]): Record<string, unknown>[] {
  return lines.map((line) => {
    assert.doesNotThrow(() => JSON.parse(line), `not a JSON line: ${line}`);
    return JSON.parse(line);
  });
}

describe('logs', () => {
  let db: Database;
  let app: FastifyInstance;
  let lines: string[];
  let shop: TestShop;
  const BODY_MARKER = 'body-marker-7f3a';
  /** The request-id header of every answer the app gave in `before`. */
  const answeredIds: string[] = [];

  before(async () => {
    db = await openDatabase();
    await migrate(db);
    const made = await loggedApp(db);
    app = made.app;
    lines = made.lines;
    shop = await testShop(made.ctx);
    const send = async (...args: Parameters<typeof call>) => {
      const answer = await call(...args);
      answeredIds.push(String(answer.headers['request-id']));
      return answer;
    };
    await send(app, 'POST', '/v1/variants', shop.admin, { sku: 'LOG-1', name: `${BODY_MARKER} name` });
    const campaign = await send(app, 'POST', '/v1/campaigns', shop.admin, {
      name: `${BODY_MARKER} campaign`,
      mode: 'preorder',
      price: { amount: 7900, currency: 'EUR' },
      wording: { message: `${BODY_MARKER} message` },
      variants: [{ sku: 'LOG-1', cap: 10 }],
    });
    await send(app, 'POST', `/v1/campaigns/${campaign.body.id}/open`, shop.admin);
    await send(app, 'GET', '/v1/storefront/offers/LOG-1', shop.storefront);
    for (const quantity of [1, 0]) {
      await send(
        app,
        'POST',
        '/v1/storefront/preorders',
        { ...shop.storefront, 'idempotency-key': `${BODY_MARKER}-${quantity}` },
        { sku: 'LOG-1', quantity, email: EMAIL },
      );
    }
    await send(app, 'GET', '/v1/preorders', shop.admin);
    await send(app, 'GET', '/v1/variants', { authorization: `Bearer ${shop.storefront['presell-key']}` });
    await send(app, 'GET', '/v1/nope', shop.admin);
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  test('every line is JSON and carries the request id of an answer', () => {
    assert.equal(new Set(answeredIds).size, answeredIds.length, 'each answer has its own id');
    for (const id of answeredIds) assert.match(id, REQUEST_ID);
    const entries = parsed(lines);
    for (const entry of entries) {
      assert.ok(answeredIds.includes(String(entry.reqId)), `not an answer's id: ${JSON.stringify(entry)}`);
      assert.equal(typeof entry.level, 'number');
      assert.equal(typeof entry.msg, 'string');
    }
    for (const id of answeredIds) {
      assert.ok(entries.filter((entry) => entry.reqId === id).length >= 2, `${id}: its start and its end`);
    }
  });

  test('the request-id header of an answer is the reqId of its lines', async () => {
    const before = lines.length;
    const answer = await call(app, 'GET', '/v1/storefront/offers/LOG-1', shop.storefront);
    const refused = await call(app, 'GET', '/v1/campaigns/cmp_0', shop.admin);
    const ids = parsed(lines.slice(before)).map((entry) => entry.reqId);
    assert.match(String(answer.headers['request-id']), REQUEST_ID);
    assert.notEqual(answer.headers['request-id'], refused.headers['request-id']);
    const own = (id: unknown) => ids.filter((reqId) => reqId === id).length;
    assert.ok(own(answer.headers['request-id']) >= 2, 'the answer’s own lines carry its id');
    assert.ok(
      own(refused.headers['request-id']) >= 3,
      'start, refusal and end carry the refused request’s id',
    );
    assert.equal(ids.length, own(answer.headers['request-id']) + own(refused.headers['request-id']));
  });

  test('no line holds a key, the customer’s email or a request body', () => {
    const adminKey = shop.admin.authorization?.slice('Bearer '.length) ?? '';
    const publishableKey = shop.storefront['presell-key'] ?? '';
    assert.ok(adminKey.startsWith('sk_') && publishableKey.startsWith('pk_'));
    const secrets = [adminKey, publishableKey, EMAIL, EMAIL.toLowerCase(), 'Secret.Shopper', BODY_MARKER];
    for (const line of lines) {
      for (const secret of secrets) {
        assert.ok(!line.toLowerCase().includes(secret.toLowerCase()), `${secret} logged: ${line}`);
      }
    }
  });

  test('a query string with the customer’s email is not logged', async () => {
    const before = lines.length;
    const answer = await call(app, 'GET', `/v1/preorders?email=${encodeURIComponent(EMAIL)}`, shop.admin);
    assert.equal(answer.status, 200);
    for (const line of lines.slice(before)) assert.ok(!line.toLowerCase().includes('secret.shopper'), line);
  });
});

describe('an internal error', () => {
  /** A database, an app logging into `lines`, and a shop, for one test that breaks the database. */
  async function setUp() {
    const db = await openDatabase();
    await migrate(db);
    const { app, ctx, lines } = await loggedApp(db);
    const shop = await testShop(ctx);
    return { db, app, lines, shop };
  }

  /** The one error line, which must carry the answer's request id. */
  function failureLine(lines: readonly string[], answer: { headers: Record<string, unknown> }) {
    const failures = parsed(lines).filter((entry) => entry.level === 50);
    assert.equal(failures.length, 1, 'one error line');
    const [failure] = failures as [Record<string, unknown>];
    assert.match(String(answer.headers['request-id']), REQUEST_ID);
    assert.equal(failure.reqId, answer.headers['request-id']);
    assert.equal(failure.msg, 'request failed');
    return failure.err as Record<string, unknown>;
  }

  const GENERIC_500 = {
    error: { code: 'internal_error', message: 'something went wrong on our side; it is logged' },
  };

  test('a closed database answers 500 with a generic message, logged with the request id', async () => {
    const { db, app, lines, shop } = await setUp();
    // Authenticate once while the database is up, so the failure comes from the route itself.
    assert.equal((await call(app, 'GET', '/v1/variants', shop.admin)).status, 200);
    await db.close();
    const answer = await call(app, 'POST', '/v1/variants', shop.admin, { sku: 'DOWN-1', name: 'Down' });
    await app.close();

    assert.equal(answer.status, 500);
    assert.deepEqual(answer.body, GENERIC_500);
    assert.match(String(failureLine(lines, answer).message), /closed/i, 'the line says what failed');
  });

  test('a database error is logged with its cause but without the row, the query or its parameters', async () => {
    const { db, app, lines, shop } = await setUp();
    await openLaunch(app, shop, { sku: 'ROW-1' });
    // A rule only the database knows: its refusal quotes the failing row, email and key included.
    await db.query(
      "ALTER TABLE preorders ADD CONSTRAINT no_secret_shoppers CHECK (email NOT LIKE 'secret.%')",
    );
    const idempotencyKey = 'row-key-5c1e';
    const answer = await call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': idempotencyKey },
      { sku: 'ROW-1', quantity: 1, email: EMAIL },
    );
    await app.close();
    await db.close();

    assert.equal(answer.status, 500);
    assert.deepEqual(answer.body, GENERIC_500);
    const err = failureLine(lines, answer);
    assert.equal(err.constraint, 'no_secret_shoppers');
    assert.equal(err.code, '23514');
    for (const line of lines) {
      for (const secret of ['secret.shopper', idempotencyKey, shop.storefront['presell-key'] ?? 'pk_']) {
        assert.ok(!line.toLowerCase().includes(secret), `${secret} logged: ${line}`);
      }
    }
  });
});
