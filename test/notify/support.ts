/** A shop that emails its customers through a real SMTP server on loopback, driven by hand: the clock, the jobs, the relay. */
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { outboxConsumers } from '../../src/consumers.ts';
import type { Database } from '../../src/db/database.ts';
import { runDueJobs } from '../../src/jobs.ts';
import { MESSAGE_EVENTS } from '../../src/notify/compose.ts';
import { EMAIL_CONSUMER } from '../../src/notify/email-consumer.ts';
import { type Mail, smtpTransport } from '../../src/notify/mailer.ts';
import { OutboxRelay } from '../../src/outbox/relay.ts';
import { TestPaymentProvider } from '../../src/payments/test-provider.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { DEFAULT_PAYMENT_SETTINGS, type Payments } from '../../src/services/payment-operations.ts';
import { createShop } from '../../src/services/shops.ts';
import { call, manualClock, openLaunch, testApp } from '../support/app.ts';
import { startInbox, type TestInbox } from '../support/smtp.ts';

export const VISA = '4242424242424242';
/** Saving the card works; every charge on it is declined. */
export const CHARGES_DECLINED = '4000000000000341';
export const PUBLIC_URL = 'http://shop.presell.test';
export const DAY = 86_400_000;

export interface CommsWorld {
  app: FastifyInstance;
  ctx: ServiceContext;
  payments: Payments;
  clock: ReturnType<typeof manualClock>;
  inbox: TestInbox;
  mail: Mail;
  relay: OutboxRelay;
  shopId: string;
  admin: Record<string, string>;
  storefront: Record<string, string>;
  /** Delivers what the outbox holds (emails). */
  deliver(): Promise<void>;
  /** Moves the clock on and runs every job, then delivers. */
  later(ms: number): Promise<void>;
  close(): Promise<void>;
}

export async function commsWorld(
  db: Database,
  shop: { name?: string; locale?: string; currency?: string; timeZone?: string } = {},
  inbox?: TestInbox,
): Promise<CommsWorld> {
  const clock = manualClock(new Date('2026-12-01T09:00:00Z'));
  const payments: Payments = { provider: new TestPaymentProvider(), settings: DEFAULT_PAYMENT_SETTINGS };
  const smtp = inbox ?? (await startInbox());
  const mail: Mail = {
    transport: smtpTransport(smtp.url),
    fromAddress: 'orders@shop.test',
    publicUrl: PUBLIC_URL,
  };
  const { app, ctx } = await testApp(db, { clock: clock.now, payments, mail });
  const made = await createShop(ctx, {
    name: shop.name ?? 'Lumen & Co.',
    currency: shop.currency ?? 'EUR',
    timeZone: shop.timeZone ?? 'Europe/Berlin',
    locale: shop.locale ?? 'en-GB',
  });
  const relay = new OutboxRelay(ctx, outboxConsumers({ ctx, mail, webhooksAllowInternal: false }), {
    retryDelaysMs: [1000, 1000],
  });
  const world: CommsWorld = {
    app,
    ctx,
    payments,
    clock,
    inbox: smtp,
    mail,
    relay,
    shopId: made.shop.id,
    admin: { authorization: `Bearer ${made.adminKey}` },
    storefront: { 'presell-key': made.publishableKey },
    async deliver() {
      // The relay reads only events behind every running transaction of the server (other suites' too),
      // so it may take a few passes until the shop's last event is readable.
      for (let pass = 0; ; pass++) {
        const report = await relay.runOnce();
        assert.equal(report.failed, 0, 'every delivery went through');
        const [behind] = await ctx.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM events e JOIN outbox_positions p ON p.shop_id = e.shop_id
           WHERE e.shop_id = $1 AND p.consumer = $3 AND e.type = ANY($2) AND (e.tx_id, e.id) > (p.tx_id, p.event_id)`,
          [made.shop.id, MESSAGE_EVENTS, EMAIL_CONSUMER],
        );
        if (!behind?.n) return;
        assert.ok(pass < 200, 'the relay caught up');
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    },
    async later(ms) {
      clock.advance(ms);
      await runDueJobs(ctx, payments, mail);
      await world.deliver();
    },
    async close() {
      await mail.transport.close();
      if (!inbox) await smtp.close();
    },
  };
  return world;
}

let skus = 0;
/** An open campaign with one batch `readyInDays` from the clock's today. */
export async function launchWithBatch(
  world: CommsWorld,
  fields: Record<string, unknown> = {},
  batch: { quantity?: number; readyInDays?: number; state?: string } = {},
) {
  skus += 1;
  const sku = `LAMP-${skus}`;
  const opened = await openLaunch(
    world.app,
    { shopId: world.shopId, admin: world.admin, storefront: world.storefront },
    {
      sku,
      price: { amount: 12_900, currency: 'EUR' },
      ...fields,
    },
  );
  const readyDate = new Date(world.clock.now().getTime() + (batch.readyInDays ?? 30) * DAY)
    .toISOString()
    .slice(0, 10);
  const made = await call(world.app, 'POST', `/v1/campaigns/${opened.campaignId}/batches`, world.admin, {
    sku,
    quantity: batch.quantity ?? 100,
    readyDate,
    ...(batch.state ? { state: batch.state } : {}),
  });
  assert.equal(made.status, 201, JSON.stringify(made.body));
  return { ...opened, batchId: made.body.id as string, readyDate };
}

let keys = 0;
export async function place(
  world: CommsWorld,
  sku: string,
  email: string,
  paymentMethod = VISA,
  quantity = 1,
) {
  keys += 1;
  const answer = await call(
    world.app,
    'POST',
    '/v1/storefront/preorders',
    { ...world.storefront, 'idempotency-key': `k-${keys}-${Date.now()}` },
    { sku, quantity, email, paymentMethod },
  );
  assert.equal(answer.status, 201, JSON.stringify(answer.body));
  return answer.body as { id: string; state: string; queuePosition: number };
}

/** The day `days` after a calendar date. */
export function plusDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY).toISOString().slice(0, 10);
}

/** The token of the portal link in a message's text part. */
export function portalTokenIn(text: string): string {
  const match = /http:\/\/shop\.presell\.test\/portal\?t=([A-Za-z0-9._-]+)/.exec(text);
  assert.ok(match, `no portal link in:\n${text}`);
  return match[1] as string;
}

/** A portal page's path for a link's token: the list, or a page about one pre-order. */
export function portalPage(token: string, preorderId?: string, action?: string): string {
  return preorderId ? `/portal/preorders/${preorderId}/${action}?t=${token}` : `/portal?t=${token}`;
}
