import { randomBytes } from 'node:crypto';
import { after, before, describe } from 'node:test';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';

export type EngineName = Database['engine'];

/** The PostgreSQL server the suites use: DATABASE_URL, or the one scripts/test.ts started. */
export const serverUrl = process.env.DATABASE_URL;

/** A fresh, migrated database on the named engine, and how to throw it away. */
export async function freshDatabase(
  engine: EngineName,
  options: { poolSize?: number } = {},
): Promise<{ db: Database; url?: string; drop: () => Promise<void> }> {
  if (engine === 'pglite') {
    const db = await openDatabase();
    await migrate(db);
    return { db, drop: () => db.close() };
  }
  const scratch = await scratchDatabase();
  const db = await openDatabase({ url: scratch.url, poolSize: options.poolSize });
  await migrate(db);
  return {
    db,
    url: scratch.url,
    drop: async () => {
      await db.close();
      await scratch.drop();
    },
  };
}

/**
 * A new, empty database on the PostgreSQL server (DATABASE_URL by default) and how to drop it: each suite,
 * CLI test and benchmark works in its own, so they can run side by side.
 */
export async function scratchDatabase(
  server = serverUrl,
): Promise<{ url: string; drop: () => Promise<void> }> {
  if (!server) throw new Error('no PostgreSQL server: set DATABASE_URL or run the suite with npm test');
  const name = `presell_test_${randomBytes(6).toString('hex')}`;
  await onServer(server, `CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer(server, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

/** Every engine the suites run on: the embedded one always, a server whenever one is configured. */
export function enginesUnderTest(): EngineName[] {
  return serverUrl ? ['pglite', 'postgres'] : ['pglite'];
}

/**
 * Declares `suite` once per engine, each with its own fresh database.
 * `suite` receives a getter, since the database only exists once the `before` hook ran.
 */
export function describeOnEachEngine(
  title: string,
  suite: (context: { engine: EngineName; db: () => Database; url: () => string | undefined }) => void,
  options: { poolSize?: number } = {},
) {
  for (const engine of enginesUnderTest()) {
    describe(`${title} [${engine}]`, () => {
      let current: Awaited<ReturnType<typeof freshDatabase>> | undefined;
      before(async () => {
        current = await freshDatabase(engine, options);
      });
      after(async () => {
        await current?.drop();
      });
      suite({
        engine,
        db: () => {
          if (!current) throw new Error('database not ready');
          return current.db;
        },
        url: () => current?.url,
      });
    });
  }
}

async function onServer(server: string, sql: string) {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
