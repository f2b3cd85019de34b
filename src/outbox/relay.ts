/**
 * The outbox relay: hands every event to each consumer that wants it (the email sender, the webhook sender,
 * a store platform), at least once, with a key that is the same on every try of one delivery.
 *
 * Each consumer keeps its own position in each shop's stream of events (outbox_positions). A worker
 * claims a stream with FOR UPDATE SKIP LOCKED and a lease, delivers its new events in order and moves the
 * position past each one it handled; any number of workers can run, and while the lease holds no other
 * worker delivers from that stream, so one event never goes to one consumer twice at the same time. A
 * worker that dies leaves its lease to run out: the next worker delivers what it had not finished again,
 * under the same key. Events are read only up to the oldest transaction still running
 * (pg_snapshot_xmin), so an event committed late can never fall behind a position.
 *
 * A delivery that fails does not hold up the stream: it goes to outbox_failures and is retried on the
 * schedule below; after the last try it stays there as a dead letter until someone retries it.
 */

import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Queryable } from '../db/database.ts';
import type { EventType } from '../domain/events.ts';
import { newId } from '../ids.ts';
import type { ServiceContext } from '../services/context.ts';

/** An event as consumers get it. */
export interface OutboxEvent {
  id: string;
  shopId: string;
  type: EventType;
  version: number;
  subjectId: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface Delivery {
  /** `<consumer>:<event id>`: the same on every try, for the receiver to recognise a repeat. */
  key: string;
  /** 1 for the first try. */
  attempt: number;
  /** Aborted when the delivery takes longer than the relay waits; stop then. */
  signal: AbortSignal;
}

export interface Consumer {
  /** Positions and failures are kept under this name: never rename a consumer that has run. */
  readonly name: string;
  /** The event types it wants; the others pass it by. */
  readonly types: readonly EventType[];
  /** Delivers one event; throwing fails this try. */
  deliver(event: OutboxEvent, delivery: Delivery): Promise<void>;
}

export interface RelayOptions {
  /** How long a claimed stream or retry stays with this worker without news from it. */
  leaseMs?: number;
  /** How long one delivery may take before it counts as failed; well below the lease. */
  deliveryTimeoutMs?: number;
  /** Waits before each retry of a failed delivery; after the last, it is a dead letter. */
  retryDelaysMs?: readonly number[];
  /** Streams (a shop's events for one consumer) one pass claims per consumer. */
  streamsPerPass?: number;
  /** Events read per query. */
  pageSize?: number;
}

/**
 * The Standard Webhooks specification's schedule after the first try: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
 * 14 h, 20 h, 24 h (three days in all).
 */
export const DEFAULT_RETRY_DELAYS_MS = [5, 300, 1_800, 7_200, 18_000, 36_000, 50_400, 72_000, 86_400].map(
  (s) => s * 1000,
);

export interface RelayReport {
  delivered: number;
  failed: number;
  deadLettered: number;
}

interface EventRow {
  id: string;
  shop_id: string;
  type: EventType;
  version: number;
  subject_id: string;
  data: Record<string, unknown>;
  created_at: Date;
  tx_id: string;
}

/** Events of a transaction that can no longer be running or still commit: behind every running one. */
const SETTLED = 'e.tx_id < pg_snapshot_xmin(pg_current_snapshot())';

export class OutboxRelay {
  private readonly worker = `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
  private readonly leaseMs: number;
  private readonly deliveryTimeoutMs: number;
  private readonly retryDelaysMs: readonly number[];
  private readonly streamsPerPass: number;
  private readonly pageSize: number;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly consumers: readonly Consumer[],
    options: RelayOptions = {},
  ) {
    this.leaseMs = options.leaseMs ?? 60_000;
    this.deliveryTimeoutMs = options.deliveryTimeoutMs ?? Math.floor(this.leaseMs / 3);
    this.retryDelaysMs = options.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    this.streamsPerPass = options.streamsPerPass ?? 20;
    this.pageSize = options.pageSize ?? 100;
    const names = consumers.map((consumer) => consumer.name);
    if (new Set(names).size !== names.length)
      throw new Error(`consumer names must differ: ${names.join(', ')}`);
  }

  /** One pass: new events of claimed streams, then failures whose retry time came, for every consumer. */
  async runOnce(): Promise<RelayReport> {
    const report: RelayReport = { delivered: 0, failed: 0, deadLettered: 0 };
    for (const consumer of this.consumers) {
      await this.ensurePositions(consumer);
      for (const stream of await this.claimStreams(consumer))
        await this.drainStream(consumer, stream, report);
      await this.retryFailures(consumer, report);
    }
    return report;
  }

  /** A consumer starts each shop's stream from its beginning. */
  private async ensurePositions(consumer: Consumer) {
    await this.ctx.db.query(
      `INSERT INTO outbox_positions (shop_id, consumer)
       SELECT s.id, $1 FROM shops s
       WHERE NOT EXISTS (SELECT 1 FROM outbox_positions p WHERE p.shop_id = s.id AND p.consumer = $1)
       ON CONFLICT DO NOTHING`,
      [consumer.name],
    );
  }

  private async claimStreams(consumer: Consumer) {
    const now = this.ctx.clock();
    return this.ctx.db.transaction((tx) =>
      tx.query<{ shop_id: string; tx_id: string; event_id: string }>(
        `WITH claimable AS (
           SELECT p.shop_id FROM outbox_positions p
           WHERE p.consumer = $1 AND (p.lease_until IS NULL OR p.lease_until < $2)
             AND EXISTS (SELECT 1 FROM events e WHERE e.shop_id = p.shop_id AND e.type = ANY($5)
                         AND (e.tx_id, e.id) > (p.tx_id, p.event_id) AND ${SETTLED})
           ORDER BY p.updated_at LIMIT $4
           FOR UPDATE OF p SKIP LOCKED
         )
         UPDATE outbox_positions p SET lease_owner = $3, lease_until = $6, updated_at = $2
         FROM claimable c WHERE p.shop_id = c.shop_id AND p.consumer = $1
         RETURNING p.shop_id, p.tx_id::text AS tx_id, p.event_id`,
        [consumer.name, now, this.worker, this.streamsPerPass, consumer.types, this.leaseUntil()],
      ),
    );
  }

  /** Delivers a claimed stream's new events in order, moving the position past each. */
  private async drainStream(
    consumer: Consumer,
    stream: { shop_id: string; tx_id: string; event_id: string },
    report: RelayReport,
  ) {
    let position = { txId: stream.tx_id, eventId: stream.event_id };
    try {
      for (;;) {
        const events = await this.ctx.db.query<EventRow>(
          `SELECT e.id, e.shop_id, e.type, e.version, e.subject_id, e.data, e.created_at, e.tx_id::text AS tx_id
           FROM events e
           WHERE e.shop_id = $1 AND e.type = ANY($4) AND (e.tx_id, e.id) > ($2::xid8, $3) AND ${SETTLED}
           ORDER BY e.tx_id, e.id LIMIT $5`,
          [stream.shop_id, position.txId, position.eventId, consumer.types, this.pageSize],
        );
        for (const row of events) {
          const error = await this.deliver(consumer, row, 1);
          if (error === undefined) report.delivered += 1;
          else {
            report.failed += 1;
            await this.recordFailure(this.ctx.db, consumer, row, 1, error, report);
          }
          position = { txId: row.tx_id, eventId: row.id };
          if (!(await this.advance(consumer, stream.shop_id, position))) return;
        }
        if (events.length < this.pageSize) return;
      }
    } finally {
      await this.ctx.db.query(
        `UPDATE outbox_positions SET lease_owner = NULL, lease_until = NULL
         WHERE shop_id = $1 AND consumer = $2 AND lease_owner = $3`,
        [stream.shop_id, consumer.name, this.worker],
      );
    }
  }

  /** Moves the position and renews the lease; false when the lease was lost to another worker. */
  private async advance(consumer: Consumer, shopId: string, position: { txId: string; eventId: string }) {
    const moved = await this.ctx.db.query(
      `UPDATE outbox_positions SET tx_id = $3::xid8, event_id = $4, lease_until = $6, updated_at = $7
       WHERE shop_id = $1 AND consumer = $2 AND lease_owner = $5 RETURNING 1`,
      [
        shopId,
        consumer.name,
        position.txId,
        position.eventId,
        this.worker,
        this.leaseUntil(),
        this.ctx.clock(),
      ],
    );
    return moved.length > 0;
  }

  private async retryFailures(consumer: Consumer, report: RelayReport) {
    const now = this.ctx.clock();
    const due = await this.ctx.db.transaction((tx) =>
      tx.query<EventRow & { failure_id: string; attempts: number }>(
        `WITH due AS (
           SELECT shop_id, id FROM outbox_failures
           WHERE consumer = $1 AND status = 'retrying' AND next_attempt_at <= $2
           ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED
         ), leased AS (
           UPDATE outbox_failures f SET next_attempt_at = $4, updated_at = $2
           FROM due WHERE f.shop_id = due.shop_id AND f.id = due.id
           RETURNING f.shop_id, f.id, f.event_id, f.attempts
         )
         SELECT e.id, e.shop_id, e.type, e.version, e.subject_id, e.data, e.created_at, e.tx_id::text AS tx_id,
           l.id AS failure_id, l.attempts
         FROM leased l JOIN events e ON e.shop_id = l.shop_id AND e.id = l.event_id
         ORDER BY e.tx_id, e.id`,
        [consumer.name, now, this.pageSize, this.leaseUntil()],
      ),
    );
    for (const row of due) {
      const attempt = row.attempts + 1;
      const error = await this.deliver(consumer, row, attempt);
      if (error === undefined) {
        report.delivered += 1;
        await this.ctx.db.query('DELETE FROM outbox_failures WHERE shop_id = $1 AND id = $2', [
          row.shop_id,
          row.failure_id,
        ]);
      } else {
        report.failed += 1;
        await this.recordFailure(this.ctx.db, consumer, row, attempt, error, report);
      }
    }
  }

  /** Runs one delivery with its deadline; the error message when it failed. */
  private async deliver(consumer: Consumer, row: EventRow, attempt: number): Promise<string | undefined> {
    const controller = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new Error(`no answer within ${this.deliveryTimeoutMs} ms`));
      }, this.deliveryTimeoutMs);
    });
    try {
      await Promise.race([
        consumer.deliver(eventOf(row), {
          key: `${consumer.name}:${row.id}`,
          attempt,
          signal: controller.signal,
        }),
        deadline,
      ]);
      return undefined;
    } catch (error) {
      return ((error as Error)?.message ?? String(error)).slice(0, 1000);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Schedules the next try of a failed delivery, or keeps it as a dead letter after the last. */
  private async recordFailure(
    db: Queryable,
    consumer: Consumer,
    row: EventRow,
    attempt: number,
    error: string,
    report: RelayReport,
  ) {
    const now = this.ctx.clock();
    const delay = this.retryDelaysMs[attempt - 1];
    const nextAttemptAt = delay === undefined ? null : new Date(now.getTime() + delay);
    if (nextAttemptAt === null) report.deadLettered += 1;
    await db.query(
      `INSERT INTO outbox_failures (shop_id, id, consumer, event_id, status, attempts, next_attempt_at, last_error,
         created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
       ON CONFLICT (shop_id, consumer, event_id) DO UPDATE SET status = excluded.status,
         attempts = excluded.attempts, next_attempt_at = excluded.next_attempt_at,
         last_error = excluded.last_error, updated_at = excluded.updated_at`,
      [
        row.shop_id,
        newId('deliveryFailure', now.getTime()),
        consumer.name,
        row.id,
        nextAttemptAt ? 'retrying' : 'dead',
        attempt,
        nextAttemptAt,
        error,
        now,
      ],
    );
  }

  private leaseUntil(): Date {
    return new Date(this.ctx.clock().getTime() + this.leaseMs);
  }
}

function eventOf(row: EventRow): OutboxEvent {
  return {
    id: row.id,
    shopId: row.shop_id,
    type: row.type,
    version: row.version,
    subjectId: row.subject_id,
    data: row.data,
    createdAt: row.created_at,
  };
}
