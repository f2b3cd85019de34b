import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { embeddedStatements } from './embedded-statements.ts';
import { embeddedUpkeep } from './embedded-upkeep.ts';

/**
 * Anything that runs SQL: the database itself or an open transaction.
 *
 * A statement that joins a table to rows sent from here (`rowsAs` in rows.ts: a recordset of JSON, or one
 * row of parameters) names their keys again as an array (`p.id = ANY($n)`): PostgreSQL takes such a
 * recordset for 100 rows and would otherwise read all of a shop's rows to join a few; with the array it
 * looks each one up by its key.
 */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

/**
 * Lets the current transaction's aggregates hash and sort in memory: a report over 100,000 pre-orders groups
 * one row per pre-order, and the default 4 MB spills it to disk (twice as slow, on PGlite and on a server).
 * Only for the transaction: a server's other work keeps its setting.
 */
export async function allowLargeAggregates(tx: Queryable): Promise<void> {
  await tx.query("SET LOCAL work_mem = '32MB'");
}

export interface Database extends Queryable {
  readonly engine: 'pglite' | 'postgres';
  /** Runs `work` in one transaction; retries it when PostgreSQL reports a deadlock or serialization failure. */
  transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A PostgreSQL server; when absent, the embedded engine is used. */
  url?: string | undefined;
  /** Folder for the embedded engine's data; `memory://` or absent keeps it in memory. */
  dataDir?: string | undefined;
  /** Connections to a server (default 10). */
  poolSize?: number | undefined;
}

/** Thrown when the database cannot be reached or opened: a setup problem, not a request problem. */
export class DatabaseUnavailableError extends Error {
  override name = 'DatabaseUnavailableError';
}

const INT8 = 20;
const NUMERIC = 1700;
const DATE = 1082;
const RETRYABLE = new Set(['40001', '40P01']);
const MAX_ATTEMPTS = 5;

/** int8 comes back as a JS number on both engines (ids and counters stay far below 2^53). */
const toNumber = (value: string) => Number(value);
/** A date column is a calendar day, `YYYY-MM-DD`: never a Date, which would put it in some time zone. */
const asText = (value: string) => value;

export async function openDatabase(options: DatabaseOptions = {}): Promise<Database> {
  return options.url ? openServer(options.url, options.poolSize) : openEmbedded(options.dataDir);
}

async function openEmbedded(dataDir: string | undefined): Promise<Database> {
  const inMemory = !dataDir || dataDir.startsWith('memory://');
  if (!inMemory) {
    try {
      mkdirSync(dataDir, { recursive: true });
    } catch (error) {
      throw new DatabaseUnavailableError(`cannot use data folder ${dataDir}: ${(error as Error).message}`);
    }
  }
  let db: PGlite;
  try {
    db = await PGlite.create(inMemory ? undefined : dataDir, {
      parsers: { [INT8]: toNumber, [NUMERIC]: asText, [DATE]: asText },
    });
  } catch (error) {
    throw new DatabaseUnavailableError(
      `cannot open embedded database in ${dataDir}: ${(error as Error).message}`,
    );
  }
  // An in-memory database ends with its process: a commit need not wait for its WAL to be written, which
  // costs about a tenth of each small transaction (the simulator's throwaway database, tests).
  if (inMemory) await db.exec('SET synchronous_commit = off');
  const statements = embeddedStatements(db);
  const upkeep = embeddedUpkeep(db, statements.run);
  return {
    engine: 'pglite',
    query: async <Row>(sql: string, params?: readonly unknown[]) => {
      const rows = await statements.query<Row>(sql, params, false);
      await upkeep.afterWork();
      return rows;
    },
    exec: async (sql) => {
      await statements.forget(false);
      await db.exec(sql);
    },
    transaction: async (work) => {
      const result = await withRetry(() =>
        db.transaction((tx) =>
          work({
            query: (sql, params) => statements.query(sql, params, true),
            exec: async (sql) => {
              await statements.forget(true);
              await tx.exec(sql);
            },
          }),
        ),
      );
      await upkeep.afterWork();
      return result;
    },
    close: () => db.close(),
  };
}

async function openServer(url: string, poolSize?: number): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize ?? 10,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8
          ? toNumber
          : oid === DATE
            ? asText
            : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its server emits 'error'; the pool replaces it, so it must not crash the process.
  pool.on('error', () => {});
  try {
    const client = await pool.connect();
    client.release();
  } catch (error) {
    await pool.end().catch(() => {});
    throw new DatabaseUnavailableError(
      `cannot connect to DATABASE_URL (${redactUrl(url)}): ${(error as Error).message}`,
    );
  }
  const run = async <Row>(q: pg.Pool | pg.PoolClient, sql: string, params?: readonly unknown[]) =>
    (await q.query(sql, params as unknown[])).rows as Row[];
  return {
    engine: 'postgres',
    query: (sql, params) => run(pool, sql, params),
    exec: async (sql) => {
      await pool.query(sql);
    },
    transaction: (work) =>
      withRetry(async () => {
        const client = await pool.connect();
        try {
          await client.query('BEGIN');
          const result = await work({
            query: (sql, params) => run(client, sql, params),
            exec: async (sql) => {
              await client.query(sql);
            },
          });
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        } finally {
          client.release();
        }
      }),
    close: () => pool.end(),
  };
}

async function withRetry<T>(attempt: () => Promise<T>): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (n >= MAX_ATTEMPTS || !code || !RETRYABLE.has(code)) throw error;
    }
  }
}

/** The URL with its password hidden, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
