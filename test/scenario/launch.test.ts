/**
 * A launch from end to end on the PostgreSQL server, through the HTTP API on a real port: a capped campaign
 * with two batches; 1,000 pre-orders from concurrent clients with three kinds of payment terms, most with
 * an address; the second batch slips (preview, then apply; some customers keep, some cancel, some do not
 * answer by the deadline and are cancelled by a bulk job); the first batch arrives in two parts; the
 * release asks for the balances, some cards fail and one recovers after the shopper updates it; export,
 * then a shipment import with two bad rows. After every step the invariants of DESIGN.md are checked, the
 * webhooks a loopback endpoint received verify against their signatures, and none came twice under one id.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { outboxConsumers } from '../../src/consumers.ts';
import type { Database } from '../../src/db/database.ts';
import { runDueJobs } from '../../src/jobs.ts';
import { OutboxRelay } from '../../src/outbox/relay.ts';
import { TestPaymentProvider } from '../../src/payments/test-provider.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { DEFAULT_PAYMENT_SETTINGS, type Payments } from '../../src/services/payment-operations.ts';
import { manualClock, type TestShop, testApp, testShop } from '../support/app.ts';
import { freshDatabase, serverUrl } from '../support/databases.ts';
import { type Receiver, startReceiver } from '../support/webhook-receiver.ts';

const VISA = '4242424242424242';
/** Saving the card works; every charge on it is declined. */
const CHARGES_DECLINED = '4000000000000341';
const DAY = 86_400_000;
const CAP = 1_200;

describe('a launch from end to end [postgres]', { skip: !serverUrl }, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let db: Database;
  let app: FastifyInstance;
  let ctx: ServiceContext;
  let shop: TestShop;
  let base: string;
  let receiver: Receiver;
  let relay: OutboxRelay;
  let secret: string;
  const clock = manualClock(new Date('2026-12-01T09:00:00Z'));
  const provider = new TestPaymentProvider({ now: clock.now });
  const payments: Payments = { provider, settings: DEFAULT_PAYMENT_SETTINGS };
  let campaignId = '';
  let firstBatch = '';
  let secondBatch = '';
  const sku = 'AURORA-LAMP';

  before(async () => {
    database = await freshDatabase('postgres', { poolSize: 20 });
    db = database.db;
    ({ app, ctx } = await testApp(db, { clock: clock.now, payments, webhooks: { allowInternal: true } }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    const address = app.server.address();
    base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    shop = await testShop(ctx, 'Launch Co.');
    receiver = await startReceiver();
    receiver.now = () => Math.floor(clock.now().getTime() / 1000);
    relay = new OutboxRelay(ctx, outboxConsumers({ ctx, webhooksAllowInternal: true }));
  });
  after(async () => {
    await app.close();
    await receiver.close();
    await database.drop();
  });

  /** One request over HTTP, as a client would send it. */
  async function api(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = shop.admin,
  ) {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      body: text.startsWith('{') ? JSON.parse(text) : text,
      headers: response.headers,
    };
  }

  /**
   * Delivers every event of the shop, then checks the webhooks received so far. The relay delivers an event
   * once no transaction on the server can still commit before it, so this waits for that (a bounded while).
   */
  async function deliverAndVerify() {
    const [{ count } = { count: 0 }] = await db.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM events WHERE shop_id = $1',
      [shop.shopId],
    );
    for (let wait = 0; receiver.received.length < count && wait < 600; wait++) {
      const report = await relay.runOnce();
      if (report.delivered === 0) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const ids = receiver.received.map((delivery) => delivery.id);
    assert.equal(new Set(ids).size, ids.length, 'nothing delivered twice under one id');
    assert.ok(
      receiver.received.every((delivery) => delivery.verified),
      'every delivery verifies against its signature',
    );
    assert.equal(ids.length, count, 'nothing lost: every event reached the endpoint');
  }

  /** The invariants of DESIGN.md, checked on the database as it stands. */
  async function checkInvariants(step: string) {
    const oversold = await db.query(
      `SELECT cv.variant_id FROM campaign_variants cv WHERE cv.campaign_id = $1 AND (cv.held > cv.cap OR cv.held <>
         (SELECT coalesce(sum(quantity), 0) FROM preorders p WHERE p.campaign_id = $1 AND p.variant_id = cv.variant_id
          AND p.state <> 'cancelled'))`,
      [campaignId],
    );
    assert.deepEqual(oversold, [], `${step}: no oversell, held is what live pre-orders hold`);
    const [keys] = await db.query<{ twice: number }>(
      `SELECT count(*)::int AS twice FROM (SELECT idempotency_key FROM preorders WHERE shop_id = $1
         GROUP BY idempotency_key HAVING count(*) > 1) t`,
      [shop.shopId],
    );
    assert.equal(keys?.twice, 0, `${step}: one pre-order per idempotency key`);
    const unfair = await db.query(
      `SELECT a.id FROM preorders a JOIN preorders b ON b.campaign_id = a.campaign_id AND b.variant_id = a.variant_id
         AND b.queue_position > a.queue_position AND b.priority = a.priority
       WHERE a.campaign_id = $1 AND a.state NOT IN ('cancelled', 'fulfilled') AND b.state NOT IN ('cancelled', 'fulfilled')
         AND a.promise_to IS NOT NULL AND b.promise_to IS NOT NULL AND a.promise_to > b.promise_to LIMIT 1`,
      [campaignId],
    );
    assert.deepEqual(unfair, [], `${step}: fair queue`);
    const money = await db.query<{ id: string; state: string; net: number; total: number }>(
      `SELECT p.id, p.state, p.total_amount AS total,
         coalesce(sum(l.amount) FILTER (WHERE l.kind = 'charge'), 0) - coalesce(sum(l.amount) FILTER (WHERE l.kind = 'refund'), 0) AS net
       FROM preorders p LEFT JOIN ledger_entries l ON l.preorder_id = p.id
       WHERE p.campaign_id = $1 GROUP BY p.id`,
      [campaignId],
    );
    for (const row of money) {
      assert.ok(
        row.net >= 0 && row.net <= row.total,
        `${step}: money adds up for ${row.id} (${row.net} of ${row.total})`,
      );
      if (row.state === 'ready' || row.state === 'fulfilled')
        assert.equal(Number(row.net), Number(row.total), `${step}: ${row.id} is paid`);
    }
    const other = await testShop(ctx, `Other ${step}`);
    const someone = money[0]?.id;
    if (someone)
      assert.equal(
        (await api('GET', `/v1/preorders/${someone}`, undefined, other.admin)).status,
        404,
        `${step}: tenant isolation`,
      );
    await deliverAndVerify();
  }

  const stateCounts = async () =>
    Object.fromEntries(
      (
        await db.query<{ state: string; count: number }>(
          'SELECT state, count(*)::int AS count FROM preorders WHERE campaign_id = $1 GROUP BY state',
          [campaignId],
        )
      ).map((row) => [row.state, row.count]),
    );
  const jobs = async (days: number) => {
    clock.advance(days * DAY);
    for (;;) {
      const report = await runDueJobs(ctx, payments);
      if (report.balanceTries + report.bulkItems + report.operationsRetried + report.abandonedReleased === 0)
        return;
    }
  };

  /** A bulk job once finished: the app starts it at once, this test's worker helps. */
  const finished = async (id: string) => {
    for (;;) {
      await jobs(0);
      const job = await api('GET', `/v1/jobs/${id}`);
      if (job.body.status === 'done' || job.body.status === 'refused') return job.body;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  test('the launch', { timeout: 900_000 }, async () => {
    // The merchant sets up: an endpoint for every event, the product, the campaign with two batches.
    const endpoint = await api('POST', '/v1/webhook-endpoints', { url: receiver.url, eventTypes: ['*'] });
    assert.equal(endpoint.status, 201, JSON.stringify(endpoint.body));
    secret = endpoint.body.secret;
    receiver.secrets = [secret];
    assert.equal((await api('POST', '/v1/variants', { sku, name: 'Aurora desk lamp' })).status, 201);
    const created = await api('POST', '/v1/campaigns', {
      name: 'Aurora launch',
      mode: 'preorder',
      price: { amount: 12_900, currency: 'EUR' },
      earlyBird: [
        { name: 'Early bird', firstUnits: 50, unitAmount: 9_900, perk: { note: 'Signed by the designer' } },
      ],
      paymentTerms: { kind: 'later' },
      promiseSettings: { bufferDays: 7, toleranceDays: 2 },
      variants: [{ sku, cap: CAP }],
    });
    campaignId = created.body.id;
    firstBatch = (
      await api('POST', `/v1/campaigns/${campaignId}/batches`, {
        sku,
        quantity: 600,
        readyDate: '2027-02-01',
        state: 'confirmed',
      })
    ).body.id;
    secondBatch = (
      await api('POST', `/v1/campaigns/${campaignId}/batches`, {
        sku,
        quantity: 600,
        readyDate: '2027-03-01',
      })
    ).body.id;
    assert.equal((await api('POST', `/v1/campaigns/${campaignId}/open`)).status, 200);
    await checkInvariants('set-up');

    // 1,000 shoppers, 50 at a time: 200 pay later, 400 a deposit, 400 in full; one in ten gives no address.
    const placed: { id: string; index: number; terms: string }[] = [];
    const phases = [
      { terms: { kind: 'later' }, from: 0, to: 200 },
      { terms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } }, from: 200, to: 600 },
      { terms: { kind: 'full' }, from: 600, to: 1_000 },
    ];
    for (const phase of phases) {
      assert.equal(
        (await api('PATCH', `/v1/campaigns/${campaignId}`, { paymentTerms: phase.terms })).status,
        200,
      );
      for (let start = phase.from; start < phase.to; start += 50) {
        const answers = await Promise.all(
          Array.from({ length: Math.min(50, phase.to - start) }, async (_, offset) => {
            const index = start + offset;
            const card = phase.terms.kind === 'later' && index % 40 === 7 ? CHARGES_DECLINED : VISA;
            const body = {
              sku,
              quantity: 1,
              email: `shopper${index}@example.com`,
              paymentMethod: card,
              ...(index % 10 === 3
                ? {}
                : {
                    shippingAddress: {
                      name: `Shopper ${index}`,
                      line1: `${index} Main Street`,
                      postalCode: '10115',
                      city: 'Berlin',
                      country: 'DE',
                    },
                  }),
            };
            const headers = { ...shop.storefront, 'idempotency-key': `launch-${index}` };
            const answer = await api('POST', '/v1/storefront/preorders', body, headers);
            // A client that lost the answer sends it again: the same pre-order, never a second.
            const retried =
              index % 97 === 0 ? await api('POST', '/v1/storefront/preorders', body, headers) : answer;
            assert.equal(retried.body.id, answer.body.id);
            return { status: answer.status, id: answer.body.id as string, index, terms: phase.terms.kind };
          }),
        );
        for (const answer of answers) {
          assert.equal(answer.status, 201, `placement ${answer.index}`);
          placed.push(answer);
        }
      }
    }
    assert.equal(placed.length, 1_000);
    assert.deepEqual(await stateCounts(), { confirmed: 1_000 });
    await checkInvariants('placements');

    // The second batch slips: preview, then apply with the reason.
    const preview = await api('POST', `/v1/campaigns/${campaignId}/batches/${secondBatch}/slip-preview`, {
      readyDate: '2027-04-12',
      reason: 'The glass supplier needs six more weeks',
    });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assert.equal(preview.body.moved, 400, 'the 400 pre-orders of the second batch move');
    assert.deepEqual(preview.body.histogram, [{ days: 42, preorders: 400 }]);
    assert.equal(preview.body.pastFirstPromise.preorders, 400);
    assert.equal(preview.body.notices[0].customers, 400);
    assert.equal(preview.body.money.paid, 400 * 12_900, 'the second batch is the full-payment phase');
    const slipped = await api('PATCH', `/v1/campaigns/${campaignId}/batches/${secondBatch}`, {
      readyDate: '2027-04-12',
      reason: 'The glass supplier needs six more weeks',
    });
    assert.equal(slipped.status, 200);
    await checkInvariants('slip');

    // Of the 400 delayed: most keep, 15 cancel themselves, 10 never answer and are cancelled at the deadline.
    const promised = await db.query<{ id: string }>(
      `SELECT id FROM preorders WHERE campaign_id = $1 AND promise_batches @> $2::jsonb ORDER BY queue_position`,
      [campaignId, JSON.stringify([{ batchId: secondBatch }])],
    );
    const delayed = promised.map((row) => row.id);
    assert.equal(delayed.length, 400);
    for (const id of delayed.slice(0, 15)) {
      assert.equal(
        (await api('POST', `/v1/preorders/${id}/cancel`, { reason: 'Cancelled after the delay notice' }))
          .status,
        200,
      );
    }
    clock.advance(14 * DAY);
    const noAnswer = delayed.slice(15, 25);
    const bulk = await api('POST', '/v1/preorders/bulk-cancel', {
      preorderIds: noAnswer,
      reason: 'No answer to the delay notice by the deadline',
    });
    assert.equal(bulk.status, 202);
    const cancelJob = await finished(bulk.body.id);
    assert.deepEqual([cancelJob.status, cancelJob.done, cancelJob.failed], ['done', 10, 0]);
    // Refunds go to the provider after each chunk commits, from whichever worker ran it.
    await jobs(0);
    assert.equal((await stateCounts()).cancelled, 25);
    const refunds = async () =>
      (
        await db.query<{ count: number }>(
          `SELECT count(*)::int AS count FROM ledger_entries WHERE kind = 'refund' AND preorder_id = ANY($1)`,
          [delayed.slice(0, 25)],
        )
      )[0]?.count;
    for (let wait = 0; (await refunds()) !== 25 && wait < 500; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(await refunds(), 25, 'each cancelled full payment refunded once');
    await checkInvariants('cancellations');

    // The first batch arrives in two parts.
    await api('PATCH', `/v1/campaigns/${campaignId}/batches/${firstBatch}`, { quantityReceived: 250 });
    let counts = await stateCounts();
    assert.ok((counts.allocated ?? 0) + (counts.ready ?? 0) === 250, JSON.stringify(counts));
    await checkInvariants('first part received');
    await api('PATCH', `/v1/campaigns/${campaignId}/batches/${firstBatch}`, { quantityReceived: 600 });
    counts = await stateCounts();
    assert.equal((counts.allocated ?? 0) + (counts.ready ?? 0), 600);
    await checkInvariants('second part received');

    // The release asks for the balances; five cards fail, one shopper updates theirs and it recovers.
    assert.equal((await api('POST', `/v1/campaigns/${campaignId}/release`)).status, 200);
    await jobs(0);
    const failing = await db.query<{ id: string; payment_method_id: string }>(
      `SELECT id, payment_method_id FROM preorders WHERE campaign_id = $1 AND state IN ('allocated', 'balance_due')
       ORDER BY queue_position`,
      [campaignId],
    );
    assert.equal(failing.length, 5, 'the five declined cards wait for a retry');
    const recovering = failing[0] as { id: string; payment_method_id: string };
    provider.updateCard(recovering.payment_method_id, VISA);
    await checkInvariants('balances');
    for (const days of [1, 3, 7]) await jobs(days);
    counts = await stateCounts();
    assert.equal(
      (await api('GET', `/v1/preorders/${recovering.id}`)).body.state,
      'ready',
      'recovered after the card update',
    );
    assert.equal(counts.cancelled, 29, 'four cancelled after the last try');
    assert.equal(counts.ready, 600, 'the four units freed went to the next four in the queue, paid in full');
    await checkInvariants('retries');

    // Export the ready pre-orders; those without an address get one first.
    const missing = await db.query<{ id: string }>(
      `SELECT id FROM preorders WHERE campaign_id = $1 AND state = 'ready' AND shipping_address IS NULL`,
      [campaignId],
    );
    for (const { id } of missing) {
      const set = await api('POST', `/v1/preorders/${id}/shipping-address`, {
        name: 'Late Address',
        line1: '1 Ring',
        postalCode: '10117',
        city: 'Berlin',
        country: 'DE',
      });
      assert.equal(set.status, 200);
    }
    const exported = await api('POST', '/v1/exports', { campaignId, batchId: firstBatch });
    assert.equal(exported.status, 200);
    assert.equal(exported.headers.get('presell-missing-address'), '0');
    const rows = (exported.body as string)
      .trim()
      .split('\r\n')
      .slice(1)
      .map((line) => line.split(','));
    const orders = [...new Set(rows.map((row) => row[0]))];
    assert.equal(orders.length, 600);
    assert.ok(
      rows.filter((row) => row[13] === 'Signed by the designer').length >= 45,
      'the early birds’ note travels',
    );
    await checkInvariants('export');

    // The 3PL sends its shipments back: two rows are bad.
    const lines = orders.map((id, i) => `${id},DHL,DHL-${i},2027-02-10`);
    lines.splice(100, 0, 'po_doesnotexist,DHL,X-1,2027-02-10');
    lines.splice(200, 0, `${orders[5]},DHL,X-2,tomorrow`);
    const response = await fetch(`${base}/v1/shipments/import`, {
      method: 'POST',
      headers: { ...shop.admin, 'content-type': 'text/csv' },
      body: ['order_reference,carrier,tracking_number,shipped_date', ...lines].join('\n'),
    });
    assert.equal(response.status, 202);
    const imported = await finished(((await response.json()) as { id: string }).id);
    assert.deepEqual([imported.total, imported.done, imported.failed], [602, 600, 2]);
    assert.deepEqual(
      imported.failures.map((f: { line: number; code: string }) => [f.line, f.code]),
      [
        [102, 'not_found'],
        [202, 'validation_failed'],
      ],
    );
    assert.equal((await stateCounts()).fulfilled, 600);
    await checkInvariants('shipments');
  });
});
