/**
 * The hosted checkout's API, inside the storefront's scope (publishable key, CORS, rate limit): place a
 * pre-order with its shipping address, and, with the test provider, the steps its card form takes in the
 * shopper's browser (what Stripe.js does against Stripe).
 */
import type { FastifyPluginAsync } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { checkoutWording } from '../domain/checkout-wording.ts';
import { DomainError } from '../domain/errors.ts';
import { normaliseAddress } from '../domain/fulfilment.ts';
import { canonicalLocale, shownBranding } from '../domain/shop.ts';
import { TestPaymentProvider } from '../payments/test-provider.ts';
import { getOffer } from '../services/campaigns.ts';
import { isShopsPreorder, placeFromCheckout, variantName } from '../services/checkouts.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Payments } from '../services/payment-operations.ts';
import type { Placements } from '../services/placement.ts';
import type { KeyAuthenticator, Shop } from '../services/shops.ts';
import { checkoutNotice, checkoutPage } from './checkout-page.ts';
import { errorBody, errorResponses, STOREFRONT_CODES, statusFor } from './errors.ts';
import { safeLink } from './html.ts';
import { placedPreorder } from './money-schemas.ts';
import { idempotencyHeaders, MAX_QUANTITY, placePreorderBody, shippingAddressInput } from './schemas.ts';
import { PLACEMENT_CODES, placedAnswer, storefrontLocale } from './storefront-routes.ts';
import { offerView } from './views.ts';
import { type Bundle, webBundles } from './web-assets.ts';

const security = [{ publishableKey: [] }];

export const checkoutBody = placePreorderBody
  .extend({
    shippingAddress: shippingAddressInput.describe('Where it ships: the hosted checkout always asks'),
    locale: z
      .string()
      .max(35)
      .optional()
      .describe('The language the answer’s texts are in, as for the offer'),
  })
  .strict();

const clientSecret = z
  .string()
  .min(10)
  .max(255)
  .regex(/^[\x21-\x7e]+$/, 'the client secret from the placement’s payment');

const browserStep = z
  .object({
    status: z
      .string()
      .describe('Where the payment stands: succeeded, requires_action, requires_payment_method'),
    code: z.string().nullable().describe('Why the card was refused: card_declined, authentication_failed, …'),
  })
  .meta({ id: 'TestPaymentStep' });

export function checkoutApiRoutes(
  ctx: ServiceContext,
  placements: Placements,
  payments: Payments | undefined,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/v1/storefront/checkouts',
      {
        schema: {
          operationId: 'createCheckout',
          tags: ['storefront'],
          summary: 'Place a pre-order from the hosted checkout, with the address it ships to',
          description:
            'As POST /v1/storefront/preorders without a payment method: units are held while the shopper pays ' +
            'in the browser with the client secret, then POST /v1/storefront/preorders/{id}/confirm. A retry ' +
            'with the same Idempotency-Key and body returns the first answer as it was, with the header ' +
            '`Idempotent-Replayed: true`; GET /v1/preorders/{id} tells where the pre-order stands now.',
          security,
          headers: idempotencyHeaders,
          body: checkoutBody,
          response: { 201: placedPreorder, ...errorResponses(STOREFRONT_CODES, ...PLACEMENT_CODES) },
        },
      },
      async (request, reply) => {
        const { shippingAddress, locale, ...placement } = request.body;
        const { shop } = request;
        const answer = await placeFromCheckout(placements, shop, {
          ...placement,
          shippingAddress: normaliseAddress(shippingAddress),
          idempotencyKey: request.headers['idempotency-key'],
        });
        if (answer.replayed) reply.header('idempotent-replayed', 'true');
        if ('placed' in answer) {
          const placed = await placedAnswer(ctx, shop, answer, storefrontLocale(shop, locale));
          return reply.status(201).send(placed);
        }
        const { code, message, details } = answer.refused;
        return reply.status(statusFor(code)).send(errorBody(code, message, details));
      },
    );

    const provider = payments?.provider;
    if (!(provider instanceof TestPaymentProvider)) return;
    const paymentErrors = errorResponses(STOREFRONT_CODES, 'not_found', 'invalid_state', 'invalid_request');
    /** One provider serves every shop of the process: a client secret works only with its own shop's key. */
    const assertShops = async (shop: Shop, clientSecret: string) => {
      const { preorderId } = provider.metadataOf(clientSecret);
      if (!preorderId || !(await isShopsPreorder(ctx, shop.id, preorderId))) {
        throw new DomainError('not_found', 'no payment of this shop waits with that client secret');
      }
    };

    app.post(
      '/v1/storefront/test-payments/confirm',
      {
        schema: {
          operationId: 'confirmTestPayment',
          tags: ['storefront'],
          summary: 'Test provider only: pay a waiting payment with a test card, as a card form would',
          security,
          body: z.object({ clientSecret, card: z.string().min(1).max(40) }).strict(),
          response: { 200: browserStep, ...paymentErrors },
        },
      },
      async (request) => {
        await assertShops(request.shop, request.body.clientSecret);
        return provider.confirmWithCard(request.body.clientSecret, request.body.card);
      },
    );

    app.post(
      '/v1/storefront/test-payments/authenticate',
      {
        schema: {
          operationId: 'authenticateTestPayment',
          tags: ['storefront'],
          summary: 'Test provider only: the shopper’s answer to the test bank’s 3-D Secure challenge',
          security,
          body: z.object({ clientSecret, outcome: z.enum(['authenticated', 'failed']) }).strict(),
          response: { 200: browserStep, ...paymentErrors },
        },
      },
      async (request) => {
        await assertShops(request.shop, request.body.clientSecret);
        return provider.authenticate(request.body.clientSecret, request.body.outcome);
      },
    );
  };
}

const pageQuery = z.object({
  key: z.string().max(200).optional(),
  locale: z.string().max(35).optional(),
  quantity: z.coerce.number().int().min(1).max(MAX_QUANTITY).optional().catch(undefined),
  back: z.string().max(2000).optional(),
});

/**
 * `GET /checkout/{sku}?key=pk_…[&locale=de][&quantity=2][&back=URL]`: the hosted checkout's page, served
 * under the storefront's publishable key. Stripe's Payment Element takes the card when Stripe is set up
 * (with STRIPE_PUBLISHABLE_KEY); the test provider's card form otherwise.
 */
export function checkoutPageRoutes(
  ctx: ServiceContext,
  keys: KeyAuthenticator,
  payments: Payments | undefined,
  stripePublishableKey: string | undefined,
): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: { sku: string }; Querystring: unknown }>(
      '/checkout/:sku',
      { schema: { hide: true } },
      async (request, reply) => {
        const query = pageQuery.safeParse(request.query);
        const asked = query.success ? query.data : {};
        const html = (status: number, body: string) =>
          reply
            .status(status)
            .type('text/html; charset=utf-8')
            .header('cache-control', 'no-store')
            .send(body);
        let shop: Shop;
        try {
          shop = await keys.authenticate(asked.key, 'publishable');
        } catch {
          const locale = canonicalLocale(asked.locale ?? '') ?? 'en';
          return html(401, checkoutNotice(locale, checkoutWording(locale).notFound));
        }
        const locale = storefrontLocale(shop, asked.locale, request.headers['accept-language']);
        const sku = request.params.sku;
        const [found, name] = await Promise.all([
          getOffer(ctx, shop, sku).catch((error: unknown) => {
            if (error instanceof DomainError && error.code === 'not_found') return undefined;
            throw error;
          }),
          variantName(ctx, shop.id, sku),
        ]);
        if (!found || !name) return html(404, checkoutNotice(locale, checkoutWording(locale).notFound));
        const offer = offerView(found, shop, ctx.clock(), locale);
        const provider = payments?.provider;
        const page = checkoutPage({
          brand: shownBranding(shop),
          locale,
          sku,
          productName: name,
          key: asked.key as string,
          texts: offer.texts,
          perCustomerLimit: offer.perCustomerLimit,
          quantity: asked.quantity ?? 1,
          holdMinutes: Math.round((payments?.settings.placementTimeoutMs ?? 0) / 60_000),
          provider:
            provider instanceof TestPaymentProvider
              ? { kind: 'test' }
              : provider && stripePublishableKey
                ? { kind: 'stripe', publishableKey: stripePublishableKey }
                : { kind: 'none' },
          back: safeLink(asked.back),
          script: ((await webBundles()).get('checkout') as Bundle).path,
        });
        return html(200, page);
      },
    );
  };
}
