/**
 * bench/admin: what the admin app costs. The size of its JavaScript (the first screen loads the one bundle),
 * minified and gzipped as the server sends it; and the dashboard's load on a campaign of 100,000 pre-orders:
 * the two requests the dashboard screen makes (GET …/dashboard and GET /v1/reports/cash?campaign=…), next
 * to the baseline of what the aggregates avoid, paging every pre-order through GET /v1/preorders, measured in
 * the same run. In-process requests (Fastify's inject) on the embedded database, as `presell demo` runs, and
 * on a PostgreSQL server when DATABASE_URL is set. See docs/benchmarks.md.
 *
 *   npm run bench:admin -- [--preorders 100000] [--runs 5]
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type Database, openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { addDays, shopDate } from '../src/domain/calendar.ts';
import { buildApp } from '../src/http/app.ts';
import { webBundles } from '../src/http/web-assets.ts';
import { TestPaymentProvider } from '../src/payments/test-provider.ts';
import { createCampaign, moveCampaign } from '../src/services/campaigns.ts';
import type { ServiceContext } from '../src/services/context.ts';
import { DEFAULT_PAYMENT_SETTINGS } from '../src/services/payment-operations.ts';
import { createShop } from '../src/services/shops.ts';
import { addBatch } from '../src/services/supply.ts';
import { createVariant } from '../src/services/variants.ts';
import { scratchDatabase } from '../test/support/databases.ts';

const { values: options } = parseArgs({
  options: { preorders: { type: 'string', default: '100000' }, runs: { type: 'string', default: '5' } },
});
const PREORDERS = Number(options.preorders);
const RUNS = Number(options.runs);
if (!Number.isInteger(PREORDERS) || PREORDERS < 1 || !Number.isInteger(RUNS) || RUNS < 1) {
  throw new Error('--preorders and --runs take positive whole numbers');
}
const BUDGET_GZIP_BYTES = 300 * 1024;

const admin = (await webBundles()).get('admin');
if (!admin) throw new Error('no admin bundle');
console.log(
  `admin bundle: ${(admin.code.length / 1024).toFixed(1)} KB minified, ${(admin.gzip.length / 1024).toFixed(1)} KB gzipped (budget ${BUDGET_GZIP_BYTES / 1024} KB)`,
);

/**
 * A launch of `count` pre-orders over 30 days: one in ten cancelled, the rest confirmed and charged, their
 * promises from two batches (the first 60 % of the queue) or none. Written in bulk with SQL, the ledger's
 * sums on each pre-order as booking keeps them: the services would take minutes to place them one by one,
 * and the dashboard reads the same rows either way.
 */
async function seed(db: Database, count: number) {
  await migrate(db);
  const now = new Date();
  const ctx: ServiceContext = { db, clock: () => now };
  const { shop, adminKey } = await createShop(ctx, {
    name: 'Bench',
    currency: 'EUR',
    timeZone: 'Europe/Berlin',
    locale: 'en-GB',
  });
  const variant = await createVariant(ctx, shop.id, { sku: 'BENCH', name: 'Bench lamp' });
  const campaign = await createCampaign(ctx, shop, {
    name: 'Bench',
    mode: 'preorder',
    price: { amount: 9_900, currency: 'EUR' },
    variants: [{ sku: 'BENCH', cap: null }],
  });
  const today = shopDate(now, shop.timeZone);
  await addBatch(ctx, shop, campaign.id, {
    sku: 'BENCH',
    quantity: count / 2,
    readyDate: addDays(today, 30),
  });
  await addBatch(ctx, shop, campaign.id, { sku: 'BENCH', quantity: count, readyDate: addDays(today, 60) });
  await moveCampaign(ctx, shop.id, campaign.id, 'open');
  await db.query(
    `INSERT INTO preorders (id, shop_id, campaign_id, variant_id, email, quantity, queue_position, unit_amount,
       total_amount, charged_amount, currency, price_lines, state, payment_terms, promise_from, promise_to,
       created_at, updated_at)
     SELECT 'po_bench' || lpad(n::text, 8, '0'), $1, $2, $3, 'buyer' || n || '@example.com', 1 + n % 3, n, 9900,
       9900 * (1 + n % 3), CASE WHEN n % 10 = 0 THEN 0 ELSE 9900 * (1 + n % 3) END, 'EUR', '[]',
       CASE WHEN n % 10 = 0 THEN 'cancelled' ELSE 'confirmed' END,
       '{"kind": "full"}',
       CASE WHEN n < $4 * 0.6 THEN $5::date + (n * 60 / $4) END,
       CASE WHEN n < $4 * 0.6 THEN $5::date + (n * 60 / $4) + 6 END,
       $6::timestamptz - make_interval(secs => ($4 - n) * 30 * 86400.0 / $4),
       $6::timestamptz - make_interval(secs => ($4 - n) * 30 * 86400.0 / $4)
     FROM generate_series(1, $4) AS n`,
    [shop.id, campaign.id, variant.id, count, addDays(today, 30), now.toISOString()],
  );
  await db.query(
    `INSERT INTO ledger_entries (id, shop_id, campaign_id, preorder_id, kind, amount, currency, provider,
       payment_reference, idempotency_key, created_at)
     SELECT 'le_' || p.id, p.shop_id, p.campaign_id, p.id, 'charge', p.total_amount, 'EUR', 'test',
       'ch_' || p.id, 'bench:' || p.id, p.created_at
     FROM preorders p WHERE p.campaign_id = $1 AND p.state = 'confirmed'`,
    [campaign.id],
  );
  await db.query(
    `UPDATE campaign_variants SET held = (SELECT sum(quantity) FROM preorders WHERE campaign_id = $1 AND state <> 'cancelled')
     WHERE campaign_id = $1`,
    [campaign.id],
  );
  await db.query('ANALYZE');
  return { ctx, campaignId: campaign.id, adminKey };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function measure(engine: string, db: Database) {
  const started = performance.now();
  const { ctx, campaignId, adminKey } = await seed(db, PREORDERS);
  console.log(
    `\n${engine}: ${PREORDERS} pre-orders seeded in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const app = await buildApp(ctx, {
    payments: { provider: new TestPaymentProvider(), settings: DEFAULT_PAYMENT_SETTINGS },
  });
  const headers = { authorization: `Bearer ${adminKey}` };
  const get = async (url: string) => {
    const response = await app.inject({ method: 'GET', url, headers });
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return response.json();
  };
  const time = async (what: () => Promise<unknown>) => {
    const runs: number[] = [];
    await what();
    for (let run = 0; run < RUNS; run++) {
      const start = performance.now();
      await what();
      runs.push(performance.now() - start);
    }
    return median(runs);
  };
  const dashboard = await time(() => get(`/v1/campaigns/${campaignId}/dashboard`));
  const cash = await time(() => get(`/v1/reports/cash?campaign=${campaignId}`));
  const screen = await time(() =>
    Promise.all([
      get(`/v1/campaigns/${campaignId}/dashboard`),
      get(`/v1/reports/cash?campaign=${campaignId}`),
    ]),
  );
  // The baseline, once: every pre-order paged into the client, 100 at a time.
  const pagingStart = performance.now();
  let cursor: string | null = null;
  let paged = 0;
  do {
    const page = (await get(
      `/v1/preorders?campaign=${campaignId}&limit=100${cursor ? `&after=${cursor}` : ''}`,
    )) as { data: unknown[]; nextCursor: string | null };
    paged += page.data.length;
    cursor = page.nextCursor;
  } while (cursor);
  const paging = performance.now() - pagingStart;
  await app.close();
  const row = (what: string, ms: number) =>
    console.log(
      `| ${what.padEnd(52)} | ${ms.toFixed(0).padStart(8)} ms | ${(ms / paging).toFixed(4).padStart(8)} |`,
    );
  console.log(`| what (median of ${RUNS}) ${' '.repeat(33)} |    time    | / paging |`);
  row('GET /v1/campaigns/{id}/dashboard', dashboard);
  row('GET /v1/reports/cash?campaign={id}', cash);
  row('the dashboard screen: both, concurrently', screen);
  row(`baseline: paging ${paged} pre-orders, 100 a page (once)`, paging);
}

const embedded = await openDatabase();
try {
  await measure('PGlite (embedded, in memory)', embedded);
} finally {
  await embedded.close();
}
if (process.env.DATABASE_URL) {
  const scratch = await scratchDatabase(process.env.DATABASE_URL);
  const server = await openDatabase({ url: scratch.url, poolSize: 4 });
  try {
    await measure('PostgreSQL server', server);
  } finally {
    await server.close();
    await scratch.drop();
  }
}
