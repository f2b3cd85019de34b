/**
 * The merchant's audit log: every action taken with a secret key (which key, when, what was asked, how it
 * was answered) with the thing it acted on as stored before and after. Things are found by the prefix of
 * their id; secrets are never copied into the log.
 */
import type { Queryable } from '../db/database.ts';
import { newId } from '../ids.ts';
import type { ServiceContext } from './context.ts';
import { type Page, toPage } from './pagination.ts';

/** The table each kind of id names. */
const TABLES: Record<string, string> = {
  cmp: 'campaigns',
  po: 'preorders',
  bat: 'supply_batches',
  var: 'variants',
  whe: 'webhook_endpoints',
  job: 'jobs',
  exp: 'exports',
  dlf: 'outbox_failures',
};

/** A thing as stored now (without secrets), or null when the id names nothing of this shop. */
export async function snapshot(
  db: Queryable,
  shopId: string,
  id: string,
): Promise<Record<string, unknown> | null> {
  const table = TABLES[id.slice(0, id.indexOf('_'))];
  if (!table) return null;
  const [row] = await db.query<{ row: Record<string, unknown> }>(
    `SELECT to_jsonb(t) - 'secrets' AS row FROM ${table} t WHERE t.shop_id = $1 AND t.id = $2`,
    [shopId, id],
  );
  return row?.row ?? null;
}

export interface AuditEntry {
  id: string;
  keyId: string;
  keyHint: string;
  method: string;
  route: string;
  subjectId: string | null;
  request: unknown;
  status: number;
  errorCode: string | null;
  before: unknown;
  after: unknown;
  createdAt: Date;
}

export async function writeAudit(
  ctx: ServiceContext,
  shopId: string,
  entry: Omit<AuditEntry, 'id' | 'createdAt'>,
) {
  const now = ctx.clock();
  await ctx.db.query(
    `INSERT INTO audit_log (shop_id, id, key_id, key_hint, method, route, subject_id, request, status, error_code,
       before, after, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    [
      shopId,
      newId('auditEntry', now.getTime()),
      entry.keyId,
      entry.keyHint,
      entry.method,
      entry.route,
      entry.subjectId,
      JSON.stringify(entry.request ?? null),
      entry.status,
      entry.errorCode,
      JSON.stringify(entry.before ?? null),
      JSON.stringify(entry.after ?? null),
      now,
    ],
  );
}

interface AuditRow {
  id: string;
  key_id: string;
  key_hint: string;
  method: string;
  route: string;
  subject_id: string | null;
  request: unknown;
  status: number;
  error_code: string | null;
  before: unknown;
  after: unknown;
  created_at: Date;
}

export async function listAudit(
  ctx: ServiceContext,
  shopId: string,
  filter: { limit: number; after?: string | undefined; subjectId?: string | undefined },
): Promise<Page<AuditEntry>> {
  const rows = await ctx.db.query<AuditRow>(
    `SELECT * FROM audit_log WHERE shop_id = $1 AND ($2::text IS NULL OR id > $2)
       AND ($3::text IS NULL OR subject_id = $3)
     ORDER BY id LIMIT $4`,
    [shopId, filter.after ?? null, filter.subjectId ?? null, filter.limit + 1],
  );
  return toPage(rows, filter.limit, (row) => ({
    id: row.id,
    keyId: row.key_id,
    keyHint: row.key_hint,
    method: row.method,
    route: row.route,
    subjectId: row.subject_id,
    request: row.request,
    status: row.status,
    errorCode: row.error_code,
    before: row.before,
    after: row.after,
    createdAt: row.created_at,
  }));
}
