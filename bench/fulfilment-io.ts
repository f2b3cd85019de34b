/**
 * bench/fulfilment-io: the fulfilment export and the shipment import at 100,000 rows on PostgreSQL, and
 * whether they stream. A campaign with N ready pre-orders (each with an address; the first 50 with a perk)
 * is exported as CSV through the service that marks them exported a chunk at a time; then a shipment file
 * of one row per pre-order is streamed into a job and applied. Each is timed at N/10 and N rows, and the
 * live heap (after a full GC) is sampled along the way: constant memory means its peak does not grow with
 * N. The baseline, in the same run on the same rows, is one plain SELECT of every row the export reads.
 *
 *   npm run bench:fulfilment-io -- [--rows 100000]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { csvRow } from '../src/csv.ts';
import { type Database, openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { runJobs } from '../src/services/bulk-jobs.ts';
import { createCampaign } from '../src/services/campaigns.ts';
import type { ServiceContext } from '../src/services/context.ts';
import {
  EXPORT_COLUMNS,
  exportCsvRows,
  exportOrders,
  startExport,
} from '../src/services/fulfilment-export.ts';
import { importShipments, shipmentImportHandler } from '../src/services/shipment-import.ts';
import { createShop, type Shop } from '../src/services/shops.ts';
import { createVariant } from '../src/services/variants.ts';
import { scratchDatabase } from '../test/support/databases.ts';

const { values: options } = parseArgs({ options: { rows: { type: 'string', default: '100000' } } });
const ROWS = Number(options.rows);
if (!Number.isInteger(ROWS) || ROWS < 10) throw new Error('--rows takes a whole number of 10 or more');

const scratch = await scratchDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const db = await openDatabase({ url: scratch.url, poolSize: 4 });
try {
  await migrate(db);
  const results: string[] = [];
  for (const rows of [ROWS / 10, ROWS]) results.push(...(await measure(db, Math.round(rows))));
  console.log(`\n${results.join('\n')}`);
} finally {
  await db.close();
  await scratch.drop();
}

async function measure(db: Database, rows: number): Promise<string[]> {
  const ctx: ServiceContext = { db, clock: () => new Date() };
  const { shop } = await createShop(ctx, {
    name: `Bench ${rows}`,
    currency: 'EUR',
    timeZone: 'Europe/Berlin',
    locale: 'en-GB',
  });
  const sku = `IO-${rows}`;
  await createVariant(ctx, shop.id, { sku, name: 'Bench' });
  const campaign = await createCampaign(ctx, shop, {
    name: 'Bench',
    mode: 'preorder',
    price: { amount: 1000, currency: 'EUR' },
    variants: [{ sku, cap: null }],
  });
  const variantId = campaign.variants[0]?.variantId as string;
  console.log(`seeding ${rows.toLocaleString('en')} ready pre-orders…`);
  // Set up in bulk: placement and payment are other benchmarks' subject.
  await db.query(
    `INSERT INTO preorders (id, shop_id, campaign_id, variant_id, email, quantity, queue_position, unit_amount,
       total_amount, currency, price_lines, state, payment_terms, shipping_address)
     SELECT 'po_io' || $4 || 'x' || lpad(n::text, 8, '0'), $1, $2, $3, 'b' || n || '@example.com', 1, n, 1000, 1000,
       'EUR', CASE WHEN n <= 50 THEN '[{"tier":"Early","quantity":1,"unitAmount":900,"perk":{"sku":"STAND","quantity":1}}]'::jsonb
                   ELSE '[{"tier":null,"quantity":1,"unitAmount":1000}]'::jsonb END,
       'ready', '{"kind":"full"}',
       jsonb_build_object('name', 'Shopper ' || n, 'line1', n || ' Main Street', 'line2', null, 'postalCode', '10115',
         'city', 'Berlin', 'region', null, 'country', 'DE', 'phone', '+49 30 1234567')
     FROM generate_series(1, $5::int) AS n`,
    [shop.id, campaign.id, variantId, rows, rows],
  );
  await db.query('ANALYZE preorders');

  const baseline = await timed(async (checkpoint) => {
    const all = await db.query(
      `SELECT p.id, p.email, p.shipping_address, p.quantity, p.price_lines FROM preorders p
       WHERE p.shop_id = $1 AND p.campaign_id = $2 AND p.state = 'ready' ORDER BY p.priority DESC, p.queue_position`,
      [shop.id, campaign.id],
    );
    checkpoint();
    return all.length;
  });
  let bytes = 0;
  const exported = await timed(async (checkpoint) => {
    const record = await startExport(ctx, shop, { campaignId: campaign.id });
    bytes += csvRow(EXPORT_COLUMNS).length;
    let orders = 0;
    for await (const order of exportOrders(ctx, shop.id, record)) {
      for (const row of exportCsvRows(order)) bytes += csvRow(row).length;
      orders += 1;
      if (orders % 5_000 === 0) checkpoint();
    }
    return orders;
  });
  const ids = (
    await db.query<{ id: string }>('SELECT id FROM preorders WHERE shop_id = $1 ORDER BY queue_position', [
      shop.id,
    ])
  ).map((row) => row.id);
  const file = async function* (checkpoint: () => void) {
    yield 'order_reference,carrier,tracking_number,shipped_date\n';
    for (let i = 0; i < ids.length; i += 1000) {
      if (i % 10_000 === 0) checkpoint();
      yield ids
        .slice(i, i + 1000)
        .map((id, j) => `${id},DHL,T${i + j},2027-01-12\n`)
        .join('');
    }
  };
  let jobId = '';
  const staged = await timed(async (checkpoint) => {
    const job = await importShipments(ctx, shop as Shop, file(checkpoint), { allOrNothing: false });
    jobId = job.id;
    return job.total;
  });
  const applied = await timed(async () => {
    await runJobs(ctx, [shipmentImportHandler], { jobId: { shopId: shop.id, id: jobId } });
    const [row] = await db.query<{ done: number }>('SELECT done FROM jobs WHERE shop_id = $1 AND id = $2', [
      shop.id,
      jobId,
    ]);
    return row?.done ?? 0;
  });
  const line = (what: string, result: Timed) =>
    `${rows.toLocaleString('en').padStart(7)} rows  ${what.padEnd(34)} ${(result.ms / 1000).toFixed(2).padStart(7)} s  ` +
    `${(result.ms / baseline.ms).toFixed(1).padStart(6)}× baseline  live heap peak +${(result.heapPeak / 1048576).toFixed(1)} MiB  (${result.count.toLocaleString('en')})`;
  return [
    line('baseline: one SELECT of every row', baseline),
    line(`export CSV (${(bytes / 1048576).toFixed(1)} MiB), marked`, exported),
    line('import: stream the file into a job', staged),
    line('import: apply the job (fulfil all)', applied),
  ];
}

interface Timed {
  ms: number;
  heapPeak: number;
  count: number;
}

/** Times `work`; each `checkpoint()` it calls runs a full GC and notes the live heap above the start. */
async function timed(work: (checkpoint: () => void) => Promise<number>): Promise<Timed> {
  const gc = globalThis.gc ?? (() => {});
  gc();
  const start = process.memoryUsage().heapUsed;
  let peak = 0;
  const checkpoint = () => {
    gc();
    peak = Math.max(peak, process.memoryUsage().heapUsed - start);
  };
  const began = performance.now();
  const count = await work(checkpoint);
  const ms = performance.now() - began;
  return { ms, heapPeak: peak, count };
}
