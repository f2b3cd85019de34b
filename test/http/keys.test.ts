/**
 * Key rotation through the admin API: a new key shown once, the old one stopped at once or after the
 * overlap asked for, the action in the audit log without the key.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { call, manualClock, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertRefused } from '../support/http-assertions.ts';

interface RotatedKey {
  id: string;
  object: string;
  kind: string;
  key: string;
  hint: string;
  expiresAt: string | null;
  replaced: { id: string; hint: string; expiresAt: string }[];
}

describeOnEachEngine('API key rotation', ({ db }) => {
  const clock = manualClock(new Date('2026-12-01T09:00:00Z'));
  let app: FastifyInstance;
  let shop: TestShop;

  before(async () => {
    const made = await testApp(db(), { clock: clock.now });
    app = made.app;
    shop = await testShop(made.ctx);
  });
  after(() => app.close());

  const bearer = (key: string) => ({ authorization: `Bearer ${key}` });

  test('a rotated secret key works at once and the old one stops at once by default', async () => {
    const before = await call(app, 'GET', '/v1/keys', shop.admin);
    assert.equal(before.status, 200);
    const kinds = (before.body.data as { kind: string }[]).map((key) => key.kind).sort();
    assert.deepEqual(kinds, ['publishable', 'secret']);

    const rotated = await call(app, 'POST', '/v1/keys/rotate', shop.admin, {});
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const body = rotated.body as RotatedKey;
    assert.equal(body.object, 'api_key');
    assert.equal(body.kind, 'secret');
    assert.match(body.key, /^sk_\S{20,}$/);
    assert.equal(body.hint, body.key.slice(-4));
    assert.equal(body.expiresAt, null);
    assert.equal(body.replaced.length, 1);
    assert.equal(body.replaced[0]?.expiresAt, clock.now().toISOString());

    assertRefused(await call(app, 'GET', '/v1/variants', shop.admin), 401, 'unauthorized');
    assert.equal((await call(app, 'GET', '/v1/variants', bearer(body.key))).status, 200);

    const audit = await call(app, 'GET', '/v1/audit-log', bearer(body.key));
    const entry = (audit.body.data as { route: string; subjectId: string; request: unknown }[]).find(
      (line) => line.route === '/v1/keys/rotate',
    );
    assert.ok(entry, 'the rotation is in the audit log');
    assert.equal(entry.subjectId, body.id);
    assert.doesNotMatch(JSON.stringify(audit.body), new RegExp(body.key), 'never the key itself');
    shop.admin = bearer(body.key);
  });

  test('a publishable key rotated with an overlap keeps the old one working until it ends', async () => {
    const rotated = await call(app, 'POST', '/v1/keys/rotate', shop.admin, {
      kind: 'publishable',
      overlapSeconds: 3600,
    });
    assert.equal(rotated.status, 200, JSON.stringify(rotated.body));
    const body = rotated.body as RotatedKey;
    assert.match(body.key, /^pk_/);
    assert.equal(body.replaced[0]?.expiresAt, new Date(clock.now().getTime() + 3_600_000).toISOString());
    const listed = await call(app, 'GET', '/v1/keys', shop.admin);
    assert.equal((listed.body.data as { kind: string }[]).filter((k) => k.kind === 'publishable').length, 2);

    const offerWith = (key: string) =>
      call(app, 'GET', '/v1/storefront/offers/NONE-1', { 'presell-key': key });
    // Both keys are the shop's during the overlap: the unknown sku is the answer, not the key.
    assertRefused(await offerWith(shop.storefront['presell-key'] as string), 404, 'not_found');
    assertRefused(await offerWith(body.key), 404, 'not_found');

    clock.advance(3_600_001);
    await app.close();
    const fresh = await testApp(db(), { clock: clock.now });
    app = fresh.app;
    assertRefused(await offerWith(shop.storefront['presell-key'] as string), 401, 'unauthorized');
    assertRefused(await offerWith(body.key), 404, 'not_found');
  });

  test("a shop's rotation touches no other shop's keys, and its list shows only its own", async () => {
    const other = await testShop({ db: db(), clock: clock.now }, 'Other Shop');
    const rotated = await call(app, 'POST', '/v1/keys/rotate', other.admin, { kind: 'secret' });
    assert.equal(rotated.status, 200);
    const otherKeys = await call(app, 'GET', '/v1/keys', bearer((rotated.body as RotatedKey).key));
    const mine = await call(app, 'GET', '/v1/keys', shop.admin);
    const ids = (answer: { body: { data: { id: string }[] } }) => answer.body.data.map((key) => key.id);
    assert.equal(ids(otherKeys).filter((id) => ids(mine).includes(id)).length, 0);
    assert.equal((await call(app, 'GET', '/v1/variants', shop.admin)).status, 200, 'this shop’s key works');
  });

  test('a bad kind, a negative or too long overlap, or an unknown field is refused by name', async () => {
    for (const [body, field] of [
      [{ kind: 'admin' }, 'kind'],
      [{ overlapSeconds: -1 }, 'overlapSeconds'],
      [{ overlapSeconds: 8 * 86_400 }, 'overlapSeconds'],
      [{ expires: 5 }, 'expires'],
    ] as const) {
      const answer = await call(app, 'POST', '/v1/keys/rotate', shop.admin, body);
      const refusal = assertRefused(answer, 400, 'validation_failed');
      assert.match(refusal.message, new RegExp(field), JSON.stringify(body));
    }
    assert.equal((await call(app, 'GET', '/v1/variants', shop.admin)).status, 200, 'the key still works');
  });
});
