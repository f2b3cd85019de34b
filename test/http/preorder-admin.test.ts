/**
 * What the admin app's pre-order screens read: the list filtered by the batch that serves a pre-order and by
 * where its money stands (each status checked against the ledger), and the emails sent about one pre-order,
 * a failed try included, on both engines.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { runDueJobs } from '../../src/jobs.ts';
import { emailConsumer } from '../../src/notify/email-consumer.ts';
import type { Mail, OutgoingEmail } from '../../src/notify/mailer.ts';
import { OutboxRelay } from '../../src/outbox/relay.ts';
import { TestPaymentProvider } from '../../src/payments/test-provider.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { DEFAULT_PAYMENT_SETTINGS, type Payments } from '../../src/services/payment-operations.ts';
import { call, manualClock, openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertRefused } from '../support/http-assertions.ts';

const VISA = '4242424242424242';
/** Saving the card works; every charge on it is declined. */
const CHARGES_DECLINED = '4000000000000341';

describeOnEachEngine('the admin pre-order screens', ({ db }) => {
  const clock = manualClock();
  const payments: Payments = { provider: new TestPaymentProvider(), settings: DEFAULT_PAYMENT_SETTINGS };
  /** Refuses the next message to `refuse` once, and keeps what it is given. */
  const outbox = { refuse: null as string | null, sent: [] as OutgoingEmail[] };
  const mail: Mail = {
    transport: {
      async send(email) {
        if (email.to === outbox.refuse) {
          outbox.refuse = null;
          throw new Error('421 try again later');
        }
        outbox.sent.push(email);
      },
      async close() {},
    },
    fromAddress: 'orders@shop.test',
    publicUrl: 'http://shop.presell.test',
  };
  let app: FastifyInstance;
  let ctx: ServiceContext;
  let shop: TestShop;
  let other: TestShop;
  let sequence = 0;

  before(async () => {
    const made = await testApp(db(), { clock: clock.now, payments, mail });
    app = made.app;
    ctx = made.ctx;
    shop = await testShop(ctx, 'Filter Shop');
    other = await testShop(ctx, 'Other Shop');
  });

  const admin = (method: 'GET' | 'POST', url: string, body?: unknown, headers: Record<string, string> = {}) =>
    call(app, method, url, { ...shop.admin, ...headers }, body);
  const place = async (sku: string, quantity: number, paymentMethod?: string) => {
    sequence += 1;
    const placed = await call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': `filter-${sequence}` },
      { sku, quantity, email: `buyer${sequence}@example.com`, ...(paymentMethod ? { paymentMethod } : {}) },
    );
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    return placed.body.id as string;
  };
  const batch = async (campaignId: string, sku: string, quantity: number, readyDate: string) => {
    const made = await admin('POST', `/v1/campaigns/${campaignId}/batches`, { sku, quantity, readyDate });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body.id as string;
  };
  const listed = async (query: string) => {
    const answer = await admin('GET', `/v1/preorders?${query}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    return (answer.body.data as { id: string; paymentStatus: string }[]).map((p) => p.id);
  };
  /** The status the list shows, and the ledger it must agree with. */
  const moneyOf = async (id: string) => {
    const shown = await admin('GET', `/v1/preorders/${id}`);
    const { charged, refunded, outstanding } = shown.body.money;
    return {
      status: shown.body.paymentStatus as string,
      charged: charged.amount as number,
      refunded: refunded.amount as number,
      outstanding: outstanding.amount as number,
    };
  };

  test('pre-orders filter by the batch that serves them and by where their money stands', async () => {
    const deposit = await openLaunch(app, shop, {
      sku: 'FILTER-DEP',
      cap: 20,
      price: { amount: 10_000, currency: 'EUR' },
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    });
    const first = await batch(deposit.campaignId, deposit.sku, 2, '2027-01-15');
    const second = await batch(deposit.campaignId, deposit.sku, 10, '2027-03-01');
    const early = await place(deposit.sku, 2, VISA);
    const later = await place(deposit.sku, 1, VISA);
    const waiting = await place(deposit.sku, 1);
    const payLater = await openLaunch(app, shop, {
      sku: 'FILTER-LATER',
      cap: 5,
      paymentTerms: { kind: 'later' },
    });
    const declined = await place(payLater.sku, 1, CHARGES_DECLINED);

    const inCampaign = `campaign=${deposit.campaignId}`;
    assert.deepEqual(await listed(`${inCampaign}&batch=${first}`), [early]);
    assert.deepEqual(await listed(`${inCampaign}&batch=${second}`), [later, waiting]);
    assert.deepEqual(await listed(`batch=${second}&state=confirmed`), [later]);
    assert.deepEqual(await listed(`${inCampaign}&paymentStatus=deposit_paid`), [early, later]);
    assert.deepEqual(await listed(`${inCampaign}&paymentStatus=unpaid`), [waiting]);
    assert.deepEqual(await listed('paymentStatus=unpaid'), [waiting, declined], 'a saved card is not paid');

    const refund = await admin(
      'POST',
      `/v1/preorders/${later}/refunds`,
      { reason: 'Scratched box', amount: 500 },
      { 'idempotency-key': 'filter-refund' },
    );
    assert.equal(refund.status, 201, JSON.stringify(refund.body));
    assert.equal((await admin('POST', `/v1/campaigns/${deposit.campaignId}/release`)).status, 200);
    assert.equal((await admin('POST', `/v1/campaigns/${payLater.campaignId}/release`)).status, 200);
    await runDueJobs(ctx, payments);

    assert.deepEqual(await listed(`${inCampaign}&paymentStatus=paid`), [early]);
    assert.deepEqual(await listed('paymentStatus=refunded'), [later], 'refunded, though its balance came in');
    assert.deepEqual(await listed('paymentStatus=failed'), [declined]);
    assert.deepEqual(await listed(`${inCampaign}&paymentStatus=deposit_paid`), []);
    assert.deepEqual(await listed(`batch=${first}&paymentStatus=paid&limit=1`), [early]);

    // Each status says what the ledger says.
    assert.deepEqual(await moneyOf(early), { status: 'paid', charged: 20_000, refunded: 0, outstanding: 0 });
    assert.deepEqual(await moneyOf(later), {
      status: 'refunded',
      charged: 10_000,
      refunded: 500,
      outstanding: 0,
    });
    assert.deepEqual(await moneyOf(waiting), {
      status: 'unpaid',
      charged: 0,
      refunded: 0,
      outstanding: 10_000,
    });
    assert.deepEqual(await moneyOf(declined), {
      status: 'failed',
      charged: 0,
      refunded: 0,
      outstanding: 7_900,
    });

    const foreign = await call(app, 'GET', `/v1/preorders?batch=${first}`, other.admin);
    assert.deepEqual(foreign.body, { data: [], nextCursor: null }, 'another shop sees none of them');
    const badStatus = await admin('GET', '/v1/preorders?paymentStatus=partly');
    assertRefused(badStatus, 400, 'validation_failed');
    assert.match(badStatus.body.error.message, /query\.paymentStatus/);
    assert.match(badStatus.body.error.message, /deposit_paid/);
    assert.match(badStatus.body.error.message, /"partly"/);
    const badBatch = await admin('GET', '/v1/preorders?batch=cmp_1');
    assertRefused(badBatch, 400, 'validation_failed');
    assert.match(badBatch.body.error.message, /query\.batch/);
  });

  test('a pre-order’s emails: what was sent, in which language, and a failed try until the retry sends it', async () => {
    const relay = new OutboxRelay(ctx, [emailConsumer(ctx, mail)], { retryDelaysMs: [1_000] });
    const launch = await openLaunch(app, shop, { sku: 'FILTER-MAIL', cap: 5 });
    const id = await place(launch.sku, 1, VISA);
    const emailsOf = async () => {
      const answer = await admin('GET', `/v1/preorders/${id}/emails`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.data as Record<string, unknown>[];
    };
    /** Runs the relay until the pre-order's confirmation has a row (other suites' transactions can hold it back). */
    const deliverUntil = async (status: string) => {
      for (let pass = 0; pass < 200; pass++) {
        await relay.runOnce();
        if ((await emailsOf()).some((email) => email.status === status)) return;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      assert.fail(`no ${status} email`);
    };
    assert.deepEqual(await emailsOf(), [], 'nothing before the relay ran');

    outbox.refuse = `buyer${sequence}@example.com`;
    await deliverUntil('failed');
    const [failed] = await emailsOf();
    assert.equal(failed?.kind, 'confirmation');
    assert.equal(failed?.language, 'de', 'the shop writes in German');
    assert.equal(failed?.to, `buyer${sequence}@example.com`);
    assert.equal(failed?.error, '421 try again later');
    assert.equal(failed?.at, clock.now().toISOString());

    clock.advance(2_000);
    await deliverUntil('sent');
    const emails = await emailsOf();
    assert.equal(emails.length, 1, 'one row per message, its last try');
    assert.equal(emails[0]?.status, 'sent');
    assert.equal(emails[0]?.messageId, failed?.messageId, 'the retry is the same message');
    assert.equal(emails[0]?.error, null);
    const sent = outbox.sent.filter((email) => email.messageId === failed?.messageId);
    assert.equal(sent.length, 1);
    assert.equal(emails[0]?.subject, sent[0]?.subject);

    assertRefused(await call(app, 'GET', `/v1/preorders/${id}/emails`, other.admin), 404, 'not_found');
    assertRefused(await admin('GET', '/v1/preorders/po_unknown/emails'), 404, 'not_found');
  });
});
