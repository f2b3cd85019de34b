/**
 * The catalogue: a full import of 10,000 variants page by page, through a THROTTLED answer, resumed after
 * a runner stopped mid-way, with its progress readable; then products/update and products/delete.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runImports } from '../../src/shopify/catalogue.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { deliver, type ShopifyWorld, settle, shopifyWorld, storeWebhook } from '../support/shopify.ts';

describeOnEachEngine('Shopify: catalogue', ({ db }) => {
  let world: ShopifyWorld;
  before(async () => {
    world = await shopifyWorld(db(), { app: false });
    world.store.addVariants(10_000, 'V');
  });
  after(() => world.store.stop());

  test('10,000 variants over pages, through a throttled answer, resumed after a stop', async () => {
    const connected = await call(world.app, 'POST', '/v1/shopify/connection', world.shop.admin, {
      domain: world.store.domain,
      accessToken: world.store.accessToken,
      webhookSecret: world.store.customAppSecret,
    });
    assert.equal(connected.status, 201);
    await settle(world); // the connection starts an import by itself
    const started = await call(world.app, 'POST', '/v1/shopify/imports', world.shop.admin);
    assert.equal(started.status, 202);
    assert.equal(started.body.status, 'running');
    const importUrl = `/v1/shopify/imports/${started.body.id}`;

    world.store.throttleRequest(3);
    assert.equal((await runImports(world.shopify, { pages: 5 })).pages, 5);
    let progress = await call(world.app, 'GET', importUrl, world.shop.admin);
    assert.deepEqual(
      { status: progress.body.status, pages: progress.body.pages, variants: progress.body.variants },
      { status: 'running', pages: 5, variants: 1250 },
    );
    const pages = world.store.requests.filter((request) => request.field === 'productVariants');
    const throttled = pages.findIndex((request) => request.throttled);
    assert.ok(throttled > 0, 'one answer was THROTTLED');
    assert.deepEqual(
      pages[throttled + 1]?.variables,
      pages[throttled]?.variables,
      'and the same page was asked again',
    );

    // A runner that stops mid-import keeps it leased; another takes it over once the lease runs out.
    await db().query(`UPDATE shopify_imports SET lease_until = $2 WHERE shop_id = $1`, [
      world.shop.shopId,
      new Date(world.clock.now().getTime() + 60_000),
    ]);
    assert.equal((await runImports(world.shopify)).pages, 0, 'not while another runner holds it');
    world.clock.advance(61_000);
    while ((await runImports(world.shopify)).pages > 0) {
      progress = await call(world.app, 'GET', importUrl, world.shop.admin);
    }
    progress = await call(world.app, 'GET', importUrl, world.shop.admin);
    assert.equal(progress.body.status, 'done');
    assert.equal(progress.body.pages, 40);
    assert.equal(progress.body.variants, 10_000);
    const [count] = await db().query<{ variants: number; mirrored: number }>(
      `SELECT (SELECT count(*)::int FROM variants WHERE shop_id = $1 AND external_id IS NOT NULL) AS variants,
         (SELECT count(*)::int FROM shopify_variants WHERE shop_id = $1) AS mirrored`,
      [world.shop.shopId],
    );
    assert.deepEqual(count, { variants: 10_000, mirrored: 10_000 });
    await settle(world);
    const finished = await db().query<{ data: { variants: number } }>(
      `SELECT data FROM events WHERE shop_id = $1 AND type = 'shopify.import_finished'`,
      [world.shop.shopId],
    );
    assert.deepEqual(
      finished.map((e) => e.data.variants),
      [10_000],
    );
  });

  test('products/update keeps names in step and links a sku Presell had first; products/delete stops it', async () => {
    const [added] = world.store.addVariants(1, 'NEW');
    const variant = added as NonNullable<typeof added>;
    const own = await call(world.app, 'POST', '/v1/variants', world.shop.admin, {
      sku: 'NEW-1',
      name: 'Made in Presell',
    });
    assert.equal(own.status, 201);
    variant.title = 'New lamp';
    await deliver(world, storeWebhook(world, 'products/update', world.store.productPayload(variant)));
    await settle(world);
    const [linked] = await db().query<{ id: string; external_id: string; name: string }>(
      'SELECT id, external_id, name FROM variants WHERE shop_id = $1 AND sku = $2',
      [world.shop.shopId, 'NEW-1'],
    );
    assert.equal(linked?.id, own.body.id, 'the sku Presell had is linked, not doubled');
    assert.equal(linked?.external_id, variant.id);
    assert.match(linked?.name ?? '', /New lamp/);

    const productId = Number(variant.productId.split('/').pop());
    await deliver(world, storeWebhook(world, 'products/delete', { id: productId }));
    await settle(world);
    const [mirror] = await db().query<{ deleted_at: Date | null }>(
      'SELECT deleted_at FROM shopify_variants WHERE shop_id = $1 AND variant_id = $2',
      [world.shop.shopId, own.body.id],
    );
    assert.ok(mirror?.deleted_at);
  });
});
