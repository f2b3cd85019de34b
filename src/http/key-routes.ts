import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../services/context.ts';
import {
  type ApiKey,
  type KeyAuthenticator,
  listKeys,
  MAX_KEY_OVERLAP_SECONDS,
  rotateKey,
} from '../services/shops.ts';
import { authenticateAdmin } from './admin-routes.ts';
import { ADMIN_CODES, errorResponses } from './errors.ts';

const security = [{ adminKey: [] }];

const apiKeyView = z
  .object({
    id: z.string(),
    object: z.literal('api_key'),
    kind: z.enum(['secret', 'publishable']),
    hint: z.string().describe('The key’s last four characters'),
    createdAt: z.string(),
    expiresAt: z
      .string()
      .nullable()
      .describe('When it stops working: null for the current key, a time for one that was replaced'),
  })
  .meta({ id: 'ApiKey' });

const rotateKeyBody = z.strictObject({
  kind: z
    .enum(['secret', 'publishable'])
    .default('secret')
    .describe('Which key to replace: the secret key (sk_…) or the publishable one (pk_…)'),
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .max(MAX_KEY_OVERLAP_SECONDS)
    .default(0)
    .describe(
      'How long the replaced key keeps working beside the new one: 0 (the default) stops it at once, ' +
        'as for a key that leaked; up to a week for a planned change',
    ),
});

const rotatedKey = apiKeyView
  .extend({
    key: z.string().describe('The new key: shown this once, only its digest is kept'),
    replaced: z.array(apiKeyView).describe('The keys it replaces, with when each stops working'),
  })
  .meta({ id: 'RotatedApiKey' });

function keyView(key: ApiKey) {
  return {
    id: key.id,
    object: 'api_key' as const,
    kind: key.kind,
    hint: key.hint,
    createdAt: key.createdAt.toISOString(),
    expiresAt: key.expiresAt?.toISOString() ?? null,
  };
}

/** The shop's API keys: which work now, and a new one in place of the old. */
export function keyRoutes(ctx: ServiceContext, keys: KeyAuthenticator): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', authenticateAdmin(keys));

    app.get(
      '/v1/keys',
      {
        schema: {
          operationId: 'listKeys',
          tags: ['keys'],
          summary: 'The shop’s keys that work now (never the keys themselves), newest first',
          security,
          response: { 200: z.object({ data: z.array(apiKeyView) }), ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => ({ data: (await listKeys(ctx, request.shop.id)).map(keyView) }),
    );

    app.post(
      '/v1/keys/rotate',
      {
        schema: {
          operationId: 'rotateKey',
          tags: ['keys'],
          summary: 'Issue a new secret or publishable key; the one it replaces stops after `overlapSeconds`',
          security,
          body: rotateKeyBody,
          response: { 200: rotatedKey, ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => {
        const { kind, overlapSeconds } = request.body;
        const rotated = await rotateKey(ctx, request.shop.id, kind, overlapSeconds);
        // This process knew the old keys; it asks again, so a key stopped at once stops here at once.
        keys.forgetShop(request.shop.id);
        return { ...keyView(rotated.apiKey), key: rotated.key, replaced: rotated.retired.map(keyView) };
      },
    );
  };
}
