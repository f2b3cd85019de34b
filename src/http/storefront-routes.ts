import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { shopDate } from '../domain/calendar.ts';
import type { ErrorCode } from '../domain/errors.ts';
import { DomainError } from '../domain/errors.ts';
import { normaliseAddress } from '../domain/fulfilment.ts';
import { dueTerms } from '../domain/offer-wording.ts';
import { hasWording, wordingLocale } from '../domain/ship-window-wording.ts';
import { canonicalLocale } from '../domain/shop.ts';
import { getOffer } from '../services/campaigns.ts';
import { placedTerms } from '../services/checkouts.ts';
import type { ServiceContext } from '../services/context.ts';
import type { PaymentStatus } from '../services/payments.ts';
import type { Placements } from '../services/placement.ts';
import type { PreorderView } from '../services/preorders.ts';
import type { KeyAuthenticator, Shop } from '../services/shops.ts';
import { errorBody, errorResponses, STOREFRONT_CODES, statusFor } from './errors.ts';
import { placedPreorder, placePreorderWithPaymentBody } from './money-schemas.ts';
import type { OfferCache } from './offer-cache.ts';
import { idempotencyHeaders, offer, sku } from './schemas.ts';
import { dueView, offerView } from './views.ts';

const security = [{ publishableKey: [] }];

/** What the campaign's rules and the Idempotency-Key refuse a placement (or a hold, which is one). */
export const PLACEMENT_REFUSALS: readonly ErrorCode[] = [
  'not_found',
  'sold_out',
  'campaign_not_open',
  'per_customer_limit',
  'idempotency_key_in_use',
  'idempotency_key_reused',
];

/** What the first payment step of a placement can be refused with. */
export const PAYMENT_REFUSALS: readonly ErrorCode[] = [
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
];

/** Everything a placement that pays can be refused with. */
export const PLACEMENT_CODES: readonly ErrorCode[] = [...PLACEMENT_REFUSALS, ...PAYMENT_REFUSALS];
/** How long a browser or a CDN may use an offer without asking again: units sell by the second. */
export const OFFER_MAX_AGE_SECONDS = 10;

export const offerQuery = z
  .object({
    key: z.string().max(200).optional().describe('The publishable key, for pages that send no header'),
    locale: z
      .string()
      .max(35)
      .refine((tag) => canonicalLocale(tag) !== undefined, 'a BCP 47 locale such as de-DE or fr')
      .optional()
      .describe(
        'The page’s language; used when Presell has texts in it (en, de, fr, ja), else the Accept-Language ' +
          'header’s first such language, else the shop’s (English when Presell has no texts in it)',
      ),
  })
  .strict();

/** The key from the `Presell-Key` header, or from `?key=` on a read. */
function publishableKeyOf(request: FastifyRequest): string | undefined {
  const header = request.headers['presell-key'];
  if (typeof header === 'string') return header;
  const query = request.method === 'GET' ? (request.query as { key?: unknown }).key : undefined;
  return typeof query === 'string' ? query : undefined;
}

/**
 * The locale a storefront page asked for (`?locale=`, then its `Accept-Language` in order of preference)
 * when Presell has texts in its language, else the shop's, worded whole (es-ES → English).
 */
export function storefrontLocale(
  shop: Shop,
  asked: string | undefined,
  acceptLanguage: string | undefined = undefined,
): string {
  for (const tag of [asked, ...acceptedLanguages(acceptLanguage)]) {
    const locale = tag && canonicalLocale(tag);
    if (locale && hasWording(locale)) return locale;
  }
  return wordingLocale(shop.locale);
}

/** The tags of an Accept-Language header, most preferred first; `*` and refused (q=0) ones left out. */
function acceptedLanguages(header: string | undefined): string[] {
  if (!header) return [];
  return header
    .split(',')
    .map((entry, index) => {
      const [tag = '', ...parameters] = entry.trim().split(';');
      const q = parameters.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
      return { tag: tag.trim(), weight: q === undefined ? 1 : Number(q), index };
    })
    .filter(({ tag, weight }) => tag !== '' && tag !== '*' && weight > 0)
    .sort((a, b) => b.weight - a.weight || a.index - b.index)
    .map(({ tag }) => tag);
}

/**
 * A placed pre-order as the shopper is answered: with what it pays now and later and when, by the terms
 * locked when it was placed and the promise it was given (the same for a replay of that answer).
 */
export async function placedAnswer(
  ctx: ServiceContext,
  shop: Shop,
  { placed, payment }: { placed: PreorderView; payment?: PaymentStatus | undefined },
  locale: string,
) {
  const terms = dueTerms(
    placed.total,
    placed.quantity,
    await placedTerms(ctx, shop.id, placed.id),
    placed.promise?.window?.to ?? null,
  );
  const due = dueView(terms, { locale, today: shopDate(ctx.clock(), shop.timeZone) });
  return { ...placed, ...(payment ? { payment } : {}), due };
}

/** Whether the client's If-None-Match names this ETag. */
function hasCopy(request: FastifyRequest, etag: string): boolean {
  return request.headers['if-none-match']?.split(',').some((tag) => tag.trim() === etag) ?? false;
}

/**
 * What a shop's storefront calls from shoppers' browsers: the publishable key in `Presell-Key`.
 * CORS is open and every route is rate limited per client address and shop.
 */
/** A storefront client may read this many times as often as it writes. */
export const READS_PER_WRITE = 20;

function isRead(request: FastifyRequest): boolean {
  return request.method === 'GET' || request.method === 'HEAD';
}

export function storefrontRoutes(
  ctx: ServiceContext,
  keys: KeyAuthenticator,
  placements: Placements,
  rateLimit: { max: number; timeWindow: number },
  offers: OfferCache,
  /** More routes served with the storefront's key, CORS and rate limit (payments, checkout, Shopify holds). */
  moreRoutes: readonly FastifyPluginAsyncZod[] = [],
): FastifyPluginAsyncZod {
  return async (app) => {
    // Hooks run in this order: CORS answers preflights, then the key names the shop, then the limit
    // counts per client address and shop, so made-up keys cannot buy a fresh allowance.
    await app.register(import('@fastify/cors'), { origin: '*', methods: ['GET', 'POST'], maxAge: 600 });
    app.addHook('onRequest', async (request) => {
      const key = publishableKeyOf(request);
      if (!key) {
        throw new DomainError(
          'unauthorized',
          'send the shop’s publishable key (pk_…) in the Presell-Key header, or as ?key= on a read',
        );
      }
      request.shop = await keys.authenticate(key, 'publishable');
    });
    // Writes (placements, holds, checkouts) and reads are counted apart: a shop page shows several offers
    // to every shopper behind one office address, and reads are cheap and cached.
    await app.register(import('@fastify/rate-limit'), {
      timeWindow: rateLimit.timeWindow,
      max: (request) => (isRead(request) ? rateLimit.max * READS_PER_WRITE : rateLimit.max),
      keyGenerator: (request) => `${request.ip}|${request.shop.id}|${isRead(request) ? 'read' : 'write'}`,
      errorResponseBuilder: (_request, context) => ({
        statusCode: 429,
        ...errorBody('rate_limited', `too many requests; retry in ${Math.ceil(context.ttl / 1000)} s`),
      }),
    });

    app.get(
      '/v1/storefront/offers/:sku',
      {
        schema: {
          operationId: 'getOffer',
          tags: ['storefront'],
          summary: 'What the pre-order button shows for a sku',
          description:
            'Cacheable: answered with an ETag and a short max-age, and 304 Not Modified to a revalidation ' +
            '(If-None-Match) while the offer is unchanged. A page may send its key as `?key=` instead of the ' +
            'header, so that the browser needs no preflight request.',
          security,
          params: z.object({ sku }),
          querystring: offerQuery,
          response: {
            200: offer,
            304: z.null().describe('Not modified: the copy the client has (If-None-Match) is current'),
            ...errorResponses(STOREFRONT_CODES, 'not_found'),
          },
        },
      },
      async (request, reply) => {
        const { shop } = request;
        const { sku } = request.params;
        const locale = storefrontLocale(shop, request.query.locale, request.headers['accept-language']);
        const answer = await offers.get(`${shop.id}|${sku}|${locale}`, async () => {
          try {
            const view = offerView(await getOffer(ctx, shop, sku), shop, ctx.clock(), locale);
            return { status: 200, body: JSON.stringify(offer.parse(view)) };
          } catch (error) {
            // Most products of a store sell without Presell: their answer is kept too.
            if (!(error instanceof DomainError && error.code === 'not_found')) throw error;
            return { status: 404, body: JSON.stringify(errorBody(error.code, error.message, error.details)) };
          }
        });
        reply
          .header('cache-control', `public, max-age=${OFFER_MAX_AGE_SECONDS}`)
          .header('vary', 'Presell-Key, Accept-Language');
        if (answer.status === 200) {
          reply.header('etag', answer.etag);
          if (hasCopy(request, answer.etag)) {
            return reply
              .code(304)
              .serializer(() => '')
              .send(null);
          }
        }
        // Sent as serialized when it was computed, past the response schema it was checked against then.
        return reply
          .code(answer.status === 200 ? 200 : 404)
          .type('application/json; charset=utf-8')
          .serializer((payload: unknown) => payload as string)
          .send(answer.body as never);
      },
    );

    app.post(
      '/v1/storefront/preorders',
      {
        schema: {
          operationId: 'placePreorder',
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
          response: { 201: placedPreorder, ...errorResponses(STOREFRONT_CODES, ...PLACEMENT_CODES) },
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
        if ('placed' in answer) {
          const locale = storefrontLocale(request.shop, undefined, request.headers['accept-language']);
          return reply.status(201).send(await placedAnswer(ctx, request.shop, answer, locale));
        }
        const { code, message, details } = answer.refused;
        return reply.status(statusFor(code)).send(errorBody(code, message, details));
      },
    );

    for (const routes of moreRoutes) await app.register(routes);
  };
}
