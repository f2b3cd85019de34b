/**
 * bench/offer: the storefront's offer endpoint under load, as store pages ask it: first requests (200 with
 * the whole offer) and revalidations (If-None-Match, answered 304), next to the widget's bundle, a static
 * file served from memory by the same server, measured in the same run. The server runs in its own
 * process (bench/reserve-server.ts) on a scratch PostgreSQL database; the load comes from this one over
 * keep-alive connections. See docs/benchmarks.md.
 *
 *   npm run bench:offer -- [--clients 16] [--seconds 5]
 */
import { fork } from 'node:child_process';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { addDays, shopDate } from '../src/domain/calendar.ts';
import { createCampaign, moveCampaign } from '../src/services/campaigns.ts';
import type { ServiceContext } from '../src/services/context.ts';
import { createShop } from '../src/services/shops.ts';
import { addBatch } from '../src/services/supply.ts';
import { createVariant } from '../src/services/variants.ts';
import { scratchDatabase } from '../test/support/databases.ts';

const { values: options } = parseArgs({
  options: { clients: { type: 'string', default: '16' }, seconds: { type: 'string', default: '5' } },
});
const CLIENTS = Number(options.clients);
const SECONDS = Number(options.seconds);
if (!Number.isInteger(CLIENTS) || CLIENTS < 1 || !(SECONDS > 0)) {
  throw new Error('--clients takes a positive whole number, --seconds a positive number');
}

/** A shop with an open launch like the demo's: early bird, a deposit, two batches. */
async function seed(url: string): Promise<string> {
  const db = await openDatabase({ url, poolSize: 2 });
  try {
    await migrate(db);
    const ctx: ServiceContext = { db, clock: () => new Date() };
    const { shop, publishableKey } = await createShop(ctx, {
      name: 'Bench',
      currency: 'EUR',
      timeZone: 'Europe/Berlin',
      locale: 'en-GB',
    });
    await createVariant(ctx, shop.id, { sku: 'BENCH', name: 'Bench lamp' });
    const campaign = await createCampaign(ctx, shop, {
      name: 'Bench',
      mode: 'preorder',
      price: { amount: 12_900, currency: 'EUR' },
      earlyBird: [{ name: 'Early bird', firstUnits: 50, unitAmount: 9_900 }],
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
      variants: [{ sku: 'BENCH', cap: 500 }],
    });
    const today = shopDate(new Date(), shop.timeZone);
    await addBatch(ctx, shop, campaign.id, { sku: 'BENCH', quantity: 200, readyDate: addDays(today, 21) });
    await addBatch(ctx, shop, campaign.id, { sku: 'BENCH', quantity: 300, readyDate: addDays(today, 49) });
    await moveCampaign(ctx, shop.id, campaign.id, 'open');
    return publishableKey;
  } finally {
    await db.close();
  }
}

interface Result {
  perSecond: number;
  p50: number;
  p99: number;
  statuses: Set<number>;
}

const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });

function get(
  base: URL,
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const sent = request(new URL(path, base), { agent, headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    sent.on('error', reject);
    sent.end();
  });
}

/** CLIENTS clients ask for `path` one request after another for SECONDS, after a second of warm-up. */
async function measure(base: URL, path: string, headers: Record<string, string>): Promise<Result> {
  const run = async (seconds: number) => {
    const latencies: number[] = [];
    const statuses = new Set<number>();
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: CLIENTS }, async () => {
        while (performance.now() < end) {
          const start = performance.now();
          statuses.add((await get(base, path, headers)).status);
          latencies.push(performance.now() - start);
        }
      }),
    );
    return { latencies, statuses };
  };
  await run(1);
  const { latencies, statuses } = await run(SECONDS);
  const sorted = Float64Array.from(latencies).sort();
  const at = (fraction: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))] ?? 0;
  return { perSecond: latencies.length / SECONDS, p50: at(0.5), p99: at(0.99), statuses };
}

async function measureAll(base: URL, key: string) {
  const redirect = await get(base, '/widget.js', {});
  const widgetPath = String(redirect.headers.location);
  const offerPath = `/v1/storefront/offers/BENCH?key=${encodeURIComponent(key)}`;
  const first = await get(base, offerPath, {});
  const etag = String(first.headers.etag);
  console.log(
    `${CLIENTS} clients, ${SECONDS} s each, after 1 s of warm-up; server: one process (bench/reserve-server.ts)\n`,
  );
  const rows: [string, Result][] = [
    [
      'static file: the widget bundle (gzip, 200)',
      await measure(base, widgetPath, { 'accept-encoding': 'gzip' }),
    ],
    ['offer, first request (200)', await measure(base, offerPath, {})],
    ['offer, revalidation (If-None-Match, 304)', await measure(base, offerPath, { 'if-none-match': etag })],
  ];
  const baseline = rows[0]?.[1].perSecond ?? 1;
  console.log('| what | requests/s | p50 ms | p99 ms | statuses | / static |');
  console.log('| --- | ---: | ---: | ---: | --- | ---: |');
  for (const [what, result] of rows) {
    console.log(
      `| ${what} | ${Math.round(result.perSecond)} | ${result.p50.toFixed(2)} | ${result.p99.toFixed(2)} | ` +
        `${[...result.statuses].join(', ')} | ${(result.perSecond / baseline).toFixed(2)}× |`,
    );
  }
  agent.destroy();
}

const scratch = await scratchDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
try {
  const publishableKey = await seed(scratch.url);
  const server = fork(new URL('./reserve-server.ts', import.meta.url), [], {
    env: { ...process.env, BENCH_DATABASE_URL: scratch.url },
    execArgv: ['--import', 'tsx'],
  });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      server.once('message', (message) => resolve((message as { url: string }).url));
      server.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
    });
    await measureAll(new URL(url), publishableKey);
  } finally {
    server.send('stop');
    await new Promise((resolve) => server.once('exit', resolve));
  }
} finally {
  await scratch.drop();
}
