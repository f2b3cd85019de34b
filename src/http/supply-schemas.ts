/** Shapes of the supply plan and promises, for validation and the OpenAPI document. */
import { z } from 'zod';
import { PRIORITY_RANGE } from '../domain/promise.ts';
import { id, isoDate, shipWindow, sku, text } from './schemas.ts';

const quantity = z.number().int().min(1).max(10_000_000);
const bufferDays = z.number().int().min(0).max(365).describe('Days added to the ready date in every promise');

export const createBatchBody = z.union([
  z.strictObject({
    sku,
    quantity,
    readyDate: isoDate.describe('The supplier’s ready date, in the shop’s calendar'),
    bufferDays: bufferDays.optional(),
    state: z.enum(['planned', 'confirmed']).optional(),
    note: text(500).nullish(),
  }),
  z.strictObject({
    variantId: id('var'),
    quantity,
    readyDate: isoDate,
    bufferDays: bufferDays.optional(),
    state: z.enum(['planned', 'confirmed']).optional(),
    note: text(500).nullish(),
  }),
]);

export const updateBatchBody = z.strictObject({
  quantity: quantity.optional(),
  readyDate: isoDate.optional().describe('A new ready date: a slip re-promises the customers it serves'),
  bufferDays: bufferDays.optional(),
  state: z.enum(['planned', 'confirmed', 'received']).optional(),
  quantityReceived: z.number().int().min(0).max(10_000_000).optional().describe('Units received so far'),
  note: text(500).nullish(),
  reason: text(500)
    .optional()
    .describe('Why (a slip’s reason, as previewed): kept with the change and the promises it moves'),
});

export const batch = z
  .object({
    id: z.string(),
    object: z.literal('batch'),
    campaignId: z.string(),
    variantId: z.string(),
    sku: z.string(),
    quantity: z.number(),
    readyDate: z.string(),
    bufferDays: z.number(),
    state: z.enum(['planned', 'confirmed', 'received']),
    quantityReceived: z.number(),
    note: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Batch' });

/** How many moved, and the first of them: enough for the merchant to see what a change did. */
export const MOVED_SHOWN = 20;

export const batchChange = batch
  .extend({
    moved: z
      .object({
        count: z.number().describe('Pre-orders whose ship window this change moved'),
        preorders: z
          .array(
            z.object({
              preorderId: z.string(),
              oldWindow: shipWindow.nullable(),
              newWindow: shipWindow.nullable(),
            }),
          )
          .describe(`The first ${MOVED_SHOWN} of them; GET /v1/preorders/{id} has the rest`),
      })
      .describe('Announced moves also reach each customer as `preorder.promise_changed`'),
  })
  .meta({ id: 'BatchChange' });

export const promiseHistoryEntry = z.object({
  at: z.string(),
  cause: z.string(),
  reason: z.string().nullable().describe('Why, in the merchant’s words (a slip’s reason)'),
  oldWindow: shipWindow.nullable(),
  newWindow: shipWindow.nullable(),
});

export const promiseReport = z
  .object({
    campaignId: z.string(),
    variants: z.array(
      z.object({
        variantId: z.string(),
        sku: z.string(),
        batches: z.array(
          z.object({
            batchId: z.string().describe('`on_hand` for stock on the shelf'),
            quantity: z.number(),
            unitsServed: z.number(),
            customers: z.number(),
            window: shipWindow,
            message: z.string(),
          }),
        ),
        unpromised: z
          .object({ units: z.number(), customers: z.number() })
          .describe('Waiting for supply not yet planned'),
        timeline: z
          .array(z.object({ date: z.string(), cumulativeDemand: z.number(), cumulativeSupply: z.number() }))
          .describe('Units ordered by day against units arriving by ready date, both cumulative'),
      }),
    ),
  })
  .meta({ id: 'PromiseReport' });

export const priorityBody = z.strictObject({
  priority: z
    .number()
    .int()
    .min(PRIORITY_RANGE.min)
    .max(PRIORITY_RANGE.max)
    .describe('Higher is served first; 0 is everyone’s default'),
});
