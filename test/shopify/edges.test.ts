/** Wrong input to the Shopify routes: a clear refusal that changes nothing, and no shop sees another's. */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, test } from 'node:test';
import { call, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertNothingWritten, assertRefused, databaseDigest } from '../support/http-assertions.ts';
import {
  connectStore,
  deliver,
  openCampaign,
  type ShopifyWorld,
  shopifyWorld,
  storeWebhook,
} from '../support/shopify.ts';

describeOnEachEngine('Shopify: wrong input', ({ db }) => {
  let world: ShopifyWorld;
  before(async () => {
    world = await shopifyWorld(db(), { app: false });
    world.store.addVariants(1, 'EDGE');
    await connectStore(world);
    await openCampaign(world, { skus: ['EDGE-1'], cap: 10 });
  });
  after(() => world.store.stop());

  const hold = (headers: Record<string, string>, body: unknown) =>
    call(world.app, 'POST', '/v1/storefront/holds', headers, body);

  test('holds: the key, the body and the sku are checked before anything is held', async () => {
    const before = await databaseDigest(db());
    assertRefused(
      await hold(world.shop.storefront, { sku: 'EDGE-1', quantity: 1 }),
      400,
      'validation_failed',
    );
    const key = { ...world.shop.storefront, 'idempotency-key': 'edge-1' };
    const refusal = assertRefused(await hold(key, { sku: 'EDGE-1', quantity: 0 }), 400, 'validation_failed');
    assert.deepEqual(refusal.details?.issues[0].path, ['quantity']);
    assertRefused(
      await hold(key, { sku: 'EDGE-1', quantity: 1, email: 'not an email' }),
      400,
      'validation_failed',
    );
    assertRefused(
      await hold({ 'presell-key': 'pk_unknown', 'idempotency-key': 'x' }, { sku: 'EDGE-1', quantity: 1 }),
      401,
      'unauthorized',
    );
    const variant = await call(world.app, 'POST', '/v1/variants', world.shop.admin, {
      sku: 'LOCAL-1',
      name: 'Not on Shopify',
    });
    const afterVariant = await databaseDigest(db());
    assertRefused(await hold(key, { sku: 'LOCAL-1', quantity: 1 }), 404, 'not_found');
    assertNothingWritten(afterVariant, await databaseDigest(db()));
    assert.equal(variant.status, 201);
    assert.notDeepEqual(before, afterVariant);
  });

  test('a hold sent again with its key is the same hold', async () => {
    const key = { ...world.shop.storefront, 'idempotency-key': 'edge-again' };
    const first = await hold(key, { sku: 'EDGE-1', quantity: 2, email: 'Again@Example.com' });
    const second = await hold(key, { sku: 'EDGE-1', quantity: 2, email: 'again@example.com' });
    assert.equal(first.status, 201);
    assert.equal(second.status, 201);
    assert.equal(second.headers['idempotent-replayed'], 'true');
    assert.equal(second.body.token, first.body.token);
    assert.equal(second.body.preorder.id, first.body.preorder.id);
    assertRefused(await hold(key, { sku: 'EDGE-1', quantity: 3 }), 422, 'idempotency_key_reused');
  });

  test('a shop without a store: refused, and it never sees another shop’s store or imports', async () => {
    const other = await testShop(world.ctx, 'No store');
    assertRefused(
      await call(world.app, 'GET', '/v1/shopify/connection', other.admin),
      409,
      'store_not_connected',
    );
    assertRefused(
      await call(world.app, 'POST', '/v1/shopify/imports', other.admin),
      409,
      'store_not_connected',
    );
    assertRefused(
      await hold({ ...other.storefront, 'idempotency-key': 'other-1' }, { sku: 'EDGE-1', quantity: 1 }),
      409,
      'store_not_connected',
    );
    const started = await call(world.app, 'POST', '/v1/shopify/imports', world.shop.admin);
    assertRefused(
      await call(world.app, 'GET', `/v1/shopify/imports/${started.body.id}`, other.admin),
      404,
      'not_found',
    );
    assertRefused(
      await call(world.app, 'POST', '/v1/shopify/connection', other.admin, {
        domain: world.store.domain,
        accessToken: world.store.accessToken,
        webhookSecret: world.store.customAppSecret,
      }),
      409,
      'store_taken',
    );
    assertRefused(
      await call(world.app, 'POST', '/v1/shopify/connection', other.admin, {
        domain: 'https://shop.example.com/admin',
        accessToken: 'shpat_0123456789',
        webhookSecret: 'secret-0123456789',
      }),
      422,
      'invalid_store_domain',
    );
  });

  test('webhooks: an unknown store, a body that is not JSON, a large payload', async () => {
    const unknown = storeWebhook(world, 'orders/create', { admin_graphql_api_id: 'gid://shopify/Order/1' });
    const before = await databaseDigest(db());
    const answer = await deliver(world, {
      ...unknown,
      headers: { ...unknown.headers, 'x-shopify-shop-domain': 'someone-else.myshopify.com' },
    });
    assert.equal(answer.statusCode, 401);
    const template = storeWebhook(world, 'orders/create', {});
    const notJson = '{"admin_graphql_api_id": ';
    const signature = createHmac('sha256', world.store.customAppSecret).update(notJson).digest('base64');
    const broken = await deliver(world, {
      payload: notJson,
      headers: { ...template.headers, 'x-shopify-hmac-sha256': signature },
    });
    assert.equal(broken.statusCode, 400);
    assert.equal(broken.json().error.code, 'malformed_json');
    assertNothingWritten(before, await databaseDigest(db()));
    const large = storeWebhook(world, 'products/update', {
      ...world.store.productPayload(world.store.variantBySku('EDGE-1')),
      body_html: 'x'.repeat(200_000),
    });
    assert.equal((await deliver(world, large)).statusCode, 200, 'a product page larger than 64 KiB is read');
  });
});
