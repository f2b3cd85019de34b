import type { Queryable } from '../db/database.ts';
import { checkEvent, EVENTS, type NewEvent } from '../domain/events.ts';
import { newId } from '../ids.ts';

/**
 * Writes events into the outbox. Always called inside the transaction that made the change (the unit of
 * work does it before commit), so an event exists exactly when its change committed. Each is checked
 * against the catalogue first.
 */
export async function appendEvents(tx: Queryable, events: readonly NewEvent[], now: Date): Promise<void> {
  if (events.length === 0) return;
  await tx.query(
    `INSERT INTO events (id, shop_id, type, version, subject_id, data, created_at)
     SELECT e.id, e.shop_id, e.type, e.version, e.subject_id, e.data, $2
     FROM jsonb_to_recordset($1::jsonb) AS e(id text, shop_id text, type text, version int, subject_id text, data jsonb)`,
    [JSON.stringify(eventRows(events, now)), now],
  );
}

/** The rows `appendEvents` writes. */
function eventRows(events: readonly NewEvent[], now: Date) {
  return events.map((event) => {
    checkEvent(event);
    return {
      id: newId('event', now.getTime()),
      shop_id: event.shopId,
      type: event.type,
      version: EVENTS[event.type].version,
      subject_id: event.subjectId,
      data: event.data,
    };
  });
}
