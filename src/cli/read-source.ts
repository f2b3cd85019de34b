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
import { displayPath, type FolderHolder, folderHolder, hasDatabase } from './data-folder.ts';
import { describeDatabase, withDatabase } from './database.ts';
import { DEFAULT_DEMO_DATA, readDemoFile } from './demo-file.ts';

export type ReadSource =
  | { kind: 'database'; target: DatabaseTarget }
  | { kind: 'api'; url: string; adminKey: string; dataDir: string };

/** A read command's data: a database it may open, or the API of the process that holds the folder. */
export function findReadSource(dataFlag: string | undefined, env: Env): ReadSource {
  const found = findData(dataFlag, env);
  if ('target' in found) return { kind: 'database', target: found.target };
  const { dataDir, holder } = found;
  // The folder is another process's: only it may open the database, so the question goes to its API.
  const adminKey = env.PRESELL_ADMIN_KEY || readDemoFile(dataDir)?.adminKey;
  if (holder.url && adminKey) return { kind: 'api', url: holder.url, adminKey, dataDir };
  throw new CliError(
    holder.url
      ? `${inUse(found)}; set PRESELL_ADMIN_KEY to the shop’s secret key to read through it`
      : `${inUse(found)}; stop it to read the folder`,
  );
}

/** The database of a command that has no API route to ask instead (job, shop list, shop keys rotate). */
export function findReadDatabase(dataFlag: string | undefined, env: Env): DatabaseTarget {
  const found = findData(dataFlag, env);
  if ('target' in found) return found.target;
  throw new CliError(`${inUse(found)}; ${found.holder.url ? 'ask its API, or stop it' : 'stop it first'}`);
}

type Found = { target: DatabaseTarget } | { dataDir: string; holder: FolderHolder };

/** DATABASE_URL, or the first folder that holds a database: free to open, or held by a running process. */
function findData(dataFlag: string | undefined, env: Env): Found {
  const explicit = dataFlag !== undefined || Boolean(env.PRESELL_DATA);
  const first = resolveDatabase(dataFlag, env);
  if (first.kind === 'server') return { target: first };
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
  return holder ? { dataDir, holder } : { target: { kind: 'embedded', dataDir } };
}

function inUse({ dataDir, holder }: { dataDir: string; holder: FolderHolder }): string {
  return `data folder ${displayPath(dataDir)} is in use by presell process ${holder.pid}${holder.url ? ` serving ${holder.url}` : ''}`;
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
 * refusal of the question is a usage error in the words `refusals` gives its code, else the API's own.
 */
export async function readThroughApi<T>(
  source: Extract<ReadSource, { kind: 'api' }>,
  path: string,
  command: Pick<Command, 'name' | 'help'>,
  notFound: string,
  refusals: Readonly<Record<string, string>> = {},
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
  const body = (await response.json().catch(() => ({}))) as T & {
    error?: { code?: string; message?: string };
  };
  if (response.status === 404) throw new UsageError(notFound, command);
  const own = refusals[body.error?.code ?? ''];
  if (own) throw new UsageError(own, command);
  const reason = `${source.url} answered ${response.status}: ${body.error?.message ?? 'no reason given'}`;
  if (response.status === 401) throw new CliError(`${reason} (the key is PRESELL_ADMIN_KEY or the demo's)`);
  if (!response.ok) throw response.status < 500 ? new UsageError(reason, command) : new CliError(reason);
  return body;
}
