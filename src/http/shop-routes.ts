/**
 * The shop itself: its name, currency, time zone, locale and branding (read and change), and the payment
 * provider this server takes money through (read only: the server's environment configures it).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { wordingOf } from '../domain/shop.ts';
import type { Mail } from '../notify/mailer.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Payments } from '../services/payment-operations.ts';
import { type KeyAuthenticator, type Shop, updateShop } from '../services/shops.ts';
import { authenticateAdmin } from './admin-routes.ts';
import { publicUrlFor } from './communication-routes.ts';
import { ADMIN_CODES, errorResponses } from './errors.ts';

const security = [{ adminKey: [] }];
const tags = ['shop'];

const shopSchema = z
  .object({
    object: z.literal('shop'),
    id: z.string(),
    name: z.string(),
    currency: z.string().describe('ISO 4217; fixed once the shop has campaigns'),
    timeZone: z.string().describe('IANA time zone: days and dates are the shop’s in it'),
    locale: z.string().describe('BCP 47 locale of the customers’ texts, dates and amounts'),
    wording: z
      .object({
        locale: z.string().describe('The locale texts are worded in'),
        language: z.string(),
        fallback: z
          .boolean()
          .describe(
            'true when the locale’s language has no texts (there are en, de, fr and ja): English of its region',
          ),
      })
      .describe('What the locale gives customers'),
    brandName: z.string().nullable().describe('The name customers see; null: the shop’s name'),
    accentColor: z.string().nullable().describe('#rrggbb of buttons and rules; null: Presell’s blue'),
    logoUrl: z.string().nullable().describe('https address of the logo above emails and pages; null: none'),
    createdAt: z.string(),
  })
  .meta({ id: 'Shop' });

const optionalText = (description: string) => z.string().max(2000).optional().describe(description);
const clearable = (description: string) => z.string().max(2000).nullable().optional().describe(description);

const updateShopBody = z.strictObject({
  name: optionalText('The shop’s name, 1 to 200 characters'),
  currency: optionalText('ISO 4217 code as written (EUR); only while the shop has no campaign'),
  timeZone: optionalText('IANA time zone, e.g. Europe/Berlin'),
  locale: optionalText('BCP 47 locale, e.g. de-DE; texts exist in en, de, fr and ja, others read English'),
  brandName: clearable('The name customers see, 1 to 200 characters; null: the shop’s name'),
  accentColor: clearable('A colour written #rrggbb; null: Presell’s blue'),
  logoUrl: clearable('An https:// address of the logo; null: none'),
});

const paymentProviderView = z
  .object({
    object: z.literal('payment_provider'),
    provider: z
      .string()
      .nullable()
      .describe(
        'test (test cards only) or stripe; null: this server takes no payments (placements hold units only)',
      ),
    mode: z.enum(['test', 'live']).nullable().describe('live: real money moves'),
    webhookUrl: z.string().nullable().describe('The address to give the provider for its events'),
    balanceRetryDays: z
      .array(z.number())
      .describe(
        'Days from each failed balance charge to the next; after the last, the pre-order is cancelled',
      ),
    placementTimeoutMinutes: z.number().describe('How long a placed pre-order waits for its first payment'),
    configuredBy: z
      .array(z.string())
      .describe('The server’s environment variables that set all this; secrets are never shown'),
  })
  .meta({ id: 'PaymentProvider' });

/** The environment that configures payments (src/cli/settings.ts documents each). */
const PAYMENT_ENVIRONMENT = [
  'PRESELL_PAYMENTS',
  'STRIPE_SECRET_KEY',
  'STRIPE_WEBHOOK_SECRET',
  'STRIPE_PUBLISHABLE_KEY',
  'PRESELL_BALANCE_RETRY_DAYS',
];

function shopView(shop: Shop) {
  return {
    object: 'shop' as const,
    id: shop.id,
    name: shop.name,
    currency: shop.currency,
    timeZone: shop.timeZone,
    locale: shop.locale,
    wording: wordingOf(shop.locale),
    brandName: shop.brandName,
    accentColor: shop.accentColor,
    logoUrl: shop.logoUrl,
    createdAt: shop.createdAt.toISOString(),
  };
}

export function shopRoutes(
  ctx: ServiceContext,
  keys: KeyAuthenticator,
  payments: Payments | undefined,
  mail: Mail | undefined,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', authenticateAdmin(keys));

    app.get(
      '/v1/shop',
      {
        schema: {
          operationId: 'getShop',
          tags,
          summary: 'The shop’s name, currency, time zone, locale and branding',
          security,
          response: { 200: shopSchema, ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => shopView(request.shop),
    );

    app.patch(
      '/v1/shop',
      {
        schema: {
          operationId: 'updateShop',
          tags,
          summary: 'Change the shop’s name, currency, time zone, locale or branding',
          security,
          body: updateShopBody,
          response: {
            200: shopSchema,
            ...errorResponses(ADMIN_CODES, 'invalid_shop', 'currency_in_use'),
          },
        },
      },
      async (request) => {
        const shop = await updateShop(ctx, request.shop.id, request.body);
        // This process keeps each key's shop for a while; the next request reads the new settings.
        keys.forgetShop(shop.id);
        return shopView(shop);
      },
    );

    app.get(
      '/v1/payment-provider',
      {
        schema: {
          operationId: 'getPaymentProvider',
          tags,
          summary: 'The payment provider this server uses, its mode, webhook address and retry schedule',
          security,
          response: { 200: paymentProviderView, ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => {
        const provider = payments?.provider;
        return {
          object: 'payment_provider' as const,
          provider: provider?.name ?? null,
          mode: provider ? (provider.live ? ('live' as const) : ('test' as const)) : null,
          webhookUrl: provider ? `${publicUrlFor(mail, request)}/v1/webhooks/${provider.name}` : null,
          balanceRetryDays: [...(payments?.settings.balanceRetryDays ?? [])],
          placementTimeoutMinutes: Math.round((payments?.settings.placementTimeoutMs ?? 0) / 60_000),
          configuredBy: PAYMENT_ENVIRONMENT,
        };
      },
    );
  };
}
