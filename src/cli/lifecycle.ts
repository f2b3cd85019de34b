import type { RunningServer, ServerOptions } from '../server.ts';
import type { DatabaseTarget } from './args.ts';
import { claimDatabase } from './database.ts';

/** Starts the API on the target database, holding its data folder until the server is closed. */
export async function startOn(
  target: DatabaseTarget,
  options: Omit<ServerOptions, 'databaseUrl' | 'dataDir'>,
): Promise<RunningServer> {
  const release = claimDatabase(target);
  try {
    const { startServer } = await import('../server.ts');
    const server = await startServer({
      ...options,
      ...(target.kind === 'server' ? { databaseUrl: target.url } : { dataDir: target.dataDir }),
    });
    return {
      ...server,
      close: async () => {
        try {
          await server.close();
        } finally {
          release();
        }
      },
    };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Resolves on the first SIGINT or SIGTERM, so the caller can close the server and the database cleanly.
 * A second signal while that runs means "stop now".
 */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.once('SIGINT', () => process.exit(130));
      process.once('SIGTERM', () => process.exit(143));
      resolve(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}
