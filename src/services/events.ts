import type { Queryable } from '../db/database.ts';
import { type RowColumn, rowsAs } from '../db/rows.ts';
import { checkEvent, EVENTS, type NewEvent } from '../domain/events.ts';
import { newId } from '../ids.ts';

/**
 * Writes events into the outbox. Always called inside the transaction that made the change (the unit of
 * work does it before commit), so an event exists exactly when its change committed. Each is checked
 * against the catalogue first.
 */
export async function appendEvents(tx: Queryable, events: readonly NewEvent[], now: Date): Promise<void> {
  if (events.length === 0) return;
  const params: unknown[] = [now];
  const rows = rowsAs('e', EVENT_ROW, eventRows(events, now), params);
  await tx.query(
    `INSERT INTO events (id, shop_id, type, version, subject_id, data, created_at)
     SELECT e.id, e.shop_id, e.type, e.version, e.subject_id, e.data, $1 FROM ${rows}`,
    params,
  );
}

const EVENT_ROW: RowColumn[] = [
  ['id', 'text'],
  ['shop_id', 'text'],
  ['type', 'text'],
  ['version', 'int'],
  ['subject_id', 'text'],
  ['data', 'jsonb'],
];

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
