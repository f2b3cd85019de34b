import type { RunningServer, ServerOptions } from '../server.ts';
import { CliError, type DatabaseTarget } from './args.ts';
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
    throw listenProblem(error, options) ?? error;
  }
}

const LISTEN_PROBLEMS: Record<string, string> = {
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'no such address on this machine',
  ENOTFOUND: 'unknown host name',
  EAI_AGAIN: 'unknown host name',
};

/** Why the server could not listen, for the person who chose --host and --port; undefined if it is not that. */
function listenProblem(error: unknown, options: { host?: string | undefined; port: number }) {
  const problem = LISTEN_PROBLEMS[(error as NodeJS.ErrnoException).code ?? ''];
  return problem && new CliError(`cannot listen on ${options.host}:${options.port}: ${problem}`);
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
