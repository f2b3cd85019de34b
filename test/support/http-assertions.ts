import assert from 'node:assert/strict';
import type { Queryable } from '../../src/db/database.ts';

/** Row count and checksum per table, keyed by table name. */
export type DatabaseDigest = Record<string, string>;

/**
 * Row count and a checksum of every row of every table (so tables added by later migrations count
 * too): equal digests mean nothing was written.
 */
export async function databaseDigest(db: Queryable): Promise<DatabaseDigest> {
  const tables = await db.query<{ name: string }>(
    "SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
  );
  const digest: DatabaseDigest = {};
  for (const { name } of tables) {
    const [row] = await db.query<{ rows: number; checksum: string }>(
      `SELECT count(*)::int AS rows, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS checksum
       FROM "${name}" t`,
    );
    digest[name] = `${row?.rows} rows, md5 ${row?.checksum}`;
  }
  return digest;
}

/** Asserts two digests are equal, table by table, except the tables named in `ignoring`. */
export function assertNothingWritten(
  before: DatabaseDigest,
  after: DatabaseDigest,
  ignoring: readonly string[] = [],
): void {
  const tables = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  const changed = tables.filter((table) => !ignoring.includes(table) && before[table] !== after[table]);
  assert.deepEqual(changed, [], `tables written by a refused request: ${changed.join(', ')}`);
}

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** What a refusal says; `details` is whatever the code documents. */
export interface Refusal {
  code: string;
  message: string;
  // biome-ignore lint/suspicious/noExplicitAny: each code has its own details; the tests compare them whole.
  details?: Record<string, any>;
}

/** Asserts the answer is the one error shape, `{error: {code, message, details?}}`, with this status and code. */
export function assertRefused(answer: HttpAnswer, status: number, code: string): Refusal {
  assert.equal(
    answer.status,
    status,
    `expected ${status} ${code}, got ${answer.status} ${JSON.stringify(answer.body)}`,
  );
  assertErrorShape(answer.body);
  const refusal = (answer.body as { error: Refusal }).error;
  assert.equal(refusal.code, code);
  return refusal;
}

/** The error shape every refusal has: a non-empty code and message, and details only as an object. */
export function assertErrorShape(body: unknown): void {
  assert.ok(isRecord(body) && isRecord(body.error), `not an error body: ${JSON.stringify(body)}`);
  const { code, message, details } = body.error;
  assert.ok(typeof code === 'string' && /^[a-z_]+$/.test(code), `bad code: ${JSON.stringify(code)}`);
  assert.ok(typeof message === 'string' && message.length > 0, `bad message: ${JSON.stringify(message)}`);
  assert.ok(details === undefined || isRecord(details), `bad details: ${JSON.stringify(details)}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
