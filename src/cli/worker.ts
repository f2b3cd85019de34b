import { type Command, type Env, parseOptions, printHelp, resolveDatabase, UsageError } from './args.ts';
import { claimDatabase, describeDatabase } from './database.ts';
import { untilStopSignal } from './lifecycle.ts';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run the jobs (money, notices, progress updates) and send emails, without serving HTTP',
  help: `Usage: presell worker [--interval SECONDS] [--data DIR]

Runs the jobs every few seconds: releases the units of placements nobody paid for, collects balances
that fell due (retrying failed cards on schedule), resends provider calls whose answer was lost,
notices late pre-orders, upcoming balances and consent deadlines, raises merchant alerts and sends
progress updates; and delivers the outbox's events as emails.
Any number of workers and servers can run on one PostgreSQL: each job claims its work in the database.
JSON logs on stdout; SIGINT or SIGTERM stops it after the pass under way.

Options:
      --interval SECONDS  time between passes (default 10)
      --data DIR          folder of the embedded database (env PRESELL_DATA; default ./.presell)
  -h, --help              show this help

Environment:
  DATABASE_URL            postgres://user:password@host:5432/db — use this server instead of the folder
  PRESELL_PAYMENTS        test (default) or stripe, with STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET
  SMTP_URL                smtp://user:password@host:587 — where emails go; without it they are kept in the database
  PRESELL_MAIL_FROM       the address emails come from
  PRESELL_PUBLIC_URL      the public URL of the API server, for links in emails (default http://127.0.0.1:3000)`,

  async run(argv: string[], env: Env) {
    const options = parseOptions(this, argv, { interval: { type: 'string' }, data: { type: 'string' } });
    if (options.help) return printHelp(this);
    const seconds = Number(options.interval ?? 10);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 3600) {
      throw new UsageError('--interval must be a whole number of seconds from 1 to 3600', this);
    }
    const target = resolveDatabase(options.data, env);
    const stopSignal = untilStopSignal();
    const release = claimDatabase(target);
    try {
      const [{ openDatabase }, { migrate }, { paymentsFromEnv }, { startJobLoop }, { pino }] =
        await Promise.all([
          import('../db/database.ts'),
          import('../db/migrate.ts'),
          import('../server.ts'),
          import('../jobs.ts'),
          import('pino'),
        ]);
      const [{ OutboxRelay }, { outboxConsumers }, { mailFromEnv }, { startLoop }] = await Promise.all([
        import('../outbox/relay.ts'),
        import('../outbox/consumers.ts'),
        import('../notify/mailer.ts'),
        import('../periodic.ts'),
      ]);
      const log = pino();
      const payments = paymentsFromEnv(env);
      const db = await openDatabase(
        target.kind === 'server' ? { url: target.url, poolSize: 4 } : { dataDir: target.dataDir },
      );
      try {
        await migrate(db);
        const ctx = { db, clock: () => new Date() };
        const mail = mailFromEnv({ PRESELL_PUBLIC_URL: 'http://127.0.0.1:3000', ...env }, db, ctx.clock);
        if (!env.SMTP_URL) log.warn('SMTP_URL is not set: emails are kept in the database, not sent');
        const jobs = startJobLoop(ctx, payments, {
          intervalMs: seconds * 1000,
          mail,
          onError: (error) => log.error({ err: error }, 'jobs failed; the next pass retries'),
        });
        const relay = new OutboxRelay(ctx, outboxConsumers({ ctx, mail }));
        const relayLoop = startLoop(() => relay.runOnce(), {
          intervalMs: 1000,
          onError: (error) => log.error({ err: error }, 'outbox relay pass failed; the next pass retries'),
        });
        log.info(
          { database: describeDatabase(target, { fullPath: true }), intervalSeconds: seconds },
          'worker running',
        );
        const signal = await stopSignal;
        log.info({ signal }, 'stopping');
        await Promise.all([jobs.stop(), relayLoop.stop()]);
        await mail.transport.close();
      } finally {
        await db.close();
      }
    } finally {
      release();
    }
    return 0;
  },
};
