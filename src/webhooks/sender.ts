/**
 * The webhook sender: a consumer of the outbox relay that delivers each event to every enabled endpoint
 * of its shop that wants it, signed per Standard Webhooks. `webhook-id` is the relay's delivery key, the
 * same on every try, for receivers to drop repeats. An endpoint that took the event is remembered, so a
 * retry (on the relay's schedule, then a dead letter that can be retried) goes only to those that did
 * not; an endpoint that answers 410 Gone is disabled.
 */
import { EVENT_TYPES } from '../domain/events.ts';
import { eventView } from '../outbox/event-feed.ts';
import type { Consumer } from '../outbox/relay.ts';
import type { ServiceContext } from '../services/context.ts';
import { disableGoneEndpoint, endpointsFor } from './endpoints.ts';
import { type AddressPolicy, postWebhook } from './safe-request.ts';
import { signatureHeader } from './signature.ts';

export const WEBHOOK_CONSUMER = 'webhooks';

export function webhookSender(ctx: ServiceContext, policy: AddressPolicy): Consumer {
  return {
    name: WEBHOOK_CONSUMER,
    types: EVENT_TYPES,
    async deliver(event, delivery) {
      const endpoints = await endpointsFor(ctx, event.shopId, event.type, ctx.clock());
      if (endpoints.length === 0) return;
      const settled = new Set(
        (
          await ctx.db.query<{ endpoint_id: string }>(
            `SELECT endpoint_id FROM webhook_deliveries
             WHERE shop_id = $1 AND event_id = $2 AND status IN ('delivered', 'gone')`,
            [event.shopId, event.id],
          )
        ).map((row) => row.endpoint_id),
      );
      const body = JSON.stringify({
        type: event.type,
        timestamp: event.createdAt.toISOString(),
        data: eventView(event),
      });
      const failures: string[] = [];
      for (const endpoint of endpoints.filter((candidate) => !settled.has(candidate.id))) {
        const timestamp = Math.floor(ctx.clock().getTime() / 1000);
        const headers = {
          'webhook-id': delivery.key,
          'webhook-timestamp': String(timestamp),
          'webhook-signature': signatureHeader({ id: delivery.key, timestamp, body }, endpoint.secrets),
          'user-agent': 'Presell-Webhooks/1',
        };
        let outcome: { status: 'delivered' | 'failed' | 'gone'; code: number | null; error: string | null };
        try {
          const answer = await postWebhook(endpoint.url, headers, body, { policy, signal: delivery.signal });
          outcome =
            answer.status >= 200 && answer.status < 300
              ? { status: 'delivered', code: answer.status, error: null }
              : answer.status === 410
                ? { status: 'gone', code: 410, error: 'the endpoint answered 410 Gone' }
                : { status: 'failed', code: answer.status, error: `answered ${answer.status}` };
        } catch (error) {
          outcome = { status: 'failed', code: null, error: (error as Error).message };
        }
        await recordAttempt(ctx, event.shopId, endpoint.id, event.id, outcome);
        if (outcome.status === 'gone')
          await disableGoneEndpoint(ctx, event.shopId, endpoint.id, endpoint.url);
        if (outcome.status === 'failed') failures.push(`${endpoint.id} (${endpoint.url}): ${outcome.error}`);
      }
      if (failures.length > 0) throw new Error(failures.join('; '));
    },
  };
}

async function recordAttempt(
  ctx: ServiceContext,
  shopId: string,
  endpointId: string,
  eventId: string,
  outcome: { status: string; code: number | null; error: string | null },
) {
  await ctx.db.query(
    `INSERT INTO webhook_deliveries (shop_id, endpoint_id, event_id, status, attempts, last_status, last_error, updated_at)
     VALUES ($1, $2, $3, $4, 1, $5, $6, $7)
     ON CONFLICT (shop_id, endpoint_id, event_id) DO UPDATE SET status = excluded.status,
       attempts = webhook_deliveries.attempts + 1, last_status = excluded.last_status,
       last_error = excluded.last_error, updated_at = excluded.updated_at`,
    [shopId, endpointId, eventId, outcome.status, outcome.code, outcome.error, ctx.clock()],
  );
}
