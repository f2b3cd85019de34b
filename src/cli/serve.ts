import {
  type Command,
  DEFAULT_HOST,
  type Env,
  parseOptions,
  printHelp,
  resolveDatabase,
  resolvePort,
  SERVER_OPTIONS,
} from './args.ts';
import { describeDatabase } from './database.ts';
import { startOn, untilStopSignal } from './lifecycle.ts';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'Serve the API (embedded database, or PostgreSQL with DATABASE_URL)',
  help: `Usage: presell serve [--port N] [--host HOST] [--data DIR]

Applies pending migrations and serves the HTTP API. Logs are JSON lines on stdout.
The database is the PostgreSQL server in DATABASE_URL when it is set, otherwise the
embedded one (PGlite) in the data folder. SIGINT or SIGTERM stops it cleanly.

Options:
  -p, --port N      port to listen on (env PORT; default 3000; 0 picks a free one)
      --host HOST   address to listen on (default 127.0.0.1; 0.0.0.0 for every interface)
      --data DIR    folder of the embedded database (env PRESELL_DATA; default ./.presell)
  -h, --help        show this help

Environment:
  DATABASE_URL      postgres://user:password@host:5432/db — use this server instead of the folder
  PRESELL_RATE_LIMIT   storefront writes per client address and shop, N/SECONDS (default 120/60;
                       reads of offers are allowed 20 times as many)
  PRESELL_TRUST_PROXY  behind a load balancer: true or its addresses, so rate limits count shoppers
  PRESELL_PAYMENTS  test (default) or stripe, with STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET
  PRESELL_WEBHOOKS_ALLOW_PRIVATE  true: webhook endpoints may be on loopback or private addresses (dev only)
  SMTP_URL          smtp://user:password@host:587 — where emails go; without it they are kept in the database
  PRESELL_MAIL_FROM    the address emails come from (the shop's name is shown as the sender)
  PRESELL_PUBLIC_URL   this server's public URL, for links in emails and Shopify's install links
                    (default: the address it listens on)
  PRESELL_SHOPIFY_TOKEN_KEY  turns the Shopify adapter on; with SHOPIFY_API_KEY and SHOPIFY_API_SECRET
                    (see docs/shopify.md)`,

  async run(argv: string[], env: Env) {
    const options = parseOptions(this, argv, SERVER_OPTIONS);
    if (options.help) return printHelp(this);
    const port = resolvePort(options.port, env);
    const target = resolveDatabase(options.data, env);
    // Listening from the start: a Ctrl+C while the database is created waits for it, never leaves half a folder.
    const stopSignal = untilStopSignal();
    const { rateLimitFromEnv, trustProxyFromEnv, webhooksAllowInternalFromEnv } = await import(
      '../server.ts'
    );
    const { mailFromEnv } = await import('../notify/mailer.ts');
    const server = await startOn(target, {
      port,
      host: options.host ?? DEFAULT_HOST,
      logLevel: 'info',
      trustProxy: trustProxyFromEnv(env),
      rateLimit: rateLimitFromEnv(env),
      webhooksAllowInternal: webhooksAllowInternalFromEnv(env),
      mail: (ctx) => mailFromEnv(env, ctx.db, ctx.clock),
    });
    server.app.log.info(
      { url: server.url, database: describeDatabase(target, { fullPath: true }) },
      'presell is serving',
    );
    if (!env.SMTP_URL) server.app.log.warn('SMTP_URL is not set: emails are kept in the database, not sent');
    const signal = await stopSignal;
    server.app.log.info({ signal }, 'stopping');
    await server.close();
    return 0;
  },
};
