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
import { readServerSettings, settingsHelp, warnUnknownSettings } from './settings.ts';

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

Environment (checked before the database is opened; a bad value stops it with exit 2):
${settingsHelp()}`,

  async run(argv: string[], env: Env) {
    const options = parseOptions(this, argv, SERVER_OPTIONS);
    if (options.help) return printHelp(this);
    const port = resolvePort(options.port, env);
    const host = options.host ?? DEFAULT_HOST;
    const target = resolveDatabase(options.data, env);
    const { settings, unknown } = await readServerSettings(env, `http://${host}:${port}`);
    warnUnknownSettings(unknown);
    // Listening from the start: a Ctrl+C while the database is created waits for it, never leaves half a folder.
    const stopSignal = untilStopSignal();
    const { mailFromEnv } = await import('../notify/mailer.ts');
    const server = await startOn(target, {
      port,
      host,
      logLevel: 'info',
      ...settings,
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
