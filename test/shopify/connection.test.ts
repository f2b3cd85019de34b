/**
 * Connecting a store: the install flow (signed state, HMAC-checked callback, code exchanged for a token
 * kept encrypted), a custom app's token, uninstall, and webhooks that are forged, duplicated or privacy
 * requests.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertNothingWritten, assertRefused, databaseDigest } from '../support/http-assertions.ts';
import {
  connectStore,
  deliver,
  type ShopifyWorld,
  settle,
  shopifyWorld,
  storeWebhook,
} from '../support/shopify.ts';

/** Shopify's HMAC over a callback's query: every parameter but `hmac`, sorted, as `k=v` joined by `&`. */
function signQuery(secret: string, query: Record<string, string>) {
  const message = Object.keys(query)
    .sort()
    .map((key) => `${key}=${query[key]}`)
    .join('&');
  return { ...query, hmac: createHmac('sha256', secret).update(message).digest('hex') };
}

describeOnEachEngine('Shopify: install and uninstall', ({ db }) => {
  let world: ShopifyWorld;
  before(async () => {
    world = await shopifyWorld(db());
  });
  after(() => world.store.stop());

  test('the install link, Shopify’s signed callback, the token kept encrypted', async () => {
    const link = await call(world.app, 'POST', '/v1/shopify/install-links', world.shop.admin, {
      domain: world.store.domain.toUpperCase(),
    });
    assert.equal(link.status, 201);
    const url = new URL(link.body.url);
    assert.equal(url.host, world.store.domain);
    assert.equal(url.pathname, '/admin/oauth/authorize');
    assert.equal(url.searchParams.get('client_id'), world.store.app.apiKey);
    assert.equal(url.searchParams.get('redirect_uri'), 'https://presell.example/v1/shopify/oauth/callback');
    const state = url.searchParams.get('state') as string;

    world.store.codes.add('the-code');
    const query = signQuery(world.store.app.apiSecret, {
      code: 'the-code',
      host: 'YWRtaW4uc2hvcGlmeS5jb20',
      shop: world.store.domain,
      state,
      timestamp: String(Math.floor(Date.now() / 1000)),
    });

    const forged = { ...query, code: 'another-code' };
    const before = await databaseDigest(db());
    const refused = await call(
      world.app,
      'GET',
      `/v1/shopify/oauth/callback?${new URLSearchParams(forged)}`,
      {},
    );
    assertRefused(refused, 401, 'invalid_signature');
    assertNothingWritten(before, await databaseDigest(db()));

    const answer = await world.app.inject({
      method: 'GET',
      url: `/v1/shopify/oauth/callback?${new URLSearchParams(query)}`,
    });
    assert.equal(answer.statusCode, 200, answer.body);
    assert.match(answer.body, /is connected to Presell/);

    const connection = await call(world.app, 'GET', '/v1/shopify/connection', world.shop.admin);
    assert.equal(connection.body.status, 'active');
    assert.equal(connection.body.method, 'oauth');
    const [stored] = await db().query<{ access_token: string }>(
      'SELECT access_token FROM shopify_connections WHERE shop_id = $1',
      [world.shop.shopId],
    );
    assert.ok(stored?.access_token.startsWith('v1.'));
    assert.ok(!stored?.access_token.includes(world.store.accessToken), 'the token is not stored in clear');
    assert.equal((await world.shopify.connection(world.shop.shopId))?.accessToken, world.store.accessToken);

    // The code is single-use at Shopify, and a second callback with the same state cannot exchange it.
    const again = await call(
      world.app,
      'GET',
      `/v1/shopify/oauth/callback?${new URLSearchParams(query)}`,
      {},
    );
    assertRefused(again, 422, 'store_refused');
  });

  test('an install link older than ten minutes is refused', async () => {
    const link = await call(world.app, 'POST', '/v1/shopify/install-links', world.shop.admin, {
      domain: world.store.domain,
    });
    const state = new URL(link.body.url).searchParams.get('state') as string;
    world.clock.advance(11 * 60_000);
    world.store.codes.add('late-code');
    const query = signQuery(world.store.app.apiSecret, {
      code: 'late-code',
      shop: world.store.domain,
      state,
      timestamp: String(Math.floor(Date.now() / 1000)),
    });
    assertRefused(
      await call(world.app, 'GET', `/v1/shopify/oauth/callback?${new URLSearchParams(query)}`, {}),
      422,
      'install_link_expired',
    );
  });

  test('a domain that is not a store’s is refused at once', async () => {
    const refusal = assertRefused(
      await call(world.app, 'POST', '/v1/shopify/install-links', world.shop.admin, {
        domain: 'evil.example.com',
      }),
      422,
      'invalid_store_domain',
    );
    assert.equal(refusal.details?.field, 'domain');
  });

  test('app/uninstalled drops the token; the store is no longer reached', async () => {
    const uninstalled = world.store.webhook('app/uninstalled', { domain: world.store.domain });
    assert.equal((await deliver(world, uninstalled)).statusCode, 200);
    await settle(world);
    const connection = await call(world.app, 'GET', '/v1/shopify/connection', world.shop.admin);
    assert.equal(connection.body.status, 'uninstalled');
    const [stored] = await db().query<{ access_token: string | null }>(
      'SELECT access_token FROM shopify_connections WHERE shop_id = $1',
      [world.shop.shopId],
    );
    assert.equal(stored?.access_token, null);
    const events = await db().query<{ type: string; data: { reason: string } }>(
      `SELECT type, data FROM events WHERE shop_id = $1 AND type = 'shopify.disconnected'`,
      [world.shop.shopId],
    );
    assert.deepEqual(
      events.map((e) => e.data.reason),
      ['uninstalled'],
    );
    assertRefused(
      await call(world.app, 'POST', '/v1/shopify/imports', world.shop.admin),
      409,
      'store_not_connected',
    );
  });
});

describeOnEachEngine('Shopify: a custom app’s token and the webhooks it signs', ({ db }) => {
  let world: ShopifyWorld;
  before(async () => {
    world = await shopifyWorld(db(), { app: false });
  });
  after(() => world.store.stop());

  test('a wrong token is refused and nothing is kept; without app credentials there are no install links', async () => {
    const before = await databaseDigest(db());
    assertRefused(
      await call(world.app, 'POST', '/v1/shopify/connection', world.shop.admin, {
        domain: world.store.domain,
        accessToken: 'shpat_wrong_token_000',
        webhookSecret: world.store.customAppSecret,
      }),
      422,
      'store_refused',
    );
    assertNothingWritten(before, await databaseDigest(db()));
    assertRefused(
      await call(world.app, 'POST', '/v1/shopify/install-links', world.shop.admin, {
        domain: world.store.domain,
      }),
      503,
      'store_app_not_configured',
    );
  });

  test('connecting subscribes the webhooks and imports the catalogue by itself', async () => {
    world.store.addVariants(3, 'MUG');
    await connectStore(world);
    const variants = await db().query<{ sku: string; external_id: string }>(
      'SELECT sku, external_id FROM variants WHERE shop_id = $1 ORDER BY sku',
      [world.shop.shopId],
    );
    assert.deepEqual(
      variants.map((v) => v.sku),
      ['MUG-1', 'MUG-2', 'MUG-3'],
    );
    assert.equal(variants[0]?.external_id, world.store.variantBySku('MUG-1').id);
    assert.deepEqual(
      [...world.store.subscriptions].sort(),
      [
        'APP_UNINSTALLED',
        'FULFILLMENTS_CREATE',
        'ORDERS_CANCELLED',
        'ORDERS_CREATE',
        'PRODUCTS_DELETE',
        'PRODUCTS_UPDATE',
        'REFUNDS_CREATE',
      ].map((topic) => `${topic} https://presell.example/v1/webhooks/shopify`),
      'the store’s webhooks are subscribed to Presell',
    );
  });

  test('a forged webhook is answered 401 and writes nothing', async () => {
    const before = await databaseDigest(db());
    const forged = world.store.webhook(
      'orders/create',
      { admin_graphql_api_id: 'gid://shopify/Order/1' },
      {
        secret: 'not-the-secret',
      },
    );
    const answer = await deliver(world, forged);
    assert.equal(answer.statusCode, 401);
    assert.equal(answer.json().error.code, 'invalid_signature');
    const altered = storeWebhook(world, 'orders/create', { admin_graphql_api_id: 'gid://shopify/Order/1' });
    const tampered = await deliver(world, { ...altered, payload: altered.payload.replace('/1"', '/2"') });
    assert.equal(tampered.statusCode, 401);
    assertNothingWritten(before, await databaseDigest(db()));
  });

  test('a webhook delivered twice is kept and handled once', async () => {
    const delivery = storeWebhook(world, 'customers/data_request', {
      customer: { email: 'someone@example.com' },
      orders_requested: [],
    });
    const first = await deliver(world, delivery);
    const second = await deliver(world, delivery);
    assert.deepEqual(first.json(), { received: true, duplicate: false, accepted: true });
    assert.deepEqual(second.json(), { received: true, duplicate: true, accepted: true });
    await settle(world);
    const requested = await db().query(
      `SELECT 1 FROM events WHERE shop_id = $1 AND type = 'shopify.customer_data_requested'`,
      [world.shop.shopId],
    );
    assert.equal(requested.length, 1);
    const [kept] = await db().query<{ payload: unknown; handled_at: Date | null }>(
      'SELECT payload, handled_at FROM shopify_webhooks WHERE shop_id = $1 AND webhook_id = $2',
      [world.shop.shopId, delivery.headers['x-shopify-webhook-id']],
    );
    assert.equal(kept?.payload, null, 'the payload is dropped once handled');
    assert.ok(kept?.handled_at);
  });

  test('shop/redact erases the connection and the domain', async () => {
    assert.equal(
      (await deliver(world, storeWebhook(world, 'shop/redact', { shop_domain: world.store.domain })))
        .statusCode,
      200,
    );
    await settle(world);
    assert.deepEqual(
      await db().query('SELECT 1 FROM shopify_connections WHERE shop_id = $1', [world.shop.shopId]),
      [],
    );
    assert.deepEqual(
      await db().query('SELECT 1 FROM shopify_domains WHERE shop_id = $1', [world.shop.shopId]),
      [],
    );
  });
});
