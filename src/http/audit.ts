/**
 * The audit log, kept in one place for every admin route: a hook notes the thing an action names before
 * its handler runs, and once the answer is ready writes who did what, the answer, and the thing after.
 * Reads (GET) and routes marked `config: { audit: false }` (previews that change nothing) are not actions.
 * Before and after are read around the action, not inside its transaction: two actions on one thing at the
 * same instant may each see the other's change.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { listAudit, snapshot, writeAudit } from '../services/audit-log.ts';
import type { ServiceContext } from '../services/context.ts';
import type { KeyAuthenticator } from '../services/shops.ts';
import { authenticateAdmin } from './admin-routes.ts';
import { ADMIN_CODES, errorResponses } from './errors.ts';
import { page, pageQuery } from './schemas.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** false: the route changes nothing, so it is no action for the audit log. */
    audit?: boolean;
  }
}

interface Noted {
  subjectId: string | null;
  before: unknown;
}

const noted = new WeakMap<FastifyRequest, Noted>();

function isAction(request: FastifyRequest): boolean {
  return request.apiKey !== null && request.method !== 'GET' && request.routeOptions.config?.audit !== false;
}

function subjectOf(request: FastifyRequest): string | null {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const id = params.batchId ?? params.id;
  return typeof id === 'string' ? id : null;
}

/** What the log keeps of a request body: JSON as sent, a file only as its kind. */
function requestOf(request: FastifyRequest): unknown {
  const body = request.body;
  if (body === undefined || body === null) return null;
  if (
    typeof body === 'object' &&
    !Array.isArray(body) &&
    typeof (body as { pipe?: unknown }).pipe !== 'function'
  ) {
    return body;
  }
  return { file: request.headers['content-type'] ?? 'unknown' };
}

export function installAudit(app: FastifyInstance, ctx: ServiceContext) {
  app.addHook('preHandler', async (request) => {
    if (!isAction(request)) return;
    const subjectId = subjectOf(request);
    noted.set(request, {
      subjectId,
      before: subjectId ? await snapshot(ctx.db, request.shop.id, subjectId) : null,
    });
  });
  app.addHook('onSend', async (request, reply, payload) => {
    const key = request.apiKey;
    // Only what was done: a refused request changed nothing.
    if (!key || !isAction(request) || reply.statusCode >= 300) return payload;
    const before = noted.get(request);
    let subjectId = before?.subjectId ?? null;
    let errorCode: string | null = null;
    if (typeof payload === 'string' && payload.startsWith('{')) {
      try {
        const answer = JSON.parse(payload) as { id?: unknown; error?: { code?: string } };
        errorCode = answer.error?.code ?? null;
        if (!subjectId && typeof answer.id === 'string') subjectId = answer.id;
      } catch {
        // Not JSON after all: nothing more to learn from the answer.
      }
    }
    try {
      await writeAudit(ctx, request.shop.id, {
        keyId: key.id,
        keyHint: key.hint,
        method: request.method,
        route: request.routeOptions.url ?? request.url.split('?')[0] ?? '',
        subjectId,
        request: requestOf(request),
        status: reply.statusCode,
        errorCode,
        before: before?.before ?? null,
        after: subjectId ? await snapshot(ctx.db, request.shop.id, subjectId) : null,
      });
    } catch (error) {
      // The action happened; a lost audit line is reported, never turned into a failed answer.
      request.log.error({ err: error }, 'could not write the audit log');
    }
    return payload;
  });
}

const auditEntry = z
  .object({
    id: z.string(),
    object: z.literal('audit_entry'),
    keyId: z.string().describe('The secret key that acted (its id; `keyHint` is its last four characters)'),
    keyHint: z.string(),
    method: z.string(),
    route: z.string().describe('The route, e.g. /v1/campaigns/:id/batches/:batchId'),
    subjectId: z.string().nullable().describe('What the action acted on'),
    request: z.unknown().describe('The JSON body as sent; a file only as its content type'),
    status: z.number(),
    errorCode: z.string().nullable(),
    before: z.unknown().describe('The subject as stored before the action (null for a creation)'),
    after: z.unknown().describe('The subject as stored after it'),
    createdAt: z.string(),
  })
  .meta({ id: 'AuditEntry' });

export function auditRoutes(ctx: ServiceContext, keys: KeyAuthenticator): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', authenticateAdmin(keys));
    app.get(
      '/v1/audit-log',
      {
        schema: {
          operationId: 'listAuditEntries',
          tags: ['audit'],
          summary:
            'Every merchant action: which key, when, what, and its subject before and after; oldest first',
          security: [{ adminKey: [] }],
          querystring: pageQuery.extend({
            subject: z
              .string()
              .max(64)
              .regex(/^[a-z]+_[0-9a-z]+$/, 'an id such as cmp_…')
              .optional()
              .describe('Only actions on this campaign, pre-order, batch, …'),
          }),
          response: { 200: page(auditEntry), ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => {
        const { subject, ...paging } = request.query;
        const result = await listAudit(ctx, request.shop.id, { ...paging, subjectId: subject });
        return {
          data: result.data.map((entry) => ({
            ...entry,
            object: 'audit_entry' as const,
            createdAt: entry.createdAt.toISOString(),
          })),
          nextCursor: result.nextCursor,
        };
      },
    );
  };
}
