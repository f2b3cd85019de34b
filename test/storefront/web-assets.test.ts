/** The browser code as served: the widget's size budget, caching by content hash, and the checkout page. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import type { FastifyInstance } from 'fastify';
import { webBundles } from '../../src/http/web-assets.ts';
import { openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';

/** Shopify's theme checker asks a theme's script to stay under this, gzipped; Presell aims for half. */
export const WIDGET_BUDGET_BYTES = 10_000;

test(`the widget stays within ${WIDGET_BUDGET_BYTES} bytes gzipped`, async () => {
  const widget = (await webBundles()).get('widget');
  assert.ok(widget);
  console.log(`widget: ${widget.code.length} bytes minified, ${widget.gzip.length} bytes gzipped`);
  assert.ok(
    widget.gzip.length <= WIDGET_BUDGET_BYTES,
    `the widget is ${widget.gzip.length} bytes gzipped, over the budget of ${WIDGET_BUDGET_BYTES}`,
  );
  assert.deepEqual(gunzipSync(widget.gzip), widget.code);
});

describeOnEachEngine('the browser code and the checkout page', ({ db }) => {
  let app: FastifyInstance;
  let shop: TestShop;

  before(async () => {
    const made = await testApp(db());
    app = made.app;
    shop = await testShop(made.ctx);
  });

  test('/widget.js redirects, briefly cached, to a content-hashed copy cached for a year', async () => {
    const plain = await app.inject({ url: '/widget.js' });
    assert.equal(plain.statusCode, 302);
    assert.equal(plain.headers['cache-control'], 'public, max-age=300');
    const location = plain.headers.location as string;
    assert.match(location, /^\/widget\.[0-9a-f]{16}\.js$/);
    const hashed = await app.inject({ url: location, headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(hashed.statusCode, 200);
    assert.equal(hashed.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(hashed.headers['content-encoding'], 'gzip');
    assert.match(String(hashed.headers['content-type']), /^text\/javascript/);
    assert.match(gunzipSync(hashed.rawPayload).toString(), /presell-offer/);
    const plainText = await app.inject({ url: location });
    assert.equal(
      plainText.headers['content-encoding'],
      undefined,
      'no gzip for a client that does not take it',
    );
    const stale = await app.inject({ url: '/widget.0000000000000000.js' });
    assert.equal(stale.statusCode, 404);
    assert.equal(stale.json().error.code, 'not_found');
  });

  test('the checkout page is served in the page’s language under the publishable key', async () => {
    await openLaunch(app, shop, { sku: 'PAGE-1', perCustomerLimit: 3 });
    const key = shop.storefront['presell-key'] as string;
    const german = await app.inject({ url: `/checkout/PAGE-1?key=${key}&back=javascript:alert(1)` });
    assert.equal(german.statusCode, 200);
    assert.match(String(german.headers['content-type']), /^text\/html/);
    assert.match(german.body, /<html lang="de-DE">/);
    assert.match(german.body, /Höchstens 3 pro Person/);
    assert.doesNotMatch(german.body, /javascript:alert/, 'only http(s) links go back to the shop');
    const japanese = await app.inject({ url: `/checkout/PAGE-1?key=${key}&locale=ja-JP` });
    assert.match(japanese.body, /お客様情報/);
    const french = await app.inject({
      url: `/checkout/PAGE-1?key=${key}`,
      headers: { 'accept-language': 'es;q=0.9, fr-FR;q=0.8' },
    });
    assert.match(french.body, /<html lang="fr-FR">/, 'the browser’s first language Presell has texts in');
    const noKey = await app.inject({ url: '/checkout/PAGE-1?key=pk_nonsense' });
    assert.equal(noKey.statusCode, 401);
    const unknown = await app.inject({ url: `/checkout/NOT-SOLD?key=${key}` });
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.body, /kann hier nicht vorbestellt werden/);
  });
});
