/**
 * Where a read command (promise, forecast, job, shop list) finds its data. It never creates a database to
 * say that something is missing: it reads the PostgreSQL server of DATABASE_URL, or an embedded folder that
 * holds a database, or, when a running `serve` or `demo` holds that folder, asks that process's API.
 * Without --data or PRESELL_DATA it looks in ./.presell, then in the demo's ./.presell/demo.
 */
import type { Database } from '../db/database.ts';
import {
  CliError,
  type Command,
  type DatabaseTarget,
  type Env,
  resolveDatabase,
  resolveDataDir,
  UsageError,
} from './args.ts';
import { displayPath, folderHolder, hasDatabase } from './data-folder.ts';
import { describeDatabase, withDatabase } from './database.ts';
import { DEFAULT_DEMO_DATA, readDemoFile } from './demo-file.ts';

export type ReadSource =
  | { kind: 'database'; target: DatabaseTarget }
  | { kind: 'api'; url: string; adminKey: string; dataDir: string };

/** A read command's data; `throughApi: false` for a command that has no API route to ask instead. */
export function findReadSource(
  dataFlag: string | undefined,
  env: Env,
  { throughApi = true } = {},
): ReadSource {
  const explicit = dataFlag !== undefined || Boolean(env.PRESELL_DATA);
  const first = resolveDatabase(dataFlag, env);
  if (first.kind === 'server') return { kind: 'database', target: first };
  const folders = explicit
    ? [first.dataDir]
    : [first.dataDir, resolveDataDir(undefined, {}, DEFAULT_DEMO_DATA)];
  const dataDir = folders.find(hasDatabase);
  if (!dataDir) {
    throw new CliError(
      `no Presell database in ${folders.map(displayPath).join(' nor in ')}; name one with --data or DATABASE_URL, or make one with presell migrate or presell demo`,
    );
  }
  const holder = folderHolder(dataDir);
  if (!holder) return { kind: 'database', target: { kind: 'embedded', dataDir } };
  // The folder is another process's: only it may open the database, so the question goes to its API.
  const adminKey = env.PRESELL_ADMIN_KEY || readDemoFile(dataDir)?.adminKey;
  if (throughApi && holder.url && adminKey) return { kind: 'api', url: holder.url, adminKey, dataDir };
  const inUse = `data folder ${displayPath(dataDir)} is in use by presell process ${holder.pid}`;
  throw new CliError(
    throughApi && holder.url
      ? `${inUse} serving ${holder.url}; set PRESELL_ADMIN_KEY to the shop’s secret key to read through it`
      : `${inUse}${holder.url ? ` serving ${holder.url}; ask its API, or stop it` : '; stop it to read the folder'}`,
  );
}

/** The database of a command that reads only databases. */
export function findReadDatabase(dataFlag: string | undefined, env: Env): DatabaseTarget {
  const source = findReadSource(dataFlag, env, { throughApi: false });
  if (source.kind === 'api') throw new Error('a source found without the API is a database');
  return source.target;
}

/** Which data the command read, for the first line of its report. */
export function describeSource(source: ReadSource): string {
  return source.kind === 'api'
    ? `through the presell process serving ${source.url}`
    : describeDatabase(source.target);
}

/** Opens a database that exists (never makes one), brought up to date, for one read. */
export async function withExistingDatabase<T>(
  target: DatabaseTarget,
  work: (db: Database) => Promise<T>,
): Promise<T> {
  const { migrate } = await import('../db/migrate.ts');
  return withDatabase(target, async (db) => {
    const [schema] = await db.query<{ found: string | null }>(
      `SELECT to_regclass('schema_migrations')::text AS found`,
    );
    if (!schema?.found) {
      throw new CliError(`no Presell tables in ${describeDatabase(target)}; run presell migrate first`);
    }
    await migrate(db);
    return work(db);
  });
}

/**
 * GETs `path` from the running process's admin API. A 404 is the usage error `notFound` says; another
 * refusal of the question is a usage error in the API's own words.
 */
export async function readThroughApi<T>(
  source: Extract<ReadSource, { kind: 'api' }>,
  path: string,
  command: Pick<Command, 'name' | 'help'>,
  notFound: string,
): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`${source.url}${path}`, {
      headers: { authorization: `Bearer ${source.adminKey}` },
    });
  } catch (error) {
    throw new CliError(
      `cannot reach the presell process serving ${source.url} (it holds ${displayPath(source.dataDir)}): ${(error as Error).message}`,
    );
  }
  const body = (await response.json().catch(() => ({}))) as T & { error?: { message?: string } };
  if (response.status === 404) throw new UsageError(notFound, command);
  const reason = `${source.url} answered ${response.status}: ${body.error?.message ?? 'no reason given'}`;
  if (response.status === 401) throw new CliError(`${reason} (the key is PRESELL_ADMIN_KEY or the demo's)`);
  if (!response.ok) throw response.status < 500 ? new UsageError(reason, command) : new CliError(reason);
  return body;
}
