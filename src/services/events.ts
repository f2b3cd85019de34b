import type { Queryable } from '../db/database.ts';
import { newId } from '../ids.ts';

export interface NewEvent {
  shopId: string;
  type: string;
  subjectId: string;
  data: Record<string, unknown>;
}

/**
 * Writes events into the outbox. Always called inside the transaction that made the change, so an event
 * exists exactly when its change committed.
 */
export async function appendEvents(tx: Queryable, events: readonly NewEvent[], now: Date): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO events (id, shop_id, type, subject_id, data, created_at)
     SELECT e.id, e.shop_id, e.type, e.subject_id, e.data, $2
     FROM jsonb_to_recordset($1::jsonb) AS e(id text, shop_id text, type text, subject_id text, data jsonb)`,
    [JSON.stringify(eventRows(events, now)), now],
  );
}

/** The rows `appendEvents` writes, for callers that fold the insert into a larger statement. */
export function eventRows(events: readonly NewEvent[], now: Date) {
  return events.map((event) => ({
    id: newId('event', now.getTime()),
    shop_id: event.shopId,
    type: event.type,
    subject_id: event.subjectId,
    data: event.data,
  }));
}
