import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EVENT_TYPES } from '../domain/events.ts';
import { listDeadLetters, retryDeadLetter } from '../outbox/dead-letters.ts';
import { eventView, listEvents } from '../outbox/event-feed.ts';
import type { ServiceContext } from '../services/context.ts';
import type { KeyAuthenticator } from '../services/shops.ts';
import { authenticateAdmin } from './admin-routes.ts';
import { ADMIN_CODES, errorResponses } from './errors.ts';
import { id, page, pageQuery } from './schemas.ts';

const security = [{ adminKey: [] }];

const eventSchema = z
  .object({
    id: z.string(),
    object: z.literal('event'),
    type: z
      .enum(EVENT_TYPES as [string, ...string[]])
      .describe('See docs/events.md for each type and its data'),
    version: z.number().describe('The version of this type’s data shape'),
    subjectId: z.string().describe('What the event is about: a pre-order, campaign, batch, variant or shop'),
    data: z.record(z.string(), z.unknown()),
    createdAt: z.string(),
  })
  .meta({ id: 'Event' });

const deadLetter = z
  .object({
    id: z.string(),
    object: z.literal('dead_letter'),
    consumer: z.string().describe('Who could not take the event: email, webhooks, …'),
    eventId: z.string(),
    eventType: z.string(),
    attempts: z.number(),
    lastError: z.string(),
    failedAt: z.string(),
  })
  .meta({ id: 'DeadLetter' });

const eventQuery = pageQuery.extend({
  after: id('evt').optional().describe('The id of the last event you read: the page starts after it'),
  type: z
    .string()
    .max(1000)
    .optional()
    .describe('Comma-separated event types, or families such as `preorder.*`'),
  subject: z
    .string()
    .max(64)
    .regex(/^[a-z]+_[0-9a-z]+$/, 'an id such as po_…')
    .optional()
    .describe('Only events about this pre-order, campaign, batch, variant or shop'),
});

/** What happened in the shop, for integrators who poll rather than receive webhooks, and failed deliveries. */
export function eventRoutes(ctx: ServiceContext, keys: KeyAuthenticator): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', authenticateAdmin(keys));

    app.get(
      '/v1/events',
      {
        schema: {
          operationId: 'listEvents',
          tags: ['events'],
          summary: 'List what happened in the shop, oldest first',
          description:
            'Poll with `after` set to the id of the last event you read. Events appear in the order their ' +
            'changes committed, and only once no change still running can come before them, so nothing is ' +
            'skipped. Each type and its data are described in docs/events.md.',
          security,
          querystring: eventQuery,
          response: { 200: page(eventSchema), ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) => {
        const { type, subject, ...paging } = request.query;
        const result = await listEvents(ctx, request.shop.id, {
          ...paging,
          types: type
            ?.split(',')
            .map((each) => each.trim())
            .filter(Boolean),
          subjectId: subject,
        });
        return { data: result.data.map(eventView), nextCursor: result.nextCursor };
      },
    );

    app.get(
      '/v1/dead-letters',
      {
        schema: {
          operationId: 'listDeadLetters',
          tags: ['events'],
          summary: 'Deliveries that failed every try (emails, webhooks), newest last',
          security,
          querystring: pageQuery.extend({
            after: id('dlf').optional().describe('The `nextCursor` of the previous page'),
            consumer: z
              .string()
              .max(40)
              .regex(/^[a-z_]+$/)
              .optional(),
          }),
          response: { 200: page(deadLetter), ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => {
        const result = await listDeadLetters(ctx, request.shop.id, request.query);
        return { data: result.data.map(deadLetterView), nextCursor: result.nextCursor };
      },
    );

    app.post(
      '/v1/dead-letters/:id/retry',
      {
        schema: {
          operationId: 'retryDeadLetter',
          tags: ['events'],
          summary: 'Deliver a dead letter once more, at the relay’s next pass',
          security,
          params: z.object({ id: id('dlf') }),
          response: { 200: deadLetter, ...errorResponses(ADMIN_CODES, 'not_found', 'invalid_transition') },
        },
      },
      async (request) => deadLetterView(await retryDeadLetter(ctx, request.shop.id, request.params.id)),
    );
  };
}

function deadLetterView(letter: Awaited<ReturnType<typeof retryDeadLetter>>) {
  return { object: 'dead_letter' as const, ...letter, failedAt: letter.failedAt.toISOString() };
}
