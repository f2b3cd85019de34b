/** Shapes of the operations API: delays, fulfilment, bulk jobs, stock and webhook endpoints. */
import { z } from 'zod';
import { EVENT_TYPES } from '../domain/events.ts';
import { JOB_STATUSES } from '../services/bulk-jobs.ts';
import { id, isoDate, shippingAddress, text } from './schemas.ts';

export const slipPreviewBody = z.strictObject({
  readyDate: isoDate.describe('The supplier’s new ready date'),
  reason: text(500).describe('Why, in words customers can read; send it again with the change to apply it'),
  defaultCancellationRate: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe(
      'Assumed share of delayed customers who cancel, until the campaign has delays of its own (0.1)',
    ),
});

const windowShape = z.object({ from: z.string(), to: z.string() });

export const slipPreview = z
  .object({
    object: z.literal('slip_preview'),
    campaignId: z.string(),
    batchId: z.string(),
    readyDate: windowShape.describe('From the current ready date to the new one'),
    reason: z.string(),
    toleranceDays: z.number().describe('Moves of this many days or fewer are not announced'),
    moved: z.number().describe('Pre-orders whose ship window would change'),
    announced: z.number().describe('Of those, moved beyond the tolerance: each is told'),
    quiet: z.number().describe('Moved within the tolerance: summarised in the next progress update'),
    histogram: z
      .array(z.object({ days: z.number(), preorders: z.number() }))
      .describe('How many pre-orders move by how many days (end of the window)'),
    losePromise: z.number().describe('Pre-orders that would have no date any more'),
    pastFirstPromise: z
      .object({ preorders: z.number(), preorderIds: z.array(z.string()).describe('The first 100') })
      .describe('Whose new window ends after the first promise they were given: they are asked to consent'),
    money: z
      .object({ paid: z.number(), deposits: z.number(), balancesNotCollected: z.number() })
      .describe('Of the pre-orders that move, in minor units of the shop’s currency'),
    currency: z.string(),
    expectedCancellations: z.object({
      rate: z.number(),
      basis: z
        .enum(['history', 'default'])
        .describe('history: this campaign’s customers after earlier delays'),
      preorders: z.number(),
      history: z.object({ delayed: z.number(), cancelledAfter: z.number() }),
    }),
    notices: z
      .array(
        z.object({
          kind: z.enum(['delay_consent', 'promise_changed', 'progress_update']),
          customers: z.number(),
        }),
      )
      .describe('Messages the slip would send (progress_update: the next one mentions a quiet move)'),
  })
  .meta({ id: 'SlipPreview' });

export const jobView = z
  .object({
    id: z.string(),
    object: z.literal('job'),
    kind: z.string().describe('shipment_import, stock_import, cancel_preorders'),
    status: z
      .enum(JOB_STATUSES)
      .describe('refused: all or nothing, and an item was refused, so none was applied'),
    allOrNothing: z.boolean(),
    total: z.number(),
    done: z.number(),
    failed: z.number(),
    left: z.number(),
    failures: z
      .array(z.object({ line: z.number().nullable(), code: z.string(), message: z.string() }))
      .describe('The first refused items; GET …/failures lists them all'),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .meta({ id: 'Job' });

export const importQuery = z.strictObject({
  allOrNothing: z
    .enum(['true', 'false'])
    .optional()
    .describe(
      'true: a single bad row and nothing is applied; default false: good rows apply, bad ones are reported',
    ),
});

export const bulkCancelBody = z.strictObject({
  preorderIds: z.array(id('po')).min(1).max(100_000),
  reason: text(500),
  refund: z.enum(['policy', 'full', 'none']).default('policy'),
});

export const exportBody = z.strictObject({
  campaignId: id('cmp'),
  batchId: id('bat').optional().describe('Only pre-orders served by this batch'),
  format: z.enum(['csv', 'json']).default('csv'),
  includeExported: z
    .boolean()
    .default(false)
    .describe('Hand out pre-orders an earlier export handed out too'),
});

export const stockBody = z.strictObject({
  onHand: z.number().int().min(0).max(10_000_000).describe('Units on the shelf now'),
});

export const stockChange = z
  .object({
    object: z.literal('stock_change'),
    variantId: z.string(),
    sku: z.string(),
    previousOnHand: z.number(),
    onHand: z.number().describe('On the shelf after the waiting backorders took theirs'),
    toBackorders: z.number().describe('Units that went to waiting backorders, in queue order'),
    campaign: z
      .object({ id: z.string(), status: z.string() })
      .nullable()
      .describe('The backorder campaign that opened or paused itself'),
  })
  .meta({ id: 'StockChange' });

const eventPattern = z
  .string()
  .max(100)
  .regex(/^(\*|[a-z_]+\.\*|[a-z_]+\.[a-z_]+)$/, 'an event type, a family such as preorder.*, or *')
  .describe(`One of ${EVENT_TYPES.join(', ')}; a family such as preorder.*; or *`);

export const endpointBody = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'an http or https URL' }).max(2000),
  eventTypes: z.array(eventPattern).min(1).max(100),
  description: text(200).nullish(),
});

export const endpointChanges = endpointBody.partial().extend({
  status: z.enum(['enabled', 'disabled']).optional().describe('enabled again after a 410, or paused by you'),
});

export const rotateBody = z.strictObject({
  overlapSeconds: z
    .number()
    .int()
    .min(0)
    .max(7 * 86_400)
    .default(86_400)
    .describe('How long the current secret keeps signing beside the new one'),
});

export const endpointView = z
  .object({
    id: z.string(),
    object: z.literal('webhook_endpoint'),
    url: z.string(),
    description: z.string().nullable(),
    eventTypes: z.array(z.string()),
    status: z.enum(['enabled', 'disabled']),
    disabledReason: z.string().nullable(),
    secrets: z
      .array(z.object({ createdAt: z.string(), expiresAt: z.string().nullable() }))
      .describe('The secrets signing now (newest first); their values are shown only when made'),
    secret: z
      .string()
      .optional()
      .describe('whsec_…: shown once, when the endpoint is created or its secret rotated; keep it safe'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });

export const parcel = z.object({
  id: z.string(),
  quantity: z.number(),
  carrier: z.string().nullable(),
  trackingNumber: z.string().nullable(),
  trackingUrl: z.string().nullable(),
  shippedAt: z.string(),
});

/** An export as JSON (`format: json`). It is streamed past the serializer: the fulfilment test holds it to this. */
export const exportJson = z
  .object({
    object: z.literal('export'),
    id: z.string(),
    campaignId: z.string(),
    data: z.array(
      z.object({
        orderReference: z.string().describe('The pre-order’s id'),
        campaignId: z.string(),
        queuePosition: z
          .number()
          .describe('The customer’s place among the campaign’s pre-orders still waiting or shipped'),
        email: z.string(),
        shippingAddress,
        lines: z.array(
          z.object({
            sku: z.string(),
            quantity: z.number(),
            perk: z.string().nullable().describe('On a bonus line: the tier that granted it'),
            note: z.string().nullable(),
          }),
        ),
      }),
    ),
  })
  .meta({ id: 'Export' });

/** What an export answers: CSV unless `format: json` asks for JSON. */
export const exportResponse = {
  description: 'The pre-orders handed out: CSV, or JSON with `format: json`',
  content: { 'text/csv': { schema: z.string() }, 'application/json': { schema: exportJson } },
};
