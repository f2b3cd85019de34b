/**
 * bench/reserve: placements per second and latency through the HTTP API, against the bare conditional
 * UPDATE on one hot row sent from as many connections, in the same run on the same PostgreSQL server.
 * Every round ends with the zero-oversell checks; a short sell-out round closes the run. Exits 1 when a
 * check fails. See docs/benchmarks.md.
 *
 *   npm run bench:reserve -- [--clients 1,16,64] [--seconds 5] [--max-requests 100000]
 *                            [--pool-size N] [--cpu-prof-dir DIR]
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { type Database, openDatabase } from '../src/db/database.ts';
import { createShop } from '../src/services/shops.ts';
import { scratchDatabase } from '../test/support/databases.ts';

const { values: options } = parseArgs({
  options: {
    clients: { type: 'string', default: '1,16,64' },
    seconds: { type: 'string', default: '5' },
    'max-requests': { type: 'string', default: '100000' },
    'pool-size': { type: 'string' },
    'cpu-prof-dir': { type: 'string' },
  },
});

const CLIENT_COUNTS = options.clients.split(',').map(positiveInteger);
const LIMITS = {
  seconds: positiveNumber(options.seconds),
  maxRequests: positiveInteger(options['max-requests']),
};
const POOL_SIZE = options['pool-size'] === undefined ? undefined : positiveInteger(options['pool-size']);
const SERVER_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Far above what a timed round can place, so the hot variant never sells out while it is measured. */
const HOT_CAP = 10_000_000;
const SELL_OUT = { cap: 100, placements: 500 };
const WARM_UP = { clients: 16, seconds: 1 };
const REQUEST_TIMEOUT_MS = 30_000;
const BARE_STATEMENT =
  'UPDATE campaign_variants SET held = held + 1 WHERE campaign_id = $1 AND variant_id = $2 AND (cap IS NULL OR held + 1 <= cap)';

const interrupted = new AbortController();
process.once('SIGINT', () => interrupted.abort());

const failures: string[] = [];
function check(ok: boolean, what: string) {
  if (!ok) {
    failures.push(what);
    console.error(`FAIL: ${what}`);
  }
}

function positiveNumber(text: string): number {
  const n = Number(text);
  if (!(n > 0) || !Number.isFinite(n)) throw new Error(`not a positive number: ${text}`);
  return n;
}

function positiveInteger(text: string): number {
  const n = positiveNumber(text);
  if (!Number.isInteger(n)) throw new Error(`not a whole number: ${text}`);
  return n;
}

function progress(line: string) {
  process.stderr.write(`  ${line}\n`);
}

// ---------------------------------------------------------------------------------------------------------
// HTTP on loopback, keep-alive, one socket per client.

interface Answer {
  status: number;
  body: string;
}

function request(
  agent: http.Agent,
  base: URL,
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        agent,
        host: base.hostname,
        port: base.port,
        method,
        path,
        headers: payload
          ? { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
          : headers,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
        res.on('error', reject);
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(payload);
  });
}

interface Shop {
  admin: Record<string, string>;
  storefront: Record<string, string>;
}

interface Launch {
  campaignId: string;
  variantId: string;
  sku: string;
}

class Api {
  /** Admin calls and anything outside a timed round. */
  private readonly setupAgent = new http.Agent({ keepAlive: true, maxSockets: 4 });

  constructor(readonly base: URL) {}

  private async admin(shop: Shop, path: string, body?: unknown) {
    const answer = await request(this.setupAgent, this.base, 'POST', path, shop.admin, body);
    if (answer.status >= 300) throw new Error(`POST ${path}: ${answer.status} ${answer.body}`);
    return JSON.parse(answer.body) as { id: string };
  }

  /** A variant with its own campaign; opened unless it only serves as the bare statement's row. */
  async launch(shop: Shop, sku: string, cap: number, open = true): Promise<Launch> {
    const variant = await this.admin(shop, '/v1/variants', { sku, name: `Bench ${sku}` });
    const campaign = await this.admin(shop, '/v1/campaigns', {
      name: `Bench ${sku}`,
      mode: 'preorder',
      price: { amount: 7900, currency: 'EUR' },
      variants: [{ sku, cap }],
    });
    if (open) await this.admin(shop, `/v1/campaigns/${campaign.id}/open`);
    return { campaignId: campaign.id, variantId: variant.id, sku };
  }

  /** One placement with its own key and shopper; undefined when placed, else what came back. */
  async place(agent: http.Agent, shop: Shop, launch: Launch, tag: string): Promise<string | undefined> {
    const answer = await request(
      agent,
      this.base,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': `bench-${tag}` },
      { sku: launch.sku, quantity: 1, email: `buyer-${tag}@example.com` },
    );
    if (answer.status === 201) return undefined;
    return `${answer.status} ${errorCode(answer.body)}`;
  }

  close() {
    this.setupAgent.destroy();
  }
}

function errorCode(body: string): string {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? body.slice(0, 80);
  } catch {
    return body.slice(0, 80);
  }
}

// ---------------------------------------------------------------------------------------------------------
// A timed round: `clients` loops, each sending one request after the other until the time or count is up.

interface Round {
  succeeded: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: Map<string, number>;
}

async function drive(
  label: string,
  clients: number,
  limits: { seconds: number; maxRequests: number },
  send: (request: number, client: number) => Promise<string | undefined>,
): Promise<Round> {
  const latencies = new Float64Array(limits.maxRequests);
  const errors = new Map<string, number>();
  let issued = 0;
  let completed = 0;
  let succeeded = 0;
  const started = performance.now();
  const deadline = started + limits.seconds * 1000;
  const ticker = setInterval(() => {
    progress(`${label}: ${((performance.now() - started) / 1000).toFixed(0)} s, ${completed} done`);
  }, 1000);
  const loop = async (client: number) => {
    while (issued < limits.maxRequests && performance.now() < deadline && !interrupted.signal.aborted) {
      const n = issued++;
      const sent = performance.now();
      let error: string | undefined;
      try {
        error = await send(n, client);
      } catch (thrown) {
        error = (thrown as Error).message;
      }
      latencies[completed++] = performance.now() - sent;
      if (error === undefined) succeeded++;
      else errors.set(error, (errors.get(error) ?? 0) + 1);
    }
  };
  try {
    await Promise.all(Array.from({ length: clients }, (_, client) => loop(client)));
  } finally {
    clearInterval(ticker);
  }
  const seconds = (performance.now() - started) / 1000;
  const sorted = latencies.subarray(0, completed).sort();
  return {
    succeeded,
    seconds,
    perSecond: succeeded / seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    errors,
  };
}

function percentile(sorted: Float64Array, fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)] as number;
}

function checkNoErrors(label: string, round: Round) {
  for (const [error, count] of round.errors) check(false, `${label}: ${count} × ${error}`);
}

// ---------------------------------------------------------------------------------------------------------
// Zero oversell, read back from the database after each round.

interface Tally {
  held: number;
  cap: number | null;
  liveUnits: number;
  preorders: number;
  duplicatePositions: number;
  campaignUnits: number;
  /** Placements of one batch share their `created_at` (the batch's clock), so this counts batches. */
  batches: number;
}

async function tally(db: Database, launch: Launch): Promise<Tally> {
  const [row] = await db.query<Tally>(
    `SELECT cv.held, cv.cap, c.units_held AS "campaignUnits",
       (SELECT coalesce(sum(p.quantity), 0) FROM preorders p
         WHERE p.campaign_id = cv.campaign_id AND p.variant_id = cv.variant_id AND p.state <> 'cancelled')
         AS "liveUnits",
       (SELECT count(*) FROM preorders p WHERE p.campaign_id = cv.campaign_id) AS preorders,
       (SELECT count(*) - count(DISTINCT p.queue_position) FROM preorders p WHERE p.campaign_id = cv.campaign_id)
         AS "duplicatePositions",
       (SELECT count(DISTINCT p.created_at) FROM preorders p WHERE p.campaign_id = cv.campaign_id) AS batches
     FROM campaign_variants cv JOIN campaigns c ON c.id = cv.campaign_id
     WHERE cv.campaign_id = $1 AND cv.variant_id = $2`,
    [launch.campaignId, launch.variantId],
  );
  if (!row) throw new Error(`no campaign variant ${launch.campaignId}/${launch.variantId}`);
  return row;
}

/** The invariants of a round of placements: what the clients were told matches what the database holds. */
async function checkPlacements(db: Database, label: string, launch: Launch, placed: number): Promise<Tally> {
  const t = await tally(db, launch);
  check(t.held === t.liveUnits, `${label}: held ${t.held} ≠ units of live pre-orders ${t.liveUnits}`);
  check(t.cap === null || t.held <= t.cap, `${label}: held ${t.held} over the cap ${t.cap}`);
  check(t.duplicatePositions === 0, `${label}: ${t.duplicatePositions} duplicate queue positions`);
  check(t.preorders === placed, `${label}: ${t.preorders} pre-orders stored, clients were told ${placed}`);
  check(t.campaignUnits === t.held, `${label}: campaign counts ${t.campaignUnits} units, variant ${t.held}`);
  return t;
}

// ---------------------------------------------------------------------------------------------------------
// The rounds.

let hotRounds = 0;

async function httpRound(api: Api, db: Database, shop: Shop, clients: number, limits: typeof LIMITS) {
  const label = `http ×${clients}`;
  const launch = await api.launch(shop, `HOT-${++hotRounds}`, HOT_CAP);
  const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
  try {
    const round = await drive(label, clients, limits, (n) =>
      api.place(agent, shop, launch, `${launch.sku}-${n}`),
    );
    checkNoErrors(label, round);
    const t = await checkPlacements(db, label, launch, round.succeeded);
    return { ...round, meanBatch: t.preorders / Math.max(1, t.batches) };
  } finally {
    agent.destroy();
  }
}

async function bareRound(api: Api, db: Database, databaseUrl: string, shop: Shop, clients: number) {
  const label = `bare ×${clients}`;
  const launch = await api.launch(shop, `BARE-${clients}`, HOT_CAP, false);
  const connections = await Promise.all(
    Array.from({ length: clients }, async () => {
      const client = new pg.Client({ connectionString: databaseUrl, statement_timeout: REQUEST_TIMEOUT_MS });
      await client.connect();
      return client;
    }),
  );
  const statement = {
    name: 'bare-reserve',
    text: BARE_STATEMENT,
    values: [launch.campaignId, launch.variantId],
  };
  try {
    const round = await drive(label, clients, LIMITS, async (_, client) => {
      const result = await (connections[client] as pg.Client).query(statement);
      return result.rowCount === 1 ? undefined : 'no row updated';
    });
    checkNoErrors(label, round);
    const t = await tally(db, launch);
    check(
      t.held === round.succeeded,
      `${label}: held ${t.held} ≠ ${round.succeeded} statements that updated`,
    );
    check(t.cap === null || t.held <= t.cap, `${label}: held ${t.held} over the cap ${t.cap}`);
    return round;
  } finally {
    await Promise.all(connections.map((c) => c.end()));
  }
}

/** 500 placements at once against a cap of 100: exactly 100 placed, every other one told sold_out. */
async function sellOutRound(api: Api, db: Database, shop: Shop) {
  const label = `sell-out (cap ${SELL_OUT.cap}, ${SELL_OUT.placements} at once)`;
  progress(label);
  const launch = await api.launch(shop, 'SELL-OUT', SELL_OUT.cap);
  const agent = new http.Agent({ keepAlive: true });
  try {
    const answers = await Promise.all(
      Array.from({ length: SELL_OUT.placements }, (_, n) =>
        api.place(agent, shop, launch, `sell-out-${n}`).catch((error: Error) => error.message),
      ),
    );
    const placed = answers.filter((a) => a === undefined).length;
    const soldOut = answers.filter((a) => a === '409 sold_out').length;
    check(placed === SELL_OUT.cap, `${label}: ${placed} placed`);
    check(soldOut === SELL_OUT.placements - SELL_OUT.cap, `${label}: ${soldOut} answered sold_out`);
    const t = await checkPlacements(db, label, launch, placed);
    check(t.held === SELL_OUT.cap, `${label}: ${t.held} units held`);
    return { placed, soldOut, held: t.held };
  } finally {
    agent.destroy();
  }
}

// ---------------------------------------------------------------------------------------------------------
// The server child, the throwaway database, and the run.

async function startServerProcess(databaseUrl: string) {
  const cpuProfDir = options['cpu-prof-dir'];
  const child = fork(new URL('./reserve-server.ts', import.meta.url), [], {
    execArgv: ['--import', 'tsx', ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`] : [])],
    env: {
      ...process.env,
      BENCH_DATABASE_URL: databaseUrl,
      ...(POOL_SIZE ? { BENCH_POOL_SIZE: String(POOL_SIZE) } : {}),
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve((message as { url: string }).url));
    child.once('exit', (code) => reject(new Error(`server process exited with ${code} before listening`)));
  });
  return {
    url: new URL(url),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      if (child.connected) child.send('stop');
      const timeout = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timeout);
    },
  };
}

/** Other work on the machine skews every figure; the run prints the 1-minute load average before and after. */
const loadAverage = () => (loadavg()[0] as number).toFixed(2);

const ms = (value: number) => value.toFixed(value < 10 ? 2 : 1);

function printTable(rows: { clients: number; http: Awaited<ReturnType<typeof httpRound>>; bare: Round }[]) {
  console.log(
    '\n| clients | HTTP placements/s | p50 ms | p99 ms | mean batch | bare statements/s | p50 ms | p99 ms | HTTP/bare |',
  );
  console.log('|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const { clients, http: h, bare: b } of rows) {
    console.log(
      `| ${clients} | ${Math.round(h.perSecond)} | ${ms(h.p50)} | ${ms(h.p99)} | ${h.meanBatch.toFixed(1)} | ` +
        `${Math.round(b.perSecond)} | ${ms(b.p50)} | ${ms(b.p99)} | ${(h.perSecond / b.perSecond).toFixed(2)} |`,
    );
  }
}

async function main() {
  const scratch = await scratchDatabase(SERVER_URL);
  const databaseUrl = scratch.url;
  let server: Awaited<ReturnType<typeof startServerProcess>> | undefined;
  let db: Database | undefined;
  let api: Api | undefined;
  try {
    db = await openDatabase({ url: databaseUrl, poolSize: 2 });
    const [settings] = await db.query<{ version: string; synchronous_commit: string; fsync: string }>(
      `SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS synchronous_commit,
              current_setting('fsync') AS fsync`,
    );
    console.log(
      `bench/reserve ${new Date().toISOString()} · node ${process.version} · ${availableParallelism()} cores · ` +
        `PostgreSQL ${settings?.version} (synchronous_commit=${settings?.synchronous_commit}, fsync=${settings?.fsync})`,
    );
    console.log(
      `rounds of ${LIMITS.seconds} s or ${LIMITS.maxRequests} requests · server pool ${POOL_SIZE ?? 'default'} · ` +
        `database ${new URL(databaseUrl).pathname.slice(1)} · load average ${loadAverage()}`,
    );
    server = await startServerProcess(databaseUrl);
    const { adminKey, publishableKey } = await createShop(
      { db, clock: () => new Date() },
      { name: 'Bench Shop', currency: 'EUR', timeZone: 'Europe/Berlin', locale: 'en-GB' },
    );
    const shop: Shop = {
      admin: { authorization: `Bearer ${adminKey}` },
      storefront: { 'presell-key': publishableKey },
    };
    api = new Api(server.url);

    progress(`warm-up: ${WARM_UP.clients} clients for ${WARM_UP.seconds} s`);
    await httpRound(api, db, shop, WARM_UP.clients, { ...LIMITS, seconds: WARM_UP.seconds });

    const rows = [];
    for (const clients of CLIENT_COUNTS) {
      const httpResult = await httpRound(api, db, shop, clients, LIMITS);
      const bareResult = await bareRound(api, db, databaseUrl, shop, clients);
      if (interrupted.signal.aborted) throw new Error('interrupted');
      rows.push({ clients, http: httpResult, bare: bareResult });
      progress(
        `${clients} clients: HTTP ${Math.round(httpResult.perSecond)}/s, bare ${Math.round(bareResult.perSecond)}/s`,
      );
    }
    const sellOut = await sellOutRound(api, db, shop);

    printTable(rows);
    console.log(`\nload average at the end: ${loadAverage()}`);
    console.log(
      `\nsell-out: ${sellOut.placed} placed, ${sellOut.soldOut} sold_out, ${sellOut.held} units held ` +
        `(cap ${SELL_OUT.cap}, ${SELL_OUT.placements} placements at once)`,
    );
  } finally {
    api?.close();
    await server?.stop();
    await db?.close();
    await scratch.drop();
  }
  if (failures.length > 0) {
    console.error(`\nbench/reserve FAILED: ${failures.length} check(s) failed`);
    for (const failure of failures) console.error(`  - ${failure}`);
    process.exit(1);
  }
  console.log('zero oversell: every check passed');
}

await main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
