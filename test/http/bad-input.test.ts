/**
 * Bad input: every case is answered 4xx with its stable code and leaves the database as it was.
 * The named cases run on each engine; the random-input property runs on PGlite.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Database } from '../../src/db/database.ts';
import { MAX_QUANTITY } from '../../src/http/schemas.ts';
import { call, manualClock, openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine, freshDatabase } from '../support/databases.ts';
import {
  assertErrorShape,
  assertNothingWritten,
  assertRefused,
  databaseDigest,
  type HttpAnswer,
} from '../support/http-assertions.ts';

const HOUR = 3_600_000;
const CONTROL_CHARACTERS = ['\u0000', '\u0007', '\u001b'];
const SQL = "'; DROP TABLE preorders; --";
const HTML = '<script>alert("owned")</script>';

/** Sends a request as bytes on the wire would arrive, and parses the answer's JSON if it is JSON. */
async function send(
  app: FastifyInstance,
  options: InjectOptions,
): Promise<HttpAnswer & { headers: Record<string, unknown> }> {
  const response = await app.inject(options);
  let body: unknown = response.body;
  try {
    body = response.json();
  } catch {
    // Not JSON: the assertions on the error shape report the raw text.
  }
  return { status: response.statusCode, body, headers: response.headers };
}

describeOnEachEngine('bad input', ({ db }) => {
  const clock = manualClock();
  let app: FastifyInstance;
  let shopA: TestShop;
  let shopB: TestShop;
  let openCampaignId: string;
  let closedCampaignId: string;
  let heldPreorderId: string;
  let sequence = 0;
  const freshKey = () => `bad-input-${++sequence}`;

  /** Runs `request` and asserts it was refused with `status` and `code` and that nothing was written. */
  async function refusedWithoutWriting(
    request: () => Promise<HttpAnswer>,
    status: number,
    code: string,
    ignoring: readonly string[] = [],
  ) {
    const before = await databaseDigest(db());
    const refusal = assertRefused(await request(), status, code);
    assertNothingWritten(before, await databaseDigest(db()), ignoring);
    return refusal;
  }

  const place = (body: unknown, headers: Record<string, string> = {}, shop = shopA) =>
    call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': freshKey(), ...headers },
      body,
    );
  const placement = (fields: Record<string, unknown> = {}) => ({
    sku: 'OPEN-1',
    quantity: 1,
    email: 'shopper@example.com',
    ...fields,
  });
  const campaignBody = (fields: Record<string, unknown> = {}) => ({
    name: 'Refused launch',
    mode: 'preorder',
    price: { amount: 7900, currency: 'EUR' },
    variants: [{ sku: 'OPEN-1', cap: 10 }],
    ...fields,
  });
  const move = async (campaignId: string, action: 'open' | 'pause' | 'close') => {
    const moved = await call(app, 'POST', `/v1/campaigns/${campaignId}/${action}`, shopA.admin);
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
  };

  before(async () => {
    const made = await testApp(db(), { clock: clock.now });
    app = made.app;
    shopA = await testShop(made.ctx, 'Shop A');
    shopB = await testShop(made.ctx, 'Shop B');
    openCampaignId = (await openLaunch(app, shopA, { sku: 'OPEN-1', cap: 100 })).campaignId;
    await move((await openLaunch(app, shopA, { sku: 'PAUSED-1' })).campaignId, 'pause');
    closedCampaignId = (await openLaunch(app, shopA, { sku: 'CLOSED-1' })).campaignId;
    await move(closedCampaignId, 'close');
    await openLaunch(app, shopA, {
      sku: 'SOON-1',
      opensAt: new Date(clock.now().getTime() + 30 * 24 * HOUR),
    });
    await openLaunch(app, shopA, { sku: 'ENDED-1', closesAt: new Date(clock.now().getTime() + HOUR) });
    await openLaunch(app, shopA, { sku: 'NONE-1', cap: 0 });
    await call(app, 'POST', '/v1/variants', shopA.admin, { sku: 'DRAFT-1', name: 'Draft variant' });
    const draft = await call(
      app,
      'POST',
      '/v1/campaigns',
      shopA.admin,
      campaignBody({ variants: [{ sku: 'DRAFT-1', cap: 5 }] }),
    );
    assert.equal(draft.status, 201, JSON.stringify(draft.body));
    const held = await place(placement({ quantity: 3, email: 'holder@example.com' }));
    assert.equal(held.status, 201, JSON.stringify(held.body));
    heldPreorderId = held.body.id;
    clock.advance(2 * HOUR);
  });

  test('the database digest sees every table a placement writes', async () => {
    const before = await databaseDigest(db());
    const placed = await place(placement({ email: 'digest@example.com' }));
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const after = await databaseDigest(db());
    const changed = Object.keys(after).filter((table) => before[table] !== after[table]);
    for (const table of [
      'campaigns',
      'campaign_variants',
      'customer_holds',
      'preorders',
      'idempotency_keys',
      'events',
    ]) {
      assert.ok(changed.includes(table), `${table} not seen as written`);
    }
  });

  describe('quantities', () => {
    for (const quantity of [0, -1, 1.5, MAX_QUANTITY + 1, 1e9, 1e20, '1', null, undefined]) {
      test(`quantity ${JSON.stringify(quantity) ?? 'missing'} is refused with validation_failed`, async () => {
        const refusal = await refusedWithoutWriting(
          () => place(placement({ quantity })),
          400,
          'validation_failed',
        );
        assert.deepEqual(refusal.details?.issues[0].path, ['quantity']);
      });
    }

    test('the largest quantity at the largest unit price is placed and totals exactly', async () => {
      const { sku } = await openLaunch(app, shopA, {
        sku: 'HUGE-1',
        cap: null,
        price: { amount: 900_000_000_000, currency: 'EUR' },
      });
      const placed = await place(placement({ sku, quantity: MAX_QUANTITY }));
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      assert.deepEqual(placed.body.total, { amount: 9_000_000_000_000_000, currency: 'EUR' });
      const tooExpensive = campaignBody({ price: { amount: 900_000_000_001, currency: 'EUR' } });
      await refusedWithoutWriting(
        () => call(app, 'POST', '/v1/campaigns', shopA.admin, tooExpensive),
        400,
        'validation_failed',
      );
    });
  });

  test('a quantity over the units left is refused with sold_out and leaves no hold behind', async () => {
    const { sku } = await openLaunch(app, shopA, { sku: 'LEFT-1', cap: 2 });
    await refusedWithoutWriting(
      () => place(placement({ sku, quantity: 3, email: 'too-many@example.com' })),
      409,
      'sold_out',
    );
  });

  describe('what is on offer', () => {
    test('an unknown sku is not found', async () => {
      await refusedWithoutWriting(() => place(placement({ sku: 'NO-SUCH-SKU' })), 404, 'not_found');
      await refusedWithoutWriting(
        () => call(app, 'GET', '/v1/storefront/offers/NO-SUCH-SKU', shopA.storefront),
        404,
        'not_found',
      );
    });

    test('a sku whose campaign is still a draft is not on offer', async () => {
      await refusedWithoutWriting(() => place(placement({ sku: 'DRAFT-1' })), 404, 'not_found');
    });

    // A refusal by the campaign's rules writes nothing, not even its Idempotency-Key: a retry once the
    // campaign opens is judged afresh (see test/http/api.test.ts).
    const notOpen = [
      { sku: 'PAUSED-1', code: 'campaign_not_open', details: { state: 'closed', reason: 'paused' } },
      { sku: 'CLOSED-1', code: 'campaign_not_open', details: { state: 'closed', reason: 'closed' } },
      { sku: 'ENDED-1', code: 'campaign_not_open', details: { state: 'closed', reason: 'window_ended' } },
      { sku: 'SOON-1', code: 'campaign_not_open', details: { state: 'upcoming', reason: 'not_yet_open' } },
      { sku: 'NONE-1', code: 'sold_out', details: { unitsLeft: 0 } },
    ];
    for (const { sku, code, details } of notOpen) {
      test(`${sku}: a placement is refused with ${code} and holds nothing`, async () => {
        const key = freshKey();
        const refusal = await refusedWithoutWriting(
          () => place(placement({ sku }), { 'idempotency-key': key }),
          409,
          code,
        );
        assert.deepEqual(refusal.details, details);
      });
    }
  });

  describe('keys', () => {
    const adminRequests = () => [
      () => call(app, 'GET', '/v1/variants', {}),
      () => call(app, 'GET', '/v1/variants', { authorization: 'Bearer sk_not_a_key_we_made' }),
      () => call(app, 'GET', '/v1/variants', { authorization: `Bearer ${shopA.storefront['presell-key']}` }),
      () =>
        call(app, 'GET', '/v1/variants', {
          authorization: shopA.admin.authorization?.slice('Bearer '.length) ?? '',
        }),
      () => call(app, 'GET', '/v1/variants', { authorization: `Basic ${shopA.admin.authorization}` }),
      () =>
        call(app, 'POST', '/v1/variants', { authorization: 'Bearer ' }, { sku: 'KEYLESS-1', name: 'No key' }),
      () => call(app, 'POST', `/v1/campaigns/${openCampaignId}/close`, shopA.storefront),
    ];
    test('admin routes refuse a missing, unknown, malformed or publishable key with unauthorized', async () => {
      for (const request of adminRequests()) await refusedWithoutWriting(request, 401, 'unauthorized');
    });

    test('storefront routes refuse a missing, unknown or secret key with unauthorized', async () => {
      const secretKey = shopA.admin.authorization?.slice('Bearer '.length) ?? '';
      const keyHeaders: Record<string, string>[] = [
        {},
        { 'presell-key': '' },
        { 'presell-key': 'pk_not_a_key_we_made' },
        { 'presell-key': secretKey },
      ];
      for (const headers of keyHeaders) {
        await refusedWithoutWriting(
          () => call(app, 'GET', '/v1/storefront/offers/OPEN-1', headers),
          401,
          'unauthorized',
        );
        await refusedWithoutWriting(
          () =>
            call(
              app,
              'POST',
              '/v1/storefront/preorders',
              { ...headers, 'idempotency-key': freshKey() },
              placement(),
            ),
          401,
          'unauthorized',
        );
      }
    });
  });

  describe("another shop's keys", () => {
    test("cannot read or move shop A's campaign", async () => {
      const url = `/v1/campaigns/${openCampaignId}`;
      await refusedWithoutWriting(() => call(app, 'GET', url, shopB.admin), 404, 'not_found');
      await refusedWithoutWriting(
        () =>
          call(app, 'PATCH', url, shopB.admin, { name: 'Taken over', variants: [{ sku: 'OPEN-1', cap: 0 }] }),
        404,
        'not_found',
      );
      for (const action of ['open', 'pause', 'close']) {
        await refusedWithoutWriting(
          () => call(app, 'POST', `${url}/${action}`, shopB.admin),
          404,
          'not_found',
        );
      }
      const campaign = await call(app, 'GET', url, shopA.admin);
      assert.equal(campaign.body.status, 'open');
      assert.equal(campaign.body.name, 'Launch');
    });

    test("cannot read shop A's pre-orders", async () => {
      await refusedWithoutWriting(
        () => call(app, 'GET', `/v1/preorders/${heldPreorderId}`, shopB.admin),
        404,
        'not_found',
      );
      const listed = await call(app, 'GET', `/v1/preorders?campaign=${openCampaignId}`, shopB.admin);
      assert.equal(listed.status, 200);
      assert.deepEqual(listed.body, { data: [], nextCursor: null });
      const byEmail = await call(app, 'GET', '/v1/preorders?email=holder@example.com', shopB.admin);
      assert.deepEqual(byEmail.body, { data: [], nextCursor: null });
    });

    test("cannot sell shop A's variants in its own campaign", async () => {
      const campaign = await call(app, 'GET', `/v1/campaigns/${openCampaignId}`, shopA.admin);
      const variantId = campaign.body.variants[0].variantId;
      await refusedWithoutWriting(
        () =>
          call(
            app,
            'POST',
            '/v1/campaigns',
            shopB.admin,
            campaignBody({ variants: [{ variantId, cap: 1 }] }),
          ),
        422,
        'unknown_variant',
      );
    });

    test("cannot see or pre-order shop A's offers", async () => {
      await refusedWithoutWriting(
        () => call(app, 'GET', '/v1/storefront/offers/OPEN-1', shopB.storefront),
        404,
        'not_found',
      );
      await refusedWithoutWriting(() => place(placement(), {}, shopB), 404, 'not_found');
    });
  });

  describe('bodies', () => {
    const raw = (
      url: string,
      headers: Record<string, string>,
      payload: string,
      contentType = 'application/json',
    ) => send(app, { method: 'POST', url, headers: { ...headers, 'content-type': contentType }, payload });
    const routes = () => [
      { url: '/v1/storefront/preorders', headers: { ...shopA.storefront, 'idempotency-key': freshKey() } },
      { url: '/v1/variants', headers: shopA.admin },
      { url: '/v1/campaigns', headers: shopA.admin },
    ];

    test('malformed JSON is refused with malformed_json', async () => {
      for (const { url, headers } of routes()) {
        for (const payload of [
          '{"sku":',
          '{sku: 1}',
          "{'sku': 'A'}",
          '{"sku":"A",}',
          '{"__proto__":{"admin":true}}',
        ]) {
          await refusedWithoutWriting(() => raw(url, headers, payload), 400, 'malformed_json');
        }
        // No body at all is no JSON to misread (clients send the header on every request): the body's
        // required fields are what is missing.
        await refusedWithoutWriting(() => raw(url, headers, ''), 400, 'validation_failed');
      }
    });

    test('a body over 64 KiB is refused with payload_too_large', async () => {
      const payload = JSON.stringify({ ...placement(), padding: 'x'.repeat(64 * 1024) });
      for (const { url, headers } of routes()) {
        await refusedWithoutWriting(() => raw(url, headers, payload), 413, 'payload_too_large');
      }
    });

    test('a form body is refused with unsupported_media_type', async () => {
      for (const { url, headers } of routes()) {
        await refusedWithoutWriting(
          () => raw(url, headers, 'sku=OPEN-1&quantity=1', 'application/x-www-form-urlencoded'),
          415,
          'unsupported_media_type',
        );
      }
    });

    test('a text/plain body is refused with unsupported_media_type', async () => {
      for (const { url, headers } of routes()) {
        await refusedWithoutWriting(
          () => raw(url, headers, JSON.stringify(placement()), 'text/plain'),
          415,
          'unsupported_media_type',
        );
      }
    });

    test('a body that is JSON but not an object is refused with validation_failed', async () => {
      for (const { url, headers } of routes()) {
        for (const payload of ['null', '[]', '"OPEN-1"', '42', 'true']) {
          await refusedWithoutWriting(() => raw(url, headers, payload), 400, 'validation_failed');
        }
      }
    });
  });

  describe('emails', () => {
    for (const email of [
      'not-an-email',
      'a@b',
      '',
      ' ',
      'two@@example.com',
      '<script>@example.com',
      `a@example.com${SQL}`,
      'x'.repeat(321),
    ]) {
      test(`${JSON.stringify(email.slice(0, 40))} is refused with validation_failed`, async () => {
        await refusedWithoutWriting(() => place(placement({ email })), 400, 'validation_failed');
        await refusedWithoutWriting(
          () => call(app, 'GET', `/v1/preorders?email=${encodeURIComponent(email)}`, shopA.admin),
          400,
          'validation_failed',
        );
      });
    }

    test('a quote in an email is data: stored verbatim and found again', async () => {
      const placed = await place(placement({ email: "O'Brien--@Example.com" }));
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      assert.equal(placed.body.email, "o'brien--@example.com");
      const found = await call(
        app,
        'GET',
        `/v1/preorders?email=${encodeURIComponent("o'brien--@example.com")}`,
        shopA.admin,
      );
      assert.deepEqual(
        found.body.data.map((p: { id: string }) => p.id),
        [placed.body.id],
      );
    });
  });

  describe('SQL, HTML and control characters', () => {
    test('a sku with spaces, control characters or SQL is refused wherever a sku goes', async () => {
      for (const sku of [SQL, 'A B', ...CONTROL_CHARACTERS.map((c) => `SKU${c}1`)]) {
        await refusedWithoutWriting(() => place(placement({ sku })), 400, 'validation_failed');
        await refusedWithoutWriting(
          () => call(app, 'POST', '/v1/variants', shopA.admin, { sku, name: 'Refused' }),
          400,
          'validation_failed',
        );
        await refusedWithoutWriting(
          () => call(app, 'GET', `/v1/storefront/offers/${encodeURIComponent(sku)}`, shopA.storefront),
          400,
          'validation_failed',
        );
      }
    });

    test('control characters are refused in names, emails, wording and idempotency keys', async () => {
      for (const c of CONTROL_CHARACTERS) {
        const requests = [
          () => place(placement({ email: `shop${c}per@example.com` })),
          () => place(placement(), { 'idempotency-key': `key${c}1` }),
          () =>
            call(app, 'POST', '/v1/variants', shopA.admin, {
              sku: `CTRL-${c.charCodeAt(0)}`,
              name: `Name${c}`,
            }),
          () =>
            call(app, 'POST', '/v1/variants', shopA.admin, {
              sku: 'CTRL-X',
              name: 'N',
              externalId: `ext${c}`,
            }),
          () => call(app, 'POST', '/v1/campaigns', shopA.admin, campaignBody({ name: `Launch${c}` })),
          () =>
            call(
              app,
              'POST',
              '/v1/campaigns',
              shopA.admin,
              campaignBody({ wording: { buttonLabel: `Buy${c}` } }),
            ),
          () =>
            call(
              app,
              'POST',
              '/v1/campaigns',
              shopA.admin,
              campaignBody({ earlyBird: [{ name: `Early${c}`, firstUnits: 1, unitAmount: 100 }] }),
            ),
          () => call(app, 'PATCH', `/v1/campaigns/${openCampaignId}`, shopA.admin, { name: `Renamed${c}` }),
          () =>
            call(app, 'GET', `/v1/preorders?email=${encodeURIComponent(`a${c}@example.com`)}`, shopA.admin),
          () => call(app, 'GET', `/v1/preorders?after=${encodeURIComponent(`po_1${c}`)}`, shopA.admin),
          () => call(app, 'GET', `/v1/variants?after=${encodeURIComponent(`var_1${c}`)}`, shopA.admin),
        ];
        for (const request of requests) await refusedWithoutWriting(request, 400, 'validation_failed');
      }
    });

    test('SQL and HTML in names and skus are stored verbatim and never executed', async () => {
      const sku = `';DROP/**/TABLE/**/preorders;--${HTML.replaceAll(' ', '')}`;
      const name = `Robert${SQL} ${HTML}`;
      const variant = await call(app, 'POST', '/v1/variants', shopA.admin, { sku, name });
      assert.equal(variant.status, 201, JSON.stringify(variant.body));
      assert.equal(variant.headers['content-type'], 'application/json; charset=utf-8');
      const campaign = await call(app, 'POST', '/v1/campaigns', shopA.admin, {
        ...campaignBody({ name, variants: [{ sku, cap: 5 }] }),
        wording: { buttonLabel: HTML.slice(0, 40), message: SQL },
      });
      assert.equal(campaign.status, 201, JSON.stringify(campaign.body));
      await move(campaign.body.id, 'open');
      const placed = await place(placement({ sku }));
      assert.equal(placed.status, 201, JSON.stringify(placed.body));

      const offer = await call(
        app,
        'GET',
        `/v1/storefront/offers/${encodeURIComponent(sku)}`,
        shopA.storefront,
      );
      assert.equal(offer.body.sku, sku);
      assert.equal(offer.body.buttonLabel, HTML.slice(0, 40));
      assert.equal(offer.body.message, SQL);
      const stored = await db().query<{ sku: string; name: string }>(
        'SELECT sku, name FROM variants WHERE id = $1',
        [variant.body.id],
      );
      assert.deepEqual(stored, [{ sku, name }]);
      const fetched = await call(app, 'GET', `/v1/campaigns/${campaign.body.id}`, shopA.admin);
      assert.equal(fetched.body.name, name);
      const [preorders] = await db().query<{ n: number }>('SELECT count(*)::int AS n FROM preorders');
      assert.ok((preorders?.n ?? 0) >= 2, 'the preorders table is still there, with its rows');
    });
  });

  describe('idempotency keys', () => {
    const cases: [string, Record<string, string>][] = [
      ['missing', {}],
      ['empty', { 'idempotency-key': '' }],
      ['over 255 characters', { 'idempotency-key': 'k'.repeat(256) }],
      ['with a space', { 'idempotency-key': 'two words' }],
      ['not ASCII', { 'idempotency-key': 'schlüssel' }],
    ];
    for (const [label, key] of cases) {
      test(`a key ${label} is refused with validation_failed`, async () => {
        await refusedWithoutWriting(
          () => call(app, 'POST', '/v1/storefront/preorders', { ...shopA.storefront, ...key }, placement()),
          400,
          'validation_failed',
        );
      });
    }

    test('a key of exactly 255 characters is accepted', async () => {
      const placed = await place(placement({ email: 'longkey@example.com' }), {
        'idempotency-key': 'k'.repeat(255),
      });
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
    });
  });

  describe('routes', () => {
    test('an unknown route or method is not_found', async () => {
      const requests: InjectOptions[] = [
        { method: 'GET', url: '/v1/nope', headers: shopA.admin },
        { method: 'POST', url: '/v1/storefront/nope', headers: shopA.storefront, payload: {} },
        { method: 'DELETE', url: '/v1/variants', headers: shopA.admin },
        { method: 'PUT', url: '/v1/variants', headers: shopA.admin, payload: {} },
        { method: 'GET', url: '/v2/variants', headers: shopA.admin },
      ];
      for (const request of requests) await refusedWithoutWriting(() => send(app, request), 404, 'not_found');
    });

    test('a malformed id in the path is refused with validation_failed', async () => {
      for (const url of [
        '/v1/campaigns/xyz',
        '/v1/campaigns/po_1',
        `/v1/campaigns/${encodeURIComponent(SQL)}`,
        '/v1/preorders/cmp_1',
      ]) {
        await refusedWithoutWriting(() => call(app, 'GET', url, shopA.admin), 400, 'validation_failed');
      }
    });

    test('a URL that does not decode, or a path segment over 100 characters, gets the error shape', async () => {
      await refusedWithoutWriting(
        () => send(app, { method: 'GET', url: '/v1/storefront/offers/%ZZ', headers: shopA.storefront }),
        400,
        'malformed_url',
      );
      await refusedWithoutWriting(
        () =>
          send(app, {
            method: 'GET',
            url: `/v1/storefront/offers/${'S'.repeat(101)}`,
            headers: shopA.storefront,
          }),
        400,
        'validation_failed',
      );
    });
  });

  describe('campaign rules', () => {
    const broken: [string, Record<string, unknown>, number, string, string?][] = [
      [
        'an early-bird price above the price',
        { earlyBird: [{ name: 'Early', firstUnits: 10, unitAmount: 9000 }] },
        422,
        'invalid_campaign',
        'earlyBird[0]',
      ],
      [
        'an early-bird price equal to the price',
        { earlyBird: [{ name: 'Early', firstUnits: 10, unitAmount: 7900 }] },
        422,
        'invalid_campaign',
        'earlyBird[0]',
      ],
      [
        'an early-bird tier with neither units nor date',
        { earlyBird: [{ name: 'Early', unitAmount: 100 }] },
        422,
        'invalid_campaign',
        'earlyBird[0]',
      ],
      [
        'a deposit over the price',
        { paymentTerms: { kind: 'deposit', amount: 7901 } },
        422,
        'invalid_campaign',
        'paymentTerms.amount',
      ],
      [
        'a deposit with both percent and amount',
        { paymentTerms: { kind: 'deposit', amount: 100, percent: 10 } },
        422,
        'invalid_campaign',
        'paymentTerms',
      ],
      [
        'a deposit of 100 percent',
        { paymentTerms: { kind: 'deposit', percent: 100 } },
        400,
        'validation_failed',
      ],
      [
        'closesAt before opensAt',
        { opensAt: '2027-02-01T00:00:00Z', closesAt: '2027-01-01T00:00:00Z' },
        422,
        'invalid_campaign',
        'closesAt',
      ],
      [
        'closesAt equal to opensAt',
        { opensAt: '2027-02-01T00:00:00Z', closesAt: '2027-02-01T00:00:00Z' },
        422,
        'invalid_campaign',
        'closesAt',
      ],
      ['a date that is not ISO 8601', { opensAt: 'next tuesday' }, 400, 'validation_failed'],
      [
        'the currency of another shop',
        { price: { amount: 7900, currency: 'USD' } },
        422,
        'currency_mismatch',
        'price.currency',
      ],
      [
        'a currency that does not exist',
        { price: { amount: 7900, currency: 'XXY' } },
        400,
        'validation_failed',
      ],
      ['a negative price', { price: { amount: -1, currency: 'EUR' } }, 400, 'validation_failed'],
      ['a fractional price', { price: { amount: 79.5, currency: 'EUR' } }, 400, 'validation_failed'],
      ['an unknown variant sku', { variants: [{ sku: 'NO-SUCH-SKU', cap: 1 }] }, 422, 'unknown_variant'],
      [
        'an unknown variant id',
        { variants: [{ variantId: 'var_0000000000', cap: 1 }] },
        422,
        'unknown_variant',
      ],
      [
        'a variant listed twice',
        {
          variants: [
            { sku: 'OPEN-1', cap: 1 },
            { sku: 'OPEN-1', cap: 2 },
          ],
        },
        422,
        'invalid_campaign',
        'variants',
      ],
      ['a negative cap', { variants: [{ sku: 'OPEN-1', cap: -1 }] }, 400, 'validation_failed'],
      ['an unknown mode', { mode: 'rental' }, 400, 'validation_failed'],
      ['a per-customer limit of zero', { perCustomerLimit: 0 }, 400, 'validation_failed'],
    ];
    for (const [label, fields, status, code, field] of broken) {
      test(`creating a campaign with ${label} is refused with ${code}`, async () => {
        const refusal = await refusedWithoutWriting(
          () => call(app, 'POST', '/v1/campaigns', shopA.admin, campaignBody(fields)),
          status,
          code,
        );
        if (field) assert.equal(refusal.details?.field, field);
      });
    }

    test('lowering a cap below the units held is refused with cap_below_held and the cap stays', async () => {
      const url = `/v1/campaigns/${openCampaignId}`;
      const before = await call(app, 'GET', url, shopA.admin);
      const held = before.body.variants[0].held;
      assert.ok(held >= 3);
      const refusal = await refusedWithoutWriting(
        () => call(app, 'PATCH', url, shopA.admin, { variants: [{ sku: 'OPEN-1', cap: held - 1 }] }),
        409,
        'cap_below_held',
      );
      assert.deepEqual(refusal.details, {
        variantId: before.body.variants[0].variantId,
        held,
        cap: held - 1,
      });
      const after = await call(app, 'GET', url, shopA.admin);
      assert.deepEqual(after.body.variants, before.body.variants);
      assert.equal(after.body.variants[0].cap, 100);
    });

    test('a change that breaks a rule is refused as on creation', async () => {
      const url = `/v1/campaigns/${openCampaignId}`;
      await refusedWithoutWriting(
        () => call(app, 'PATCH', url, shopA.admin, { price: { amount: 7900, currency: 'GBP' } }),
        422,
        'currency_mismatch',
      );
      await refusedWithoutWriting(
        () =>
          call(app, 'PATCH', url, shopA.admin, {
            opensAt: '2027-02-01T00:00:00Z',
            closesAt: '2027-01-01T00:00:00Z',
          }),
        422,
        'invalid_campaign',
      );
      await refusedWithoutWriting(
        () => call(app, 'PATCH', `/v1/campaigns/${closedCampaignId}`, shopA.admin, { name: 'Reopened?' }),
        409,
        'campaign_closed',
      );
    });
  });
});

describe('random input [pglite]', () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Database;
  let app: FastifyInstance;
  let shopA: TestShop;
  let shopB: TestShop;
  let campaignId: string;

  before(async () => {
    database = await freshDatabase('pglite');
    db = database.db;
    const made = await testApp(db);
    app = made.app;
    shopA = await testShop(made.ctx, 'Shop A');
    shopB = await testShop(made.ctx, 'Shop B');
    // No cap and no window: a random request that happens to be valid is placed, never refused by a rule.
    campaignId = (await openLaunch(app, shopA, { sku: 'OPEN-1', cap: null })).campaignId;
  });
  after(async () => {
    await app.close();
    await database.drop();
  });

  /** Characters a client can put in a header value: visible ASCII, space and Latin-1. */
  const headerValue = fc.string({
    unit: fc
      .oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0xa0, max: 0xff }))
      .map((code) => String.fromCharCode(code)),
    maxLength: 300,
  });
  /** Any text, weighted towards what breaks things: ASCII control characters, SQL, HTML, ids and emails. */
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 60 }),
    fc.string({ unit: 'binary-ascii', maxLength: 60 }),
    fc.constantFrom(
      SQL,
      HTML,
      ...CONTROL_CHARACTERS,
      'po_1',
      'var_1',
      'cmp_1',
      'OPEN-1',
      'a@example.com',
      '20',
    ),
  );
  /** A path segment, percent-encoded as a client would, within the router's 100-character limit. */
  const segment = fc
    .oneof(text, fc.constantFrom('OPEN-1', 'cmp_0', 'po_0', '..', ''))
    .map(encodeURIComponent)
    .filter((encoded) => encoded.length <= 100);
  const query = fc
    .dictionary(
      fc.oneof(
        { arbitrary: fc.constantFrom('limit', 'after', 'campaign', 'state', 'email'), weight: 4 },
        text,
      ),
      text,
      { maxKeys: 4 },
    )
    .map((params) => `?${new URLSearchParams(params)}`);
  const json = (value: unknown) => JSON.stringify(value) ?? 'null';
  const body = fc.oneof(
    fc.jsonValue().map(json),
    fc.anything().map(json),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc
      .record(
        {
          sku: fc.oneof(fc.constant('OPEN-1'), text),
          quantity: fc.oneof(fc.integer({ min: 1, max: 3 }), fc.integer(), fc.double(), fc.jsonValue()),
          email: fc.oneof(fc.constant('random@example.com'), text),
          name: text,
          mode: fc.oneof(fc.constantFrom('preorder', 'backorder'), text),
          price: fc.oneof(
            fc.record({ amount: fc.integer(), currency: fc.constantFrom('EUR', 'USD') }),
            fc.jsonValue(),
          ),
          variants: fc.oneof(fc.constant([{ sku: 'OPEN-1', cap: 1 }]), fc.jsonValue()),
        },
        { requiredKeys: [] },
      )
      .map(json),
  );
  // Mostly shop A's own keys, so that requests get past authentication to the validation behind it.
  const storefrontKey = () =>
    fc.oneof(
      { arbitrary: fc.constant(shopA.storefront['presell-key'] as string), weight: 4 },
      { arbitrary: fc.constant(shopB.storefront['presell-key'] as string), weight: 1 },
      { arbitrary: headerValue, weight: 1 },
    );
  const adminAuthorization = () =>
    fc.oneof(
      { arbitrary: fc.constant(shopA.admin.authorization as string), weight: 4 },
      { arbitrary: fc.constant(shopB.admin.authorization as string), weight: 1 },
      { arbitrary: headerValue, weight: 1 },
      { arbitrary: headerValue.map((value) => `Bearer ${value}`), weight: 1 },
    );
  const optional = <T>(arbitrary: fc.Arbitrary<T>) => fc.option(arbitrary, { nil: undefined });
  const contentType = fc.oneof(
    { arbitrary: fc.constant('application/json'), weight: 4 },
    { arbitrary: headerValue, weight: 1 },
  );
  const headers = (entries: Record<string, string | undefined>) =>
    Object.fromEntries(
      Object.entries(entries).filter((entry): entry is [string, string] => entry[1] !== undefined),
    );

  const storefrontRequest = () =>
    fc.oneof(
      fc.record({ key: optional(storefrontKey()), sku: segment }).map(
        ({ key, sku }): InjectOptions => ({
          method: 'GET',
          url: `/v1/storefront/offers/${sku}`,
          headers: headers({ 'presell-key': key }),
        }),
      ),
      fc
        .record({
          key: optional(storefrontKey()),
          idempotencyKey: optional(fc.oneof(headerValue, fc.uuid())),
          contentType,
          payload: body,
        })
        .map(
          ({ key, idempotencyKey, contentType, payload }): InjectOptions => ({
            method: 'POST',
            url: '/v1/storefront/preorders',
            headers: headers({
              'presell-key': key,
              'idempotency-key': idempotencyKey,
              'content-type': contentType,
            }),
            payload,
          }),
        ),
    );
  const adminRequest = () =>
    fc
      .record({
        authorization: optional(adminAuthorization()),
        contentType,
        payload: body,
        id: segment,
        query,
        route: fc.constantFrom(
          'POST /v1/variants',
          'GET /v1/variants',
          'POST /v1/campaigns',
          'GET /v1/campaigns/:id',
          'PATCH /v1/campaigns/:id',
          'POST /v1/campaigns/:id/open',
          'POST /v1/campaigns/:id/pause',
          'POST /v1/campaigns/:id/close',
          'GET /v1/preorders',
          'GET /v1/preorders/:id',
          'GET /v1/campaigns/:id/forecast',
          'POST /v1/campaigns/:id/production-advice',
        ),
      })
      .map(({ authorization, contentType, payload, id, query, route }): InjectOptions => {
        const [method, path] = route.split(' ') as ['GET' | 'POST' | 'PATCH', string];
        const url = `${path.replace(':id', id)}${method === 'GET' ? query : ''}`;
        return {
          method,
          url,
          headers: headers({ authorization, 'content-type': method === 'GET' ? undefined : contentType }),
          ...(method === 'GET' ? {} : { payload }),
        };
      });

  test('no input gets a 5xx; every refusal has the error shape and writes nothing', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(storefrontRequest(), adminRequest()), async (request) => {
        const before = await databaseDigest(db);
        const answer = await send(app, request);
        assert.ok(answer.status < 500, `${answer.status} ${JSON.stringify(answer.body)}`);
        assert.match(String(answer.headers['request-id']), /^req_[0-9a-f]{16}$/);
        if (answer.status >= 400) {
          assertErrorShape(answer.body);
          assertNothingWritten(before, await databaseDigest(db));
        }
      }),
      { numRuns: 200 },
    );
    const campaign = await call(app, 'GET', `/v1/campaigns/${campaignId}`, shopA.admin);
    assert.equal(campaign.body.status, 'open');
  });
});
