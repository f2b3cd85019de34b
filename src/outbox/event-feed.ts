/**
 * The shop's events as an integrator polls them (`GET /v1/events`): oldest first, in the order the relay
 * delivers them, and only events whose transaction can no longer be overtaken by one still running, so a
 * client that keeps the last id it saw and asks for what comes after never misses one.
 */
import { DomainError } from '../domain/errors.ts';
import { EVENT_TYPES, type EventType } from '../domain/events.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Page } from '../services/pagination.ts';
import type { OutboxEvent } from './relay.ts';

export interface EventFilter {
  limit: number;
  /** The id of the last event already read. */
  after?: string | undefined;
  /** Exact types, or a family such as `preorder.*`. */
  types?: readonly string[] | undefined;
  subjectId?: string | undefined;
}

export async function listEvents(
  ctx: ServiceContext,
  shopId: string,
  filter: EventFilter,
): Promise<Page<OutboxEvent>> {
  const types = filter.types?.length ? expandTypes(filter.types) : null;
  let after: { tx_id: string; id: string } | undefined;
  if (filter.after) {
    [after] = await ctx.db.query<{ tx_id: string; id: string }>(
      'SELECT tx_id::text AS tx_id, id FROM events WHERE shop_id = $1 AND id = $2',
      [shopId, filter.after],
    );
    if (!after)
      throw new DomainError('not_found', 'no event with that id to continue after', { after: filter.after });
  }
  const rows = await ctx.db.query<{
    id: string;
    type: EventType;
    version: number;
    subject_id: string;
    data: Record<string, unknown>;
    created_at: Date;
  }>(
    `SELECT e.id, e.type, e.version, e.subject_id, e.data, e.created_at FROM events e
     WHERE e.shop_id = $1 AND e.tx_id < pg_snapshot_xmin(pg_current_snapshot())
       AND ($2::text IS NULL OR (e.tx_id, e.id) > ($2::xid8, $3))
       AND ($4::text[] IS NULL OR e.type = ANY($4)) AND ($5::text IS NULL OR e.subject_id = $5)
     ORDER BY e.tx_id, e.id LIMIT $6`,
    [shopId, after?.tx_id ?? null, after?.id ?? '', types, filter.subjectId ?? null, filter.limit + 1],
  );
  const more = rows.length > filter.limit;
  const page = more ? rows.slice(0, filter.limit) : rows;
  return {
    data: page.map((row) => ({
      id: row.id,
      shopId,
      type: row.type,
      version: row.version,
      subjectId: row.subject_id,
      data: row.data,
      createdAt: row.created_at,
    })),
    nextCursor: more ? (page.at(-1)?.id ?? null) : null,
  };
}

/** An event as integrators read it, from `GET /v1/events` and in webhooks. */
export function eventView(event: OutboxEvent) {
  return {
    id: event.id,
    object: 'event' as const,
    type: event.type,
    version: event.version,
    subjectId: event.subjectId,
    data: event.data,
    createdAt: event.createdAt.toISOString(),
  };
}

/** The catalogue's types a filter names; an unknown one is refused with the ones there are. */
function expandTypes(filters: readonly string[]): EventType[] {
  const types = new Set<EventType>();
  for (const filter of filters) {
    const matches = filter.endsWith('.*')
      ? EVENT_TYPES.filter((type) => type.startsWith(filter.slice(0, -1)))
      : EVENT_TYPES.filter((type) => type === filter);
    if (matches.length === 0) {
      throw new DomainError('validation_failed', `no event type matches "${filter}"`, {
        field: 'type',
        received: filter,
        expected: `one of ${EVENT_TYPES.join(', ')}, or a family such as preorder.*`,
      });
    }
    for (const type of matches) types.add(type);
  }
  return [...types];
}
