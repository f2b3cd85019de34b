/**
 * Outgoing webhooks on both engines, delivered to a loopback receiver that verifies them as the Standard
 * Webhooks specification says: signed per endpoint, several signatures during a rotation, retried to the
 * endpoints that failed only, 410 disables, dead letters can be sent again, and internal addresses are
 * refused unless allowed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { outboxConsumers } from '../../src/consumers.ts';
import { OutboxRelay } from '../../src/outbox/relay.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { call, manualClock, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertRefused } from '../support/http-assertions.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

describeOnEachEngine('outgoing webhooks', ({ db }) => {
  const clock = manualClock(new Date('2026-12-01T09:00:00Z'));
  let app: FastifyInstance;
  let ctx: ServiceContext;
  let shop: TestShop;
  let receiver: Receiver;
  let relay: OutboxRelay;
  let sku = 0;

  before(async () => {
    ({ app, ctx } = await testApp(db(), { clock: clock.now, webhooks: { allowInternal: true } }));
    shop = await testShop(ctx, 'Hooks');
    receiver = await startReceiver();
    receiver.now = () => Math.floor(clock.now().getTime() / 1000);
    relay = new OutboxRelay(ctx, outboxConsumers({ ctx, webhooksAllowInternal: true }), {
      retryDelaysMs: [1_000],
    });
  });
  after(() => receiver.close());

  const register = async (url: string, eventTypes = ['variant.*']) => {
    const made = await call(app, 'POST', '/v1/webhook-endpoints', shop.admin, { url, eventTypes });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.match(made.body.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
    return made.body as { id: string; secret: string };
  };
  const newVariant = async () => {
    sku += 1;
    const made = await call(app, 'POST', '/v1/variants', shop.admin, { sku: `HOOK-${sku}`, name: 'Hook' });
    assert.equal(made.status, 201);
    return made.body.id as string;
  };
  /**
   * Runs the relay until `done()`: it hands out an event only once no transaction on the server can commit
   * before it, which on a server shared with other work may take a moment.
   */
  const settle = async (done: () => boolean | Promise<boolean>, on: OutboxRelay = relay) => {
    for (let tries = 0; tries < 200 && !(await done()); tries++) {
      await on.runOnce();
      if (!(await done())) await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };
  const deliveriesOf = (variantId: string) =>
    receiver.received.filter((delivery) => delivery.payload.data.subjectId === variantId);

  test('each event is delivered signed, with the relay’s key as webhook-id and the event as data', async () => {
    const endpoint = await register(`${receiver.url}?one`);
    receiver.secrets = [endpoint.secret];
    const variantId = await newVariant();
    await settle(() => deliveriesOf(variantId).length > 0);
    const [delivery, ...more] = deliveriesOf(variantId);
    assert.ok(delivery, 'delivered');
    assert.equal(more.length, 0);
    assert.equal(delivery.verified, true, 'the signature verifies as the specification says');
    assert.match(delivery.id, /^webhooks:evt_[0-9a-z]+$/);
    assert.equal(delivery.id, `webhooks:${delivery.payload.data.id}`);
    assert.equal(delivery.payload.type, 'variant.created');
    assert.equal(delivery.payload.data.data.sku, `HOOK-${sku}`);
    receiver.secrets = [`whsec_${Buffer.alloc(32, 7).toString('base64')}`];
    assert.equal((await relay.runOnce()).delivered, 0, 'nothing twice');
    await call(app, 'DELETE', `/v1/webhook-endpoints/${endpoint.id}`, shop.admin);
  });

  test('during a rotation both secrets sign, so the receiver may hold either', async () => {
    const endpoint = await register(`${receiver.url}?rotate`);
    const rotated = await call(
      app,
      'POST',
      `/v1/webhook-endpoints/${endpoint.id}/rotate-secret`,
      shop.admin,
      {
        overlapSeconds: 3600,
      },
    );
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    assert.notEqual(rotated.body.secret, endpoint.secret);
    assert.equal(rotated.body.secrets.length, 2);
    for (const secret of [endpoint.secret, rotated.body.secret]) {
      receiver.secrets = [secret];
      const variantId = await newVariant();
      await settle(() => deliveriesOf(variantId).length > 0);
      const [delivery] = deliveriesOf(variantId);
      assert.equal(delivery?.signatures, 2);
      assert.equal(delivery?.verified, true);
    }
    clock.advance(3601_000);
    receiver.secrets = [endpoint.secret];
    const variantId = await newVariant();
    await settle(() => deliveriesOf(variantId).length > 0);
    const [late] = deliveriesOf(variantId);
    assert.equal(late?.signatures, 1, 'the old secret stopped signing when its overlap ended');
    assert.equal(late?.verified, false);
    await call(app, 'DELETE', `/v1/webhook-endpoints/${endpoint.id}`, shop.admin);
  });

  test('a failed endpoint is retried alone; the one that took the event never gets it twice', async () => {
    const good = await register(`${receiver.url}?good`);
    const flaky = await register(`${receiver.url}?flaky`);
    receiver.secrets = [good.secret, flaky.secret];
    let down = true;
    receiver.answer = (delivery) => (down && delivery.path.endsWith('flaky') ? 503 : 204);
    const variantId = await newVariant();
    await settle(() => deliveriesOf(variantId).length > 0);
    const failures = await db().query(
      `SELECT 1 FROM outbox_failures f JOIN events e ON e.shop_id = f.shop_id AND e.id = f.event_id
       WHERE f.consumer = 'webhooks' AND e.subject_id = $1`,
      [variantId],
    );
    assert.equal(failures.length, 1, 'the flaky endpoint failed');
    assert.deepEqual(
      deliveriesOf(variantId).map((delivery) => delivery.path),
      ['/hooks?good'],
    );
    down = false;
    clock.advance(1_000);
    assert.equal((await relay.runOnce()).delivered, 1);
    const paths = deliveriesOf(variantId).map((delivery) => delivery.path);
    assert.deepEqual(paths, ['/hooks?good', '/hooks?flaky'], 'the good endpoint still has it once');
    const ids = deliveriesOf(variantId).map((delivery) => delivery.id);
    assert.equal(new Set(ids).size, 1, 'one webhook-id for the event, on every endpoint and try');
    receiver.answer = () => 204;
    await call(app, 'DELETE', `/v1/webhook-endpoints/${good.id}`, shop.admin);
    await call(app, 'DELETE', `/v1/webhook-endpoints/${flaky.id}`, shop.admin);
  });

  test('410 Gone disables the endpoint; a dead letter can be sent again', async () => {
    const gone = await register(`${receiver.url}?gone`);
    receiver.secrets = [gone.secret];
    receiver.answer = () => 410;
    await newVariant();
    const statusOf = async () =>
      (await call(app, 'GET', `/v1/webhook-endpoints/${gone.id}`, shop.admin)).body.status;
    await settle(async () => (await statusOf()) === 'disabled');
    const endpoint = await call(app, 'GET', `/v1/webhook-endpoints/${gone.id}`, shop.admin);
    assert.equal(endpoint.body.status, 'disabled');
    assert.match(endpoint.body.disabledReason, /410/);
    const events = await db().query(
      `SELECT 1 FROM events WHERE type = 'webhook_endpoint.disabled' AND subject_id = $1`,
      [gone.id],
    );
    assert.equal(events.length, 1);
    receiver.answer = () => 204;
    const before = receiver.received.length;
    await newVariant();
    await relay.runOnce();
    assert.equal(receiver.received.length, before, 'a disabled endpoint gets nothing');
    await call(app, 'DELETE', `/v1/webhook-endpoints/${gone.id}`, shop.admin);

    const down = await register(`${receiver.url}?down`);
    receiver.secrets = [down.secret];
    receiver.answer = () => 500;
    const variantId = await newVariant();
    const once = new OutboxRelay(ctx, outboxConsumers({ ctx, webhooksAllowInternal: true }), {
      retryDelaysMs: [],
    });
    const lettersNow = async () =>
      (await call(app, 'GET', '/v1/dead-letters?consumer=webhooks', shop.admin)).body.data as {
        id: string;
        eventType: string;
        lastError: string;
      }[];
    const lettersBefore = (await lettersNow()).length;
    await settle(async () => (await lettersNow()).length > lettersBefore, once);
    const letter = (await lettersNow()).at(-1);
    assert.ok(letter, 'the failed delivery is a dead letter');
    assert.equal(letter.eventType, 'variant.created');
    assert.match(letter.lastError, /answered 500/);
    receiver.answer = () => 204;
    assert.equal((await call(app, 'POST', `/v1/dead-letters/${letter.id}/retry`, shop.admin)).status, 200);
    await settle(() => deliveriesOf(variantId).length > 0, once);
    assert.equal(deliveriesOf(variantId).length, 1);
    assert.equal(deliveriesOf(variantId)[0]?.verified, true);
    await call(app, 'DELETE', `/v1/webhook-endpoints/${down.id}`, shop.admin);
  });

  test('loopback, private and link-local endpoints are refused unless allowed', async () => {
    const { app: production, ctx: productionCtx } = await testApp(db(), { clock: clock.now });
    const owner = await testShop(productionCtx, 'Careful');
    for (const url of [
      'http://127.0.0.1:9/hooks',
      'http://10.1.2.3/hooks',
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]/hooks',
      'http://localhost/hooks',
      'https://user:pw@example.com/hooks',
    ]) {
      const refused = await call(production, 'POST', '/v1/webhook-endpoints', owner.admin, {
        url,
        eventTypes: ['*'],
      });
      assertRefused(refused, 422, 'unsafe_webhook_url');
    }
    const unknownType = await call(production, 'POST', '/v1/webhook-endpoints', owner.admin, {
      url: 'https://example.com/hooks',
      eventTypes: ['nothing.*'],
    });
    assertRefused(unknownType, 400, 'validation_failed');
    await production.close();
  });
});
