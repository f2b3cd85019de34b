/** Deliveries that failed every try, for the merchant to see and to send again. */
import { DomainError } from '../domain/errors.ts';
import type { EventType } from '../domain/events.ts';
import type { ServiceContext } from '../services/context.ts';
import { type Page, type PageRequest, toPage } from '../services/pagination.ts';

export interface DeadLetter {
  id: string;
  consumer: string;
  eventId: string;
  eventType: EventType;
  attempts: number;
  lastError: string;
  failedAt: Date;
}

interface DeadLetterRow {
  id: string;
  consumer: string;
  event_id: string;
  type: EventType;
  attempts: number;
  last_error: string;
  updated_at: Date;
}

export async function listDeadLetters(
  ctx: ServiceContext,
  shopId: string,
  page: PageRequest & { consumer?: string | undefined },
): Promise<Page<DeadLetter>> {
  const rows = await ctx.db.query<DeadLetterRow>(
    `SELECT f.id, f.consumer, f.event_id, e.type, f.attempts, f.last_error, f.updated_at
     FROM outbox_failures f JOIN events e ON e.shop_id = f.shop_id AND e.id = f.event_id
     WHERE f.shop_id = $1 AND f.status = 'dead' AND ($2::text IS NULL OR f.id > $2)
       AND ($3::text IS NULL OR f.consumer = $3)
     ORDER BY f.id LIMIT $4`,
    [shopId, page.after ?? null, page.consumer ?? null, page.limit + 1],
  );
  return toPage(rows, page.limit, deadLetterOf);
}

/** Sends a dead letter once more, at the relay's next pass; should that fail too, it is dead again. */
export async function retryDeadLetter(ctx: ServiceContext, shopId: string, id: string): Promise<DeadLetter> {
  const now = ctx.clock();
  const [row] = await ctx.db.query<{ status: string }>(
    'SELECT status FROM outbox_failures WHERE shop_id = $1 AND id = $2',
    [shopId, id],
  );
  if (!row) throw new DomainError('not_found', 'no such dead letter', { id });
  if (row.status !== 'dead') {
    throw new DomainError('invalid_transition', 'this delivery is already being retried', {
      from: row.status,
    });
  }
  const [retried] = await ctx.db.query<DeadLetterRow>(
    `WITH retried AS (
       UPDATE outbox_failures SET status = 'retrying', next_attempt_at = $3, updated_at = $3
       WHERE shop_id = $1 AND id = $2 AND status = 'dead'
       RETURNING id, consumer, event_id, attempts, last_error, updated_at, shop_id
     )
     SELECT r.id, r.consumer, r.event_id, e.type, r.attempts, r.last_error, r.updated_at
     FROM retried r JOIN events e ON e.shop_id = r.shop_id AND e.id = r.event_id`,
    [shopId, id, now],
  );
  if (!retried) throw new DomainError('invalid_transition', 'this delivery is already being retried', { id });
  return deadLetterOf(retried);
}

function deadLetterOf(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    consumer: row.consumer,
    eventId: row.event_id,
    eventType: row.type,
    attempts: row.attempts,
    lastError: row.last_error,
    failedAt: row.updated_at,
  };
}
