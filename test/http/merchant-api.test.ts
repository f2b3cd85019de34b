/**
 * The merchant's API around campaigns, variants and batches: lists with filters and pages, archive and
 * delete with their rules, variant changes (stock too), what a slip answers, and refusals that say which
 * field was wrong, what was expected and what came, on both engines.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { TestPaymentProvider } from '../../src/payments/test-provider.ts';
import { DEFAULT_PAYMENT_SETTINGS } from '../../src/services/payment-operations.ts';
import { call, manualClock, openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertNothingWritten, assertRefused, databaseDigest } from '../support/http-assertions.ts';

describeOnEachEngine('the merchant API', ({ db }) => {
  const clock = manualClock();
  let app: FastifyInstance;
  let shop: TestShop;
  let sequence = 0;

  before(async () => {
    const payments = { provider: new TestPaymentProvider(), settings: DEFAULT_PAYMENT_SETTINGS };
    const made = await testApp(db(), { clock: clock.now, payments });
    app = made.app;
    shop = await testShop(made.ctx, 'Merchant API Shop');
  });

  const admin = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown) =>
    call(app, method, url, shop.admin, body);
  const place = (sku: string, quantity = 1) =>
    call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': `m-${++sequence}` },
      { sku, quantity, email: `m${sequence}@example.com` },
    );
  const draft = async (sku: string, name = `Draft ${sku}`) => {
    const variant = await admin('POST', '/v1/variants', { sku, name: `Variant ${sku}` });
    const created = await admin('POST', '/v1/campaigns', {
      name,
      mode: 'preorder',
      price: { amount: 5_000, currency: 'EUR' },
      variants: [{ sku, cap: 10 }],
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return { campaignId: created.body.id as string, variantId: variant.body.id as string };
  };

  test('campaigns list newest first, filter by status and mode, and page with nextCursor', async () => {
    const open = await openLaunch(app, shop, { sku: 'LIST-OPEN' });
    const drafts = [await draft('LIST-D1'), await draft('LIST-D2'), await draft('LIST-D3')];
    const firstPage = await admin('GET', '/v1/campaigns?status=draft&limit=2');
    assert.equal(firstPage.status, 200, JSON.stringify(firstPage.body));
    assert.deepEqual(
      firstPage.body.data.map((c: { id: string }) => c.id),
      [drafts[2]?.campaignId, drafts[1]?.campaignId],
    );
    const secondPage = await admin(
      'GET',
      `/v1/campaigns?status=draft&limit=2&after=${firstPage.body.nextCursor}`,
    );
    assert.deepEqual(
      secondPage.body.data.map((c: { id: string }) => c.id),
      [drafts[0]?.campaignId],
    );
    assert.equal(secondPage.body.nextCursor, null);
    const openOnes = await admin('GET', '/v1/campaigns?status=open&mode=preorder');
    assert.ok(openOnes.body.data.some((c: { id: string }) => c.id === open.campaignId));
    assert.ok(openOnes.body.data.every((c: { status: string }) => c.status === 'open'));

    const unknown = await admin('GET', '/v1/campaigns?state=open');
    assertRefused(unknown, 400, 'validation_failed');
    assert.match(unknown.body.error.message, /unknown query parameter "state"/);
    assert.match(unknown.body.error.message, /status/);
    const badStatus = await admin('GET', '/v1/campaigns?status=live');
    assertRefused(badStatus, 400, 'validation_failed');
    assert.match(badStatus.body.error.message, /query\.status/);
    assert.match(badStatus.body.error.message, /"live"/);
  });

  test('a draft campaign is deleted with its caps and batches; one that opened is refused and archived instead', async () => {
    const { campaignId, variantId } = await draft('DEL-1');
    const batch = await admin('POST', `/v1/campaigns/${campaignId}/batches`, {
      sku: 'DEL-1',
      quantity: 5,
      readyDate: '2027-01-20',
    });
    assert.equal(batch.status, 201, JSON.stringify(batch.body));
    const deleted = await admin('DELETE', `/v1/campaigns/${campaignId}`);
    assert.equal(deleted.status, 204);
    assertRefused(await admin('GET', `/v1/campaigns/${campaignId}`), 404, 'not_found');
    assert.equal((await admin('GET', `/v1/variants/${variantId}`)).status, 200, 'the variant stays');

    const live = await openLaunch(app, shop, { sku: 'DEL-2' });
    const before = await databaseDigest(db());
    const refused = await admin('DELETE', `/v1/campaigns/${live.campaignId}`);
    assertRefused(refused, 409, 'invalid_transition');
    assert.match(refused.body.error.message, /only a draft campaign can be deleted; this one is open/);
    assertRefused(await admin('POST', `/v1/campaigns/${live.campaignId}/archive`), 409, 'invalid_transition');
    assertNothingWritten(before, await databaseDigest(db()));

    assert.equal((await admin('POST', `/v1/campaigns/${live.campaignId}/close`)).status, 200);
    const archived = await admin('POST', `/v1/campaigns/${live.campaignId}/archive`);
    assert.equal(archived.status, 200);
    assert.ok(archived.body.archivedAt);
    const listed = await admin('GET', '/v1/campaigns?limit=100');
    assert.ok(
      !listed.body.data.some((c: { id: string }) => c.id === live.campaignId),
      'out of the default list',
    );
    const archivedList = await admin('GET', '/v1/campaigns?archived=true');
    assert.deepEqual(
      archivedList.body.data.map((c: { id: string }) => c.id),
      [live.campaignId],
    );
    assertRefused(
      await admin('PATCH', `/v1/campaigns/${live.campaignId}`, { name: 'Renamed' }),
      409,
      'archived',
    );
    const cash = await admin('GET', '/v1/reports/cash');
    assert.equal(cash.status, 200, JSON.stringify(cash.body));
    assert.ok(!cash.body.campaigns.some((c: { campaignId: string }) => c.campaignId === live.campaignId));
    const named = await admin('GET', `/v1/reports/cash?campaign=${live.campaignId}`);
    assert.equal(named.body.campaigns.length, 1, 'a named campaign is reported even when archived');
    const back = await admin('POST', `/v1/campaigns/${live.campaignId}/unarchive`);
    assert.equal(back.body.archivedAt, null);
  });

  test('a variant is fetched, renamed, given stock and archived once no live campaign sells it', async () => {
    const created = await admin('POST', '/v1/variants', { sku: 'VAR-1', name: 'Lamp' });
    const id = created.body.id as string;
    assert.equal((await admin('GET', `/v1/variants/${id}`)).body.name, 'Lamp');
    const changed = await admin('PATCH', `/v1/variants/${id}`, { name: 'Lamp, brass', onHand: 7 });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.name, 'Lamp, brass');
    assert.equal(changed.body.onHand, 7, 'stock set, not silently dropped');
    const price = await admin('PATCH', `/v1/variants/${id}`, { price: 100 });
    assertRefused(price, 400, 'validation_failed');
    assert.match(price.body.error.message, /unknown field "price"/);
    const sku = await admin('PATCH', `/v1/variants/${id}`, { sku: 'VAR-9' });
    assertRefused(sku, 400, 'validation_failed');

    const bySku = await admin('GET', '/v1/variants?sku=VAR-1');
    assert.deepEqual(
      bySku.body.data.map((v: { id: string }) => v.id),
      [id],
    );

    const launch = await openLaunch(app, shop, { sku: 'VAR-2' });
    const inUse = await admin('POST', `/v1/variants/${launch.variantId}/archive`);
    assertRefused(inUse, 409, 'variant_in_use');
    assert.match(inUse.body.error.message, new RegExp(launch.campaignId));

    const archived = await admin('POST', `/v1/variants/${id}/archive`);
    assert.ok(archived.body.archivedAt);
    assert.equal((await admin('GET', '/v1/variants?sku=VAR-1')).body.data.length, 0);
    assert.equal((await admin('GET', '/v1/variants?sku=VAR-1&archived=true')).body.data.length, 1);
    assertRefused(await admin('PATCH', `/v1/variants/${id}`, { name: 'x' }), 409, 'archived');
    const inCampaign = await admin('POST', '/v1/campaigns', {
      name: 'With an archived variant',
      mode: 'preorder',
      price: { amount: 5_000, currency: 'EUR' },
      variants: [{ sku: 'VAR-1', cap: 5 }],
    });
    assertRefused(inCampaign, 409, 'archived');
    assert.match(inCampaign.body.error.message, /VAR-1 is archived/);
  });

  test('a batch that serves no one is deleted; one that serves customers says how many', async () => {
    const launch = await openLaunch(app, shop, { sku: 'BAT-1' });
    const first = await admin('POST', `/v1/campaigns/${launch.campaignId}/batches`, {
      sku: 'BAT-1',
      quantity: 2,
      readyDate: '2027-01-11',
    });
    const spare = await admin('POST', `/v1/campaigns/${launch.campaignId}/batches`, {
      sku: 'BAT-1',
      quantity: 50,
      readyDate: '2027-03-01',
    });
    await place('BAT-1', 2);
    const inUse = await admin('DELETE', `/v1/campaigns/${launch.campaignId}/batches/${first.body.id}`);
    assertRefused(inUse, 409, 'batch_in_use');
    assert.match(inUse.body.error.message, /1 pre-orders are promised units of this batch/);
    assert.equal(
      (await admin('DELETE', `/v1/campaigns/${launch.campaignId}/batches/${spare.body.id}`)).status,
      204,
    );
    const left = await admin('GET', `/v1/campaigns/${launch.campaignId}/batches`);
    assert.deepEqual(
      left.body.data.map((b: { id: string }) => b.id),
      [first.body.id],
    );
  });

  test('a slip answers how many pre-orders moved and the first of them; their updatedAt moves', async () => {
    const launch = await openLaunch(app, shop, { sku: 'SLIP-1' });
    const batch = await admin('POST', `/v1/campaigns/${launch.campaignId}/batches`, {
      sku: 'SLIP-1',
      quantity: 10,
      readyDate: '2027-01-11',
    });
    const placed = [await place('SLIP-1'), await place('SLIP-1'), await place('SLIP-1')];
    const before = await admin('GET', `/v1/preorders/${placed[0]?.body.id}`);
    clock.advance(60_000);
    const slipped = await admin('PATCH', `/v1/campaigns/${launch.campaignId}/batches/${batch.body.id}`, {
      readyDate: '2027-02-15',
      reason: 'The glass supplier is late.',
    });
    assert.equal(slipped.status, 200, JSON.stringify(slipped.body));
    assert.equal(slipped.body.readyDate, '2027-02-15');
    assert.equal(slipped.body.moved.count, 3);
    assert.deepEqual(
      slipped.body.moved.preorders.map((p: { preorderId: string }) => p.preorderId).sort(),
      placed.map((p) => p.body.id).sort(),
    );
    assert.ok(
      slipped.body.moved.preorders[0].newWindow.from > slipped.body.moved.preorders[0].oldWindow.from,
    );
    const after = await admin('GET', `/v1/preorders/${placed[0]?.body.id}`);
    assert.ok(after.body.updatedAt > before.body.updatedAt, 'a moved promise is a change of the pre-order');
  });

  test('refusals name the field, what was expected and what came', async () => {
    const noQuantity = await admin('POST', '/v1/variants', { name: 'No sku' });
    assertRefused(noQuantity, 400, 'validation_failed');
    assert.match(noQuantity.body.error.message, /body\.sku is required/);
    const issue = noQuantity.body.error.details.issues[0];
    assert.equal(issue.in, 'body');
    assert.deepEqual(issue.path, ['sku']);

    const { campaignId } = await draft('ERR-1');
    const noCap = await admin('PATCH', `/v1/campaigns/${campaignId}`, { variants: [{ sku: 'ERR-1' }] });
    assertRefused(noCap, 400, 'validation_failed');
    assert.match(noCap.body.error.message, /body\.variants\[0\]\.cap is required/);
    const wrongMode = await admin('POST', '/v1/campaigns', {
      name: 'x',
      mode: 'pre',
      price: { amount: 1, currency: 'EUR' },
      variants: [],
    });
    assert.match(
      wrongMode.body.error.message,
      /body\.mode: expected one of "preorder", "backorder", received "pre"/,
    );
    for (const bad of [wrongMode, noCap, noQuantity]) {
      assert.doesNotMatch(bad.body.error.message, /Invalid input/);
    }
  });

  test('the Bearer scheme is read in any case; a missing or wrong key says which header and key', async () => {
    const key = shop.admin.authorization?.split(' ')[1] ?? '';
    for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
      const answer = await call(app, 'GET', '/v1/variants', { authorization: `${scheme} ${key}` });
      assert.equal(answer.status, 200, scheme);
    }
    const none = await call(app, 'GET', '/v1/variants', {});
    assertRefused(none, 401, 'unauthorized');
    assert.match(none.body.error.message, /Authorization: Bearer sk_/);
    const publishable = await call(app, 'GET', '/v1/variants', {
      authorization: `Bearer ${shop.storefront['presell-key'] ?? ''}`,
    });
    assertRefused(publishable, 401, 'unauthorized');
    assert.match(publishable.body.error.message, /secret key \(sk_…\), not a publishable one/);
  });

  test('Content-Type: application/json without a body is accepted where no body is needed', async () => {
    const { campaignId } = await draft('EMPTY-1');
    const answer = await app.inject({
      method: 'POST',
      url: `/v1/campaigns/${campaignId}/open`,
      headers: { ...shop.admin, 'content-type': 'application/json' },
    });
    assert.equal(answer.statusCode, 200, answer.body);
    assert.equal(answer.json().status, 'open');
  });

  test('over a real connection, a body-less POST with Content-Type: application/json takes the defaults', async () => {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    try {
      const launch = await openLaunch(app, shop, { sku: 'EMPTY-2' });
      const placed = await place('EMPTY-2');
      const cancel = await fetch(`${address}/v1/preorders/${placed.body.id}/cancel`, {
        method: 'POST',
        headers: { ...shop.admin, 'content-type': 'application/json' },
      });
      assert.equal(cancel.status, 200, await cancel.clone().text());
      assert.equal(((await cancel.json()) as { basis: string }).basis, 'policy_before_cutoff');
      const refund = await fetch(`${address}/v1/preorders/${placed.body.id}/refunds`, {
        method: 'POST',
        headers: { ...shop.admin, 'content-type': 'application/json', 'idempotency-key': 'empty' },
      });
      assert.equal(refund.status, 400);
      assert.match(await refund.text(), /body\.reason is required/);
      assert.ok(launch.campaignId);
    } finally {
      await app.close();
    }
  });
});
