/** The offer as the widget reads it: cacheable, in the page's language, one coherent set of texts per state. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { call, manualClock, openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';

describeOnEachEngine('the storefront offer', ({ db }) => {
  const clock = manualClock();
  let app: FastifyInstance;
  let shop: TestShop;

  before(async () => {
    const made = await testApp(db(), { clock: clock.now });
    app = made.app;
    shop = await testShop(made.ctx);
  });

  const offer = (sku: string, query = '') =>
    call(app, 'GET', `/v1/storefront/offers/${sku}${query}`, shop.storefront);

  test('answers with an ETag and a short max-age, and 304 with no body to a revalidation', async () => {
    await openLaunch(app, shop, { sku: 'OFFER-CACHE', cap: 10 });
    const first = await offer('OFFER-CACHE');
    assert.equal(first.status, 200);
    const etag = first.headers.etag as string;
    assert.match(etag, /^W\/".+"$/);
    assert.equal(first.headers['cache-control'], 'public, max-age=10');
    const again = await app.inject({
      url: '/v1/storefront/offers/OFFER-CACHE',
      headers: { ...shop.storefront, 'if-none-match': etag },
    });
    assert.equal(again.statusCode, 304);
    assert.equal(again.body, '');
    assert.equal(again.headers.etag, etag);

    const placed = await call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': 'offer-cache-1' },
      { sku: 'OFFER-CACHE', quantity: 1, email: 'cache@example.com' },
    );
    assert.equal(placed.status, 201);
    const changed = await app.inject({
      url: '/v1/storefront/offers/OFFER-CACHE',
      headers: { ...shop.storefront, 'if-none-match': etag },
    });
    assert.equal(changed.statusCode, 200, 'a unit sold: the offer changed');
    assert.notEqual(changed.headers.etag, etag);
  });

  test('a page may send the key as ?key= (no preflight) and ask for its language', async () => {
    await openLaunch(app, shop, {
      sku: 'OFFER-LOCALE',
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    });
    const key = shop.storefront['presell-key'] as string;
    const french = await call(app, 'GET', `/v1/storefront/offers/OFFER-LOCALE?key=${key}&locale=fr-FR`, {});
    assert.equal(french.status, 200, JSON.stringify(french.body));
    assert.equal(french.body.locale, 'fr-FR');
    assert.equal(french.body.texts.buttonLabel, 'Précommander');
    assert.deepEqual(french.body.payment.now, { amount: 1580, currency: 'EUR' });
    assert.deepEqual(french.body.payment.later, { amount: 6320, currency: 'EUR' });
    assert.match(french.body.payment.message, /^Payez 15,80.€ maintenant et 63,20.€ à l’expédition$/);

    const spanish = await offer('OFFER-LOCALE', '?locale=es-ES');
    assert.equal(spanish.body.locale, 'de-DE', 'a language without texts gets the shop’s');
    assert.equal(spanish.body.texts.buttonLabel, 'Vorbestellen');

    const bad = await offer('OFFER-LOCALE', '?locale=not%20a%20locale');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.code, 'validation_failed');
    const unknown = await offer('OFFER-LOCALE', '?colour=red');
    assert.equal(unknown.status, 400, 'an unknown parameter is refused');
  });

  test('a paused campaign says "unavailable" and invites no order (issue 8)', async () => {
    const launch = await openLaunch(app, shop, { sku: 'OFFER-PAUSED' });
    await call(app, 'POST', `/v1/campaigns/${launch.campaignId}/batches`, shop.admin, {
      sku: 'OFFER-PAUSED',
      quantity: 50,
      readyDate: '2026-12-20',
    });
    const open = await offer('OFFER-PAUSED', '?locale=en-GB');
    assert.equal(open.body.texts.display, 'order');
    assert.match(open.body.promise.message, /^Order now — ships/);
    await call(app, 'POST', `/v1/campaigns/${launch.campaignId}/pause`, shop.admin);
    const paused = await offer('OFFER-PAUSED', '?locale=en-GB');
    assert.equal(paused.body.buttonLabel, 'Unavailable');
    assert.equal(paused.body.texts.display, 'unavailable');
    assert.equal(paused.body.texts.headline, null);
    assert.equal(paused.body.texts.paymentTerms, null);
    assert.doesNotMatch(paused.body.promise.message, /Order now/);
    assert.equal(paused.body.promise.firstShipment?.message ?? null, null);
  });

  test('a backorder in stock keeps the store’s own button and says nothing of shipping (issue 8)', async () => {
    await call(app, 'POST', '/v1/variants', shop.admin, { sku: 'OFFER-BACK', name: 'Mug', onHand: 5 });
    const campaign = await call(app, 'POST', '/v1/campaigns', shop.admin, {
      name: 'Mug restock',
      mode: 'backorder',
      price: { amount: 2400, currency: 'EUR' },
      variants: [{ sku: 'OFFER-BACK', cap: 100 }],
    });
    await call(app, 'POST', `/v1/campaigns/${campaign.body.id}/open`, shop.admin);
    const inStock = await offer('OFFER-BACK', '?locale=en-GB');
    assert.equal(inStock.body.texts.display, 'in_stock');
    assert.equal(inStock.body.buttonLabel, 'Add to cart');
    assert.deepEqual([inStock.body.texts.headline, inStock.body.texts.unitsLeft], [null, null]);
    assert.doesNotMatch(inStock.body.promise.message, /Back in stock/);
  });

  test('the merchant’s texts per locale replace Presell’s', async () => {
    await openLaunch(app, shop, {
      sku: 'OFFER-WORDING',
      cap: 5,
      wording: { locales: { ja: { buttonLabel: '今すぐ確保', unitsLeft: 'あと{count}個' } } },
    });
    const japanese = await offer('OFFER-WORDING', '?locale=ja-JP');
    assert.equal(japanese.body.texts.buttonLabel, '今すぐ確保');
    assert.equal(japanese.body.texts.unitsLeft, 'あと5個');
    const refused = await call(app, 'POST', '/v1/campaigns', shop.admin, {
      name: 'Bad countdown',
      mode: 'preorder',
      price: { amount: 100, currency: 'EUR' },
      variants: [],
      wording: { locales: { en: { countdown: 'Soon!' } } },
    });
    assert.equal(refused.status, 400);
    assert.match(JSON.stringify(refused.body), /\{time\}/);
  });
});
