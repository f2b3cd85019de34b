/**
 * The outbox relay on both engines: every event reaches each consumer that wants it, in order, under a
 * stable key; failures are retried on the schedule and end as dead letters that can be sent again; two
 * relays never hand one event to one consumer at the same time.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { EventType } from '../../src/domain/events.ts';
import { type Consumer, type Delivery, type OutboxEvent, OutboxRelay } from '../../src/outbox/relay.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { createShop } from '../../src/services/shops.ts';
import { createVariant } from '../../src/services/variants.ts';
import { call, manualClock, testApp } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';

/** A consumer that records what it got and fails while `failing` says so. */
function recorder(name: string, types: readonly EventType[]) {
  const received: { event: OutboxEvent; delivery: Omit<Delivery, 'signal'> }[] = [];
  const consumer: Consumer & { failing: (event: OutboxEvent) => boolean; received: typeof received } = {
    name,
    types,
    received,
    failing: () => false,
    async deliver(event, delivery) {
      if (consumer.failing(event)) throw new Error(`${name} is down`);
      received.push({ event, delivery: { key: delivery.key, attempt: delivery.attempt } });
    },
  };
  return consumer;
}

describeOnEachEngine('the outbox relay', ({ db }) => {
  const clock = manualClock(new Date('2026-12-01T09:00:00Z'));
  let ctx: ServiceContext;

  before(async () => {
    ({ ctx } = await testApp(db(), { clock: clock.now }));
  });

  /**
   * Runs `pass` until `done()`: the relay hands out an event only once no transaction on the server can
   * commit before it, and on a server shared with other work that may take a moment.
   */
  const until = async (pass: () => Promise<unknown>, done: () => boolean) => {
    for (let tries = 0; tries < 200 && !done(); tries++) {
      await pass();
      if (!done()) await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  const newShop = async () => {
    const made = await createShop(ctx, {
      name: 'Relay',
      currency: 'EUR',
      timeZone: 'Europe/Berlin',
      locale: 'en-GB',
    });
    return Object.assign(made.shop, { admin: { authorization: `Bearer ${made.adminKey}` } });
  };

  test('delivers each wanted event once, in order, with a stable key, and passes the others by', async () => {
    const shop = await newShop();
    for (const sku of ['A', 'B', 'C']) await createVariant(ctx, shop.id, { sku, name: sku });
    const variants = recorder('variants_only', ['variant.created']);
    const everything = recorder('shops_and_variants', ['shop.created', 'variant.created']);
    const relay = new OutboxRelay(ctx, [variants, everything]);
    const mine = (consumer: ReturnType<typeof recorder>) =>
      consumer.received.filter((r) => r.event.shopId === shop.id);
    await until(
      () => relay.runOnce(),
      () => mine(variants).length === 3 && mine(everything).length === 4,
    );
    assert.deepEqual(
      mine(variants).map((r) => r.event.data.sku),
      ['A', 'B', 'C'],
    );
    assert.deepEqual(
      mine(everything).map((r) => r.event.type),
      ['shop.created', 'variant.created', 'variant.created', 'variant.created'],
    );
    for (const { event, delivery } of mine(variants)) {
      assert.equal(delivery.key, `variants_only:${event.id}`);
      assert.equal(delivery.attempt, 1);
    }
    const again = await relay.runOnce();
    assert.equal(again.delivered, 0, 'nothing is delivered twice');
    await createVariant(ctx, shop.id, { sku: 'D', name: 'D' });
    await relay.runOnce();
    assert.deepEqual(
      mine(variants).map((r) => r.event.data.sku),
      ['A', 'B', 'C', 'D'],
    );
  });

  test('a failure does not hold up the stream; it is retried on schedule, then kept as a dead letter', async () => {
    const shop = await newShop();
    const consumer = recorder('flaky', ['variant.created']);
    consumer.failing = (event) => event.data.sku === 'BAD';
    const relay = new OutboxRelay(ctx, [consumer], { retryDelaysMs: [1_000, 60_000] });
    await createVariant(ctx, shop.id, { sku: 'BAD', name: 'bad' });
    await createVariant(ctx, shop.id, { sku: 'GOOD', name: 'good' });
    const first = await relay.runOnce();
    assert.equal(first.failed, 1);
    const skus = () =>
      consumer.received.filter((r) => r.event.shopId === shop.id).map((r) => r.event.data.sku);
    assert.deepEqual(skus(), ['GOOD'], 'the next event went on');

    assert.equal((await relay.runOnce()).failed, 0, 'not before its time');
    clock.advance(1_000);
    assert.equal((await relay.runOnce()).failed, 1, 'the second try');
    clock.advance(60_000);
    const last = await relay.runOnce();
    assert.deepEqual([last.failed, last.deadLettered], [1, 1]);
    clock.advance(3_600_000);
    assert.equal((await relay.runOnce()).failed, 0, 'a dead letter waits for someone');

    const [row] = await db().query<{ id: string }>(
      `SELECT id FROM outbox_failures WHERE shop_id = $1 AND status = 'dead'`,
      [shop.id],
    );
    assert.ok(row);
    consumer.failing = () => false;
    const { app } = await testApp(db(), { clock: clock.now });
    const keys = shop.admin;
    const listed = await call(app, 'GET', '/v1/dead-letters', keys);
    assert.equal(listed.status, 200);
    assert.deepEqual(
      listed.body.data.map((d: { id: string; consumer: string; eventType: string; attempts: number }) => [
        d.id,
        d.consumer,
        d.eventType,
        d.attempts,
      ]),
      [[row.id, 'flaky', 'variant.created', 3]],
    );
    const retried = await call(app, 'POST', `/v1/dead-letters/${row.id}/retry`, keys);
    assert.equal(retried.status, 200, JSON.stringify(retried.body));
    const twice = await call(app, 'POST', `/v1/dead-letters/${row.id}/retry`, keys);
    assert.equal(twice.status, 409);
    await relay.runOnce();
    assert.deepEqual(skus(), ['GOOD', 'BAD']);
    const bad = consumer.received.find((r) => r.event.data.sku === 'BAD');
    assert.equal(bad?.delivery.attempt, 4);
    assert.equal((await call(app, 'GET', '/v1/dead-letters', keys)).body.data.length, 0);
  });

  test('two relays at once never hand one event to one consumer at the same time', async () => {
    const shop = await newShop();
    const busy = new Set<string>();
    const deliveries: string[] = [];
    const slow: Consumer = {
      name: 'slow',
      types: ['variant.created'],
      async deliver(event) {
        assert.ok(!busy.has(event.id), `${event.id} delivered twice at once`);
        busy.add(event.id);
        await new Promise((resolve) => setTimeout(resolve, 5));
        deliveries.push(event.id);
        busy.delete(event.id);
      },
    };
    for (let i = 0; i < 20; i++) await createVariant(ctx, shop.id, { sku: `S${i}`, name: `S${i}` });
    const relays = [new OutboxRelay(ctx, [slow]), new OutboxRelay(ctx, [slow])];
    const ids = (
      await db().query<{ id: string }>(
        `SELECT id FROM events WHERE shop_id = $1 AND type = 'variant.created' ORDER BY id`,
        [shop.id],
      )
    ).map((row) => row.id);
    await until(
      () => Promise.all(relays.map((relay) => relay.runOnce())),
      () => ids.every((id) => deliveries.includes(id)),
    );
    assert.deepEqual(
      deliveries.filter((id) => ids.includes(id)),
      ids,
    );
  });
});
