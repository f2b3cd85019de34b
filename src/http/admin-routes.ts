import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CampaignAction } from '../domain/campaign.ts';
import { DomainError } from '../domain/errors.ts';
import {
  archiveCampaign,
  type CampaignChanges,
  createCampaign,
  deleteDraftCampaign,
  getCampaign,
  listCampaigns,
  moveCampaign,
  type NewCampaign,
  updateCampaign,
} from '../services/campaigns.ts';
import type { ServiceContext } from '../services/context.ts';
import { recordShipment } from '../services/fulfilment.ts';
import { preorderLedger } from '../services/payments.ts';
import { getPreorder, listPreorders, preorderEmails, preorderView } from '../services/preorders.ts';
import type { KeyAuthenticator } from '../services/shops.ts';
import { promiseHistory } from '../services/supply.ts';
import {
  archiveVariant,
  createVariant,
  getVariant,
  listVariants,
  updateVariant,
} from '../services/variants.ts';
import { ADMIN_CODES, errorResponses } from './errors.ts';
import {
  campaign,
  campaignQuery,
  createCampaignBody,
  createVariantBody,
  fulfilBody,
  id,
  money,
  page,
  preorder,
  preorderEmail,
  preorderQuery,
  updateCampaignBody,
  updateVariantBody,
  variant,
  variantQuery,
} from './schemas.ts';
import { promiseHistoryEntry } from './supply-schemas.ts';
import { campaignView, variantView } from './views.ts';

const security = [{ adminKey: [] }];
const campaignParams = z.object({ id: id('cmp') });
const variantParams = z.object({ id: id('var') });
const toDate = (value: string | null | undefined) => (value == null ? value : new Date(value));

/**
 * The hook every admin route runs first: the shop of the secret key in `Authorization: Bearer sk_…` (the
 * scheme's name in any case, as HTTP says).
 */
export function authenticateAdmin(keys: KeyAuthenticator) {
  return async (request: FastifyRequest) => {
    const header = request.headers.authorization?.trim();
    if (!header) {
      throw new DomainError('unauthorized', 'send the shop’s secret key as `Authorization: Bearer sk_…`');
    }
    const [scheme, key] = header.split(/\s+/, 2);
    if (scheme?.toLowerCase() !== 'bearer' || !key) {
      throw new DomainError(
        'unauthorized',
        'the Authorization header must be `Bearer sk_…`, the shop’s secret key',
      );
    }
    const found = await keys.authenticateKey(key, 'secret');
    request.shop = found.shop;
    request.apiKey = { id: found.keyId, hint: found.hint };
  };
}

/** The merchant's API: `Authorization: Bearer <secret key>`; everything is scoped to the key's shop. */
export function adminRoutes(ctx: ServiceContext, keys: KeyAuthenticator): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', authenticateAdmin(keys));

    app.post(
      '/v1/variants',
      {
        schema: {
          operationId: 'createVariant',
          tags: ['variants'],
          summary: 'Create a variant',
          security,
          body: createVariantBody,
          response: { 201: variant, ...errorResponses(ADMIN_CODES, 'duplicate_variant') },
        },
      },
      async (request, reply) =>
        reply.status(201).send(variantView(await createVariant(ctx, request.shop.id, request.body))),
    );

    app.get(
      '/v1/variants',
      {
        schema: {
          operationId: 'listVariants',
          tags: ['variants'],
          summary: 'List variants (not archived unless asked), oldest first',
          security,
          querystring: variantQuery,
          response: { 200: page(variant), ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => {
        const result = await listVariants(ctx, request.shop.id, request.query);
        return { data: result.data.map(variantView), nextCursor: result.nextCursor };
      },
    );

    app.get(
      '/v1/variants/:id',
      {
        schema: {
          operationId: 'getVariant',
          tags: ['variants'],
          summary: 'Get a variant',
          security,
          params: variantParams,
          response: { 200: variant, ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) => variantView(await getVariant(ctx, request.shop.id, request.params.id)),
    );

    app.patch(
      '/v1/variants/:id',
      {
        schema: {
          operationId: 'updateVariant',
          tags: ['variants'],
          summary:
            'Change a variant’s name, external id or units on hand (the sku is its identity and stays)',
          security,
          params: variantParams,
          body: updateVariantBody,
          response: {
            200: variant,
            ...errorResponses(ADMIN_CODES, 'not_found', 'archived', 'duplicate_variant', 'units_in_hand'),
          },
        },
      },
      async (request) => variantView(await updateVariant(ctx, request.shop, request.params.id, request.body)),
    );

    for (const action of ['archive', 'unarchive'] as const) {
      app.post(
        `/v1/variants/:id/${action}`,
        {
          schema: {
            operationId: `${action}Variant`,
            tags: ['variants'],
            summary:
              action === 'archive'
                ? 'Archive a variant no live campaign sells: it leaves the default list and joins no campaign'
                : 'Bring an archived variant back',
            security,
            params: variantParams,
            response: { 200: variant, ...errorResponses(ADMIN_CODES, 'not_found', 'variant_in_use') },
          },
        },
        async (request) =>
          variantView(await archiveVariant(ctx, request.shop.id, request.params.id, action === 'archive')),
      );
    }

    app.get(
      '/v1/campaigns',
      {
        schema: {
          operationId: 'listCampaigns',
          tags: ['campaigns'],
          summary: 'List campaigns (not archived unless asked), newest first',
          security,
          querystring: campaignQuery,
          response: { 200: page(campaign), ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => {
        const result = await listCampaigns(ctx, request.shop.id, request.query);
        return { data: result.data.map(campaignView), nextCursor: result.nextCursor };
      },
    );

    app.delete(
      '/v1/campaigns/:id',
      {
        schema: {
          operationId: 'deleteCampaign',
          tags: ['campaigns'],
          summary:
            'Delete a draft campaign with its caps and supply plan (a campaign that opened is archived)',
          security,
          params: campaignParams,
          response: {
            204: z.null().describe('Deleted'),
            ...errorResponses(ADMIN_CODES, 'not_found', 'invalid_transition'),
          },
        },
      },
      async (request, reply) => {
        await deleteDraftCampaign(ctx, request.shop.id, request.params.id);
        return reply.status(204).send(null);
      },
    );

    for (const action of ['archive', 'unarchive'] as const) {
      app.post(
        `/v1/campaigns/:id/${action}`,
        {
          schema: {
            operationId: `${action}Campaign`,
            tags: ['campaigns'],
            summary:
              action === 'archive'
                ? 'Archive a closed (or never opened) campaign: it leaves the default lists and the cash report'
                : 'Bring an archived campaign back',
            security,
            params: campaignParams,
            response: { 200: campaign, ...errorResponses(ADMIN_CODES, 'not_found', 'invalid_transition') },
          },
        },
        async (request) =>
          campaignView(await archiveCampaign(ctx, request.shop.id, request.params.id, action === 'archive')),
      );
    }

    app.post(
      '/v1/campaigns',
      {
        schema: {
          operationId: 'createCampaign',
          tags: ['campaigns'],
          summary: 'Create a campaign (as a draft)',
          security,
          body: createCampaignBody,
          response: {
            201: campaign,
            ...errorResponses(
              ADMIN_CODES,
              'unknown_variant',
              'invalid_campaign',
              'currency_mismatch',
              'archived',
            ),
          },
        },
      },
      async (request, reply) => {
        const body = request.body;
        const input: NewCampaign = {
          ...body,
          opensAt: toDate(body.opensAt),
          closesAt: toDate(body.closesAt),
        };
        return reply.status(201).send(campaignView(await createCampaign(ctx, request.shop, input)));
      },
    );

    app.get(
      '/v1/campaigns/:id',
      {
        schema: {
          operationId: 'getCampaign',
          tags: ['campaigns'],
          summary: 'Get a campaign with its variants’ caps and units held',
          security,
          params: campaignParams,
          response: { 200: campaign, ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) => campaignView(await getCampaign(ctx, request.shop.id, request.params.id)),
    );

    app.patch(
      '/v1/campaigns/:id',
      {
        schema: {
          operationId: 'updateCampaign',
          tags: ['campaigns'],
          summary: 'Change a campaign; a cap below the units held is refused with cap_below_held',
          security,
          params: campaignParams,
          body: updateCampaignBody,
          response: {
            200: campaign,
            ...errorResponses(
              ADMIN_CODES,
              'not_found',
              'campaign_closed',
              'invalid_campaign',
              'unknown_variant',
              'cap_below_held',
              'variant_in_other_campaign',
              'currency_mismatch',
              'units_in_hand',
              'archived',
            ),
          },
        },
      },
      async (request) => {
        const { opensAt, closesAt, ...rest } = request.body;
        const changes: CampaignChanges = {
          ...rest,
          ...(opensAt !== undefined ? { opensAt: toDate(opensAt) } : {}),
          ...(closesAt !== undefined ? { closesAt: toDate(closesAt) } : {}),
        };
        return campaignView(await updateCampaign(ctx, request.shop, request.params.id, changes));
      },
    );

    for (const action of ['open', 'pause', 'close'] satisfies CampaignAction[]) {
      app.post(
        `/v1/campaigns/:id/${action}`,
        {
          schema: {
            operationId: `${action}Campaign`,
            tags: ['campaigns'],
            summary:
              action === 'open'
                ? 'Open a campaign (scheduled when opensAt is in the future)'
                : `${action[0]?.toUpperCase()}${action.slice(1)} a campaign`,
            security,
            params: campaignParams,
            response: {
              200: campaign,
              ...errorResponses(
                ADMIN_CODES,
                'not_found',
                'invalid_transition',
                'window_ended',
                'invalid_campaign',
                'variant_in_other_campaign',
                'archived',
              ),
            },
          },
        },
        async (request) => campaignView(await moveCampaign(ctx, request.shop.id, request.params.id, action)),
      );
    }

    app.get(
      '/v1/preorders',
      {
        schema: {
          operationId: 'listPreorders',
          tags: ['preorders'],
          summary: 'List pre-orders, oldest first, by campaign, state, email, batch or payment status',
          security,
          querystring: preorderQuery,
          response: { 200: page(preorder), ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => {
        const { campaign: campaignId, batch: batchId, ...filter } = request.query;
        const result = await listPreorders(ctx, request.shop.id, { ...filter, campaignId, batchId });
        return {
          data: result.data.map((p) => preorderView(p, request.shop, ctx.clock())),
          nextCursor: result.nextCursor,
        };
      },
    );

    app.get(
      '/v1/preorders/:id',
      {
        schema: {
          operationId: 'getPreorder',
          tags: ['preorders'],
          summary:
            'Get a pre-order, with its promise and every announced change of it, and where its money stands',
          security,
          params: z.object({ id: id('po') }),
          response: {
            200: preorder.extend({
              promiseHistory: z.array(promiseHistoryEntry),
              money: z
                .object({ charged: money, refunded: money, outstanding: money })
                .describe(
                  'Sums of the ledger (GET …/ledger lists its entries); outstanding is what the plan still asks',
                ),
            }),
            ...errorResponses(ADMIN_CODES, 'not_found'),
          },
        },
      },
      async (request) => {
        const found = await getPreorder(ctx, request.shop.id, request.params.id);
        const [history, ledger] = await Promise.all([
          promiseHistory(ctx.db, request.shop.id, found.id),
          preorderLedger(ctx, request.shop, found.id),
        ]);
        return {
          ...preorderView(found, request.shop, ctx.clock()),
          promiseHistory: history.map((entry) => ({ ...entry, at: entry.at.toISOString() })),
          money: { charged: ledger.charged, refunded: ledger.refunded, outstanding: ledger.outstanding },
        };
      },
    );

    app.get(
      '/v1/preorders/:id/emails',
      {
        schema: {
          operationId: 'listPreorderEmails',
          tags: ['preorders'],
          summary: 'The emails sent about a pre-order (and any whose last try failed), oldest first',
          description:
            'A failed message is tried again by the outbox relay on its schedule (GET /v1/dead-letters after ' +
            'the last try); its row then says sent.',
          security,
          params: z.object({ id: id('po') }),
          response: {
            200: z.object({ data: z.array(preorderEmail) }),
            ...errorResponses(ADMIN_CODES, 'not_found'),
          },
        },
      },
      async (request) => {
        const emails = await preorderEmails(ctx, request.shop.id, request.params.id);
        return { data: emails.map((email) => ({ ...email, at: email.at.toISOString() })) };
      },
    );

    app.post(
      '/v1/preorders/:id/fulfil',
      {
        schema: {
          operationId: 'fulfilPreorder',
          tags: ['preorders'],
          summary: 'Record a parcel of a ready pre-order; the last one fulfils it, with carrier and tracking',
          description:
            'Only a `ready` pre-order (fully paid, its units in hand) ships; anything else answers 409 ' +
            'invalid_transition with the state it is in. Under the split policy a pre-order may leave in several ' +
            'parcels (`quantity`); it is fulfilled when every unit has shipped.',
          security,
          params: z.object({ id: id('po') }),
          body: fulfilBody,
          response: {
            200: preorder,
            ...errorResponses(
              ADMIN_CODES,
              'not_found',
              'invalid_transition',
              'shipment_too_large',
              'partial_shipment_refused',
              'shipment_already_recorded',
            ),
          },
        },
      },
      async (request) => {
        const { shippedAt, ...shipment } = request.body ?? {};
        const fulfilled = await recordShipment(ctx, request.shop, request.params.id, {
          ...shipment,
          ...(shippedAt ? { shippedAt: new Date(shippedAt) } : {}),
        });
        return preorderView(fulfilled, request.shop, ctx.clock());
      },
    );
  };
}
