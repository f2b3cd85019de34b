/** The offer as the widget reads it: cacheable, in the page's language, one coherent set of texts per state. */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { ServiceContext } from '../../src/services/context.ts';
import { createShop } from '../../src/services/shops.ts';
import { call, manualClock, openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';

describeOnEachEngine('the storefront offer', ({ db }) => {
  const clock = manualClock();
  let app: FastifyInstance;
  let ctx: ServiceContext;
  let shop: TestShop;

  before(async () => {
    const made = await testApp(db(), { clock: clock.now });
    app = made.app;
    ctx = made.ctx;
    shop = await testShop(ctx);
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

  test('a shop locale without texts (es-ES) is worded whole in English; a page may ask for a language', async () => {
    const made = await createShop(ctx, {
      name: 'Tienda',
      currency: 'EUR',
      timeZone: 'Europe/Madrid',
      locale: 'es-ES',
    });
    const spanish: TestShop = {
      shopId: made.shop.id,
      admin: { authorization: `Bearer ${made.adminKey}` },
      storefront: { 'presell-key': made.publishableKey },
    };
    const launch = await openLaunch(app, spanish, {
      sku: 'OFFER-ES',
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_date', date: '2027-01-15' } },
    });
    await call(app, 'POST', `/v1/campaigns/${launch.campaignId}/batches`, spanish.admin, {
      sku: 'OFFER-ES',
      quantity: 50,
      readyDate: '2026-12-10',
      bufferDays: 7,
    });
    const asked = (headers: Record<string, string> = {}, query = '') =>
      call(app, 'GET', `/v1/storefront/offers/OFFER-ES${query}`, { ...spanish.storefront, ...headers });

    const english = await asked();
    assert.equal(english.status, 200, JSON.stringify(english.body));
    assert.equal(english.body.locale, 'en-ES');
    const sentences = [
      english.body.buttonLabel,
      english.body.promise.message,
      english.body.texts.headline,
      english.body.texts.paymentTerms,
      english.body.availability.message,
    ];
    assert.equal(english.body.buttonLabel, 'Pre-order');
    assert.match(english.body.promise.message, /^Order now — ships .*December$/);
    assert.equal(english.body.texts.paymentTerms, 'Pay €15.80 now, €63.20 on 15 January 2027');
    for (const sentence of sentences) {
      assert.doesNotMatch(sentence, /diciembre|enero|€ |\d,\d\d/, `${sentence} mixes languages`);
    }

    const placed = await call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...spanish.storefront, 'idempotency-key': 'offer-es-1' },
      { sku: 'OFFER-ES', quantity: 1, email: 'ana@example.es' },
    );
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.match(placed.body.promise.message, /^Ships .*December$/, 'the pre-order’s promise too');
    assert.equal(placed.body.due.message, 'Pay €15.80 now, €63.20 on 15 January 2027');

    const french = await asked({ 'accept-language': 'es-ES, fr;q=0.8, en;q=0.5' });
    assert.equal(french.body.locale, 'fr', 'the first language of the page that has texts');
    assert.equal(french.body.buttonLabel, 'Précommander');
    assert.match(String(french.headers.vary), /Accept-Language/, 'caches keep one copy per language');
    const german = await asked({ 'accept-language': 'fr' }, '?locale=de-CH');
    assert.equal(german.body.locale, 'de-CH', 'the locale parameter comes before the header');
    assert.equal(german.body.buttonLabel, 'Vorbestellen');
  });

  test('one coherent set of texts per state, in each language (table)', async () => {
    const batch = (campaignId: string, sku: string, readyDate = '2026-12-20') =>
      call(app, 'POST', `/v1/campaigns/${campaignId}/batches`, shop.admin, { sku, quantity: 5, readyDate });
    const campaign = async (sku: string, fields: Record<string, unknown>, onHand = 0) => {
      await call(app, 'POST', '/v1/variants', shop.admin, { sku, name: sku, onHand });
      const made = await call(app, 'POST', '/v1/campaigns', shop.admin, {
        name: sku,
        mode: 'preorder',
        price: { amount: 2_400, currency: 'EUR' },
        variants: [{ sku, cap: 100 }],
        ...fields,
      });
      assert.equal(made.status, 201, JSON.stringify(made.body));
      await batch(made.body.id, sku);
      const opened = await call(app, 'POST', `/v1/campaigns/${made.body.id}/open`, shop.admin);
      assert.equal(opened.status, 200, JSON.stringify(opened.body));
      return made.body.id as string;
    };
    const open = await openLaunch(app, shop, { sku: 'STATE-OPEN', cap: 100 });
    await batch(open.campaignId, 'STATE-OPEN');
    await campaign('STATE-BACKORDER', { mode: 'backorder' });
    await campaign('STATE-UPCOMING', { opensAt: '2026-12-24T00:00:00Z' });
    const paused = await campaign('STATE-PAUSED', {});
    await call(app, 'POST', `/v1/campaigns/${paused}/pause`, shop.admin);
    const closed = await campaign('STATE-CLOSED', {});
    await call(app, 'POST', `/v1/campaigns/${closed}/close`, shop.admin);
    const soldOut = await openLaunch(app, shop, { sku: 'STATE-SOLD-OUT', cap: 1 });
    await batch(soldOut.campaignId, 'STATE-SOLD-OUT');
    const sold = await call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': 'state-sold-out' },
      { sku: 'STATE-SOLD-OUT', quantity: 1, email: 'last@example.com' },
    );
    assert.equal(sold.status, 201);
    await campaign('STATE-IN-STOCK', { mode: 'backorder' }, 5);

    type Language = 'en' | 'de' | 'fr' | 'ja';
    const words: Record<
      Language,
      { orderNow: string; backInStock: string; inStock: string; leads: string[] }
    > = {
      en: {
        orderNow: 'Order now',
        backInStock: 'Back in stock',
        inStock: 'In stock',
        leads: ['Pre-order', 'Backorder'],
      },
      de: {
        orderNow: 'Jetzt vorbestellen',
        backInStock: 'Wieder verfügbar',
        inStock: 'Auf Lager',
        leads: ['Vorbestellen', 'Nachbestellen'],
      },
      fr: {
        orderNow: 'Précommandez maintenant',
        backInStock: 'De retour en stock',
        inStock: 'En stock',
        leads: ['Précommander', 'Commander'],
      },
      ja: {
        orderNow: '今すぐ予約',
        backInStock: '再入荷予定',
        inStock: '在庫あり',
        leads: ['予約注文', '取り寄せ注文'],
      },
    };
    const locales: Record<Language, string> = { en: 'en-GB', de: 'de-DE', fr: 'fr-FR', ja: 'ja-JP' };
    const states: [
      string,
      string,
      'order' | 'upcoming' | 'unavailable' | 'sold_out' | 'in_stock',
      Record<Language, string>,
    ][] = [
      [
        'open',
        'STATE-OPEN',
        'order',
        { en: 'Pre-order', de: 'Vorbestellen', fr: 'Précommander', ja: '予約注文' },
      ],
      [
        'backorder',
        'STATE-BACKORDER',
        'order',
        { en: 'Backorder', de: 'Nachbestellen', fr: 'Commander', ja: '取り寄せ注文' },
      ],
      [
        'upcoming',
        'STATE-UPCOMING',
        'upcoming',
        { en: 'Coming up', de: 'Demnächst', fr: 'Bientôt disponible', ja: '近日販売' },
      ],
      [
        'paused',
        'STATE-PAUSED',
        'unavailable',
        { en: 'Unavailable', de: 'Nicht verfügbar', fr: 'Indisponible', ja: '販売停止' },
      ],
      [
        'closed',
        'STATE-CLOSED',
        'unavailable',
        { en: 'Unavailable', de: 'Nicht verfügbar', fr: 'Indisponible', ja: '販売停止' },
      ],
      [
        'sold out',
        'STATE-SOLD-OUT',
        'sold_out',
        { en: 'Sold out', de: 'Ausverkauft', fr: 'Épuisé', ja: '完売' },
      ],
      [
        'backorder in stock',
        'STATE-IN-STOCK',
        'in_stock',
        { en: 'Add to cart', de: 'In den Warenkorb', fr: 'Ajouter au panier', ja: 'カートに追加' },
      ],
    ];
    for (const [state, sku, display, buttons] of states) {
      for (const language of Object.keys(locales) as Language[]) {
        const said = `${state} in ${language}`;
        const { body } = await offer(sku, `?locale=${locales[language]}`);
        const { orderNow, backInStock, inStock, leads } = words[language];
        const sentences: string[] = [
          body.buttonLabel,
          body.promise.message,
          body.promise.firstShipment?.message,
          body.availability.message,
          body.payment.message,
          ...Object.values(body.texts).filter((text): text is string => typeof text === 'string'),
        ].filter((text): text is string => typeof text === 'string');
        assert.equal(body.texts.display, display, said);
        assert.equal(body.buttonLabel, buttons[language], said);
        assert.equal(body.texts.buttonLabel, buttons[language], said);
        const invites = sentences.filter(
          (text) =>
            text.includes(orderNow) ||
            text.includes(backInStock) ||
            leads.some((lead) => text.startsWith(lead)),
        );
        if (display === 'order') {
          assert.ok(body.texts.headline, said);
          assert.equal(body.promise.message, body.texts.headline, `${said}: one sentence about shipping`);
          assert.ok(
            body.availability.message.startsWith(buttons[language]),
            `${said}: ${body.availability.message}`,
          );
          assert.ok(body.texts.paymentTerms, said);
          continue;
        }
        if (display === 'upcoming') {
          assert.ok(body.texts.countdown, said);
          assert.ok(
            !sentences.some((text) => text.includes(orderNow)),
            `${said} invites no order yet: ${sentences}`,
          );
          continue;
        }
        assert.deepEqual(invites, [], `${said} invites no order`);
        for (const text of ['headline', 'paymentTerms', 'unitsLeft', 'earlyBird', 'countdown', 'message']) {
          assert.equal(body.texts[text], null, `${said}: ${text}`);
        }
        assert.equal(body.promise.firstShipment?.message ?? null, null, said);
        assert.equal(
          body.availability.message,
          display === 'in_stock' ? inStock : buttons[language],
          `${said}: the availability says the same as the button`,
        );
      }
    }
  });
});
