import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { normaliseAddress } from '../domain/fulfilment.ts';
import { getOffer } from '../services/campaigns.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Placements } from '../services/placement.ts';
import type { KeyAuthenticator } from '../services/shops.ts';
import { errorBody, errorResponses, STOREFRONT_CODES, statusFor } from './errors.ts';
import { placedPreorder, placePreorderWithPaymentBody } from './money-schemas.ts';
import { idempotencyHeaders, offer, sku } from './schemas.ts';
import { offerView } from './views.ts';

const security = [{ publishableKey: [] }];

/**
 * What a shop's storefront calls from shoppers' browsers: the publishable key in `Presell-Key`.
 * CORS is open and every route is rate limited per client address and shop.
 */
export function storefrontRoutes(
  ctx: ServiceContext,
  keys: KeyAuthenticator,
  placements: Placements,
  rateLimit: { max: number; timeWindow: number },
  /** The shopper's payment routes, served with the storefront's key, CORS and rate limit. */
  paymentRoutes?: FastifyPluginAsyncZod,
): FastifyPluginAsyncZod {
  return async (app) => {
    // Hooks run in this order: CORS answers preflights, then the key names the shop, then the limit
    // counts per client address and shop, so made-up keys cannot buy a fresh allowance.
    await app.register(import('@fastify/cors'), { origin: '*', methods: ['GET', 'POST'], maxAge: 600 });
    app.addHook('onRequest', async (request) => {
      const key = request.headers['presell-key'];
      request.shop = await keys.authenticate(typeof key === 'string' ? key : undefined, 'publishable');
    });
    await app.register(import('@fastify/rate-limit'), {
      ...rateLimit,
      keyGenerator: (request) => `${request.ip}|${request.shop.id}`,
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        ...errorBody('rate_limited', `too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`),
      }),
    });

    app.get(
      '/v1/storefront/offers/:sku',
      {
        schema: {
          tags: ['storefront'],
          summary: 'What the pre-order button shows for a sku',
          security,
          params: z.object({ sku }),
          response: { 200: offer, ...errorResponses(STOREFRONT_CODES, 'not_found') },
        },
      },
      async (request) =>
        offerView(await getOffer(ctx, request.shop, request.params.sku), request.shop, ctx.clock()),
    );

    app.post(
      '/v1/storefront/preorders',
      {
        schema: {
          tags: ['storefront'],
          summary: 'Place a pre-order; units are held at once, never more than the cap',
          description:
            'Requires an Idempotency-Key. A retry with the same key and body returns the first answer; the same key ' +
            'with another body is refused (422 idempotency_key_reused); while the first is still running, 409. A ' +
            'replayed answer carries the header `Idempotent-Replayed: true` and is the answer as it was first ' +
            'given; `GET /v1/preorders/{id}` tells where the pre-order stands now.',
          security,
          headers: idempotencyHeaders,
          body: placePreorderWithPaymentBody,
          response: {
            201: placedPreorder,
            ...errorResponses(
              STOREFRONT_CODES,
              'not_found',
              'sold_out',
              'campaign_not_open',
              'per_customer_limit',
              'idempotency_key_in_use',
              'idempotency_key_reused',
              'card_declined',
              'insufficient_funds',
              'expired_card',
              'authentication_required',
              'authentication_failed',
              'processing_error',
              'invalid_request',
              'invalid_amount',
              'invalid_state',
              'provider_unavailable',
              'provider_misconfigured',
            ),
          },
        },
      },
      async (request, reply) => {
        const { shippingAddress, ...body } = request.body;
        const answer = await placements.place(request.shop, {
          ...body,
          ...(shippingAddress ? { shippingAddress: normaliseAddress(shippingAddress) } : {}),
          idempotencyKey: request.headers['idempotency-key'],
        });
        if (answer.replayed) reply.header('idempotent-replayed', 'true');
        if ('placed' in answer) return reply.status(201).send({ ...answer.placed, payment: answer.payment });
        const { code, message, details } = answer.refused;
        return reply.status(statusFor(code)).send(errorBody(code, message, details));
      },
    );

    if (paymentRoutes) await app.register(paymentRoutes);
  };
}
