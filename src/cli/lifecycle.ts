import { createServer } from 'node:net';
import type { RunningServer, ServerOptions } from '../server.ts';
import { CliError, type DatabaseTarget } from './args.ts';
import { claimDatabase } from './database.ts';
import { SettingError } from './settings.ts';

/**
 * Starts the API on the target database, holding its data folder until the server is closed. The port is
 * tried first: a port in use is reported before a database is created or migrated.
 */
export async function startOn(
  target: DatabaseTarget,
  options: Omit<ServerOptions, 'databaseUrl' | 'dataDir'>,
): Promise<RunningServer> {
  try {
    await checkCanListen(options.host ?? '127.0.0.1', options.port);
  } catch (error) {
    throw listenProblem(error, options) ?? error;
  }
  const folder = claimDatabase(target);
  try {
    const { startServer } = await import('../server.ts');
    const server = await startServer({
      ...options,
      ...(target.kind === 'server' ? { databaseUrl: target.url } : { dataDir: target.dataDir }),
    });
    // Read commands run beside this process find it by its data folder and ask it.
    folder.announce(server.url);
    const release = folder.release;
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
    folder.release();
    throw listenProblem(error, options) ?? error;
  }
}

/** Listens on the port for a moment and lets it go; the server takes it a few moments later. */
async function checkCanListen(host: string, port: number): Promise<void> {
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen({ host, port, exclusive: true }, resolve);
  });
  await new Promise((resolve) => probe.close(resolve));
}

const LISTEN_PROBLEMS: Record<string, string> = {
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'no such address on this machine',
  ENOTFOUND: 'unknown host name',
  EAI_AGAIN: 'unknown host name',
};

/** Why the server could not listen, for the person who chose --host and --port; undefined if it is not that. */
function listenProblem(error: unknown, options: { host?: string | undefined; port: number }) {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  if (code === 'EADDRINUSE') {
    // The person chose the port (or kept the default): theirs to change, like any setting.
    return new SettingError(`port ${options.port} is already in use; pick another with --port or PORT`);
  }
  const problem = LISTEN_PROBLEMS[code];
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
