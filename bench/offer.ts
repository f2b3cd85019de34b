/**
 * bench/offer: the storefront's offer endpoint under load, as store pages ask it: first requests (200 with
 * the whole offer) and revalidations (If-None-Match, answered 304), next to the widget's bundle, a static
 * file served from memory by the same server, measured in the same run. The server runs in its own
 * process (bench/reserve-server.ts) on a scratch PostgreSQL database; the load comes from this one over
 * keep-alive connections. A second server with the offer cache off measures what computing an offer costs.
 * See docs/benchmarks.md.
 *
 *   npm run bench:offer -- [--clients 16] [--seconds 3] [--rounds 3]
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
  options: {
    clients: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
  },
});
const ROUNDS = Number(options.rounds);
const CLIENTS = Number(options.clients);
const SECONDS = Number(options.seconds);
if (!Number.isInteger(CLIENTS) || CLIENTS < 1 || !(SECONDS > 0) || !Number.isInteger(ROUNDS) || ROUNDS < 1) {
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

/** The API server in a process of its own; `offerCacheMs` 0 computes every offer. */
async function startServer(databaseUrl: string, offerCacheMs: number | undefined) {
  const child = fork(new URL('./reserve-server.ts', import.meta.url), [], {
    env: {
      ...process.env,
      BENCH_DATABASE_URL: databaseUrl,
      ...(offerCacheMs === undefined ? {} : { BENCH_OFFER_CACHE_MS: String(offerCacheMs) }),
    },
    execArgv: ['--import', 'tsx'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`the server exited (${code})`)));
  });
  return {
    url: new URL(url),
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.send('stop');
      }),
  };
}

async function measureAll(cached: URL, uncached: URL, key: string) {
  const widgetPath = String((await get(cached, '/widget.js', {})).headers.location);
  const offerPath = `/v1/storefront/offers/BENCH?key=${encodeURIComponent(key)}`;
  const etag = String((await get(cached, offerPath, {})).headers.etag);
  const scenarios: [string, URL, string, Record<string, string>][] = [
    ['static file: the widget bundle (gzip, 200)', cached, widgetPath, { 'accept-encoding': 'gzip' }],
    ['offer, a first request (200)', cached, offerPath, {}],
    ['offer, a revalidation (If-None-Match, 304)', cached, offerPath, { 'if-none-match': etag }],
    ['offer computed for every request (cache off, 200)', uncached, offerPath, {}],
  ];
  console.log(
    `${CLIENTS} clients, ${SECONDS} s each after 1 s of warm-up, ${ROUNDS} rounds in turn; medians; ` +
      'each server one process (bench/reserve-server.ts)\n',
  );
  const results = scenarios.map((): Result[] => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [index, [, base, path, headers]] of scenarios.entries()) {
      results[index]?.push(await measure(base, path, headers));
    }
  }
  const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  const baseline = median((results[0] ?? []).map((result) => result.perSecond));
  console.log('| what | requests/s | p50 ms | p99 ms | statuses | / static |');
  console.log('| --- | ---: | ---: | ---: | --- | ---: |');
  for (const [index, [what]] of scenarios.entries()) {
    const runs = results[index] ?? [];
    const perSecond = median(runs.map((result) => result.perSecond));
    const statuses = [...new Set(runs.flatMap((result) => [...result.statuses]))].join(', ');
    console.log(
      `| ${what} | ${Math.round(perSecond)} | ${median(runs.map((r) => r.p50)).toFixed(2)} | ` +
        `${median(runs.map((r) => r.p99)).toFixed(2)} | ${statuses} | ${(perSecond / baseline).toFixed(2)}× |`,
    );
  }
  agent.destroy();
}

const scratch = await scratchDatabase(process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
try {
  const key = await seed(scratch.url);
  const cached = await startServer(scratch.url, undefined);
  const uncached = await startServer(scratch.url, 0);
  try {
    await measureAll(cached.url, uncached.url, key);
  } finally {
    await Promise.all([cached.stop(), uncached.stop()]);
  }
} finally {
  await scratch.drop();
}
