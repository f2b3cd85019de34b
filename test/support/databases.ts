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
  if (!serverUrl) throw new Error('no PostgreSQL server: set DATABASE_URL or run the suite with npm test');
  const name = `presell_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE ${name}`);
  const url = withDatabase(serverUrl, name);
  const db = await openDatabase({ url, poolSize: options.poolSize });
  await migrate(db);
  return {
    db,
    url,
    drop: async () => {
      await db.close();
      await adminQuery(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
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

function withDatabase(url: string, database: string) {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery(sql: string) {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
