import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { wordShipWindow } from '../domain/ship-window-wording.ts';
import type { ServiceContext } from '../services/context.ts';
import { getPreorder, preorderView } from '../services/preorders.ts';
import { wordingFor } from '../services/promise-view.ts';
import type { KeyAuthenticator, Shop } from '../services/shops.ts';
import {
  addBatch,
  type Batch,
  deleteBatch,
  listBatches,
  type PromiseReport,
  promiseReport,
  setPriority,
  updateBatch,
} from '../services/supply.ts';
import { authenticateAdmin } from './admin-routes.ts';
import { ADMIN_CODES, errorResponses } from './errors.ts';
import { id, preorder } from './schemas.ts';
import {
  batch,
  batchChange,
  createBatchBody,
  MOVED_SHOWN,
  priorityBody,
  promiseReport as promiseReportSchema,
  updateBatchBody,
} from './supply-schemas.ts';

const security = [{ adminKey: [] }];
const campaignParams = z.object({ id: id('cmp') });

/** The supply plan of a campaign: batches with quantities and ready dates, from which promises follow. */
export function supplyRoutes(ctx: ServiceContext, keys: KeyAuthenticator): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', authenticateAdmin(keys));

    app.post(
      '/v1/campaigns/:id/batches',
      {
        schema: {
          operationId: 'createBatch',
          tags: ['supply'],
          summary: 'Plan a supply batch; the customers it can serve are promised its window',
          security,
          params: campaignParams,
          body: createBatchBody,
          response: {
            201: batch,
            ...errorResponses(
              ADMIN_CODES,
              'not_found',
              'unknown_variant',
              'ready_date_in_past',
              'invalid_date',
              'supply_too_large',
            ),
          },
        },
      },
      async (request, reply) =>
        reply.status(201).send(batchView(await addBatch(ctx, request.shop, request.params.id, request.body))),
    );

    app.delete(
      '/v1/campaigns/:id/batches/:batchId',
      {
        schema: {
          operationId: 'deleteBatch',
          tags: ['supply'],
          summary:
            'Take a batch that serves no one out of the plan (one that serves customers is shrunk or moved)',
          security,
          params: campaignParams.extend({ batchId: id('bat') }),
          response: {
            204: z.null().describe('Deleted'),
            ...errorResponses(ADMIN_CODES, 'not_found', 'batch_in_use'),
          },
        },
      },
      async (request, reply) => {
        await deleteBatch(ctx, request.shop, request.params.id, request.params.batchId);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/v1/campaigns/:id/batches',
      {
        schema: {
          operationId: 'listBatches',
          tags: ['supply'],
          summary: 'List the supply batches of a campaign, earliest first',
          security,
          params: campaignParams,
          response: { 200: z.object({ data: z.array(batch) }), ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) => ({
        data: (await listBatches(ctx, request.shop.id, request.params.id)).map(batchView),
      }),
    );

    app.patch(
      '/v1/campaigns/:id/batches/:batchId',
      {
        schema: {
          operationId: 'updateBatch',
          tags: ['supply'],
          summary: 'Change a batch: slip its date, change its quantity, confirm or receive it',
          description:
            'Every customer whose promise moves by more than the campaign’s tolerance gets a ' +
            '`preorder.promise_changed` event; lowering a quantity re-promises the overflow, never drops it.',
          security,
          params: campaignParams.extend({ batchId: id('bat') }),
          body: updateBatchBody,
          response: {
            200: batchChange,
            ...errorResponses(
              ADMIN_CODES,
              'not_found',
              'invalid_transition',
              'invalid_batch',
              'ready_date_in_past',
              'invalid_date',
              'supply_too_large',
              'units_in_hand',
            ),
          },
        },
      },
      async (request) => {
        const { batch: changed, moved } = await updateBatch(
          ctx,
          request.shop,
          request.params.id,
          request.params.batchId,
          request.body,
        );
        return {
          ...batchView(changed),
          moved: { count: moved.length, preorders: moved.slice(0, MOVED_SHOWN) },
        };
      },
    );

    app.get(
      '/v1/campaigns/:id/promise',
      {
        schema: {
          operationId: 'getPromiseReport',
          tags: ['supply'],
          summary:
            'The promise plan: units and customers per batch, the unpromised line, demand against supply',
          security,
          params: campaignParams,
          response: { 200: promiseReportSchema, ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) =>
        promisePlanView(await promiseReport(ctx, request.shop, request.params.id), request.shop, ctx.clock()),
    );

    app.patch(
      '/v1/preorders/:id',
      {
        schema: {
          operationId: 'changePreorderPriority',
          tags: ['preorders'],
          summary: 'Change a pre-order’s priority in the queue; the customers whose promise moves are told',
          security,
          params: z.object({ id: id('po') }),
          body: priorityBody,
          response: {
            200: preorder,
            ...errorResponses(ADMIN_CODES, 'not_found', 'invalid_transition', 'units_in_hand'),
          },
        },
      },
      async (request) => {
        await setPriority(ctx, request.shop, request.params.id, request.body.priority);
        return preorderView(
          await getPreorder(ctx, request.shop.id, request.params.id),
          request.shop,
          ctx.clock(),
        );
      },
    );
  };
}

function batchView(b: Batch) {
  return {
    id: b.id,
    object: 'batch' as const,
    campaignId: b.campaignId,
    variantId: b.variantId,
    sku: b.sku,
    quantity: b.quantity,
    readyDate: b.readyDate,
    bufferDays: b.bufferDays,
    state: b.state,
    quantityReceived: b.quantityReceived,
    note: b.note,
    createdAt: b.createdAt.toISOString(),
    updatedAt: b.updatedAt.toISOString(),
  };
}

/** The promise plan as the API answers it (and `presell promise --json` prints it), worded for the shop. */
export function promisePlanView(report: PromiseReport, shop: Shop, now: Date) {
  const wording = wordingFor(shop, now, report.mode);
  return {
    campaignId: report.campaignId,
    variants: report.variants.map((variant) => ({
      ...variant,
      batches: variant.batches.map((b) => ({
        batchId: b.batchId,
        quantity: b.quantity,
        unitsServed: b.unitsServed,
        customers: b.customers,
        window: b.window,
        message: wordShipWindow(b.window, wording).message,
      })),
    })),
  };
}

export type PromisePlanView = ReturnType<typeof promisePlanView>;
