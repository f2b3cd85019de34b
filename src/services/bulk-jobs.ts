/**
 * Resumable bulk jobs: work over thousands of things (a shipment import, a mass cancellation, a stock
 * file, later mass emails) as a job and its items. Items are claimed in chunks with FOR UPDATE SKIP
 * LOCKED and applied in the transaction that marks them done or failed, so any number of workers can share
 * a job, and a worker that dies mid-chunk leaves that chunk pending for the next: nothing is applied twice
 * and nothing is lost. Progress (done, failed, left) is counted as the chunks commit.
 *
 * An all-or-nothing job applies every item in one transaction, or none when any item is refused; the
 * refused items are then reported and nothing else is written.
 */

import { type CsvRecord, CsvSyntaxError, readCsv } from '../csv.ts';
import { DomainError, type ErrorCode, type Refusal, refusalOf } from '../domain/errors.ts';
import { newId } from '../ids.ts';
import type { ServiceContext } from './context.ts';
import { type Page, toPage } from './pagination.ts';
import { getShop, type Shop } from './shops.ts';
import { inTransaction, type UnitOfWork } from './unit-of-work.ts';

export const JOB_STATUSES = ['staging', 'queued', 'running', 'done', 'refused'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface Job {
  id: string;
  shopId: string;
  kind: string;
  status: JobStatus;
  params: Record<string, unknown>;
  allOrNothing: boolean;
  total: number;
  done: number;
  failed: number;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

export interface JobItem {
  seq: number;
  line: number | null;
  payload: unknown;
}

export interface FailedItem {
  seq: number;
  line: number | null;
  code: string;
  message: string;
}

/**
 * What a kind of job does with its items. `apply` runs in the caller's unit of work with the chunk's items
 * locked; it decides each item under the locks it takes and answers a refusal for the ones it did not
 * apply. An item is applied whole or refused whole, never in part.
 */
export interface JobHandler {
  readonly kind: string;
  readonly chunkSize: number;
  apply(uow: UnitOfWork, job: Job & { shop: Shop }, items: readonly JobItem[]): Promise<Map<number, Refusal>>;
}

/** An item as it is staged: its payload, or the refusal it already earned when it was read. */
export type StagedItem = { line: number | null } & ({ payload: unknown } | { refusal: Refusal });

export async function createJob(
  ctx: ServiceContext,
  shopId: string,
  kind: string,
  options: { params?: Record<string, unknown>; allOrNothing?: boolean } = {},
): Promise<Job> {
  const now = ctx.clock();
  const id = newId('job', now.getTime());
  await ctx.db.query(
    `INSERT INTO jobs (shop_id, id, kind, status, params, all_or_nothing, created_at, updated_at)
     VALUES ($1, $2, $3, 'staging', $4, $5, $6, $6)`,
    [shopId, id, kind, JSON.stringify(options.params ?? {}), options.allOrNothing ?? false, now],
  );
  return getJob(ctx, shopId, id);
}

/** Writes the next items of a staging job; `firstSeq` is the sequence number of the first. */
export async function stageItems(
  ctx: ServiceContext,
  shopId: string,
  jobId: string,
  firstSeq: number,
  items: readonly StagedItem[],
): Promise<void> {
  if (items.length === 0) return;
  await ctx.db.query(
    `INSERT INTO job_items (shop_id, job_id, seq, line, payload, status, error_code, error_message)
     SELECT $1, $2, i.seq, i.line, i.payload, i.status, i.error_code, i.error_message
     FROM jsonb_to_recordset($3::jsonb) AS i(seq int, line int, payload jsonb, status text, error_code text,
       error_message text)`,
    [
      shopId,
      jobId,
      JSON.stringify(
        items.map((item, index) => ({
          seq: firstSeq + index,
          line: item.line,
          ...('refusal' in item
            ? {
                payload: null,
                status: 'failed',
                error_code: item.refusal.code,
                error_message: item.refusal.message,
              }
            : { payload: item.payload, status: 'pending' }),
        })),
      ),
    ],
  );
}

/**
 * Every item is staged: the job is queued for the workers (an all-or-nothing job with items refused while
 * staging is still checked whole, so that every bad item is reported, and then refused).
 */
export async function queueJob(ctx: ServiceContext, shopId: string, jobId: string): Promise<Job> {
  const now = ctx.clock();
  await ctx.db.query(
    `WITH counts AS (
       SELECT count(*)::int AS total, count(*) FILTER (WHERE status = 'failed')::int AS failed
       FROM job_items WHERE shop_id = $1 AND job_id = $2
     )
     UPDATE jobs j SET total = c.total, failed = c.failed, updated_at = $3::timestamptz,
       status = CASE WHEN c.total > c.failed THEN 'queued' WHEN j.all_or_nothing AND c.failed > 0 THEN 'refused'
                     ELSE 'done' END,
       finished_at = CASE WHEN c.total = c.failed THEN $3::timestamptz END
     FROM counts c WHERE j.shop_id = $1 AND j.id = $2 AND j.status = 'staging'`,
    [shopId, jobId, now],
  );
  return getJob(ctx, shopId, jobId);
}

/** Creates, stages and queues a job whose items are all known now. */
export async function startJob(
  ctx: ServiceContext,
  shopId: string,
  kind: string,
  items: readonly StagedItem[],
  options: { params?: Record<string, unknown>; allOrNothing?: boolean } = {},
): Promise<Job> {
  const job = await createJob(ctx, shopId, kind, options);
  for (let start = 0; start < items.length; start += STAGE_CHUNK) {
    await stageItems(ctx, shopId, job.id, start + 1, items.slice(start, start + STAGE_CHUNK));
  }
  return queueJob(ctx, shopId, job.id);
}

/**
 * Reads a CSV upload into a new job as it streams in, and queues it: `rowReader` gets the header (and may
 * refuse it before anything is written) and turns each record into an item. A record past which the file
 * cannot be read is staged as refused with its line; what came before stands.
 */
export async function csvJob(
  ctx: ServiceContext,
  shopId: string,
  kind: string,
  source: AsyncIterable<string | Uint8Array>,
  options: { allOrNothing: boolean },
  rowReader: (header: readonly string[]) => (record: CsvRecord) => StagedItem,
): Promise<Job> {
  const records = readCsv(source);
  let header: IteratorResult<CsvRecord>;
  try {
    header = await records.next();
  } catch (error) {
    if (error instanceof CsvSyntaxError)
      throw new DomainError('invalid_csv', error.message, { line: error.line });
    throw error;
  }
  if (header.done)
    throw new DomainError('invalid_csv', 'the file is empty; send a header line and rows', { line: 1 });
  const readRow = rowReader(header.value.fields);
  const job = await createJob(ctx, shopId, kind, { allOrNothing: options.allOrNothing });
  let staged: StagedItem[] = [];
  let seq = 1;
  const flush = async () => {
    await stageItems(ctx, shopId, job.id, seq, staged);
    seq += staged.length;
    staged = [];
  };
  try {
    for await (const record of records) {
      staged.push(readRow(record));
      if (staged.length >= STAGE_CHUNK) await flush();
    }
  } catch (error) {
    if (!(error instanceof CsvSyntaxError)) throw error;
    staged.push({ line: error.line, refusal: { code: 'invalid_csv', message: error.message } });
  }
  await flush();
  return queueJob(ctx, shopId, job.id);
}

/** Items written per statement while staging. */
export const STAGE_CHUNK = 1000;

interface JobRow {
  shop_id: string;
  id: string;
  kind: string;
  status: JobStatus;
  params: Record<string, unknown>;
  all_or_nothing: boolean;
  total: number;
  done: number;
  failed: number;
  created_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

function jobOf(row: JobRow): Job {
  return {
    id: row.id,
    shopId: row.shop_id,
    kind: row.kind,
    status: row.status,
    params: row.params,
    allOrNothing: row.all_or_nothing,
    total: row.total,
    done: row.done,
    failed: row.failed,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}

export async function getJob(ctx: ServiceContext, shopId: string, id: string): Promise<Job> {
  const [row] = await ctx.db.query<JobRow>('SELECT * FROM jobs WHERE shop_id = $1 AND id = $2', [shopId, id]);
  if (!row) throw new DomainError('not_found', 'no such job', { id });
  return jobOf(row);
}

export async function listJobs(
  ctx: ServiceContext,
  shopId: string,
  page: { limit: number; after?: string | undefined },
): Promise<Page<Job>> {
  const rows = await ctx.db.query<JobRow>(
    `SELECT * FROM jobs WHERE shop_id = $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`,
    [shopId, page.after ?? null, page.limit + 1],
  );
  return toPage(rows, page.limit, jobOf);
}

/** The items a job refused, in file order: each with its line and why. */
export async function jobFailures(
  ctx: ServiceContext,
  shopId: string,
  jobId: string,
  page: { limit: number; afterSeq?: number | undefined },
): Promise<{ data: FailedItem[]; nextSeq: number | null }> {
  await getJob(ctx, shopId, jobId);
  const rows = await ctx.db.query<{
    seq: number;
    line: number | null;
    error_code: string;
    error_message: string;
  }>(
    `SELECT seq, line, error_code, error_message FROM job_items
     WHERE shop_id = $1 AND job_id = $2 AND status = 'failed' AND seq > $3 ORDER BY seq LIMIT $4`,
    [shopId, jobId, page.afterSeq ?? 0, page.limit + 1],
  );
  const more = rows.length > page.limit;
  const data = (more ? rows.slice(0, page.limit) : rows).map((row) => ({
    seq: row.seq,
    line: row.line,
    code: row.error_code,
    message: row.error_message,
  }));
  return { data, nextSeq: more ? (data.at(-1)?.seq ?? null) : null };
}

export interface JobsReport {
  /** Items applied or refused by this pass. */
  items: number;
}

/**
 * One pass over the open jobs (or one job): claims chunks of pending items and applies them until none is
 * left or `maxChunks` chunks were done. Safe to run in any number of processes at once.
 */
export async function runJobs(
  ctx: ServiceContext,
  handlers: readonly JobHandler[],
  options: { jobId?: { shopId: string; id: string }; maxChunks?: number } = {},
): Promise<JobsReport> {
  const report: JobsReport = { items: 0 };
  const open = options.jobId
    ? [{ shop_id: options.jobId.shopId, id: options.jobId.id }]
    : await ctx.db.query<{ shop_id: string; id: string }>(
        `SELECT shop_id, id FROM jobs WHERE status IN ('queued', 'running') ORDER BY updated_at LIMIT 20`,
      );
  let chunks = options.maxChunks ?? Number.POSITIVE_INFINITY;
  for (const { shop_id: shopId, id } of open) {
    const job = { ...(await getJob(ctx, shopId, id)), shop: await getShop(ctx, shopId) };
    if (job.status !== 'queued' && job.status !== 'running') continue;
    const handler = handlers.find((candidate) => candidate.kind === job.kind);
    if (!handler) throw new Error(`no handler for jobs of kind ${job.kind}`);
    if (job.allOrNothing) {
      report.items += await runWhole(ctx, handler, job);
      continue;
    }
    // Items are claimed in sequence order from where the last chunk ended (applied ones are not read again);
    // once none is left after it, once more from the start for chunks another worker gave up.
    let after = 0;
    while (chunks > 0) {
      chunks -= 1;
      const claimed = await runChunk(ctx, handler, job, after);
      report.items += claimed.count;
      if (claimed.count === 0) {
        if (after === 0) break;
        after = 0;
      } else after = claimed.last;
    }
  }
  return report;
}

/**
 * Claims and applies the next chunk of items after `after`; none claimed from the start means nothing is
 * left, and the job is finished.
 */
async function runChunk(
  ctx: ServiceContext,
  handler: JobHandler,
  job: Job & { shop: Shop },
  after: number,
): Promise<{ count: number; last: number }> {
  return inTransaction(ctx, async (uow) => {
    const items = await uow.tx.query<JobItem & { seq: number }>(
      `SELECT seq, line, payload FROM job_items
       WHERE shop_id = $1 AND job_id = $2 AND status = 'pending' AND seq > $4
       ORDER BY seq LIMIT $3 FOR UPDATE SKIP LOCKED`,
      [job.shopId, job.id, handler.chunkSize, after],
    );
    if (items.length === 0) {
      if (after > 0) return { count: 0, last: after };
      await uow.tx.query(
        `UPDATE jobs SET status = 'done', finished_at = $3, updated_at = $3
         WHERE shop_id = $1 AND id = $2 AND status IN ('queued', 'running')
           AND NOT EXISTS (SELECT 1 FROM job_items WHERE shop_id = $1 AND job_id = $2 AND status = 'pending')`,
        [job.shopId, job.id, uow.now],
      );
      return { count: 0, last: 0 };
    }
    const refusals = await handler.apply(uow, job, items);
    await markItems(uow, job, items, refusals);
    return { count: items.length, last: (items.at(-1) as JobItem).seq };
  });
}

/** All or nothing: every item in one transaction, or none and the job refused with the items' reasons. */
async function runWhole(
  ctx: ServiceContext,
  handler: JobHandler,
  job: Job & { shop: Shop },
): Promise<number> {
  const refusals = new Map<number, Refusal>();
  let applied = 0;
  try {
    await inTransaction(ctx, async (uow) => {
      // One worker at a time: the job row stays locked until this transaction ends.
      const [claimed] = await uow.tx.query(
        `SELECT 1 FROM jobs WHERE shop_id = $1 AND id = $2 AND status IN ('queued', 'running')
         FOR UPDATE SKIP LOCKED`,
        [job.shopId, job.id],
      );
      if (!claimed) return;
      refusals.clear();
      let after = 0;
      for (;;) {
        const items = await uow.tx.query<JobItem>(
          `SELECT seq, line, payload FROM job_items WHERE shop_id = $1 AND job_id = $2 AND status = 'pending'
             AND seq > $3 ORDER BY seq LIMIT $4`,
          [job.shopId, job.id, after, handler.chunkSize],
        );
        if (items.length === 0) break;
        for (const [seq, refusal] of await handler.apply(uow, job, items)) refusals.set(seq, refusal);
        await markItems(uow, job, items, new Map());
        applied += items.length;
        after = (items.at(-1) as JobItem).seq;
      }
      const [staged] = await uow.tx.query<{ refused: number }>(
        `SELECT count(*)::int AS refused FROM job_items WHERE shop_id = $1 AND job_id = $2 AND status = 'failed'`,
        [job.shopId, job.id],
      );
      if (refusals.size > 0 || (staged?.refused ?? 0) > 0) throw new AllOrNothingRefused();
      await uow.tx.query(
        `UPDATE jobs SET status = 'done', finished_at = $3, updated_at = $3 WHERE shop_id = $1 AND id = $2`,
        [job.shopId, job.id, uow.now],
      );
    });
    return applied;
  } catch (error) {
    if (!(error instanceof AllOrNothingRefused)) throw error;
  }
  // Nothing was applied: only the reasons are written.
  await inTransaction(ctx, async (uow) => {
    await writeRefusals(uow, job, refusals);
    await uow.tx.query(
      `UPDATE jobs SET status = 'refused', done = 0, finished_at = $3, updated_at = $3,
         failed = (SELECT count(*) FROM job_items WHERE shop_id = $1 AND job_id = $2 AND status = 'failed')
       WHERE shop_id = $1 AND id = $2`,
      [job.shopId, job.id, uow.now],
    );
  });
  return refusals.size;
}

class AllOrNothingRefused extends Error {}

async function markItems(
  uow: UnitOfWork,
  job: Job,
  items: readonly JobItem[],
  refusals: Map<number, Refusal>,
) {
  await uow.tx.query(
    `UPDATE job_items SET status = 'done' WHERE shop_id = $1 AND job_id = $2 AND seq = ANY($3)`,
    [job.shopId, job.id, items.filter((item) => !refusals.has(item.seq)).map((item) => item.seq)],
  );
  await writeRefusals(uow, job, refusals);
  await uow.tx.query(
    `UPDATE jobs SET done = done + $3, failed = failed + $4, status = 'running', updated_at = $5
     WHERE shop_id = $1 AND id = $2`,
    [job.shopId, job.id, items.length - refusals.size, refusals.size, uow.now],
  );
}

async function writeRefusals(uow: UnitOfWork, job: Job, refusals: Map<number, Refusal>) {
  if (refusals.size === 0) return;
  await uow.tx.query(
    `UPDATE job_items i SET status = 'failed', error_code = r.code, error_message = r.message
     FROM jsonb_to_recordset($3::jsonb) AS r(seq int, code text, message text)
     WHERE i.shop_id = $1 AND i.job_id = $2 AND i.seq = r.seq`,
    [
      job.shopId,
      job.id,
      JSON.stringify(
        [...refusals].map(([seq, refusal]) => ({ seq, code: refusal.code, message: refusal.message })),
      ),
    ],
  );
}

/** A refusal for an item from a thrown DomainError; anything else is a failure of ours and is thrown on. */
export function itemRefusal(error: unknown): Refusal {
  if (error instanceof DomainError) return refusalOf(error);
  throw error;
}

/** A refusal of an item, in the catalogue's codes. */
export function refuse(code: ErrorCode, message: string): Refusal {
  return { code, message };
}
