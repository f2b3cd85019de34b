/**
 * Shipments by CSV: the 3PL's file (reference, carrier, tracking number, shipped date, and optionally
 * quantity and tracking URL) is read as it streams in and staged as the items of a job, each row checked
 * for its shape on the way; the job then records the parcels a chunk at a time. A bad row is reported with
 * its line and reason and the good ones apply, or, all or nothing, a bad row means none applies.
 */
import { z } from 'zod';
import { shopDayStart } from '../domain/calendar.ts';
import type { Refusal } from '../domain/errors.ts';
import { DomainError } from '../domain/errors.ts';
import { csvJob, type Job, type JobHandler, type StagedItem } from './bulk-jobs.ts';
import type { ServiceContext } from './context.ts';
import { shipAll } from './fulfilment.ts';
import type { Shop } from './shops.ts';

export const SHIPMENT_IMPORT = 'shipment_import';

/** A CSV column: the names it may go by (lower case, spaces as underscores). */
const COLUMNS = {
  reference: ['order_reference', 'reference', 'preorder_id'],
  carrier: ['carrier'],
  trackingNumber: ['tracking_number', 'tracking'],
  shippedAt: ['shipped_date', 'shipped_at', 'ship_date'],
  quantity: ['quantity', 'qty'],
  trackingUrl: ['tracking_url'],
} as const;
const REQUIRED = ['reference', 'carrier', 'trackingNumber', 'shippedAt'] as const;

const optionalText = (max: number) =>
  z
    .string()
    .trim()
    .max(max)
    .regex(/^[^\p{Cc}]*$/u, 'no control characters')
    .transform((value) => value || null);

const row = z.object({
  reference: z
    .string()
    .trim()
    .regex(/^po_[0-9a-z]+$/, 'an order reference as exported, po_…')
    .max(64),
  carrier: optionalText(100),
  trackingNumber: optionalText(100),
  shippedAt: z
    .string()
    .trim()
    .refine(
      (value) =>
        /^\d{4}-\d{2}-\d{2}$/.test(value) || z.iso.datetime({ offset: true }).safeParse(value).success,
      'a date YYYY-MM-DD (the shop’s day) or an ISO 8601 date-time',
    ),
  quantity: z
    .string()
    .trim()
    .regex(/^\d{0,6}$/, 'a whole number of units, or empty for every unit left')
    .transform((value) => (value === '' ? null : Number(value))),
  trackingUrl: optionalText(2000).refine(
    (value) => value === null || /^https?:\/\/\S+$/.test(value),
    'an http or https URL',
  ),
});

/** What a staged row asks for: a parcel of one pre-order. */
interface ParcelPayload {
  preorderId: string;
  carrier: string | null;
  trackingNumber: string | null;
  trackingUrl: string | null;
  shippedAt: string;
  quantity: number | null;
}

/**
 * Reads a shipment CSV into a new job and queues it. A header without the required columns is refused
 * before anything is written; a row that cannot be read is staged as refused with its line.
 */
export function importShipments(
  ctx: ServiceContext,
  shop: Shop,
  source: AsyncIterable<string | Uint8Array>,
  options: { allOrNothing: boolean },
): Promise<Job> {
  return csvJob(ctx, shop.id, SHIPMENT_IMPORT, source, options, (header) => {
    const positions = columnPositions(header);
    return (record) => stagedRow(record.line, record.fields, positions, shop);
  });
}

type Positions = Record<keyof typeof COLUMNS, number>;

function columnPositions(header: readonly string[]): Positions {
  const names = header.map((name) =>
    name
      .trim()
      .toLowerCase()
      .replace(/[\s-]+/g, '_'),
  );
  const positions = {} as Positions;
  for (const [column, aliases] of Object.entries(COLUMNS) as [keyof typeof COLUMNS, readonly string[]][]) {
    positions[column] = names.findIndex((name) => aliases.includes(name));
  }
  const missing = REQUIRED.filter((column) => positions[column] < 0);
  if (missing.length > 0) {
    throw new DomainError(
      'invalid_csv',
      `the header needs the columns ${missing.map((column) => COLUMNS[column][0]).join(', ')}`,
      { line: 1, expected: REQUIRED.map((column) => COLUMNS[column][0]), received: header },
    );
  }
  return positions;
}

function stagedRow(line: number, fields: readonly string[], positions: Positions, shop: Shop): StagedItem {
  const at = (position: number) => (position >= 0 ? (fields[position] ?? '') : '');
  const parsed = row.safeParse({
    reference: at(positions.reference),
    carrier: at(positions.carrier),
    trackingNumber: at(positions.trackingNumber),
    shippedAt: at(positions.shippedAt),
    quantity: at(positions.quantity),
    trackingUrl: at(positions.trackingUrl),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const column = String(issue?.path[0] ?? '');
    const name = column in COLUMNS ? COLUMNS[column as keyof typeof COLUMNS][0] : column;
    return {
      line,
      refusal: { code: 'validation_failed', message: `${name}: ${issue?.message ?? 'is not valid'}` },
    };
  }
  const value = parsed.data;
  const shippedAt = /^\d{4}-\d{2}-\d{2}$/.test(value.shippedAt)
    ? shopDayStart(value.shippedAt, shop.timeZone)
    : new Date(value.shippedAt);
  const payload: ParcelPayload = {
    preorderId: value.reference,
    carrier: value.carrier,
    trackingNumber: value.trackingNumber,
    trackingUrl: value.trackingUrl,
    shippedAt: shippedAt.toISOString(),
    quantity: value.quantity,
  };
  return { line, payload };
}

/** Records a chunk of staged rows as parcels. */
export const shipmentImportHandler: JobHandler = {
  kind: SHIPMENT_IMPORT,
  chunkSize: 500,
  async apply(uow, job, items) {
    const refusals: Map<number, Refusal> = await shipAll(
      uow,
      job.shopId,
      items.map((item) => {
        const parcel = item.payload as ParcelPayload;
        return { ...parcel, key: item.seq, shippedAt: new Date(parcel.shippedAt) };
      }),
    );
    return refusals;
  },
};
