import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../services/context.ts';
import { launchDashboard } from '../services/launch-dashboard.ts';
import type { KeyAuthenticator } from '../services/shops.ts';
import { authenticateAdmin } from './admin-routes.ts';
import { ADMIN_CODES, errorResponses } from './errors.ts';
import { id, sku } from './schemas.ts';

const security = [{ adminKey: [] }];

const dashboardQuery = z.strictObject({
  sku: sku.optional().describe('One variant of the campaign; default all of its variants together'),
});

const dashboard = z
  .object({
    object: z.literal('launch_dashboard'),
    campaignId: z.string(),
    currency: z.string(),
    timeZone: z.string().describe('Days and weeks are the shop’s, in this time zone'),
    sku: z.string().nullable(),
    variants: z.array(
      z.object({ variantId: z.string(), sku: z.string(), cap: z.number().nullable(), held: z.number() }),
    ),
    unitsHeld: z.number(),
    cap: z.number().nullable().describe('null when a variant has no cap'),
    onHand: z.number(),
    days: z
      .array(z.object({ date: z.string(), placed: z.number(), units: z.number(), cancelled: z.number() }))
      .describe(
        'Per shop-local day with any activity: pre-orders placed (and their units), and pre-orders cancelled ' +
          '(abandoned checkouts left out)',
      ),
    supply: z
      .array(
        z.object({
          date: z.string().describe('The batch’s ready date'),
          batchId: z.string(),
          units: z.number().describe('Received units of a received batch, else its planned quantity'),
          state: z.enum(['planned', 'confirmed', 'received']),
        }),
      )
      .describe('Batches by ready date: the steps of cumulative supply'),
    unpromisedUnits: z.number().describe('Units of live pre-orders that no supply covers yet'),
    shipWeeks: z
      .array(z.object({ week: z.string(), customers: z.number(), units: z.number() }))
      .describe('Live, unshipped pre-orders by the first day of the week their promise starts'),
    cancellationAlert: z
      .object({ percent: z.number(), windowDays: z.number() })
      .describe('The shop’s alert threshold (GET /v1/communication/settings)'),
  })
  .meta({ id: 'LaunchDashboard' });

/** The launch dashboard's figures: SQL aggregates per day and week, never a page of every pre-order. */
export function dashboardRoutes(ctx: ServiceContext, keys: KeyAuthenticator): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', authenticateAdmin(keys));

    app.get(
      '/v1/campaigns/:id/dashboard',
      {
        schema: {
          tags: ['campaigns'],
          operationId: 'getCampaignDashboard',
          summary:
            'A campaign’s launch in figures: held against cap, placements and cancellations per day, supply, ship weeks',
          description:
            'Aggregated in the database, so it answers as quickly for 100,000 pre-orders as for ten. Cash is ' +
            'GET /v1/reports/cash?campaign=….',
          security,
          params: z.object({ id: id('cmp') }),
          querystring: dashboardQuery,
          response: { 200: dashboard, ...errorResponses(ADMIN_CODES, 'not_found', 'unknown_variant') },
        },
      },
      async (request) => ({
        object: 'launch_dashboard' as const,
        ...(await launchDashboard(ctx, request.shop, request.params.id, request.query)),
      }),
    );
  };
}
