import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { serializerCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Mail } from '../notify/mailer.ts';
import type { ServiceContext } from '../services/context.ts';
import { JobStarter } from '../services/job-kinds.ts';
import type { Payments } from '../services/payment-operations.ts';
import { Placements } from '../services/placement.ts';
import { KeyAuthenticator, type Shop } from '../services/shops.ts';
import type { Shopify } from '../shopify/shopify.ts';
import type { AddressPolicy } from '../webhooks/safe-request.ts';
import { adminPageRoutes } from './admin-page.ts';
import { adminRoutes } from './admin-routes.ts';
import { auditRoutes, installAudit } from './audit.ts';
import { checkoutApiRoutes, checkoutPageRoutes } from './checkout-routes.ts';
import { communicationRoutes } from './communication-routes.ts';
import { dashboardRoutes } from './dashboard-routes.ts';
import { answerClientError, answerError, installErrorHandling } from './errors.ts';
import { eventRoutes } from './event-routes.ts';
import { forecastRoutes } from './forecast-routes.ts';
import { registerHomePage } from './home-page.ts';
import { inboxRoutes } from './inbox-routes.ts';
import { keyRoutes } from './key-routes.ts';
import { moneyAdminRoutes, moneyStorefrontRoutes, webhookRoutes } from './money-routes.ts';
import { OfferCache } from './offer-cache.ts';
import { registerOpenApi } from './openapi.ts';
import { operationsRoutes } from './operations-routes.ts';
import { portalRoutes } from './portal-routes.ts';
import { shopRoutes } from './shop-routes.ts';
import { shopifyAdminRoutes, shopifyPublicRoutes, shopifyStorefrontRoutes } from './shopify-routes.ts';
import { storefrontRoutes } from './storefront-routes.ts';
import { supplyRoutes } from './supply-routes.ts';
import { validatorCompiler } from './validation.ts';
import { webAssetRoutes } from './web-assets.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The shop the request's key belongs to; set by the routes' authentication hook. */
    shop: Shop;
    /** The merchant's secret key that made an admin request (for the audit log); null elsewhere. */
    apiKey: { id: string; hint: string } | null;
  }
}

export interface AppOptions {
  /** Storefront requests per client address and key per window. */
  rateLimit?: { max: number; timeWindow: number };
  logger?: FastifyServerOptions['logger'];
  /** Placements coalesced into one transaction at most (see Placements). */
  maxPlacementBatch?: number;
  /**
   * Proxies whose X-Forwarded-For is believed (Fastify's `trustProxy`): behind a load balancer, so that
   * rate limits count shoppers, not the balancer. Default: none.
   */
  trustProxy?: FastifyServerOptions['trustProxy'];
  /**
   * The payment provider and the money jobs' timings. Without it, placements hold units and stay `placed`
   * (no payment step) and the money routes are not served.
   */
  payments?: Payments;
  /** The Shopify adapter: its routes are served when it is given. */
  shopify?: Shopify | undefined;
  /** Answer 500 when a route answers an error code it does not list (for tests: keeps the OpenAPI honest). */
  strictErrorCodes?: boolean;
  /** How long each offer is kept in this process (see OfferCache); 0 computes every answer. */
  offerCacheMs?: number;
  /** Stripe's publishable key (pk_…), for the Payment Element on the hosted checkout when Stripe takes payments. */
  stripePublishableKey?: string | undefined;
  /** Webhook endpoints on loopback, private and link-local addresses: refused unless allowed (local use, tests). */
  webhooks?: AddressPolicy;
  /** Where emails go: the portal sends fresh links with it and previews word links for it. */
  mail?: Mail | undefined;
  /** Serve the inbox of captured emails at /inbox (the demo's). */
  inbox?: boolean;
}

const BODY_LIMIT = 64 * 1024;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Keys and cookies never reach a log line; bodies are not logged at all. */
export const LOG_REDACTIONS = [
  'req.headers.authorization',
  'req.headers["presell-key"]',
  'req.headers.cookie',
];

/** Request lines name the path, never the query string: a filter such as `?email=` is customer data. */
function withoutQueryStrings(logger: FastifyServerOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  const base = logger === true ? {} : logger;
  return {
    ...base,
    serializers: {
      ...base.serializers,
      req: (request: { method: string; url: string; ip?: string }) => ({
        method: request.method,
        url: request.url.split('?')[0],
        remoteAddress: request.ip,
      }),
    },
  };
}

/**
 * A request's id, 16 hex digits (60 bits random). Taken from a UUID because Node draws those from a
 * batch of random bytes, where randomBytes called the system's generator on every request.
 */
function requestId(): string {
  return `req_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
}

export async function buildApp(ctx: ServiceContext, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: withoutQueryStrings(options.logger ?? false),
    bodyLimit: BODY_LIMIT,
    genReqId: requestId,
    trustProxy: options.trustProxy ?? false,
    frameworkErrors: answerError,
    clientErrorHandler: answerClientError,
  }).withTypeProvider<ZodTypeProvider>();
  // Only JSON is read; a text body is refused as an unsupported media type rather than read as a string.
  app.removeContentTypeParser('text/plain');
  app.addHook('onRequest', async (request) => {
    // Many clients send `Content-Type: application/json` on every POST, with or without a body.
    const { 'content-length': length, 'transfer-encoding': encoding } = request.headers;
    if (length === '0' || (length === undefined && encoding === undefined)) {
      delete request.headers['content-type'];
    }
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('shop', null as unknown as Shop);
  app.decorateRequest('apiKey', null);
  app.addHook('onSend', async (request, reply) => {
    reply.header('request-id', request.id);
  });
  installErrorHandling(app, { strictErrorCodes: options.strictErrorCodes ?? false });

  await registerOpenApi(app);
  app.get(
    '/health',
    {
      schema: {
        operationId: 'getHealth',
        tags: ['health'],
        summary: 'Whether the server is up (for load balancers and monitors)',
        security: [],
        response: { 200: z.object({ ok: z.literal(true) }) },
      },
    },
    async () => ({ ok: true as const }),
  );
  registerHomePage(app);

  const keys = new KeyAuthenticator(ctx);
  const { payments, shopify } = options;
  const placements = new Placements(ctx, options.maxPlacementBatch, payments);
  const offers = new OfferCache(() => ctx.clock().getTime(), options.offerCacheMs);
  app.addHook('onResponse', async (request, reply) => {
    // A write may change what an offer says: placements, payments, the merchant's changes.
    if (WRITES.has(request.method) && reply.statusCode < 500) offers.invalidate();
  });
  const jobs = new JobStarter(ctx, payments, (error) =>
    app.log.error({ err: error }, 'a bulk job pass failed'),
  );
  app.addHook('onClose', () => jobs.idle());
  installAudit(app, ctx);
  await app.register(adminRoutes(ctx, keys));
  await app.register(auditRoutes(ctx, keys));
  await app.register(keyRoutes(ctx, keys));
  await app.register(shopRoutes(ctx, keys, payments, options.mail));
  await app.register(
    operationsRoutes(ctx, keys, { jobs, webhooks: options.webhooks ?? { allowInternal: false } }),
  );
  await app.register(supplyRoutes(ctx, keys));
  await app.register(eventRoutes(ctx, keys));
  await app.register(forecastRoutes(ctx, keys));
  await app.register(dashboardRoutes(ctx, keys));
  await app.register(
    storefrontRoutes(ctx, keys, placements, options.rateLimit ?? { max: 120, timeWindow: 60_000 }, offers, [
      ...(payments ? [moneyStorefrontRoutes(ctx, payments)] : []),
      checkoutApiRoutes(ctx, placements, payments),
      ...(shopify ? [shopifyStorefrontRoutes(shopify)] : []),
    ]),
  );
  await app.register(webAssetRoutes());
  await app.register(adminPageRoutes());
  await app.register(checkoutPageRoutes(ctx, keys, payments, options.stripePublishableKey));
  if (shopify) {
    await app.register(shopifyAdminRoutes(shopify, keys));
    await app.register(shopifyPublicRoutes(shopify));
  }
  if (payments) {
    await app.register(moneyAdminRoutes(ctx, keys, payments));
    await app.register(webhookRoutes(ctx, payments));
    const limit = options.rateLimit ?? { max: 120, timeWindow: 60_000 };
    await app.register(portalRoutes({ ctx, payments, mail: options.mail, rateLimit: limit }));
  }
  await app.register(communicationRoutes(ctx, keys, options.mail));
  if (options.inbox) await app.register(inboxRoutes(ctx));
  return app;
}
