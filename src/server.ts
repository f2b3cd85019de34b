import type { FastifyInstance } from 'fastify';
import { type Database, openDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { type AppOptions, buildApp, LOG_REDACTIONS } from './http/app.ts';
import type { ServiceContext } from './services/context.ts';

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
  try {
    await migrate(db);
    const ctx: ServiceContext = { db, clock: () => new Date() };
    const app = await buildApp(ctx, {
      logger:
        options.logLevel === false ? false : { level: options.logLevel ?? 'info', redact: LOG_REDACTIONS },
      ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    });
    const host = options.host ?? '127.0.0.1';
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
    return {
      url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
      app,
      ctx,
      close: async () => {
        await app.close();
        await db.close();
      },
    };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}
