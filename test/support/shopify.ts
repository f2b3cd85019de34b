/** A Presell app with the Shopify adapter against a local Shopify store, and the steps the tests repeat. */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Database } from '../../src/db/database.ts';
import { OutboxRelay } from '../../src/outbox/relay.ts';
import { TestPaymentProvider } from '../../src/payments/test-provider.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { DEFAULT_PAYMENT_SETTINGS, type PaymentSettings } from '../../src/services/payment-operations.ts';
import { runImports } from '../../src/shopify/catalogue.ts';
import { shopifyConsumer } from '../../src/shopify/consumer.ts';
import { SHOPIFY_API_VERSION } from '../../src/shopify/settings.ts';
import { Shopify } from '../../src/shopify/shopify.ts';
import { call, manualClock, type TestShop, testApp, testShop } from './app.ts';
import { ShopifyStore, type WebhookDelivery } from './shopify-store.ts';

export interface ShopifyWorld {
  app: FastifyInstance;
  ctx: ServiceContext;
  shopify: Shopify;
  store: ShopifyStore;
  shop: TestShop;
  clock: ReturnType<typeof manualClock>;
  relay: OutboxRelay;
  warnings: string[];
}

/**
 * An app whose clock the test moves, the Shopify adapter pointed at a fresh store (sleeps are real but
 * short: the store refills 1000 points a second), and a relay that retries failed deliveries at once.
 * `paymentSettings` are the server's, given to the card path and the adapter alike.
 */
export async function shopifyWorld(
  db: Database,
  options: { app?: boolean; paymentSettings?: PaymentSettings } = {},
): Promise<ShopifyWorld> {
  const paymentSettings = options.paymentSettings ?? DEFAULT_PAYMENT_SETTINGS;
  const store = await new ShopifyStore().start();
  const clock = manualClock(new Date());
  const warnings: string[] = [];
  const ctx: ServiceContext = { db, clock: clock.now };
  const shopify = new Shopify(
    ctx,
    {
      tokenKey: randomBytes(32),
      app: options.app === false ? undefined : { ...store.app, scopes: ['write_products', 'read_orders'] },
      publicUrl: 'https://presell.example',
      holdMinutes: 15,
      adminOrigin: store.url,
      apiVersion: SHOPIFY_API_VERSION,
    },
    paymentSettings,
    { warn: (details, message) => warnings.push(`${message} ${JSON.stringify(details)}`) },
  );
  // Card payments too, as a server has them: the money routes (ledger, release) are served with them.
  const payments = { provider: new TestPaymentProvider(), settings: paymentSettings };
  const { app } = await testApp(db, { clock: clock.now, shopify, payments });
  const shop = await testShop(ctx, `Shopify shop ${randomBytes(3).toString('hex')}`);
  const relay = new OutboxRelay(ctx, [shopifyConsumer(shopify)], {
    retryDelaysMs: [0, 0, 0, 0],
    leaseMs: 60_000,
  });
  return { app, ctx, shopify, store, shop, clock, relay, warnings };
}

/** Connects the store as a custom app would, imports its catalogue and lets the outbox settle. */
export async function connectStore(world: ShopifyWorld) {
  const connected = await call(world.app, 'POST', '/v1/shopify/connection', world.shop.admin, {
    domain: world.store.domain,
    accessToken: world.store.accessToken,
    webhookSecret: world.store.customAppSecret,
  });
  if (connected.status !== 201) throw new Error(`connect: ${JSON.stringify(connected.body)}`);
  await settle(world);
  while ((await runImports(world.shopify)).pages > 0) await settle(world);
  await settle(world);
  return connected.body;
}

/**
 * Runs the relay until every event of the shop has been delivered and nothing waits for a retry. Events
 * become visible to the relay only once every older transaction on the server has ended (other suites
 * share it), so a pass that finds nothing is tried again while some are still behind.
 */
export async function settle(world: ShopifyWorld, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const report = await world.relay.runOnce();
    if (report.delivered === 0 && report.failed === 0 && !(await behind(world))) return;
    if (Date.now() > deadline) throw new Error('the outbox did not settle');
    if (report.delivered === 0) await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Whether the Shopify consumer has events of the shop still to deliver, or retries still waiting. */
async function behind(world: ShopifyWorld): Promise<boolean> {
  const [row] = await world.ctx.db.query<{ behind: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM events e LEFT JOIN outbox_positions p ON p.shop_id = e.shop_id AND p.consumer = 'shopify'
       WHERE e.shop_id = $1 AND e.type = ANY($2)
         AND (p.shop_id IS NULL OR (e.tx_id, e.id) > (p.tx_id, p.event_id))
     ) OR EXISTS (SELECT 1 FROM outbox_failures WHERE shop_id = $1 AND status = 'retrying') AS behind`,
    [world.shop.shopId, shopifyConsumer(world.shopify).types],
  );
  return row?.behind ?? false;
}

/** Sends a signed delivery to the app as Shopify would. */
export function deliver(world: ShopifyWorld, delivery: WebhookDelivery) {
  return world.app.inject({
    method: 'POST',
    url: '/v1/webhooks/shopify',
    headers: delivery.headers,
    payload: delivery.payload,
  });
}

/** A webhook of the store's custom app (signed with its secret). */
export function storeWebhook(world: ShopifyWorld, topic: string, body: unknown, id?: string) {
  return world.store.webhook(topic, body, { secret: world.store.customAppSecret, ...(id ? { id } : {}) });
}

/** An open campaign over existing (imported) variants, made through the admin API. */
export async function openCampaign(
  world: ShopifyWorld,
  fields: Record<string, unknown> & { skus: string[]; cap?: number | null },
) {
  const { skus, cap = 100, ...rest } = fields;
  const created = await call(world.app, 'POST', '/v1/campaigns', world.shop.admin, {
    name: 'Drop',
    mode: 'preorder',
    price: { amount: 7900, currency: 'EUR' },
    variants: skus.map((sku) => ({ sku, cap })),
    ...rest,
  });
  if (created.status !== 201) throw new Error(`campaign: ${JSON.stringify(created.body)}`);
  const opened = await call(world.app, 'POST', `/v1/campaigns/${created.body.id}/open`, world.shop.admin);
  if (opened.status !== 200) throw new Error(`open: ${JSON.stringify(opened.body)}`);
  await settle(world);
  return created.body.id as string;
}

let holdKeys = 0;
/** A hold through the storefront API. */
export function requestHold(world: ShopifyWorld, sku: string, quantity = 1, email?: string) {
  return call(
    world.app,
    'POST',
    '/v1/storefront/holds',
    { ...world.shop.storefront, 'idempotency-key': `hold-${++holdKeys}-${randomBytes(4).toString('hex')}` },
    { sku, quantity, ...(email ? { email } : {}) },
  );
}

/** The shopper checks out on Shopify and Shopify sends orders/create: the order, or null when it refused. */
export async function checkout(
  world: ShopifyWorld,
  line: { sku: string; quantity?: number; email?: string; holdToken?: string; raced?: boolean },
) {
  const variant = world.store.variantBySku(line.sku);
  const order = world.store.checkout({
    variantId: variant.id,
    quantity: line.quantity ?? 1,
    email: line.email ?? `shopper-${randomBytes(4).toString('hex')}@example.com`,
    ...(line.holdToken ? { holdToken: line.holdToken } : {}),
    ...(line.raced ? { raced: true } : {}),
  });
  if (!order) return null;
  const answer = await deliver(
    world,
    storeWebhook(world, 'orders/create', world.store.orderPayload(order.id)),
  );
  if (answer.statusCode !== 200) throw new Error(`orders/create: ${answer.body}`);
  return order;
}

/** The pre-order an order line became, from the adapter's records. */
export async function preorderOfLine(world: ShopifyWorld, lineItemId: string) {
  const [row] = await world.ctx.db.query<{ preorder_id: string | null; outcome: string }>(
    'SELECT preorder_id, outcome FROM shopify_order_lines WHERE line_item_id = $1',
    [lineItemId],
  );
  return row;
}
