/**
 * Invariant 1 (no oversell) and 2 (one pre-order per idempotency key), tried the hard way: hundreds of
 * concurrent HTTP placements, on two app instances sharing one database, on both engines.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../src/db/database.ts';
import { openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';

interface PlacementBody {
  id?: string;
  queuePosition?: number;
  total?: { amount: number };
  error?: { code: string };
}

interface Served {
  app: FastifyInstance;
  url: string;
}

async function serve(db: Database): Promise<Served> {
  const { app } = await testApp(db);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address !== 'object') throw new Error('no address');
  return { app, url: `http://127.0.0.1:${address.port}` };
}

async function place(
  base: string,
  shop: TestShop,
  key: string,
  body: { sku: string; quantity: number; email: string },
): Promise<{ status: number; body: PlacementBody }> {
  const response = await fetch(`${base}/v1/storefront/preorders`, {
    method: 'POST',
    headers: { ...shop.storefront, 'idempotency-key': key, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as PlacementBody };
}

/** What the database holds for a campaign: the counters and what live pre-orders add up to. */
async function ledgerOf(db: Database, campaignId: string) {
  const [counters] = await db.query<{ held: number; cap: number | null; units_held: number }>(
    `SELECT sum(cv.held)::int AS held, max(cv.cap) AS cap, max(c.units_held) AS units_held
     FROM campaign_variants cv JOIN campaigns c ON c.id = cv.campaign_id WHERE cv.campaign_id = $1`,
    [campaignId],
  );
  const [orders] = await db.query<{ units: number; count: number; positions: number }>(
    `SELECT coalesce(sum(quantity), 0)::int AS units, count(*)::int AS count,
            count(DISTINCT queue_position)::int AS positions
     FROM preorders WHERE campaign_id = $1 AND state <> 'cancelled'`,
    [campaignId],
  );
  const [customers] = await db.query<{ units: number }>(
    'SELECT coalesce(sum(units), 0)::int AS units FROM customer_holds WHERE campaign_id = $1',
    [campaignId],
  );
  const [events] = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM events WHERE type = 'preorder.placed' AND data->>'campaignId' = $1`,
    [campaignId],
  );
  return { counters, orders, customerUnits: customers?.units, placedEvents: events?.count };
}

describeOnEachEngine('zero oversell under concurrency', ({ engine, db }) => {
  let servers: Served[] = [];
  let shop: TestShop;

  before(async () => {
    // Two instances on one database: each batches its own requests, so only the database keeps them apart.
    servers = [await serve(db()), await serve(db())];
    shop = await testShop({ db: db(), clock: () => new Date() });
  });
  after(async () => {
    for (const server of servers) await server.app.close();
  });

  const spread = (index: number) => (servers[index % servers.length] as Served).url;

  test('500 concurrent placements against a cap of 100 hold exactly 100 units', async () => {
    const launch = await openLaunch(servers[0]?.app as FastifyInstance, shop, { sku: 'DROP-500', cap: 100 });
    const answers = await Promise.all(
      Array.from({ length: 500 }, (_, i) =>
        place(spread(i), shop, `drop-${i}`, { sku: launch.sku, quantity: 1, email: `buyer${i}@example.com` }),
      ),
    );
    const placed = answers.filter((a) => a.status === 201);
    const refused = answers.filter((a) => a.status !== 201);
    assert.equal(placed.length, 100);
    assert.ok(
      refused.every((a) => a.status === 409 && a.body.error?.code === 'sold_out'),
      'every other is sold_out',
    );
    const positions = placed.map((a) => a.body.queuePosition);
    assert.equal(new Set(positions).size, 100, 'no duplicate queue positions');
    const state = await ledgerOf(db(), launch.campaignId);
    assert.deepEqual(state.counters, { held: 100, cap: 100, units_held: 100 });
    assert.deepEqual(state.orders, { units: 100, count: 100, positions: 100 });
    assert.equal(state.customerUnits, 100);
    assert.equal(state.placedEvents, 100, 'every pre-order wrote its event');
  });

  test('mixed quantities never exceed the cap and every held unit belongs to a pre-order', async () => {
    const launch = await openLaunch(servers[0]?.app as FastifyInstance, shop, { sku: 'DROP-MIX', cap: 97 });
    const quantities = Array.from({ length: 300 }, (_, i) => 1 + ((i * 7) % 5));
    const answers = await Promise.all(
      quantities.map((quantity, i) =>
        place(spread(i), shop, `mix-${i}`, { sku: launch.sku, quantity, email: `mix${i}@example.com` }),
      ),
    );
    const placedUnits = answers.reduce(
      (sum, a, i) => sum + (a.status === 201 ? (quantities[i] as number) : 0),
      0,
    );
    const state = await ledgerOf(db(), launch.campaignId);
    assert.ok(placedUnits <= 97);
    assert.ok(
      placedUnits >= 97 - 4,
      `a request of up to 5 units can leave at most 4 unsold, sold ${placedUnits}`,
    );
    assert.equal(state.counters?.held, placedUnits);
    assert.equal(state.orders?.units, placedUnits);
    assert.equal(state.customerUnits, placedUnits);
    assert.equal(state.orders?.positions, state.orders?.count);
  });

  test('placements that arrive together keep queue order: each one’s units and early-bird price follow its position', async () => {
    const launch = await openLaunch(servers[0]?.app as FastifyInstance, shop, {
      sku: 'DROP-ORDER',
      cap: 1000,
      perCustomerLimit: 5,
      earlyBird: [{ name: 'First ten', firstUnits: 10, unitAmount: 5000 }],
    });
    const quantities = Array.from({ length: 40 }, (_, i) => 1 + (i % 3));
    const answers = await Promise.all(
      quantities.map((quantity, i) =>
        place(spread(i), shop, `order-${i}`, {
          sku: launch.sku,
          quantity,
          email: `order${i % 7}@example.com`,
        }),
      ),
    );
    const placed = answers
      .map((answer, i) => ({ answer, quantity: quantities[i] as number }))
      .filter(({ answer }) => answer.status === 201)
      .sort((a, b) => (a.answer.body.queuePosition ?? 0) - (b.answer.body.queuePosition ?? 0));
    let unitsBefore = 0;
    for (const { answer, quantity } of placed) {
      const early = Math.max(0, Math.min(quantity, 10 - unitsBefore));
      const expected = early * 5000 + (quantity - early) * 7900;
      assert.equal(
        answer.body.total?.amount,
        expected,
        `position ${answer.body.queuePosition} after ${unitsBefore} units`,
      );
      unitsBefore += quantity;
    }
    const state = await ledgerOf(db(), launch.campaignId);
    assert.equal(state.counters?.held, unitsBefore);
    assert.equal(state.customerUnits, unitsBefore);
    const [limits] = await db().query<{ worst: number }>(
      'SELECT max(units)::int AS worst FROM customer_holds WHERE campaign_id = $1',
      [launch.campaignId],
    );
    assert.ok((limits?.worst ?? 0) <= 5, 'no customer holds more than the limit');
  });

  test('the per-customer limit holds under concurrency', async () => {
    const launch = await openLaunch(servers[0]?.app as FastifyInstance, shop, {
      sku: 'DROP-LIMIT',
      cap: 1000,
      perCustomerLimit: 3,
    });
    const answers = await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        place(spread(i), shop, `limit-${i}`, { sku: launch.sku, quantity: 1, email: 'SAME@example.com' }),
      ),
    );
    assert.equal(answers.filter((a) => a.status === 201).length, 3);
    assert.ok(
      answers
        .filter((a) => a.status !== 201)
        .every((a) => a.status === 422 && a.body.error?.code === 'per_customer_limit'),
    );
    const state = await ledgerOf(db(), launch.campaignId);
    assert.equal(state.counters?.held, 3);
    assert.equal(state.customerUnits, 3);
  });

  test('the same Idempotency-Key sent 50 times at once makes one pre-order', async () => {
    const launch = await openLaunch(servers[0]?.app as FastifyInstance, shop, {
      sku: 'DROP-STORM',
      cap: 1000,
    });
    const body = { sku: launch.sku, quantity: 2, email: 'storm@example.com' };
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) => place(spread(i), shop, 'storm-key', body)),
    );
    const created = answers.filter((a) => a.status === 201);
    assert.ok(created.length >= 1);
    assert.equal(new Set(created.map((a) => a.body.id)).size, 1, 'every 201 is the same pre-order');
    assert.ok(
      answers
        .filter((a) => a.status !== 201)
        .every((a) => a.status === 409 && a.body.error?.code === 'idempotency_key_in_use'),
    );
    const retry = await place(spread(0), shop, 'storm-key', body);
    assert.equal(retry.status, 201);
    assert.equal(retry.body.id, created[0]?.body.id, 'a later retry replays the first answer');
    const state = await ledgerOf(db(), launch.campaignId);
    assert.deepEqual(state.orders, { units: 2, count: 1, positions: 1 });
    assert.equal(state.counters?.held, 2);
  });

  test(`a placement that fails inside its transaction holds nothing and its key stays free [${engine}]`, async () => {
    const launch = await openLaunch(servers[0]?.app as FastifyInstance, shop, { sku: 'DROP-CRASH', cap: 10 });
    // Make the database fail the write after the units were reserved, as a crash between statements would.
    await db().exec(`
      CREATE FUNCTION fail_for_crash_test() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.email = 'crash@example.com' THEN RAISE EXCEPTION 'simulated failure'; END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER crash_test BEFORE INSERT ON preorders FOR EACH ROW EXECUTE FUNCTION fail_for_crash_test();
    `);
    try {
      const failed = await place(spread(0), shop, 'crash-key', {
        sku: launch.sku,
        quantity: 4,
        email: 'crash@example.com',
      });
      assert.equal(failed.status, 500);
      const state = await ledgerOf(db(), launch.campaignId);
      assert.equal(state.counters?.held, 0, 'no unit leaked');
      assert.equal(state.customerUnits, 0);
      const [keys] = await db().query<{ count: number }>(
        `SELECT count(*)::int AS count FROM idempotency_keys WHERE key = 'crash-key'`,
      );
      assert.equal(keys?.count, 0);
    } finally {
      await db().exec('DROP TRIGGER crash_test ON preorders; DROP FUNCTION fail_for_crash_test();');
    }
    const retried = await place(spread(1), shop, 'crash-key', {
      sku: launch.sku,
      quantity: 4,
      email: 'crash@example.com',
    });
    assert.equal(retried.status, 201);
    assert.equal((await ledgerOf(db(), launch.campaignId)).counters?.held, 4);
  });
});
