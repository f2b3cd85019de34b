/**
 * The Shopify adapter's routes: the merchant connects a store and imports its catalogue (admin key), the
 * install callback and the webhooks come from Shopify (signed, no key), and the store's theme asks for holds
 * (publishable key, inside the storefront scope).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { KeyAuthenticator } from '../services/shops.ts';
import { getImport, startImport } from '../shopify/catalogue.ts';
import { completeInstall, connectCustomApp, getConnection, installLink } from '../shopify/connections.ts';
import { HOLD_PROPERTY, placeHold } from '../shopify/holds.ts';
import type { Shopify } from '../shopify/shopify.ts';
import { receiveWebhook } from '../shopify/webhooks.ts';
import { authenticateAdmin } from './admin-routes.ts';
import {
  ADMIN_CODES,
  errorBody,
  errorResponses,
  REQUEST_CODES,
  STOREFRONT_CODES,
  statusFor,
} from './errors.ts';
import { email, id, idempotencyHeaders, MAX_QUANTITY, preorder, sku } from './schemas.ts';
import { PLACEMENT_REFUSALS } from './storefront-routes.ts';

const adminSecurity = [{ adminKey: [] }];
/** Shopify's order and product payloads can be large; only this route reads them. */
const WEBHOOK_BODY_LIMIT = 1024 * 1024;

const storeDomain = z
  .string()
  .min(1)
  .max(255)
  .describe('The store’s myshopify.com domain, e.g. my-store.myshopify.com');

const connection = z
  .object({
    object: z.literal('shopify_connection'),
    domain: z.string(),
    method: z.enum(['oauth', 'custom_app']),
    status: z.enum(['active', 'uninstalled']),
    scopes: z.array(z.string()),
    connectedAt: z.string(),
  })
  .meta({ id: 'ShopifyConnection' });

const catalogueImport = z
  .object({
    object: z.literal('shopify_import'),
    id: z.string(),
    status: z.enum(['running', 'done', 'failed']),
    pages: z.number().describe('Pages of up to 250 variants read so far'),
    variants: z.number().describe('Variants imported so far'),
    lastError: z.string().nullable(),
    startedAt: z.string(),
    updatedAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'ShopifyImport' });

const hold = z
  .object({
    object: z.literal('hold'),
    token: z
      .string()
      .describe('Carry it in the cart as a line item property named by `lineItemProperty.name`'),
    lineItemProperty: z.object({ name: z.literal(HOLD_PROPERTY), value: z.string() }),
    expiresAt: z.string().nullable().describe('The units go back on sale then unless an order takes them'),
    preorder: preorder.describe('The placed pre-order the hold is: queue position, price, promise'),
  })
  .meta({ id: 'Hold' });

type ConnectionView = Awaited<ReturnType<typeof getConnection>>;
const connectionView = (view: ConnectionView) => ({
  object: 'shopify_connection' as const,
  ...view,
  connectedAt: view.connectedAt.toISOString(),
});

type ImportView = Awaited<ReturnType<typeof getImport>>;
const importView = (view: ImportView) => ({
  object: 'shopify_import' as const,
  ...view,
  startedAt: view.startedAt.toISOString(),
  updatedAt: view.updatedAt.toISOString(),
  finishedAt: view.finishedAt?.toISOString() ?? null,
});

/** The merchant's side: `Authorization: Bearer <secret key>`. */
export function shopifyAdminRoutes(shopify: Shopify, keys: KeyAuthenticator): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', authenticateAdmin(keys));

    app.post(
      '/v1/shopify/connection',
      {
        schema: {
          operationId: 'connectShopify',
          tags: ['shopify'],
          summary: 'Connect a store through its own custom app: its Admin API access token and API secret',
          description:
            'The token is checked against the store (which must sell in the shop’s currency) and kept encrypted. ' +
            'The API secret verifies the webhooks the custom app sends. A catalogue import starts by itself.',
          security: adminSecurity,
          body: z.strictObject({
            domain: storeDomain,
            accessToken: z.string().min(10).max(255).describe('Admin API access token, shpat_…'),
            webhookSecret: z.string().min(10).max(255).describe('The custom app’s API secret key'),
          }),
          response: {
            201: connection,
            ...errorResponses(
              ADMIN_CODES,
              'invalid_store_domain',
              'store_refused',
              'store_unavailable',
              'store_taken',
              'currency_mismatch',
            ),
          },
        },
      },
      async (request, reply) =>
        reply.status(201).send(connectionView(await connectCustomApp(shopify, request.shop, request.body))),
    );

    app.get(
      '/v1/shopify/connection',
      {
        schema: {
          operationId: 'getShopifyConnection',
          tags: ['shopify'],
          summary: 'The store connected to this shop',
          security: adminSecurity,
          response: { 200: connection, ...errorResponses(ADMIN_CODES, 'store_not_connected') },
        },
      },
      async (request) => connectionView(await getConnection(shopify, request.shop.id)),
    );

    app.post(
      '/v1/shopify/install-links',
      {
        schema: {
          operationId: 'createShopifyInstallLink',
          tags: ['shopify'],
          summary: 'A link that installs Presell’s Shopify app on a store for this shop (valid 10 minutes)',
          security: adminSecurity,
          body: z.strictObject({ domain: storeDomain }),
          response: {
            201: z.object({
              object: z.literal('shopify_install_link'),
              url: z.string(),
              expiresAt: z.string(),
            }),
            ...errorResponses(ADMIN_CODES, 'invalid_store_domain', 'store_app_not_configured'),
          },
        },
      },
      async (request, reply) => {
        const link = installLink(shopify, request.shop, request.body.domain);
        return reply.status(201).send({
          object: 'shopify_install_link' as const,
          url: link.url,
          expiresAt: link.expiresAt.toISOString(),
        });
      },
    );

    app.post(
      '/v1/shopify/imports',
      {
        schema: {
          operationId: 'startShopifyImport',
          tags: ['shopify'],
          summary: 'Import the store’s catalogue (or answer the import already running)',
          description: 'Read page by page in the background; it resumes where it was after a restart.',
          security: adminSecurity,
          response: { 202: catalogueImport, ...errorResponses(ADMIN_CODES, 'store_not_connected') },
        },
      },
      async (request, reply) =>
        reply.status(202).send(importView(await startImport(shopify, request.shop.id))),
    );

    app.get(
      '/v1/shopify/imports/:id',
      {
        schema: {
          operationId: 'getShopifyImport',
          tags: ['shopify'],
          summary: 'An import’s progress',
          security: adminSecurity,
          params: z.object({ id: id('simp') }),
          response: { 200: catalogueImport, ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) => importView(await getImport(shopify.ctx, request.shop.id, request.params.id)),
    );
  };
}

/** What Shopify calls: the install callback (HMAC over the query) and webhooks (HMAC over the raw body). */
export function shopifyPublicRoutes(shopify: Shopify): FastifyPluginAsyncZod {
  return async (app) => {
    // The HMAC covers the bytes as sent: the body stays text in this scope.
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );

    app.get(
      '/v1/shopify/oauth/callback',
      {
        schema: {
          operationId: 'completeShopifyInstall',
          tags: ['shopify'],
          summary: 'Where Shopify sends the merchant after they install the app',
          // No key: Shopify's HMAC over the query authenticates the call.
          security: [],
          description:
            'Every query parameter is covered by Shopify’s HMAC; unknown ones are kept for the check.',
          querystring: z
            .object({
              code: z.string().min(1).max(512),
              hmac: z.string().min(1).max(256),
              shop: storeDomain,
              state: z.string().min(1).max(2048),
              timestamp: z.string().min(1).max(20),
            })
            .catchall(z.string().max(2048)),
          response: {
            200: {
              description: 'A page saying the store is connected',
              content: { 'text/html': { schema: z.string() } },
            },
            ...errorResponses(
              REQUEST_CODES,
              'invalid_signature',
              'invalid_store_domain',
              'install_link_expired',
              'store_refused',
              'store_unavailable',
              'store_app_not_configured',
            ),
          },
        },
      },
      async (request, reply) => {
        const { connection: connected } = await completeInstall(
          shopify,
          request.query as Record<string, string>,
        );
        return reply
          .type('text/html; charset=utf-8')
          .send(
            `<!doctype html><html lang="en"><meta charset="utf-8"><title>Presell</title>` +
              `<p>${connected.domain} is connected to Presell. You can close this page.</p></html>`,
          );
      },
    );

    app.post(
      '/v1/webhooks/shopify',
      {
        bodyLimit: WEBHOOK_BODY_LIMIT,
        schema: {
          operationId: 'receiveShopifyWebhook',
          tags: ['shopify'],
          summary: 'Shopify’s webhooks (orders, refunds, fulfilments, products, uninstall, privacy)',
          // No key: Shopify's HMAC over the body authenticates the call.
          security: [],
          description:
            'Verified with X-Shopify-Hmac-Sha256 over the raw body; a forged one is answered 401 and nothing is ' +
            'written. Kept once per X-Shopify-Webhook-Id and handled from the outbox.',
          response: {
            200: z.object({ received: z.literal(true), duplicate: z.boolean(), accepted: z.boolean() }),
            ...errorResponses(REQUEST_CODES, 'invalid_signature'),
          },
        },
      },
      async (request, reply) => {
        const receipt = await receiveWebhook(shopify, {
          rawBody: typeof request.body === 'string' ? request.body : '',
          rawRequest: request.raw,
          rawResponse: reply.raw,
        });
        return { received: true as const, ...receipt };
      },
    );
  };
}

/** The store's theme asks for a hold before the cart; inside the storefront scope (key, CORS, rate limit). */
export function shopifyStorefrontRoutes(shopify: Shopify): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/v1/storefront/holds',
      {
        schema: {
          operationId: 'createHold',
          tags: ['storefront'],
          summary:
            'Hold units for Shopify’s cart: never more than the cap, with a queue position and promise',
          description:
            'Requires an Idempotency-Key (a retry gets the same hold). Put `token` on the cart line as the property ' +
            `\`${HOLD_PROPERTY}\`; the order that carries it becomes the pre-order. Unclaimed, the units go back ` +
            'on sale at `expiresAt`.',
          security: [{ publishableKey: [] }],
          headers: idempotencyHeaders,
          body: z.strictObject({
            sku,
            quantity: z.number().int().min(1).max(MAX_QUANTITY),
            email: email
              .nullish()
              .describe('The shopper’s email when the store knows it; the order names them otherwise'),
          }),
          response: {
            201: hold,
            ...errorResponses(STOREFRONT_CODES, ...PLACEMENT_REFUSALS, 'store_not_connected'),
          },
        },
      },
      async (request, reply) => {
        const answer = await placeHold(shopify, request.shop, {
          ...request.body,
          idempotencyKey: request.headers['idempotency-key'],
        });
        if ('refused' in answer) {
          const { code, message, details } = answer.refused;
          return reply.status(statusFor(code)).send(errorBody(code, message, details));
        }
        if (answer.replayed) reply.header('idempotent-replayed', 'true');
        const { token, expiresAt, preorder: placed } = answer.hold;
        return reply.status(201).send({
          object: 'hold' as const,
          token,
          lineItemProperty: { name: HOLD_PROPERTY, value: token },
          expiresAt: expiresAt?.toISOString() ?? null,
          preorder: placed,
        });
      },
    );
  };
}
