/**
 * bench/promise-persist: the round trip of the promise engine through PostgreSQL. A campaign variant with
 * 100,000 live pre-orders gets its supply plan, then its first batch slips: every promise moves, and the
 * service (src/services/supply.ts) loads the queue, recomputes, stores the changed promises and writes a
 * `promise_changed` event for each, in one transaction. The baseline, measured in the same run on the same
 * rows, is one bare set-based UPDATE of the same promise columns. Then the first pre-order cancels, with the
 * plan the process kept (incremental) and after another process's change (whole queue recomputed), side by
 * side. See docs/benchmarks.md.
 *
 *   npm run bench:promise-persist -- [--preorders 100000] [--runs 3]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type Database, openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { TestPaymentProvider } from '../src/payments/test-provider.ts';
import { createCampaign } from '../src/services/campaigns.ts';
import { cancelPreorder } from '../src/services/cancellation.ts';
import type { ServiceContext } from '../src/services/context.ts';
import { DEFAULT_PAYMENT_SETTINGS, type Payments } from '../src/services/payment-operations.ts';
import { createShop } from '../src/services/shops.ts';
import { addBatch, updateBatch } from '../src/services/supply.ts';
import { createVariant } from '../src/services/variants.ts';
import { scratchDatabase } from '../test/support/databases.ts';

const { values: options } = parseArgs({
  options: { preorders: { type: 'string', default: '100000' }, runs: { type: 'string', default: '3' } },
});
const PREORDERS = Number(options.preorders);
const RUNS = Number(options.runs);
if (!Number.isInteger(PREORDERS) || PREORDERS < 1 || !Number.isInteger(RUNS) || RUNS < 1) {
  throw new Error('--preorders and --runs take positive whole numbers');
}
/** Thrown to roll the bare update back; declared before the run, which uses it. */
const rollback = new Error('rolled back on purpose');

const scratch = await scratchDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
const db = await openDatabase({ url: scratch.url, poolSize: 2 });
try {
  await run(db);
} finally {
  await db.close();
  await scratch.drop();
}

async function run(db: Database) {
  await migrate(db);
  const ctx: ServiceContext = { db, clock: () => new Date() };
  const { shop } = await createShop(ctx, {
    name: 'Bench',
    currency: 'EUR',
    timeZone: 'Europe/Berlin',
    locale: 'en-GB',
  });
  await createVariant(ctx, shop.id, { sku: 'BENCH', name: 'Bench' });
  const campaign = await createCampaign(ctx, shop, {
    name: 'Bench',
    mode: 'preorder',
    price: { amount: 1000, currency: 'EUR' },
    variants: [{ sku: 'BENCH', cap: null }],
  });
  const variantId = campaign.variants[0]?.variantId as string;
  console.log(`inserting ${PREORDERS.toLocaleString('en')} pre-orders…`);
  // Set up in bulk: the placement path is bench/reserve's subject, not this one's.
  await db.query(
    `INSERT INTO preorders (id, shop_id, campaign_id, variant_id, email, quantity, queue_position, unit_amount,
       total_amount, currency, price_lines, state, payment_terms)
     SELECT 'po_bench' || lpad(n::text, 8, '0'), $1, $2, $3, 'b' || n || '@example.com', 1 + n % 3, n, 1000,
       1000 * (1 + n % 3), 'EUR', '[]', 'confirmed', '{"kind":"full"}'
     FROM generate_series(1, $4) AS n`,
    [shop.id, campaign.id, variantId, PREORDERS],
  );
  await db.query(
    `UPDATE campaign_variants SET held = (SELECT sum(quantity) FROM preorders WHERE variant_id = $2)
     WHERE campaign_id = $1 AND variant_id = $2`,
    [campaign.id, variantId],
  );
  await db.query(
    `UPDATE campaigns SET units_held = (SELECT sum(quantity) FROM preorders WHERE campaign_id = $1),
       last_position = $2 WHERE id = $1`,
    [campaign.id, PREORDERS],
  );
  await db.query(
    `INSERT INTO customer_holds (shop_id, campaign_id, email, units)
     SELECT shop_id, campaign_id, email, quantity FROM preorders WHERE campaign_id = $1`,
    [campaign.id],
  );
  await db.query('ANALYZE preorders');

  // Supply that covers everyone, in ten batches a week apart: the first plan promises all of them.
  const units = Number(
    (await db.query<{ units: number }>('SELECT sum(quantity)::int AS units FROM preorders'))[0]?.units,
  );
  const firstPlan = await timed(async () => {
    for (let week = 0; week < 10; week++) {
      await addBatch(ctx, shop, campaign.id, {
        sku: 'BENCH',
        quantity: Math.ceil(units / 10),
        readyDate: dayFromNow(30 + 7 * week),
      });
    }
  });
  const [first] = await db.query<{ id: string }>(
    'SELECT id FROM supply_batches WHERE campaign_id = $1 ORDER BY ready_date LIMIT 1',
    [campaign.id],
  );
  const slips: number[] = [];
  const bare: number[] = [];
  const moved: number[] = [];
  for (let n = 0; n < RUNS; n++) {
    // Slipping the first batch past the last one moves every customer's promise.
    const before = await eventCount(db);
    slips.push(
      await timed(() =>
        updateBatch(ctx, shop, campaign.id, first?.id as string, { readyDate: dayFromNow(200 + 100 * n) }),
      ),
    );
    moved.push((await eventCount(db)) - before);
    // Rolled back, so the promises the service keeps are the ones it wrote: the cost is the same.
    bare.push(
      await timed(() =>
        db
          .transaction(async (tx) => {
            await tx.query(
              `UPDATE preorders SET promise_from = promise_from + 1, promise_to = promise_to + 1
               WHERE campaign_id = $1 AND variant_id = $2`,
              [campaign.id, variantId],
            );
            throw rollback;
          })
          .catch((error: unknown) => {
            if (error !== rollback) throw error;
          }),
      ),
    );
  }
  // A cancellation of the customer at the front of the queue: everyone behind moves up. With the plan this
  // process kept from the last change, the engine computes only who changes; when another process changed
  // the variant meanwhile (queue_version moved), the whole queue is read and recomputed.
  const payments: Payments = { provider: new TestPaymentProvider(), settings: DEFAULT_PAYMENT_SETTINGS };
  const front = await db.query<{ id: string }>(
    `SELECT id FROM preorders WHERE campaign_id = $1 AND state <> 'cancelled' ORDER BY queue_position LIMIT $2`,
    [campaign.id, 2 * RUNS],
  );
  const cancel = (id: string) =>
    cancelPreorder(ctx, payments, shop, id, { reason: 'bench', refund: 'policy' }).then(() => undefined);
  const incremental: number[] = [];
  const recompute: number[] = [];
  for (let n = 0; n < RUNS; n++) {
    incremental.push(await timed(() => cancel(front[2 * n]?.id as string)));
    await db.query('UPDATE campaign_variants SET queue_version = queue_version + 1 WHERE campaign_id = $1', [
      campaign.id,
    ]);
    recompute.push(await timed(() => cancel(front[2 * n + 1]?.id as string)));
  }

  const median = (values: number[]) =>
    [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] as number;
  console.log(`\n${PREORDERS.toLocaleString('en')} live pre-orders on one variant, ${RUNS} runs (median):`);
  console.log(`  first plan (10 batches added, each re-promising everyone)  ${firstPlan.toFixed(0)} ms`);
  console.log(
    `  slip of the first batch: promise_changed for ${median(moved).toLocaleString('en')} pre-orders`,
  );
  console.log(`    service (load, recompute, store, events)   ${median(slips).toFixed(0)} ms`);
  console.log(`    bare UPDATE of the same promise columns    ${median(bare).toFixed(0)} ms`);
  console.log(`    ratio service / bare                       ${(median(slips) / median(bare)).toFixed(2)}×`);
  console.log('  cancellation of the first pre-order (everyone behind moves up one place):');
  console.log(`    with the plan this process kept            ${median(incremental).toFixed(0)} ms`);
  console.log(`    whole queue read and recomputed             ${median(recompute).toFixed(0)} ms`);
  console.log(
    `    ratio kept / recomputed                    ${(median(incremental) / median(recompute)).toFixed(2)}×`,
  );
}

async function timed(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function eventCount(db: Database): Promise<number> {
  const [row] = await db.query<{ count: number }>(
    `SELECT count(*)::int AS count FROM events WHERE type = 'preorder.promise_changed'`,
  );
  return row?.count ?? 0;
}

function dayFromNow(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}
