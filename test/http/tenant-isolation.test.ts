/**
 * Invariant 6, tenant isolation: no key of one shop reads or changes anything of another. Every route of
 * the OpenAPI document is tried with shop B's keys on shop A's ids and valid bodies, on both engines; a
 * route added later without a case here fails the coverage test.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { runJobs } from '../../src/services/bulk-jobs.ts';
import { jobHandlers } from '../../src/services/job-kinds.ts';
import { launch, type MoneyWorld, moneyWorld, place, VISA } from '../money/support.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertNothingWritten, assertRefused, databaseDigest } from '../support/http-assertions.ts';

interface Ids {
  campaignId: string;
  variantId: string;
  sku: string;
  batchId: string;
  preorderId: string;
  deadLetterId: string;
  /** Of a pre-order of shop A still waiting for its payment. */
  clientSecret: string;
  exportId: string;
  jobId: string;
  endpointId: string;
  updateId: string;
}

type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
interface Attempt {
  method: Method;
  /** The OpenAPI path it covers. */
  route: string;
  url: (ids: Ids) => string;
  key: 'admin' | 'storefront';
  body?: (ids: Ids) => unknown;
  /** A list answers 200 with shop B's own data; it must not name any of shop A's ids. */
  list?: true;
  /** Bulk work naming shop A's things: a job of shop B's own, whose every item is refused. */
  job?: true;
  /** A file, sent as text/csv. */
  csv?: (ids: Ids) => string;
  /** Sent with an Idempotency-Key (every storefront POST is). */
  idempotent?: true;
}

const ATTEMPTS: Attempt[] = [
  { method: 'GET', route: '/v1/variants', url: () => '/v1/variants', key: 'admin', list: true },
  {
    method: 'GET',
    route: '/v1/variants/{id}',
    url: (ids) => `/v1/variants/${ids.variantId}`,
    key: 'admin',
  },
  {
    method: 'PATCH',
    route: '/v1/variants/{id}',
    url: (ids) => `/v1/variants/${ids.variantId}`,
    key: 'admin',
    body: () => ({ name: 'Renamed by another shop', onHand: 3 }),
  },
  ...(['archive', 'unarchive'] as const).map(
    (action): Attempt => ({
      method: 'POST',
      route: `/v1/variants/{id}/${action}`,
      url: (ids) => `/v1/variants/${ids.variantId}/${action}`,
      key: 'admin',
    }),
  ),
  { method: 'GET', route: '/v1/campaigns', url: () => '/v1/campaigns', key: 'admin', list: true },
  {
    method: 'DELETE',
    route: '/v1/campaigns/{id}',
    url: (ids) => `/v1/campaigns/${ids.campaignId}`,
    key: 'admin',
  },
  ...(['archive', 'unarchive'] as const).map(
    (action): Attempt => ({
      method: 'POST',
      route: `/v1/campaigns/{id}/${action}`,
      url: (ids) => `/v1/campaigns/${ids.campaignId}/${action}`,
      key: 'admin',
    }),
  ),
  {
    method: 'DELETE',
    route: '/v1/campaigns/{id}/batches/{batchId}',
    url: (ids) => `/v1/campaigns/${ids.campaignId}/batches/${ids.batchId}`,
    key: 'admin',
  },
  {
    method: 'POST',
    route: '/v1/preorders/{id}/refunds',
    url: (ids) => `/v1/preorders/${ids.preorderId}/refunds`,
    key: 'admin',
    body: () => ({ amount: 100, reason: 'not yours' }),
    idempotent: true,
  },
  {
    method: 'POST',
    route: '/v1/campaigns',
    url: () => '/v1/campaigns',
    key: 'admin',
    body: (ids) => ({
      name: 'Stolen',
      mode: 'preorder',
      price: { amount: 100, currency: 'EUR' },
      variants: [{ variantId: ids.variantId, cap: 1 }],
    }),
  },
  {
    method: 'GET',
    route: '/v1/campaigns/{id}',
    url: (ids) => `/v1/campaigns/${ids.campaignId}`,
    key: 'admin',
  },
  {
    method: 'PATCH',
    route: '/v1/campaigns/{id}',
    url: (ids) => `/v1/campaigns/${ids.campaignId}`,
    key: 'admin',
    body: () => ({ name: 'Renamed by another shop' }),
  },
  ...(['open', 'pause', 'close', 'release'] as const).map(
    (action): Attempt => ({
      method: 'POST',
      route: `/v1/campaigns/{id}/${action}`,
      url: (ids) => `/v1/campaigns/${ids.campaignId}/${action}`,
      key: 'admin',
    }),
  ),
  { method: 'GET', route: '/v1/preorders', url: () => '/v1/preorders', key: 'admin', list: true },
  {
    method: 'GET',
    route: '/v1/preorders',
    url: (ids) => `/v1/preorders?campaign=${ids.campaignId}`,
    key: 'admin',
    list: true,
  },
  {
    method: 'GET',
    route: '/v1/preorders/{id}',
    url: (ids) => `/v1/preorders/${ids.preorderId}`,
    key: 'admin',
  },
  {
    method: 'GET',
    route: '/v1/preorders/{id}/emails',
    url: (ids) => `/v1/preorders/${ids.preorderId}/emails`,
    key: 'admin',
  },
  {
    method: 'PATCH',
    route: '/v1/preorders/{id}',
    url: (ids) => `/v1/preorders/${ids.preorderId}`,
    key: 'admin',
    body: () => ({ priority: 9 }),
  },
  {
    method: 'POST',
    route: '/v1/preorders/{id}/cancel',
    url: (ids) => `/v1/preorders/${ids.preorderId}/cancel`,
    key: 'admin',
    body: () => ({ reason: 'not yours', refund: 'full' }),
  },
  {
    method: 'POST',
    route: '/v1/preorders/{id}/charge-balance',
    url: (ids) => `/v1/preorders/${ids.preorderId}/charge-balance`,
    key: 'admin',
  },
  {
    method: 'GET',
    route: '/v1/preorders/{id}/ledger',
    url: (ids) => `/v1/preorders/${ids.preorderId}/ledger`,
    key: 'admin',
  },
  {
    method: 'POST',
    route: '/v1/campaigns/{id}/batches',
    url: (ids) => `/v1/campaigns/${ids.campaignId}/batches`,
    key: 'admin',
    body: (ids) => ({ variantId: ids.variantId, quantity: 5, readyDate: '2027-06-01' }),
  },
  {
    method: 'GET',
    route: '/v1/campaigns/{id}/batches',
    url: (ids) => `/v1/campaigns/${ids.campaignId}/batches`,
    key: 'admin',
  },
  {
    method: 'PATCH',
    route: '/v1/campaigns/{id}/batches/{batchId}',
    url: (ids) => `/v1/campaigns/${ids.campaignId}/batches/${ids.batchId}`,
    key: 'admin',
    body: () => ({ readyDate: '2027-09-01' }),
  },
  {
    method: 'GET',
    route: '/v1/campaigns/{id}/promise',
    url: (ids) => `/v1/campaigns/${ids.campaignId}/promise`,
    key: 'admin',
  },
  {
    method: 'GET',
    route: '/v1/campaigns/{id}/forecast',
    url: (ids) => `/v1/campaigns/${ids.campaignId}/forecast?horizon=2027-06-01`,
    key: 'admin',
  },
  {
    method: 'GET',
    route: '/v1/campaigns/{id}/dashboard',
    url: (ids) => `/v1/campaigns/${ids.campaignId}/dashboard`,
    key: 'admin',
  },
  {
    method: 'POST',
    route: '/v1/campaigns/{id}/production-advice',
    url: (ids) => `/v1/campaigns/${ids.campaignId}/production-advice`,
    key: 'admin',
    body: () => ({ unitCost: { amount: 1_000, currency: 'EUR' } }),
  },
  { method: 'GET', route: '/v1/reports/cash', url: () => '/v1/reports/cash', key: 'admin', list: true },
  {
    method: 'GET',
    route: '/v1/reports/cash',
    url: (ids) => `/v1/reports/cash?campaign=${ids.campaignId}`,
    key: 'admin',
  },
  {
    method: 'GET',
    route: '/v1/storefront/offers/{sku}',
    url: (ids) => `/v1/storefront/offers/${ids.sku}`,
    key: 'storefront',
  },
  {
    method: 'POST',
    route: '/v1/storefront/preorders',
    url: () => '/v1/storefront/preorders',
    key: 'storefront',
    body: (ids) => ({ sku: ids.sku, quantity: 1, email: 'thief@example.com', paymentMethod: VISA }),
  },
  {
    method: 'POST',
    route: '/v1/preorders/{id}/fulfil',
    url: (ids) => `/v1/preorders/${ids.preorderId}/fulfil`,
    key: 'admin',
    body: () => ({ carrier: 'DHL', trackingNumber: 'STOLEN' }),
  },
  { method: 'GET', route: '/v1/events', url: () => '/v1/events', key: 'admin', list: true },
  {
    method: 'GET',
    route: '/v1/events',
    url: (ids) => `/v1/events?subject=${ids.preorderId}`,
    key: 'admin',
    list: true,
  },
  { method: 'GET', route: '/v1/dead-letters', url: () => '/v1/dead-letters', key: 'admin', list: true },
  {
    method: 'POST',
    route: '/v1/dead-letters/{id}/retry',
    url: (ids) => `/v1/dead-letters/${ids.deadLetterId}/retry`,
    key: 'admin',
  },
  // Lists first: the jobs below are shop B's own, and name shop A's ids as B sent them.
  { method: 'GET', route: '/v1/jobs', url: () => '/v1/jobs', key: 'admin', list: true },
  { method: 'GET', route: '/v1/audit-log', url: () => '/v1/audit-log', key: 'admin', list: true },
  {
    method: 'POST',
    route: '/v1/campaigns/{id}/batches/{batchId}/slip-preview',
    url: (ids) => `/v1/campaigns/${ids.campaignId}/batches/${ids.batchId}/slip-preview`,
    key: 'admin',
    body: () => ({ readyDate: '2027-09-01', reason: 'curious' }),
  },
  {
    method: 'POST',
    route: '/v1/preorders/{id}/shipping-address',
    url: (ids) => `/v1/preorders/${ids.preorderId}/shipping-address`,
    key: 'admin',
    body: () => ({ name: 'Thief', line1: '1 Road', postalCode: '1000', city: 'Brussels', country: 'BE' }),
  },
  {
    method: 'GET',
    route: '/v1/preorders/{id}/shipments',
    url: (ids) => `/v1/preorders/${ids.preorderId}/shipments`,
    key: 'admin',
  },
  {
    method: 'POST',
    route: '/v1/exports',
    url: () => '/v1/exports',
    key: 'admin',
    body: (ids) => ({ campaignId: ids.campaignId }),
  },
  { method: 'GET', route: '/v1/exports/{id}', url: (ids) => `/v1/exports/${ids.exportId}`, key: 'admin' },
  {
    method: 'POST',
    route: '/v1/shipments/import',
    url: () => '/v1/shipments/import',
    key: 'admin',
    job: true,
    csv: (ids) =>
      `order_reference,carrier,tracking_number,shipped_date\n${ids.preorderId},DHL,S-1,2027-01-01\n`,
  },
  {
    method: 'POST',
    route: '/v1/stock/import',
    url: () => '/v1/stock/import',
    key: 'admin',
    job: true,
    csv: (ids) => `sku,on_hand\n${ids.sku},0\n`,
  },
  {
    method: 'POST',
    route: '/v1/variants/{id}/stock',
    url: (ids) => `/v1/variants/${ids.variantId}/stock`,
    key: 'admin',
    body: () => ({ onHand: 0 }),
  },
  {
    method: 'POST',
    route: '/v1/preorders/bulk-cancel',
    url: () => '/v1/preorders/bulk-cancel',
    key: 'admin',
    job: true,
    body: (ids) => ({ preorderIds: [ids.preorderId], reason: 'not yours' }),
  },
  { method: 'GET', route: '/v1/jobs/{id}', url: (ids) => `/v1/jobs/${ids.jobId}`, key: 'admin' },
  {
    method: 'GET',
    route: '/v1/jobs/{id}/failures',
    url: (ids) => `/v1/jobs/${ids.jobId}/failures`,
    key: 'admin',
  },
  {
    method: 'GET',
    route: '/v1/webhook-endpoints',
    url: () => '/v1/webhook-endpoints',
    key: 'admin',
    list: true,
  },
  {
    method: 'GET',
    route: '/v1/webhook-endpoints/{id}',
    url: (ids) => `/v1/webhook-endpoints/${ids.endpointId}`,
    key: 'admin',
  },
  {
    method: 'PATCH',
    route: '/v1/webhook-endpoints/{id}',
    url: (ids) => `/v1/webhook-endpoints/${ids.endpointId}`,
    key: 'admin',
    body: () => ({ status: 'disabled' }),
  },
  {
    method: 'DELETE',
    route: '/v1/webhook-endpoints/{id}',
    url: (ids) => `/v1/webhook-endpoints/${ids.endpointId}`,
    key: 'admin',
  },
  {
    method: 'POST',
    route: '/v1/webhook-endpoints/{id}/rotate-secret',
    url: (ids) => `/v1/webhook-endpoints/${ids.endpointId}/rotate-secret`,
    key: 'admin',
    body: () => ({}),
  },
  {
    method: 'GET',
    route: '/v1/campaigns/{id}/delay-consent',
    url: (ids) => `/v1/campaigns/${ids.campaignId}/delay-consent`,
    key: 'admin',
  },
  {
    method: 'PATCH',
    route: '/v1/campaigns/{id}/delay-consent',
    url: (ids) => `/v1/campaigns/${ids.campaignId}/delay-consent`,
    key: 'admin',
    body: () => ({ withoutAnswer: 'cancel' }),
  },
  {
    method: 'POST',
    route: '/v1/campaigns/{id}/updates',
    url: (ids) => `/v1/campaigns/${ids.campaignId}/updates`,
    key: 'admin',
    body: () => ({ subject: 'Hijacked', body: 'Not yours.' }),
  },
  {
    method: 'GET',
    route: '/v1/campaigns/{id}/updates',
    url: (ids) => `/v1/campaigns/${ids.campaignId}/updates`,
    key: 'admin',
  },
  { method: 'GET', route: '/v1/updates/{id}', url: (ids) => `/v1/updates/${ids.updateId}`, key: 'admin' },
  {
    method: 'POST',
    route: '/v1/updates/{id}/schedule',
    url: (ids) => `/v1/updates/${ids.updateId}/schedule`,
    key: 'admin',
  },
  {
    method: 'POST',
    route: '/v1/updates/{id}/preview',
    url: (ids) => `/v1/updates/${ids.updateId}/preview`,
    key: 'admin',
  },
  {
    method: 'POST',
    route: '/v1/email-templates/{kind}/{language}/preview',
    url: () => '/v1/email-templates/confirmation/en/preview',
    key: 'admin',
    body: (ids) => ({ preorderId: ids.preorderId }),
  },
  {
    method: 'POST',
    route: '/v1/storefront/preorders/{id}/confirm',
    url: (ids) => `/v1/storefront/preorders/${ids.preorderId}/confirm`,
    key: 'storefront',
  },
  {
    method: 'POST',
    route: '/v1/storefront/checkouts',
    url: () => '/v1/storefront/checkouts',
    key: 'storefront',
    body: (ids) => ({
      sku: ids.sku,
      quantity: 1,
      email: 'thief@example.com',
      shippingAddress: { name: 'Thief', line1: 'Street 1', postalCode: '1000', city: 'Town', country: 'DE' },
    }),
  },
  ...(['confirm', 'authenticate'] as const).map(
    (step): Attempt => ({
      method: 'POST',
      route: `/v1/storefront/test-payments/${step}`,
      url: () => `/v1/storefront/test-payments/${step}`,
      key: 'storefront',
      body: (ids) =>
        step === 'confirm'
          ? { clientSecret: ids.clientSecret, card: VISA }
          : { clientSecret: ids.clientSecret, outcome: 'authenticated' },
    }),
  ),
];

/**
 * Routes a key of another shop has nothing to find on: a webhook is its provider's, checked by signature;
 * /health answers the same to anyone; the others name no id, only the key's own shop's things (its
 * settings, its templates, its keys: see test/http/keys.test.ts; the shop itself and the server's payment
 * provider: test/http/shop.test.ts).
 */
const NOT_KEYED = [
  'POST /v1/webhooks/{provider}',
  'GET /health',
  'POST /v1/variants',
  'POST /v1/webhook-endpoints',
  'GET /v1/communication/settings',
  'PATCH /v1/communication/settings',
  'POST /v1/communication/portal-secret',
  'GET /v1/email-templates',
  'GET /v1/email-templates/{kind}/{language}',
  'PUT /v1/email-templates/{kind}/{language}',
  'DELETE /v1/email-templates/{kind}/{language}',
  'GET /v1/keys',
  'POST /v1/keys/rotate',
  'GET /v1/shop',
  'PATCH /v1/shop',
  'GET /v1/payment-provider',
];

/** Stand-ins for shop A's ids in test names, which are fixed before the ids exist. */
const placeholderIds: Ids = {
  campaignId: 'cmp_A',
  variantId: 'var_A',
  sku: 'SKU_A',
  batchId: 'bat_A',
  preorderId: 'po_A',
  deadLetterId: 'dlf_A',
  clientSecret: 'pi_A_secret_A',
  exportId: 'exp_A',
  jobId: 'job_A',
  endpointId: 'whe_A',
  updateId: 'upd_A',
};

/** A file upload through the app, answered as `call` answers. */
async function fileCall(world: MoneyWorld, url: string, csv: string) {
  const response = await world.app.inject({
    method: 'POST',
    url,
    headers: { ...world.shop.admin, 'content-type': 'text/csv' },
    payload: csv,
  });
  return { status: response.statusCode, body: response.json() };
}

describeOnEachEngine('tenant isolation', ({ db }) => {
  let shopA: MoneyWorld;
  let shopB: MoneyWorld;
  let ids: Ids;

  before(async () => {
    shopA = await moneyWorld(db());
    // One provider, as one process serves every shop.
    shopB = await moneyWorld(db(), 'EUR', shopA.provider);
    const made = await launch(shopA, 5_000, 'EUR', { cap: 10 });
    const campaign = await call(shopA.app, 'GET', `/v1/campaigns/${made.campaignId}`, shopA.shop.admin);
    const batch = await call(
      shopA.app,
      'POST',
      `/v1/campaigns/${made.campaignId}/batches`,
      shopA.shop.admin,
      {
        sku: made.sku,
        quantity: 5,
        readyDate: '2027-03-01',
      },
    );
    const placed = await place(shopA, made.sku, { paymentMethod: VISA });
    assert.equal(placed.status, 201);
    // A delivery of shop A's that failed for good.
    const [placedEvent] = await db().query<{ id: string }>(
      `SELECT id FROM events WHERE subject_id = $1 AND type = 'preorder.placed'`,
      [placed.body.id],
    );
    await db().query(
      `INSERT INTO outbox_failures (shop_id, id, consumer, event_id, status, attempts, last_error, created_at, updated_at)
       VALUES ($1, 'dlf_shopa', 'webhooks', $2, 'dead', 8, 'HTTP 500', now(), now())`,
      [shopA.shop.shopId, placedEvent?.id],
    );
    const waiting = await place(shopA, made.sku);
    const exported = await shopA.app.inject({
      method: 'POST',
      url: '/v1/exports',
      headers: shopA.shop.admin,
      payload: { campaignId: made.campaignId },
    });
    const job = await call(shopA.app, 'POST', '/v1/preorders/bulk-cancel', shopA.shop.admin, {
      preorderIds: ['po_nothing'],
      reason: 'a job of shop A',
    });
    const endpoint = await call(shopA.app, 'POST', '/v1/webhook-endpoints', shopA.shop.admin, {
      url: 'https://93.184.216.34/hooks',
      eventTypes: ['*'],
    });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
    const update = await call(
      shopA.app,
      'POST',
      `/v1/campaigns/${made.campaignId}/updates`,
      shopA.shop.admin,
      {
        subject: 'News',
        body: 'For shop A’s customers only.',
      },
    );
    assert.equal(update.status, 201);
    ids = {
      updateId: update.body.id,
      campaignId: made.campaignId,
      variantId: campaign.body.variants[0].variantId,
      sku: made.sku,
      batchId: batch.body.id,
      preorderId: placed.body.id,
      deadLetterId: 'dlf_shopa',
      clientSecret: waiting.body.payment.clientSecret,
      exportId: String(exported.headers['presell-export-id']),
      jobId: job.body.id,
      endpointId: endpoint.body.id,
    };
  });

  test('every route of the API is tried', async () => {
    await shopA.app.ready();
    const documented = Object.entries(shopA.app.swagger().paths ?? {}).flatMap(([path, operations]) =>
      Object.keys(operations ?? {}).map((method) => `${method.toUpperCase()} ${path}`),
    );
    const tried = new Set(ATTEMPTS.map((attempt) => `${attempt.method} ${attempt.route}`));
    assert.deepEqual(
      documented.filter((route) => !tried.has(route) && !NOT_KEYED.includes(route)),
      [],
    );
  });

  for (const attempt of ATTEMPTS) {
    test(`${attempt.method} ${attempt.url(placeholderIds)} with another shop's key finds nothing of it`, async () => {
      const headers = attempt.key === 'admin' ? shopB.shop.admin : shopB.shop.storefront;
      const before = await databaseDigest(db());
      const answer = attempt.csv
        ? await fileCall(shopB, attempt.url(ids), attempt.csv(ids))
        : await call(
            shopB.app,
            attempt.method,
            attempt.url(ids),
            (attempt.method === 'POST' && attempt.key === 'storefront') || attempt.idempotent
              ? { ...headers, 'idempotency-key': 'steal' }
              : headers,
            attempt.body?.(ids),
          );
      if (attempt.job) {
        assert.equal(answer.status, 202, JSON.stringify(answer.body));
        let job = answer.body;
        while (job.status !== 'done') {
          await runJobs(shopB.ctx, jobHandlers(shopB.payments));
          job = (await call(shopB.app, 'GET', `/v1/jobs/${job.id}`, shopB.shop.admin)).body;
        }
        assert.deepEqual([job.done, job.failed], [0, 1], 'the job of shop B finds nothing of shop A');
        assert.ok(['not_found', 'unknown_variant'].includes(job.failures[0].code));
        assertNothingWritten(before, await databaseDigest(db()), ['jobs', 'job_items', 'audit_log']);
        return;
      }
      if (attempt.list) {
        assert.equal(answer.status, 200);
        const text = JSON.stringify(answer.body);
        for (const id of Object.values(ids)) assert.ok(!text.includes(id), `shop A's ${id} leaked`);
      } else if (attempt.route === '/v1/campaigns') {
        assertRefused(answer, 422, 'unknown_variant');
      } else {
        assertRefused(answer, 404, 'not_found');
      }
      assertNothingWritten(before, await databaseDigest(db()));
    });
  }
});
