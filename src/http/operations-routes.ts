/**
 * The merchant's operations: the delay preview, shipping addresses, fulfilment exports, shipments by CSV,
 * bulk jobs and their progress, on-hand stock, and webhook endpoints. Files come in as `text/csv` and are
 * read as they stream; exports stream out the same way.
 */
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { csvRow } from '../csv.ts';
import { DomainError } from '../domain/errors.ts';
import { normaliseAddress } from '../domain/fulfilment.ts';
import { startBulkCancel } from '../services/bulk-cancel.ts';
import { getJob, type Job, jobFailures, listJobs } from '../services/bulk-jobs.ts';
import type { ServiceContext } from '../services/context.ts';
import { changeShippingAddress, shipmentsOf } from '../services/fulfilment.ts';
import {
  EXPORT_COLUMNS,
  type ExportedOrder,
  type ExportRecord,
  exportCsvRows,
  exportedOrders,
  exportOrders,
  getExport,
  startExport,
} from '../services/fulfilment-export.ts';
import type { JobStarter } from '../services/job-kinds.ts';
import { getPreorder, preorderView } from '../services/preorders.ts';
import { importShipments } from '../services/shipment-import.ts';
import type { KeyAuthenticator } from '../services/shops.ts';
import { previewSlip } from '../services/slip-preview.ts';
import { importStock, setOnHand } from '../services/stock.ts';
import {
  createEndpoint,
  deleteEndpoint,
  getEndpoint,
  listEndpoints,
  rotateSecret,
  updateEndpoint,
  type WebhookEndpoint,
} from '../webhooks/endpoints.ts';
import type { AddressPolicy } from '../webhooks/safe-request.ts';
import { authenticateAdmin } from './admin-routes.ts';
import { ADMIN_CODES, errorResponses } from './errors.ts';
import {
  bulkCancelBody,
  endpointBody,
  endpointChanges,
  endpointView,
  exportBody,
  exportResponse,
  importQuery,
  jobView,
  parcel,
  rotateBody,
  slipPreview,
  slipPreviewBody,
  stockBody,
  stockChange,
} from './operations-schemas.ts';
import { id, page, pageQuery, preorder, shippingAddressInput } from './schemas.ts';

const security = [{ adminKey: [] }];
/** The largest file an import reads. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;
const FILE_DESCRIPTION =
  'Send the file as the body with `Content-Type: text/csv`; it is read as it streams, so it may be large.';

export interface OperationsOptions {
  jobs: JobStarter;
  webhooks: AddressPolicy;
}

export function operationsRoutes(
  ctx: ServiceContext,
  keys: KeyAuthenticator,
  options: OperationsOptions,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', authenticateAdmin(keys));
    // A file is handed to its route as the stream it arrives as.
    app.addContentTypeParser('text/csv', (_request, payload, done) => done(null, payload));

    app.post(
      '/v1/campaigns/:id/batches/:batchId/slip-preview',
      {
        config: { audit: false },
        schema: {
          operationId: 'previewBatchSlip',
          tags: ['supply'],
          summary: 'What slipping a batch to a new ready date would do, without changing anything',
          description:
            'Computed with the promise engine from the queue as it stands. Apply the slip with PATCH ' +
            '/v1/campaigns/{id}/batches/{batchId} `{readyDate, reason}`; the reason is kept with every promise it moves.',
          security,
          params: z.object({ id: id('cmp'), batchId: id('bat') }),
          body: slipPreviewBody,
          response: {
            200: slipPreview,
            ...errorResponses(
              ADMIN_CODES,
              'not_found',
              'invalid_transition',
              'ready_date_in_past',
              'invalid_date',
            ),
          },
        },
      },
      async (request) => {
        const preview = await previewSlip(
          ctx,
          request.shop,
          request.params.id,
          request.params.batchId,
          request.body,
        );
        return { object: 'slip_preview' as const, currency: request.shop.currency, ...preview };
      },
    );

    app.post(
      '/v1/preorders/:id/shipping-address',
      {
        schema: {
          operationId: 'setShippingAddress',
          tags: ['fulfilment'],
          summary: 'Set or change where a pre-order ships, until it is exported',
          security,
          params: z.object({ id: id('po') }),
          body: shippingAddressInput,
          response: {
            200: preorder,
            ...errorResponses(ADMIN_CODES, 'not_found', 'already_exported', 'invalid_transition'),
          },
        },
      },
      async (request) =>
        preorderView(
          await changeShippingAddress(ctx, request.shop, request.params.id, normaliseAddress(request.body)),
          request.shop,
          ctx.clock(),
        ),
    );

    app.get(
      '/v1/preorders/:id/shipments',
      {
        schema: {
          operationId: 'listShipments',
          tags: ['fulfilment'],
          summary: 'The parcels a pre-order left in, first shipped first',
          security,
          params: z.object({ id: id('po') }),
          response: { 200: z.object({ data: z.array(parcel) }), ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) => {
        await getPreorder(ctx, request.shop.id, request.params.id);
        const parcels = await shipmentsOf(ctx, request.shop.id, request.params.id);
        return { data: parcels.map((p) => ({ ...p, shippedAt: p.shippedAt.toISOString() })) };
      },
    );

    app.post(
      '/v1/exports',
      {
        schema: {
          operationId: 'createExport',
          tags: ['fulfilment'],
          summary:
            'Export the pre-orders ready to ship, in queue order, as CSV or JSON, and mark them exported',
          description:
            'One CSV row per line: the pre-order’s units, then each perk’s bonus item as a line of its own ' +
            `(columns: ${EXPORT_COLUMNS.join(', ')}). A pre-order without a shipping address is left out and ` +
            'counted in the `Presell-Missing-Address` header; one exported before is left out unless ' +
            '`includeExported`. `Presell-Export-Id` names the export; GET /v1/exports/{id} hands it out again.',
          security,
          body: exportBody,
          response: {
            200: exportResponse,
            ...errorResponses(ADMIN_CODES, 'not_found'),
          },
        },
      },
      async (request, reply) => {
        const { format, ...wanted } = request.body;
        const record = await startExport(ctx, request.shop, wanted);
        return sendExport(reply, record, format, exportOrders(ctx, request.shop.id, record));
      },
    );

    app.get(
      '/v1/exports/:id',
      {
        schema: {
          operationId: 'getExport',
          tags: ['fulfilment'],
          summary:
            'Hand out again the pre-orders an export was the last to hand out (as they are now), CSV or JSON',
          security,
          params: z.object({ id: id('exp') }),
          querystring: z.strictObject({ format: z.enum(['csv', 'json']).default('csv') }),
          response: {
            200: exportResponse,
            ...errorResponses(ADMIN_CODES, 'not_found'),
          },
        },
      },
      async (request, reply) => {
        const record = await getExport(ctx, request.shop.id, request.params.id);
        return sendExport(
          reply,
          record,
          request.query.format,
          exportedOrders(ctx, request.shop.id, record.id),
        );
      },
    );

    app.post(
      '/v1/shipments/import',
      {
        schema: {
          operationId: 'importShipments',
          tags: ['fulfilment'],
          summary:
            'Record shipments from a CSV file (order_reference, carrier, tracking_number, shipped_date)',
          description:
            `${FILE_DESCRIPTION} Optional columns: quantity (a parcel of part of a pre-order, split policy), ` +
            'tracking_url. Answers the job at once; GET /v1/jobs/{id} shows its progress and every bad row with ' +
            'its line and reason.',
          security,
          querystring: importQuery,
          response: { 202: jobView, ...errorResponses(ADMIN_CODES, 'invalid_csv') },
        },
      },
      async (request, reply) => {
        const job = await importShipments(ctx, request.shop, fileOf(request.body), {
          allOrNothing: request.query.allOrNothing === 'true',
        });
        return reply.status(202).send(await startedJob(job));
      },
    );

    app.post(
      '/v1/stock/import',
      {
        schema: {
          operationId: 'importStock',
          tags: ['stock'],
          summary: 'Set on-hand stock from a CSV file (sku, on_hand)',
          description: `${FILE_DESCRIPTION} Each row works as POST /v1/variants/{id}/stock.`,
          security,
          querystring: importQuery,
          response: { 202: jobView, ...errorResponses(ADMIN_CODES, 'invalid_csv') },
        },
      },
      async (request, reply) => {
        const job = await importStock(ctx, request.shop, fileOf(request.body), {
          allOrNothing: request.query.allOrNothing === 'true',
        });
        return reply.status(202).send(await startedJob(job));
      },
    );

    app.post(
      '/v1/variants/:id/stock',
      {
        schema: {
          operationId: 'setVariantStock',
          tags: ['stock'],
          summary: 'Set the units on hand; units that came in serve waiting backorders first, in queue order',
          description:
            'A backorder campaign opens itself when its variant’s shelf is empty, and pauses itself once stock is ' +
            'back and every backorder is served.',
          security,
          params: z.object({ id: id('var') }),
          body: stockBody,
          response: { 200: stockChange, ...errorResponses(ADMIN_CODES, 'not_found', 'units_in_hand') },
        },
      },
      async (request) => ({
        object: 'stock_change' as const,
        ...(await setOnHand(ctx, request.shop, { variantId: request.params.id }, request.body.onHand)),
      }),
    );

    app.post(
      '/v1/preorders/bulk-cancel',
      {
        schema: {
          operationId: 'bulkCancelPreorders',
          tags: ['preorders'],
          summary: 'Cancel many pre-orders as a resumable job (each as a single cancel: refund, units back)',
          security,
          body: bulkCancelBody,
          response: { 202: jobView, ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request, reply) =>
        reply.status(202).send(await startedJob(await startBulkCancel(ctx, request.shop.id, request.body))),
    );

    app.get(
      '/v1/jobs',
      {
        schema: {
          operationId: 'listJobs',
          tags: ['jobs'],
          summary: 'Bulk jobs, oldest first',
          security,
          querystring: pageQuery,
          response: { 200: page(jobView), ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => {
        const result = await listJobs(ctx, request.shop.id, request.query);
        return { data: await Promise.all(result.data.map(viewOfJob)), nextCursor: result.nextCursor };
      },
    );

    app.get(
      '/v1/jobs/:id',
      {
        schema: {
          operationId: 'getJob',
          tags: ['jobs'],
          summary: 'A bulk job’s progress: done, failed, left, and the first refused items',
          security,
          params: z.object({ id: id('job') }),
          response: { 200: jobView, ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) => viewOfJob(await getJob(ctx, request.shop.id, request.params.id)),
    );

    app.get(
      '/v1/jobs/:id/failures',
      {
        schema: {
          operationId: 'listJobFailures',
          tags: ['jobs'],
          summary: 'Every item a job refused, with its line and reason, in file order',
          security,
          params: z.object({ id: id('job') }),
          querystring: z.strictObject({
            limit: z.coerce.number().int().min(1).max(1000).default(100),
            after: z.coerce
              .number()
              .int()
              .min(0)
              .optional()
              .describe('The `nextCursor` of the previous page'),
          }),
          response: {
            200: z.object({
              data: z.array(
                z.object({
                  seq: z.number(),
                  line: z.number().nullable(),
                  code: z.string(),
                  message: z.string(),
                }),
              ),
              nextCursor: z.number().nullable(),
            }),
            ...errorResponses(ADMIN_CODES, 'not_found'),
          },
        },
      },
      async (request) => {
        const result = await jobFailures(ctx, request.shop.id, request.params.id, {
          limit: request.query.limit,
          afterSeq: request.query.after,
        });
        return { data: result.data, nextCursor: result.nextSeq };
      },
    );

    app.post(
      '/v1/webhook-endpoints',
      {
        schema: {
          operationId: 'createWebhookEndpoint',
          tags: ['webhooks'],
          summary: 'Register an endpoint for events; its secret (whsec_…) is in this answer only',
          description:
            'Deliveries are signed per Standard Webhooks: `webhook-id`, `webhook-timestamp` and `webhook-signature` ' +
            '(`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, one per secret in force). The body is ' +
            '`{type, timestamp, data}` with the event as GET /v1/events shows it. Failed deliveries are retried ' +
            'for three days, then kept as dead letters; an endpoint that answers 410 is disabled.',
          security,
          body: endpointBody,
          response: {
            201: endpointView,
            ...errorResponses(ADMIN_CODES, 'unsafe_webhook_url'),
          },
        },
      },
      async (request, reply) => {
        const made = await createEndpoint(ctx, request.shop.id, request.body, options.webhooks);
        return reply.status(201).send({ ...viewOfEndpoint(made.endpoint), secret: made.secret });
      },
    );

    app.get(
      '/v1/webhook-endpoints',
      {
        schema: {
          operationId: 'listWebhookEndpoints',
          tags: ['webhooks'],
          summary: 'The shop’s webhook endpoints',
          security,
          querystring: pageQuery,
          response: { 200: page(endpointView), ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => {
        const result = await listEndpoints(ctx, request.shop.id, request.query);
        return { data: result.data.map(viewOfEndpoint), nextCursor: result.nextCursor };
      },
    );

    const endpointParams = z.object({ id: id('whe') });
    app.get(
      '/v1/webhook-endpoints/:id',
      {
        schema: {
          operationId: 'getWebhookEndpoint',
          tags: ['webhooks'],
          summary: 'A webhook endpoint',
          security,
          params: endpointParams,
          response: { 200: endpointView, ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) => viewOfEndpoint(await getEndpoint(ctx, request.shop.id, request.params.id)),
    );

    app.patch(
      '/v1/webhook-endpoints/:id',
      {
        schema: {
          operationId: 'updateWebhookEndpoint',
          tags: ['webhooks'],
          summary: 'Change an endpoint’s URL, event types or description; enable or disable it',
          security,
          params: endpointParams,
          body: endpointChanges,
          response: { 200: endpointView, ...errorResponses(ADMIN_CODES, 'not_found', 'unsafe_webhook_url') },
        },
      },
      async (request) =>
        viewOfEndpoint(
          await updateEndpoint(ctx, request.shop.id, request.params.id, request.body, options.webhooks),
        ),
    );

    app.delete(
      '/v1/webhook-endpoints/:id',
      {
        schema: {
          operationId: 'deleteWebhookEndpoint',
          tags: ['webhooks'],
          summary: 'Remove an endpoint',
          security,
          params: endpointParams,
          response: {
            200: z.object({
              id: z.string(),
              object: z.literal('webhook_endpoint'),
              deleted: z.literal(true),
            }),
            ...errorResponses(ADMIN_CODES, 'not_found'),
          },
        },
      },
      async (request) => {
        await deleteEndpoint(ctx, request.shop.id, request.params.id);
        return { id: request.params.id, object: 'webhook_endpoint' as const, deleted: true as const };
      },
    );

    app.post(
      '/v1/webhook-endpoints/:id/rotate-secret',
      {
        schema: {
          operationId: 'rotateWebhookSecret',
          tags: ['webhooks'],
          summary: 'A new secret; the current one keeps signing beside it for `overlapSeconds`',
          security,
          params: endpointParams,
          body: rotateBody,
          response: { 200: endpointView, ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) => {
        const rotated = await rotateSecret(
          ctx,
          request.shop.id,
          request.params.id,
          request.body.overlapSeconds,
        );
        return { ...viewOfEndpoint(rotated.endpoint), secret: rotated.secret };
      },
    );

    /** A job as the API shows it, with its first refused items. */
    async function viewOfJob(job: Job) {
      const failures = await jobFailures(ctx, job.shopId, job.id, { limit: 10 });
      return {
        id: job.id,
        object: 'job' as const,
        kind: job.kind,
        status: job.status,
        allOrNothing: job.allOrNothing,
        total: job.total,
        done: job.done,
        failed: job.failed,
        left:
          job.status === 'refused' || job.status === 'done'
            ? 0
            : Math.max(0, job.total - job.done - job.failed),
        failures: failures.data.map(({ line, code, message }) => ({ line, code, message })),
        createdAt: job.createdAt.toISOString(),
        finishedAt: job.finishedAt?.toISOString() ?? null,
      };
    }

    /** Starts a queued job in this process at once, and answers it as it stands. */
    async function startedJob(job: Job) {
      if (job.status === 'queued') options.jobs.start(job.shopId, job.id);
      return viewOfJob(job);
    }
  };
}

function viewOfEndpoint(endpoint: WebhookEndpoint) {
  return {
    ...endpoint,
    object: 'webhook_endpoint' as const,
    secrets: endpoint.secrets.map((secret) => ({
      createdAt: secret.createdAt.toISOString(),
      expiresAt: secret.expiresAt?.toISOString() ?? null,
    })),
    createdAt: endpoint.createdAt.toISOString(),
    updatedAt: endpoint.updatedAt.toISOString(),
  };
}

/** The uploaded file as a stream of bytes, refused past the size limit. */
async function* fileOf(body: unknown): AsyncGenerator<Uint8Array> {
  if (!body || typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== 'function') {
    throw new DomainError('invalid_csv', 'send the file as the body with Content-Type: text/csv', {
      line: 1,
    });
  }
  let bytes = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    if (bytes > MAX_FILE_BYTES) {
      throw new DomainError('payload_too_large', `a file may be at most ${MAX_FILE_BYTES / 1024 / 1024} MiB`);
    }
    yield chunk;
  }
}

/** Streams an export's orders as CSV or JSON, with its id and the count left out for want of an address. */
function sendExport(
  reply: FastifyReply,
  record: ExportRecord,
  format: 'csv' | 'json',
  orders: AsyncGenerator<ExportedOrder>,
) {
  reply
    .header('presell-export-id', record.id)
    .header('presell-missing-address', String(record.missingAddress));
  if (format === 'json') {
    reply.type('application/json; charset=utf-8');
    return reply.send(Readable.from(jsonExport(record, orders)) as never);
  }
  reply
    .type('text/csv; charset=utf-8')
    .header('content-disposition', `attachment; filename="${record.id}.csv"`);
  return reply.send(Readable.from(csvExport(orders)) as never);
}

async function* csvExport(orders: AsyncGenerator<ExportedOrder>) {
  yield csvRow(EXPORT_COLUMNS);
  for await (const order of orders) yield exportCsvRows(order).map(csvRow).join('');
}

async function* jsonExport(record: ExportRecord, orders: AsyncGenerator<ExportedOrder>) {
  yield `{"object":"export","id":${JSON.stringify(record.id)},"campaignId":${JSON.stringify(record.campaignId)},"data":[`;
  let first = true;
  for await (const order of orders) {
    yield `${first ? '' : ','}${JSON.stringify(order)}`;
    first = false;
  }
  yield ']}';
}
