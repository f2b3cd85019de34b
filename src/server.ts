import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { outboxConsumers } from './consumers.ts';
import { type Database, openDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { type AppOptions, buildApp, LOG_REDACTIONS } from './http/app.ts';
import { webBundles } from './http/web-assets.ts';
import { startJobLoop } from './jobs.ts';
import type { Mail } from './notify/mailer.ts';
import { type Consumer, OutboxRelay } from './outbox/relay.ts';
import type { PaymentProvider } from './payments/provider.ts';
import { StripePaymentProvider } from './payments/stripe-provider.ts';
import { TestPaymentProvider } from './payments/test-provider.ts';
import { type Loop, startLoop } from './periodic.ts';
import type { ServiceContext } from './services/context.ts';
import {
  DEFAULT_PAYMENT_SETTINGS,
  type PaymentSettings,
  type Payments,
} from './services/payment-operations.ts';
import { startShopifyJobLoop } from './shopify/jobs.ts';
import { type ShopifySettings, shopifySettingsFromEnv } from './shopify/settings.ts';
import { Shopify } from './shopify/shopify.ts';

export interface ServerOptions {
  /** A PostgreSQL server; without it the embedded engine keeps its data in `dataDir`. */
  databaseUrl?: string | undefined;
  dataDir?: string | undefined;
  port: number;
  host?: string | undefined;
  poolSize?: number | undefined;
  /** JSON log lines to stdout at this level; false for none. */
  logLevel?: string | false;
  rateLimit?: AppOptions['rateLimit'];
  trustProxy?: AppOptions['trustProxy'];
  /** The payment provider and the money jobs' timings; by default as the environment says (paymentsFromEnv). */
  payments?: Payments | undefined;
  /** How often this process runs the money jobs (abandoned placements, balances, retries); false: never. */
  jobIntervalMs?: number | false | undefined;
  /** Who else the outbox relay delivers events to; the relay runs when there is anyone. */
  consumers?: readonly Consumer[] | undefined;
  /** The Shopify adapter's settings; by default as the environment says (shopifySettingsFromEnv); false: off. */
  shopify?: ShopifySettings | false | undefined;
  /** Where emails go (see mailFromEnv); without it nobody is emailed. */
  mail?: ((ctx: ServiceContext) => Mail) | undefined;
  /** Serve the inbox of captured emails at /inbox (the demo). */
  inbox?: boolean | undefined;
  /** How often the relay looks for new events (default 1 s). */
  relayIntervalMs?: number | undefined;
  /** How long each offer is kept in this process; the default is OFFER_CACHE_MS. */
  offerCacheMs?: number | undefined;
  /** More pages to serve beside the API (the demo's store). */
  routes?: FastifyPluginAsync | undefined;
  /** Webhook endpoints may be on loopback, private and link-local addresses (local development only). */
  webhooksAllowInternal?: boolean | undefined;
}

/**
 * PRESELL_WEBHOOKS_ALLOW_PRIVATE=true lets webhook endpoints be on loopback, private and link-local
 * addresses: for local development and tests, never in production (server-side request forgery).
 */
export function webhooksAllowInternalFromEnv(env: Readonly<Record<string, string | undefined>>): boolean {
  const value = env.PRESELL_WEBHOOKS_ALLOW_PRIVATE?.trim();
  if (!value || value === 'false') return false;
  if (value === 'true') return true;
  throw new ConfigError('PRESELL_WEBHOOKS_ALLOW_PRIVATE must be true or false');
}

/** A setting in the environment that cannot work: a message for the person who set it. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Payments as the environment configures them:
 * - PRESELL_PAYMENTS: `test` (the default; the built-in test provider, test cards only) or `stripe`,
 *   which needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (neither is ever logged), and
 *   STRIPE_PUBLISHABLE_KEY for the hosted checkout's Payment Element;
 * - PRESELL_PLACEMENT_TIMEOUT_MINUTES: how long an unpaid placement holds its units (default 30);
 * - PRESELL_BALANCE_RETRY_DAYS: days between failed balance tries, e.g. `1,3,7` (the default).
 */
export function paymentsFromEnv(env: Readonly<Record<string, string | undefined>>): Payments {
  return { provider: providerFromEnv(env), settings: settingsFromEnv(env) };
}

/**
 * PRESELL_RATE_LIMIT: storefront writes (placements, holds, checkouts) allowed per client address and
 * shop, as `N/SECONDS` (default 120/60); reads of offers get READS_PER_WRITE times as many. Counted in
 * each process.
 */
export function rateLimitFromEnv(env: Readonly<Record<string, string | undefined>>): AppOptions['rateLimit'] {
  const value = env.PRESELL_RATE_LIMIT?.trim();
  if (!value) return undefined;
  const match = /^(\d+)\/(\d+)$/.exec(value);
  const max = Number(match?.[1]);
  const seconds = Number(match?.[2]);
  if (!match || max < 1 || seconds < 1 || seconds > 86_400) {
    throw new ConfigError('PRESELL_RATE_LIMIT must be requests/seconds, e.g. 120/60');
  }
  return { max, timeWindow: seconds * 1000 };
}

/**
 * PRESELL_TRUST_PROXY: behind a load balancer, which X-Forwarded-For hops to believe so that rate limits
 * count shoppers: `true` (any proxy) or a comma-separated list of proxy addresses or subnets.
 */
export function trustProxyFromEnv(
  env: Readonly<Record<string, string | undefined>>,
): AppOptions['trustProxy'] {
  const value = env.PRESELL_TRUST_PROXY?.trim();
  if (!value || value === 'false') return false;
  if (value === 'true') return true;
  return value.split(',').map((address) => address.trim());
}

function providerFromEnv(env: Readonly<Record<string, string | undefined>>): PaymentProvider {
  const choice = env.PRESELL_PAYMENTS || 'test';
  if (choice === 'test') return new TestPaymentProvider();
  if (choice !== 'stripe') {
    throw new ConfigError(`PRESELL_PAYMENTS must be test or stripe, not ${JSON.stringify(choice)}`);
  }
  const apiKey = env.STRIPE_SECRET_KEY;
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET;
  if (!apiKey || !webhookSecret) {
    throw new ConfigError('PRESELL_PAYMENTS=stripe needs STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET');
  }
  return new StripePaymentProvider({ apiKey, webhookSecret });
}

function settingsFromEnv(env: Readonly<Record<string, string | undefined>>): PaymentSettings {
  const settings: PaymentSettings = { ...DEFAULT_PAYMENT_SETTINGS };
  const minutes = env.PRESELL_PLACEMENT_TIMEOUT_MINUTES;
  if (minutes) {
    const value = Number(minutes);
    if (!Number.isInteger(value) || value < 1 || value > 7 * 24 * 60) {
      throw new ConfigError(
        'PRESELL_PLACEMENT_TIMEOUT_MINUTES must be a whole number of minutes, 1 to 10080',
      );
    }
    settings.placementTimeoutMs = value * 60_000;
  }
  const days = env.PRESELL_BALANCE_RETRY_DAYS;
  if (days !== undefined) {
    const values = days.split(',').filter(Boolean).map(Number);
    if (values.some((value) => !Number.isInteger(value) || value < 1 || value > 60)) {
      throw new ConfigError('PRESELL_BALANCE_RETRY_DAYS must be whole days 1 to 60, e.g. 1,3,7');
    }
    settings.balanceRetryDays = values;
  }
  return settings;
}

export interface RunningServer {
  url: string;
  app: FastifyInstance;
  ctx: ServiceContext;
  close(): Promise<void>;
}

/** Thrown when the port is taken: a message for the person who chose it. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

/** Opens the database, applies migrations and serves the API: what `presell serve` and `presell demo` run. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const db: Database = await openDatabase({
    url: options.databaseUrl,
    dataDir: options.dataDir,
    poolSize: options.poolSize,
  });
  const loops: Loop[] = [];
  const stopLoops = () => Promise.all(loops.map((loop) => loop.stop()));
  try {
    const payments = options.payments ?? paymentsFromEnv(process.env);
    await migrate(db);
    const ctx: ServiceContext = { db, clock: () => new Date() };
    // The browser code is built before the first shopper asks for it, and a build error stops the start.
    await webBundles();
    const host = options.host ?? '127.0.0.1';
    const shopifySettings =
      options.shopify === undefined
        ? shopifySettingsFromEnv(process.env, { publicUrl: `http://${host}:${options.port}` })
        : options.shopify || undefined;
    let log: FastifyInstance['log'] | undefined;
    const shopify =
      shopifySettings &&
      new Shopify(ctx, shopifySettings, payments.settings, {
        warn: (details, message) => log?.warn(details, message),
      });
    const mail = options.mail?.(ctx);
    const app = await buildApp(ctx, {
      payments,
      shopify,
      stripePublishableKey: process.env.STRIPE_PUBLISHABLE_KEY,
      webhooks: { allowInternal: options.webhooksAllowInternal ?? false },
      mail,
      inbox: options.inbox ?? false,
      logger:
        options.logLevel === false ? false : { level: options.logLevel ?? 'info', redact: LOG_REDACTIONS },
      ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
      ...(options.trustProxy !== undefined ? { trustProxy: options.trustProxy } : {}),
      ...(options.offerCacheMs !== undefined ? { offerCacheMs: options.offerCacheMs } : {}),
    });
    if (options.routes) await app.register(options.routes);
    log = app.log;
    try {
      await app.listen({ port: options.port, host });
    } catch (error) {
      await app.close();
      if ((error as { code?: string }).code === 'EADDRINUSE') {
        throw new PortInUseError(`port ${options.port} is already in use; pick another with --port or PORT`);
      }
      throw error;
    }
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : options.port;
    const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    if (mail) mail.publicUrl ??= url;
    const interval = options.jobIntervalMs ?? 10_000;
    if (interval !== false) {
      loops.push(
        startJobLoop(ctx, payments, {
          intervalMs: interval,
          mail,
          onError: (error) => app.log.error({ err: error }, 'money jobs failed; the next pass retries'),
        }),
      );
    }
    if (shopify && interval !== false) {
      loops.push(
        startShopifyJobLoop(shopify, {
          intervalMs: interval,
          onError: (error) => app.log.error({ err: error }, 'Shopify jobs failed; the next pass retries'),
        }),
      );
    }
    const consumers = [
      ...(options.consumers ?? []),
      ...outboxConsumers({
        ctx,
        mail,
        shopify,
        webhooksAllowInternal: options.webhooksAllowInternal ?? false,
      }),
    ];
    if (consumers.length > 0) {
      const relay = new OutboxRelay(ctx, consumers);
      loops.push(
        startLoop(() => relay.runOnce(), {
          intervalMs: options.relayIntervalMs ?? 1000,
          onError: (error) =>
            app.log.error({ err: error }, 'outbox relay pass failed; the next pass retries'),
        }),
      );
    }
    return {
      url,
      app,
      ctx,
      close: async () => {
        await stopLoops();
        await mail?.transport.close();
        await app.close();
        await db.close();
      },
    };
  } catch (error) {
    await stopLoops();
    await db.close().catch(() => {});
    throw error;
  }
}
