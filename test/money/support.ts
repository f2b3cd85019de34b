/** Shops, launches and placements for the money tests, through the HTTP API with the test provider. */
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../src/db/database.ts';
import { runDueJobs } from '../../src/jobs.ts';
import type { PaymentProvider } from '../../src/payments/provider.ts';
import { TestPaymentProvider } from '../../src/payments/test-provider.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { DEFAULT_PAYMENT_SETTINGS, type Payments } from '../../src/services/payment-operations.ts';
import { call, manualClock, openLaunch, type TestShop, testApp, testShop } from '../support/app.ts';

export const VISA = '4242424242424242';
export const DECLINED = '4000000000000002';
export const INSUFFICIENT_FUNDS = '4000000000009995';
/** Saving the card works; every charge on it is declined. */
export const CHARGES_DECLINED = '4000000000000341';

export interface MoneyWorld {
  app: FastifyInstance;
  ctx: ServiceContext;
  payments: Payments;
  provider: TestPaymentProvider;
  clock: ReturnType<typeof manualClock>;
  shop: TestShop;
}

/** An app with the test provider on `db`, a shop in `currency`, and a clock the test moves. */
export async function moneyWorld(
  db: Database,
  currency = 'EUR',
  provider: PaymentProvider = new TestPaymentProvider(),
): Promise<MoneyWorld> {
  const clock = manualClock();
  const payments: Payments = { provider, settings: DEFAULT_PAYMENT_SETTINGS };
  const { app, ctx } = await testApp(db, { clock: clock.now, payments });
  const shop = await testShop(ctx, `Shop ${currency}`, currency);
  return { app, ctx, payments, provider: provider as TestPaymentProvider, clock, shop };
}

let launches = 0;
/** An open campaign selling one new sku at `price` with these terms and fields. */
export async function launch(
  world: MoneyWorld,
  price: number,
  currency: string,
  fields: Record<string, unknown> = {},
) {
  launches += 1;
  return openLaunch(world.app, world.shop, {
    sku: `SKU-${launches}`,
    price: { amount: price, currency },
    ...fields,
  });
}

let keys = 0;
export async function place(
  world: MoneyWorld,
  sku: string,
  body: { quantity?: number; email?: string; paymentMethod?: string } = {},
  key = `key-${++keys}`,
) {
  const answer = await call(
    world.app,
    'POST',
    '/v1/storefront/preorders',
    { ...world.shop.storefront, 'idempotency-key': key },
    { sku, quantity: body.quantity ?? 1, email: body.email ?? `buyer${keys}@example.com`, ...body },
  );
  return { ...answer, key };
}

export async function ledgerOf(world: MoneyWorld, preorderId: string) {
  const answer = await call(world.app, 'GET', `/v1/preorders/${preorderId}/ledger`, world.shop.admin);
  if (answer.status !== 200) throw new Error(`ledger: ${JSON.stringify(answer.body)}`);
  return answer.body as {
    entries: { kind: string; amount: { amount: number; currency: string }; paymentReference: string }[];
    charged: { amount: number };
    refunded: { amount: number };
    netPaid: { amount: number };
    outstanding: { amount: number };
  };
}

export async function stateOf(world: MoneyWorld, preorderId: string): Promise<string> {
  const answer = await call(world.app, 'GET', `/v1/preorders/${preorderId}`, world.shop.admin);
  return answer.body.state;
}

/** Units held by the campaign, its variants, its customers, and by its live pre-orders. */
export async function unitsOf(db: Database, campaignId: string) {
  const [row] = await db.query<{ campaign: number; variants: number; customers: number; live: number }>(
    `SELECT (SELECT units_held FROM campaigns WHERE id = $1) AS campaign,
       (SELECT coalesce(sum(held), 0)::int FROM campaign_variants WHERE campaign_id = $1) AS variants,
       (SELECT coalesce(sum(units), 0)::int FROM customer_holds WHERE campaign_id = $1) AS customers,
       (SELECT coalesce(sum(quantity), 0)::int FROM preorders WHERE campaign_id = $1 AND state <> 'cancelled') AS live`,
    [campaignId],
  );
  return row;
}

export async function eventsOf(db: Database, subjectId: string) {
  return db.query<{ type: string; data: Record<string, unknown> }>(
    'SELECT type, data FROM events WHERE subject_id = $1 ORDER BY id',
    [subjectId],
  );
}

/** Moves the clock on by whole days and runs the money jobs. */
export async function daysLater(world: MoneyWorld, days: number) {
  world.clock.advance(days * 86_400_000);
  return runDueJobs(world.ctx, world.payments);
}

export function providerEvents(provider: TestPaymentProvider, type: string) {
  return provider.events().filter((event) => event.type === type);
}
