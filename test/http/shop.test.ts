/**
 * The shop through the admin API: its settings read and changed by the rule the CLI uses, bad input refused
 * with the field named, the currency fixed once campaigns exist, branding that reaches the customer's email,
 * portal and checkout, and the payment provider as the server's environment configured it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { TestPaymentProvider } from '../../src/payments/test-provider.ts';
import { expiryAfter, signLink } from '../../src/portal/link.ts';
import { portalSecret } from '../../src/services/communication-settings.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { DEFAULT_PAYMENT_SETTINGS } from '../../src/services/payment-operations.ts';
import { call, manualClock, openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertRefused } from '../support/http-assertions.ts';

interface ShopAnswer {
  object: string;
  id: string;
  name: string;
  currency: string;
  timeZone: string;
  locale: string;
  wording: { locale: string; language: string; fallback: boolean };
  brandName: string | null;
  accentColor: string | null;
  logoUrl: string | null;
}

describeOnEachEngine('the shop’s settings', ({ db }) => {
  const clock = manualClock(new Date('2026-12-01T09:00:00Z'));
  let app: FastifyInstance;
  let ctx: ServiceContext;
  let shop: TestShop;
  let other: TestShop;

  before(async () => {
    const made = await testApp(db(), {
      clock: clock.now,
      payments: {
        provider: new TestPaymentProvider(),
        settings: { ...DEFAULT_PAYMENT_SETTINGS, balanceRetryDays: [2, 5] },
      },
    });
    app = made.app;
    ctx = made.ctx;
    shop = await testShop(ctx, 'Lumen');
    other = await testShop(ctx, 'Other');
  });
  after(() => app.close());

  const patch = (body: unknown) => call(app, 'PATCH', '/v1/shop', shop.admin, body);

  test('reads the shop with what its locale gives customers', async () => {
    const answer = await call(app, 'GET', '/v1/shop', shop.admin);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const body = answer.body as ShopAnswer;
    assert.equal(body.object, 'shop');
    assert.equal(body.id, shop.shopId);
    assert.deepEqual(
      [body.name, body.currency, body.timeZone, body.locale],
      ['Lumen', 'EUR', 'Europe/Berlin', 'de-DE'],
    );
    assert.deepEqual(body.wording, { locale: 'de-DE', language: 'de', fallback: false });
    assert.deepEqual([body.brandName, body.accentColor, body.logoUrl], [null, null, null]);
    const theirs = (await call(app, 'GET', '/v1/shop', other.admin)).body as ShopAnswer;
    assert.equal(theirs.id, other.shopId, 'each key reads its own shop');
  });

  test('changes settings in their canonical spelling; a language without texts reads English of its region', async () => {
    const answer = await patch({ timeZone: 'america/new_york', locale: 'ES-es', name: '  Lumen Lamps ' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    const body = answer.body as ShopAnswer;
    assert.deepEqual([body.name, body.timeZone, body.locale], ['Lumen Lamps', 'America/New_York', 'es-ES']);
    assert.deepEqual(body.wording, { locale: 'en-ES', language: 'en', fallback: true });
    const read = (await call(app, 'GET', '/v1/shop', shop.admin)).body as ShopAnswer;
    assert.equal(read.timeZone, 'America/New_York', 'the next request sees the change at once');
    const back = await patch({ timeZone: 'Europe/Berlin', locale: 'de-DE' });
    assert.equal(back.status, 200);
  });

  test('refuses bad settings, naming the field, what it expects and what came; changes nothing', async () => {
    const refusals: [unknown, string, RegExp][] = [
      [{ timeZone: 'Mars/Olympus_Mons' }, 'timeZone', /"Mars\/Olympus_Mons" is not an IANA time zone/],
      [{ timeZone: '+01:00' }, 'timeZone', /not an IANA time zone/],
      [{ locale: 'xx-YY' }, 'locale', /"xx-YY" is not a BCP 47 locale/],
      [{ locale: 'en_US' }, 'locale', /not a BCP 47 locale/],
      [{ currency: 'eur' }, 'currency', /as written: EUR/],
      [{ currency: 'EURO' }, 'currency', /not an ISO 4217 currency code/],
      [{ name: '   ' }, 'name', /1 to 200 characters/],
      [{ name: 'x'.repeat(201) }, 'name', /1 to 200 characters/],
      [{ brandName: 'Bad\u0007Bell' }, 'brandName', /no control characters/],
      [{ accentColor: 'red' }, 'accentColor', /"red" is not a colour written #rrggbb/],
      [{ accentColor: '#12345' }, 'accentColor', /#rrggbb/],
      [{ logoUrl: 'http://cdn.example/logo.png' }, 'logoUrl', /not an https:\/\/ address/],
      [{ logoUrl: 'javascript:alert(1)' }, 'logoUrl', /https/],
      [{ logoUrl: 'https://user:secret@cdn.example/logo.png' }, 'logoUrl', /https/],
    ];
    for (const [body, field, message] of refusals) {
      const refusal = assertRefused(await patch(body), 422, 'invalid_shop');
      assert.equal(refusal.details?.field, field, JSON.stringify(body));
      assert.match(refusal.message, message);
    }
    for (const body of [{ colour: '#ffffff' }, { name: 42 }, { brandName: ['a'] }, { timeZone: null }, []]) {
      const refusal = assertRefused(await patch(body), 400, 'validation_failed');
      assert.ok(refusal.message.length > 0);
    }
    const unchanged = (await call(app, 'GET', '/v1/shop', shop.admin)).body as ShopAnswer;
    assert.deepEqual(
      [unchanged.name, unchanged.timeZone, unchanged.locale, unchanged.accentColor],
      ['Lumen Lamps', 'Europe/Berlin', 'de-DE', null],
    );
    assertRefused(await call(app, 'PATCH', '/v1/shop', {}, { name: 'x' }), 401, 'unauthorized');
    assertRefused(await call(app, 'PATCH', '/v1/shop', shop.storefront, { name: 'x' }), 401, 'unauthorized');
  });

  test('the currency changes until the shop has a campaign, then stays', async () => {
    assert.equal((await patch({ currency: 'USD' })).body.currency, 'USD');
    assert.equal((await patch({ currency: 'EUR' })).body.currency, 'EUR');
    await openLaunch(app, shop);
    const refusal = assertRefused(await patch({ currency: 'USD' }), 409, 'currency_in_use');
    assert.equal(refusal.details?.field, 'currency');
    assert.match(refusal.message, /campaigns priced in EUR/);
    assert.equal((await patch({ currency: 'EUR', name: 'Lumen Lamps' })).status, 200, 'the same one is fine');
    assert.equal(((await call(app, 'GET', '/v1/shop', shop.admin)).body as ShopAnswer).currency, 'EUR');
  });

  test('branding reaches the email, the portal and the hosted checkout; null goes back to the default', async () => {
    const branded = await patch({
      brandName: 'Lumen Studio',
      accentColor: '#FFCC00',
      logoUrl: 'https://cdn.example/lumen.png?v=2&x=1',
    });
    assert.equal(branded.status, 200, JSON.stringify(branded.body));
    assert.equal(branded.body.accentColor, '#ffcc00', 'colours are kept in lower case');

    const email = await call(app, 'POST', '/v1/email-templates/confirmation/en/preview', shop.admin, {});
    assert.equal(email.status, 200, JSON.stringify(email.body));
    assert.match(
      email.body.html,
      /<img src="https:\/\/cdn\.example\/lumen\.png\?v=2&amp;x=1" alt="Lumen Studio"/,
    );
    // A light accent takes dark text on the buttons, so that they stay readable.
    assert.match(email.body.html, /background:#ffcc00;color:#000000/);
    assert.match(email.body.text, /Lumen Studio/);
    assert.doesNotMatch(email.body.text, /Lumen Lamps/, 'customers read the brand name, not the shop’s');

    const token = signLink(
      {
        shopId: shop.shopId,
        email: 'sam@example.com',
        purpose: 'portal',
        expiresAt: expiryAfter(clock.now(), 30),
      },
      await portalSecret(db(), shop.shopId, clock.now()),
    );
    const portal = await app.inject({ url: `/portal?t=${token}` });
    assert.equal(portal.statusCode, 200);
    assert.match(portal.body, /<title>[^<]* · Lumen Studio<\/title>/);
    assert.match(portal.body, /<img class="logo" src="https:\/\/cdn\.example\/lumen\.png\?v=2&amp;x=1"/);
    assert.match(portal.body, /header\{border-top:4px solid #ffcc00\}/);

    const key = shop.storefront['presell-key'];
    const checkout = await app.inject({ url: `/checkout/LAUNCH-1?key=${key}` });
    assert.equal(checkout.statusCode, 200);
    assert.match(checkout.body, /alt="Lumen Studio"/);
    assert.match(checkout.body, /button,\.button\{background:#ffcc00;color:#000000\}/);

    const plain = await patch({ brandName: null, accentColor: null, logoUrl: null });
    assert.deepEqual([plain.body.brandName, plain.body.accentColor, plain.body.logoUrl], [null, null, null]);
    const unbranded = await app.inject({ url: `/checkout/LAUNCH-1?key=${key}` });
    assert.match(unbranded.body, /<p class="shop">Lumen Lamps<\/p>/);
    assert.match(unbranded.body, /background:#1d4ed8;color:#ffffff/);
  });

  test('the payment provider as the server’s environment set it, without secrets', async () => {
    const answer = await call(app, 'GET', '/v1/payment-provider', shop.admin);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, {
      object: 'payment_provider',
      provider: 'test',
      mode: 'test',
      webhookUrl: 'http://localhost:80/v1/webhooks/test',
      balanceRetryDays: [2, 5],
      placementTimeoutMinutes: 30,
      configuredBy: [
        'PRESELL_PAYMENTS',
        'STRIPE_SECRET_KEY',
        'STRIPE_WEBHOOK_SECRET',
        'STRIPE_PUBLISHABLE_KEY',
        'PRESELL_BALANCE_RETRY_DAYS',
      ],
    });
    const bare = await testApp(db());
    try {
      const none = await call(bare.app, 'GET', '/v1/payment-provider', shop.admin);
      assert.equal(none.status, 200);
      assert.equal(none.body.provider, null);
      assert.equal(none.body.webhookUrl, null);
    } finally {
      await bare.app.close();
    }
  });
});
