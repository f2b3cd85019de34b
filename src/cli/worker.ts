import { type Command, type Env, parseOptions, printHelp, resolveDatabase, UsageError } from './args.ts';
import { claimDatabase, describeDatabase } from './database.ts';
import { untilStopSignal } from './lifecycle.ts';
import { readServerSettings, warnUnknownSettings } from './settings.ts';

/** Where the API is when PRESELL_PUBLIC_URL does not say: the worker serves nothing itself. */
const DEFAULT_PUBLIC_URL = 'http://127.0.0.1:3000';

export const workerCommand: Command = {
  name: 'worker',
  summary:
    'Run the jobs (money, bulk, notices, progress updates, Shopify) and deliver the outbox, without serving HTTP',
  help: `Usage: presell worker [--interval SECONDS] [--data DIR]

Runs the jobs every few seconds: releases the units of placements nobody paid for, collects balances
that fell due (retrying failed cards on schedule), resends provider calls whose answer was lost, works
through bulk jobs (imports, mass cancellations), notices late pre-orders, upcoming balances and consent
deadlines, raises merchant alerts and sends progress updates; and delivers the outbox's events as emails
and to webhook endpoints. With Shopify on, it also imports catalogues, collects Shopify balances and
delivers the outbox to the Shopify adapter.
Any number of workers and servers can run on one PostgreSQL: each job claims its work in the database.
JSON logs on stdout; SIGINT or SIGTERM stops it after the pass under way.

Options:
      --interval SECONDS  time between passes (default 10)
      --data DIR          folder of the embedded database (env PRESELL_DATA; default ./.presell)
  -h, --help              show this help

Environment:
  DATABASE_URL            postgres://user:password@host:5432/db — use this server instead of the folder
  PRESELL_PAYMENTS        test (default) or stripe, with STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET
  PRESELL_WEBHOOKS_ALLOW_PRIVATE  true: webhook endpoints may be on loopback or private addresses (dev only)
  SMTP_URL                smtp://user:password@host:587 — where emails go; without it they are kept in the database
  PRESELL_MAIL_FROM       the address emails come from
  PRESELL_PUBLIC_URL      the public URL of the API server, for links in emails and Shopify's install links
                          (default http://127.0.0.1:3000)
  PRESELL_SHOPIFY_TOKEN_KEY  turns the Shopify adapter on (see docs/shopify.md)`,

  async run(argv: string[], env: Env) {
    const options = parseOptions(this, argv, { interval: { type: 'string' }, data: { type: 'string' } });
    if (options.help) return printHelp(this);
    const seconds = Number(options.interval ?? 10);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
      throw new UsageError('--interval must be a whole number of seconds from 1 to 3600', this);
    }
    const target = resolveDatabase(options.data, env);
    const { settings, unknown } = await readServerSettings(env, DEFAULT_PUBLIC_URL);
    warnUnknownSettings(unknown);
    const stopSignal = untilStopSignal();
    const folder = claimDatabase(target);
    try {
      const [{ openDatabase }, { migrate }, { startJobLoop }, { pino }] = await Promise.all([
        import('../db/database.ts'),
        import('../db/migrate.ts'),
        import('../jobs.ts'),
        import('pino'),
      ]);
      const [{ OutboxRelay }, { outboxConsumers }, { mailFromEnv }, { startLoop }, shopifyModules] =
        await Promise.all([
          import('../outbox/relay.ts'),
          import('../consumers.ts'),
          import('../notify/mailer.ts'),
          import('../periodic.ts'),
          Promise.all([import('../shopify/shopify.ts'), import('../shopify/jobs.ts')]),
        ]);
      const [{ Shopify }, { startShopifyJobLoop }] = shopifyModules;
      const log = pino();
      const payments = settings.payments;
      const db = await openDatabase(
        target.kind === 'server' ? { url: target.url, poolSize: 4 } : { dataDir: target.dataDir },
      );
      try {
        await migrate(db);
        const ctx = { db, clock: () => new Date() };
        const mail = mailFromEnv({ PRESELL_PUBLIC_URL: DEFAULT_PUBLIC_URL, ...env }, db, ctx.clock);
        if (!env.SMTP_URL) log.warn('SMTP_URL is not set: emails are kept in the database, not sent');
        const jobs = startJobLoop(ctx, payments, {
          intervalMs: seconds * 1000,
          mail,
          onError: (error) => log.error({ err: error }, 'jobs failed; the next pass retries'),
        });
        const shopify = settings.shopify
          ? new Shopify(ctx, settings.shopify, payments.settings, {
              warn: (details, message) => log.warn(details, message),
            })
          : undefined;
        const loops = [jobs];
        if (shopify) {
          loops.push(
            startShopifyJobLoop(shopify, {
              intervalMs: seconds * 1000,
              onError: (error) => log.error({ err: error }, 'Shopify jobs failed; the next pass retries'),
            }),
          );
        }
        const consumers = outboxConsumers({
          ctx,
          mail,
          shopify,
          webhooksAllowInternal: settings.webhooksAllowInternal,
        });
        if (consumers.length > 0) {
          const relay = new OutboxRelay(ctx, consumers);
          loops.push(
            startLoop(() => relay.runOnce(), {
              intervalMs: 1000,
              onError: (error) =>
                log.error({ err: error }, 'outbox relay pass failed; the next pass retries'),
            }),
          );
        }
        log.info(
          { database: describeDatabase(target, { fullPath: true }), intervalSeconds: seconds },
          'worker running',
        );
        const signal = await stopSignal;
        log.info({ signal }, 'stopping');
        await Promise.all(loops.map((loop) => loop.stop()));
        await mail.transport.close();
      } finally {
        await db.close();
      }
    } finally {
      folder.release();
    }
    return 0;
  },
};
