/** The API contract the widget, the admin app and integrators rely on, on both engines. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { OFFER_CACHE_MS } from '../../src/http/offer-cache.ts';
import { call, manualClock, openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';

describeOnEachEngine('the API', ({ db }) => {
  const clock = manualClock();
  let app: FastifyInstance;
  let shop: TestShop;
  let sequence = 0;

  before(async () => {
    const made = await testApp(db(), { clock: clock.now });
    app = made.app;
    shop = await testShop(made.ctx);
  });

  const place = (sku: string, quantity: number, email: string, key = `key-${++sequence}`) =>
    call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': key },
      { sku, quantity, email },
    );
  const offer = (sku: string) => call(app, 'GET', `/v1/storefront/offers/${sku}`, shop.storefront);
  const eventsOf = async (subjectId: string) =>
    (
      await db().query<{ type: string }>('SELECT type FROM events WHERE subject_id = $1 ORDER BY id', [
        subjectId,
      ])
    ).map((e) => e.type);

  test('a placement answers 201 with id, queue position, locked price and state, and writes its event', async () => {
    const launch = await openLaunch(app, shop, { sku: 'API-1', cap: 10 });
    const first = await place('API-1', 2, '  Ada@Example.COM ');
    const second = await place('API-1', 1, 'bob@example.com');
    assert.equal(first.status, 201);
    assert.match(first.body.id, /^po_[0-9a-z]{26}$/);
    assert.equal(first.body.email, 'ada@example.com');
    assert.deepEqual(first.body.unitPrice, { amount: 7900, currency: 'EUR' });
    assert.deepEqual(first.body.total, { amount: 15800, currency: 'EUR' });
    assert.equal(first.body.state, 'placed');
    assert.ok(second.body.queuePosition > first.body.queuePosition);
    assert.deepEqual(await eventsOf(first.body.id), ['preorder.placed']);
    assert.deepEqual(await eventsOf(launch.campaignId), ['campaign.created', 'campaign.opened']);
    const fetched = await call(app, 'GET', `/v1/preorders/${first.body.id}`, shop.admin);
    const none = { amount: 0, currency: 'EUR' };
    const { due, ...placed } = first.body;
    assert.deepEqual([due.now, due.later, due.laterDue], [first.body.total, none, null], 'all of it now');
    assert.deepEqual(fetched.body, {
      ...placed,
      promiseHistory: [],
      money: { charged: none, refunded: none, outstanding: { amount: 15800, currency: 'EUR' } },
      shippingAddress: null,
    });
  });

  test('a replay returns the first answer; the same key with another body is refused', async () => {
    await openLaunch(app, shop, { sku: 'API-REPLAY', cap: 5 });
    const first = await place('API-REPLAY', 1, 'replay@example.com', 'replay-key');
    const again = await place('API-REPLAY', 1, 'REPLAY@example.com', 'replay-key');
    assert.equal(again.status, 201);
    assert.deepEqual(again.body, first.body);
    const other = await place('API-REPLAY', 2, 'replay@example.com', 'replay-key');
    assert.equal(other.status, 422);
    assert.equal(other.body.error.code, 'idempotency_key_reused');
    const listed = await call(app, 'GET', '/v1/preorders?email=replay@example.com', shop.admin);
    assert.equal(listed.body.data.length, 1);
  });

  test('a refusal by the rules is not kept: a retry with the same key is judged afresh', async () => {
    const launch = await openLaunch(app, shop, { sku: 'API-SOLD', cap: 1 });
    assert.equal((await place('API-SOLD', 1, 'one@example.com')).status, 201);
    const refused = await place('API-SOLD', 1, 'two@example.com', 'sold-key');
    assert.equal(refused.status, 409);
    assert.equal(refused.body.error.code, 'sold_out');
    const raised = await call(app, 'PATCH', `/v1/campaigns/${launch.campaignId}`, shop.admin, {
      variants: [{ sku: 'API-SOLD', cap: 2 }],
    });
    assert.equal(raised.status, 200);
    const retried = await place('API-SOLD', 1, 'two@example.com', 'sold-key');
    assert.equal(retried.status, 201);
    const replayed = await place('API-SOLD', 1, 'two@example.com', 'sold-key');
    assert.deepEqual(replayed.body, retried.body, 'from then on the key replays the placement');
  });

  test('early-bird units are priced by their place in the queue, across a tier boundary', async () => {
    await openLaunch(app, shop, {
      sku: 'API-EARLY',
      cap: 10,
      earlyBird: [{ name: 'First three', firstUnits: 3, unitAmount: 5900 }],
    });
    const before = await offer('API-EARLY');
    assert.deepEqual(before.body.price, { amount: 5900, currency: 'EUR' });
    assert.deepEqual(before.body.earlyBird, { name: 'First three', unitsLeft: 3, endsAt: null, perk: null });
    const crossing = await place('API-EARLY', 4, 'early@example.com');
    assert.deepEqual(crossing.body.total, { amount: 3 * 5900 + 7900, currency: 'EUR' });
    assert.deepEqual(
      crossing.body.priceLines.map((l: { tier: string | null; quantity: number }) => [l.tier, l.quantity]),
      [
        ['First three', 3],
        [null, 1],
      ],
    );
    const after = await offer('API-EARLY');
    assert.deepEqual(after.body.price, { amount: 7900, currency: 'EUR' });
    assert.equal(after.body.earlyBird, null);
    assert.equal(after.body.unitsLeft, 6);
  });

  test('a scheduled campaign opens and closes by itself with its window', async () => {
    const opensAt = new Date(clock.now().getTime() + 3_600_000);
    const closesAt = new Date(opensAt.getTime() + 3_600_000);
    const launch = await openLaunch(app, shop, {
      sku: 'API-WINDOW',
      opensAt: opensAt.toISOString(),
      closesAt: closesAt.toISOString(),
    });
    const campaign = await call(app, 'GET', `/v1/campaigns/${launch.campaignId}`, shop.admin);
    assert.equal(campaign.body.status, 'scheduled');
    assert.equal((await offer('API-WINDOW')).body.state, 'upcoming');
    assert.equal((await place('API-WINDOW', 1, 'early@example.com')).body.error.code, 'campaign_not_open');
    clock.set(opensAt);
    assert.equal((await offer('API-WINDOW')).body.state, 'open');
    assert.equal((await place('API-WINDOW', 1, 'ontime@example.com')).status, 201);
    clock.set(closesAt);
    assert.deepEqual(
      [(await offer('API-WINDOW')).body.state, (await offer('API-WINDOW')).body.reason],
      ['closed', 'window_ended'],
    );
    assert.equal((await place('API-WINDOW', 1, 'late@example.com')).body.error.code, 'campaign_not_open');
    clock.set(new Date('2026-12-01T09:00:00Z'));
  });

  test('pause, reopen and close: each writes its event and placement follows', async () => {
    const launch = await openLaunch(app, shop, { sku: 'API-MOVES' });
    const paused = await call(app, 'POST', `/v1/campaigns/${launch.campaignId}/pause`, shop.admin);
    assert.equal(paused.body.status, 'paused');
    const refused = await place('API-MOVES', 1, 'paused@example.com');
    assert.equal(refused.status, 409);
    assert.deepEqual(refused.body.error.details, { state: 'closed', reason: 'paused' });
    await call(app, 'POST', `/v1/campaigns/${launch.campaignId}/open`, shop.admin);
    assert.equal((await place('API-MOVES', 1, 'open@example.com')).status, 201);
    const closed = await call(app, 'POST', `/v1/campaigns/${launch.campaignId}/close`, shop.admin);
    assert.equal(closed.body.status, 'closed');
    const reopen = await call(app, 'POST', `/v1/campaigns/${launch.campaignId}/open`, shop.admin);
    assert.equal(reopen.status, 409);
    assert.equal(reopen.body.error.code, 'invalid_transition');
    assert.deepEqual((await eventsOf(launch.campaignId)).slice(1), [
      'campaign.opened',
      'campaign.paused',
      'campaign.opened',
      'campaign.closed',
    ]);
  });

  test('a bodiless POST with a JSON content type is read as no body', async () => {
    const launch = await openLaunch(app, shop, { sku: 'API-NOBODY' });
    const response = await app.inject({
      method: 'POST',
      url: `/v1/campaigns/${launch.campaignId}/pause`,
      headers: { ...shop.admin, 'content-type': 'application/json', 'content-length': '0' },
    });
    assert.equal(response.statusCode, 200);
    assert.equal(response.json().status, 'paused');
  });

  test('a cap cannot go below the units held, and a cap of 0 sells nothing', async () => {
    const launch = await openLaunch(app, shop, { sku: 'API-CAP', cap: 5 });
    await place('API-CAP', 3, 'cap@example.com');
    const tooMany = await place('API-CAP', 3, 'more@example.com');
    assert.deepEqual(
      [tooMany.status, tooMany.body.error.code, tooMany.body.error.details],
      [409, 'sold_out', { unitsLeft: 2 }],
    );
    const lowered = await call(app, 'PATCH', `/v1/campaigns/${launch.campaignId}`, shop.admin, {
      variants: [{ sku: 'API-CAP', cap: 2 }],
    });
    assert.equal(lowered.status, 409);
    assert.equal(lowered.body.error.code, 'cap_below_held');
    const exact = await call(app, 'PATCH', `/v1/campaigns/${launch.campaignId}`, shop.admin, {
      variants: [{ sku: 'API-CAP', cap: 3 }],
    });
    assert.equal(exact.body.variants[0].unitsLeft, 0);
    assert.equal((await offer('API-CAP')).body.state, 'sold_out');
    await openLaunch(app, shop, { sku: 'API-ZERO', cap: 0 });
    assert.equal((await offer('API-ZERO')).body.state, 'sold_out');
    assert.equal((await place('API-ZERO', 1, 'zero@example.com')).body.error.code, 'sold_out');
  });

  test('a backorder sells only while the variant is out of stock', async () => {
    const made = await call(app, 'POST', '/v1/variants', shop.admin, {
      sku: 'API-BACK',
      name: 'Hoodie',
      onHand: 4,
    });
    assert.equal(made.status, 201);
    const campaign = await call(app, 'POST', '/v1/campaigns', shop.admin, {
      name: 'Hoodie restock',
      mode: 'backorder',
      price: { amount: 4500, currency: 'EUR' },
      variants: [{ sku: 'API-BACK', cap: null }],
    });
    await call(app, 'POST', `/v1/campaigns/${campaign.body.id}/open`, shop.admin);
    const inStock = await offer('API-BACK');
    assert.deepEqual(
      [inStock.body.state, inStock.body.reason, inStock.body.unitsLeft],
      ['closed', 'in_stock', null],
    );
    await db().query(`UPDATE variants SET on_hand = 0 WHERE sku = 'API-BACK'`);
    clock.advance(OFFER_CACHE_MS); // a change made outside this process's API shows once its cached offer ages
    const soldOut = await offer('API-BACK');
    assert.deepEqual(
      [soldOut.body.state, soldOut.body.buttonLabel],
      ['open', 'Nachbestellen'],
      'in the shop’s language',
    );
    assert.equal((await place('API-BACK', 2, 'back@example.com')).status, 201);
  });

  test('a variant sells in one live campaign at a time', async () => {
    await openLaunch(app, shop, { sku: 'API-ONE' });
    const second = await call(app, 'POST', '/v1/campaigns', shop.admin, {
      name: 'Again',
      mode: 'preorder',
      price: { amount: 100, currency: 'EUR' },
      variants: [{ sku: 'API-ONE', cap: 1 }],
    });
    assert.equal(second.status, 201);
    const opened = await call(app, 'POST', `/v1/campaigns/${second.body.id}/open`, shop.admin);
    assert.equal(opened.status, 409);
    assert.equal(opened.body.error.code, 'variant_in_other_campaign');
  });

  test('pre-orders list by campaign, state and email, a page at a time', async () => {
    const launch = await openLaunch(app, shop, { sku: 'API-LIST', cap: null });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await place('API-LIST', 1, `list${i}@example.com`)).body.id);
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const query: string = `/v1/preorders?campaign=${launch.campaignId}&state=placed&limit=2${after ? `&after=${after}` : ''}`;
      const pageOf = await call(app, 'GET', query, shop.admin);
      assert.ok(pageOf.body.data.length <= 2);
      seen.push(...pageOf.body.data.map((p: { id: string }) => p.id));
      after = pageOf.body.nextCursor;
    } while (after);
    assert.deepEqual(seen, ids);
    const one = await call(app, 'GET', '/v1/preorders?email=LIST3@example.com', shop.admin);
    assert.deepEqual(
      one.body.data.map((p: { id: string }) => p.id),
      [ids[3]],
    );
    const cancelled = await call(
      app,
      'GET',
      `/v1/preorders?campaign=${launch.campaignId}&state=cancelled`,
      shop.admin,
    );
    assert.deepEqual(cancelled.body, { data: [], nextCursor: null });
  });

  test('variants list a page at a time and a duplicate sku is refused', async () => {
    const duplicate = await call(app, 'POST', '/v1/variants', shop.admin, { sku: 'API-1', name: 'Again' });
    assert.equal(duplicate.status, 409);
    assert.equal(duplicate.body.error.code, 'duplicate_variant');
    const first = await call(app, 'GET', '/v1/variants?limit=1', shop.admin);
    assert.equal(first.body.data.length, 1);
    assert.ok(first.body.nextCursor);
  });
});
