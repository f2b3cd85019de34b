import { randomBytes } from 'node:crypto';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DomainError } from '../domain/errors.ts';
import { format, type Money, money } from '../domain/money.ts';
import { captureTransport } from '../notify/mailer.ts';
import type { RunningServer } from '../server.ts';
import type { ServiceContext } from '../services/context.ts';
import {
  type Command,
  DEFAULT_HOST,
  type Env,
  parseOptions,
  printHelp,
  resolveDataDir,
  resolvePort,
  SERVER_OPTIONS,
} from './args.ts';
import { displayPath } from './data-folder.ts';
import { describeDatabase } from './database.ts';
import { startOn, untilStopSignal } from './lifecycle.ts';

const DEFAULT_DEMO_DATA = './.presell/demo';
/** The demo's keys: only their digests are in the database, so the demo keeps them here to show them again. */
const DEMO_FILE = 'demo.json';

/** The demo sends nothing: every email is kept and shown on its inbox page. */
const demoMail = {
  inbox: true,
  mail: (ctx: ServiceContext) => ({
    transport: captureTransport(ctx.db, ctx.clock),
    fromAddress: 'orders@demo.presell.invalid',
    publicUrl: undefined,
  }),
};

const SHOP = { name: 'Demo Co.', currency: 'EUR', timeZone: 'Europe/Berlin', locale: 'en-GB' };
const LAUNCH_SKU = 'AURORA-LAMP';
const BACKORDER_SKU = 'TRAIL-MUG';

interface DemoShop {
  shopId: string;
  adminKey: string;
  publishableKey: string;
}

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run a seeded demo shop on the embedded database',
  help: `Usage: presell demo [--port N] [--host HOST] [--data DIR]

Starts Presell on the embedded database with a demo shop, "Demo Co." (EUR, Europe/Berlin):
a launch campaign (pre-order, capped, early-bird price for the first 50 units, 20 % deposit,
ship dates from two supply batches) and a
backorder campaign for a sold-out product, both open. Prints the URLs, the keys and a
curl to place a pre-order, then serves the API until Ctrl+C.
The shop is created once per data folder; later runs show the same keys (kept in
${DEMO_FILE} in the data folder). DATABASE_URL is not used: the demo never touches a server.

Options:
  -p, --port N      port to listen on (env PORT; default 3000; 0 picks a free one)
      --host HOST   address to listen on (default 127.0.0.1)
      --data DIR    folder of the demo's database (env PRESELL_DATA; default ${DEFAULT_DEMO_DATA})
  -h, --help        show this help`,

  async run(argv: string[], env: Env) {
    const options = parseOptions(this, argv, SERVER_OPTIONS);
    if (options.help) return printHelp(this);
    const port = resolvePort(options.port, env);
    const target = {
      kind: 'embedded',
      dataDir: resolveDataDir(options.data, env, DEFAULT_DEMO_DATA),
    } as const;
    // Listening from the start: a Ctrl+C while the database is created waits for it, never leaves half a folder.
    const stopSignal = untilStopSignal();
    const server = await startOn(target, {
      port,
      host: options.host ?? DEFAULT_HOST,
      logLevel: 'warn',
      ...demoMail,
    });
    try {
      const demo = await demoShop(server.ctx, target.dataDir);
      process.stdout.write(await banner(server, demo, describeDatabase(target), target.dataDir));
    } catch (error) {
      await server.close();
      throw error;
    }
    await stopSignal;
    process.stdout.write('Stopping the demo…\n');
    await server.close();
    return 0;
  },
};

/** The demo shop of this data folder: the saved one if its shop is still in the database, else a new one. */
async function demoShop(ctx: ServiceContext, dataDir: string): Promise<DemoShop> {
  const saved = readDemoFile(dataDir);
  if (saved && (await shopExists(ctx, saved.shopId))) return saved;
  const seeded = await seed(ctx);
  writeDemoFile(dataDir, seeded);
  return seeded;
}

async function seed(ctx: ServiceContext): Promise<DemoShop> {
  const { createShop } = await import('../services/shops.ts');
  const { createVariant } = await import('../services/variants.ts');
  const { createCampaign, moveCampaign } = await import('../services/campaigns.ts');
  const { addBatch } = await import('../services/supply.ts');
  const { addDays, shopDate } = await import('../domain/calendar.ts');
  const { shop, adminKey, publishableKey } = await createShop(ctx, SHOP);
  await createVariant(ctx, shop.id, { sku: LAUNCH_SKU, name: 'Aurora desk lamp', onHand: 0 });
  await createVariant(ctx, shop.id, { sku: BACKORDER_SKU, name: 'Trail mug, 350 ml', onHand: 0 });
  const launch = await createCampaign(ctx, shop, {
    name: 'Aurora launch',
    mode: 'preorder',
    price: money(12_900, SHOP.currency),
    earlyBird: [{ name: 'Early bird', firstUnits: 50, unitAmount: 9_900 }],
    perCustomerLimit: 5,
    paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    promiseSettings: { bufferDays: 7 },
    variants: [{ sku: LAUNCH_SKU, cap: 500 }],
  });
  const backorder = await createCampaign(ctx, shop, {
    name: 'Trail mug restock',
    mode: 'backorder',
    price: money(2_400, SHOP.currency),
    promiseSettings: { bufferDays: 3 },
    variants: [{ sku: BACKORDER_SKU, cap: 200 }],
  });
  // A supply plan, so every shopper is promised a ship date from the first click.
  const today = shopDate(ctx.clock(), SHOP.timeZone);
  await addBatch(ctx, shop, launch.id, {
    sku: LAUNCH_SKU,
    quantity: 200,
    readyDate: addDays(today, 21),
    state: 'confirmed',
  });
  await addBatch(ctx, shop, launch.id, { sku: LAUNCH_SKU, quantity: 300, readyDate: addDays(today, 49) });
  await addBatch(ctx, shop, backorder.id, {
    sku: BACKORDER_SKU,
    quantity: 150,
    readyDate: addDays(today, 10),
  });
  await moveCampaign(ctx, shop.id, launch.id, 'open');
  await moveCampaign(ctx, shop.id, backorder.id, 'open');
  return { shopId: shop.id, adminKey, publishableKey };
}

async function shopExists(ctx: ServiceContext, shopId: string): Promise<boolean> {
  const { getShop } = await import('../services/shops.ts');
  try {
    await getShop(ctx, shopId);
    return true;
  } catch (error) {
    if (error instanceof DomainError && error.code === 'not_found') return false;
    throw error;
  }
}

/** The saved demo shop, or undefined when there is none or the file is not one we wrote. */
function readDemoFile(dataDir: string): DemoShop | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dataDir, DEMO_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  const { shopId, adminKey, publishableKey } = (parsed ?? {}) as Record<string, unknown>;
  return typeof shopId === 'string' && typeof adminKey === 'string' && typeof publishableKey === 'string'
    ? { shopId, adminKey, publishableKey }
    : undefined;
}

/** Written whole or not at all (a rename), and readable only by its owner: it holds the admin key. */
function writeDemoFile(dataDir: string, demo: DemoShop) {
  const path = join(dataDir, DEMO_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}

/** The parts of the storefront's offer the banner shows. */
interface OfferView {
  mode: string;
  state: string;
  price: Money;
  regularPrice: Money;
  earlyBird: { name: string; unitsLeft: number | null } | null;
  unitsLeft: number | null;
  promise: { message: string; firstShipment: { message: string | null } | null };
}

async function banner(
  server: RunningServer,
  demo: DemoShop,
  database: string,
  dataDir: string,
): Promise<string> {
  const url = server.url;
  // Asked through the storefront API, as a shop's page would: the banner shows what shoppers see.
  const fetchOffer = async (sku: string) => {
    const response = await server.app.inject({
      url: `/v1/storefront/offers/${sku}`,
      headers: { 'presell-key': demo.publishableKey },
    });
    if (response.statusCode !== 200) {
      throw new Error(`the demo's offer for ${sku} answered ${response.statusCode}: ${response.body}`);
    }
    return response.json<OfferView>();
  };
  const launch = await fetchOffer(LAUNCH_SKU);
  const backorder = await fetchOffer(BACKORDER_SKU);
  const describe = (offer: typeof launch) => {
    const price = format(offer.price, SHOP.locale);
    const tier = offer.earlyBird
      ? ` (${offer.earlyBird.name}${offer.earlyBird.unitsLeft === null ? '' : `, ${offer.earlyBird.unitsLeft} left at this price`}; then ${format(offer.regularPrice, SHOP.locale)})`
      : '';
    const left = offer.unitsLeft === null ? 'no cap' : `${offer.unitsLeft} left`;
    const urgency = offer.promise.firstShipment?.message ? ` ${offer.promise.firstShipment.message}.` : '';
    return `${offer.mode}, ${offer.state}, ${price}${tier}, ${left}
             “${offer.promise.message}”${urgency}`;
  };
  const offerUrl = (sku: string) => `${url}/v1/storefront/offers/${sku}`;
  const body = JSON.stringify({
    sku: LAUNCH_SKU,
    quantity: 1,
    email: 'ada@example.com',
    paymentMethod: '4242424242424242',
  });
  const idempotencyKey = `demo-${randomBytes(6).toString('hex')}`;
  return `
Presell demo is ready in ${process.uptime().toFixed(1)} s: ${SHOP.name} (${demo.shopId}), ${database}

  API        ${url}/v1
  Docs       ${url}/docs
  OpenAPI    ${url}/openapi.json
  Inbox      ${url}/inbox
             every email the demo sends (none leave this machine)
  Offer      ${offerUrl(LAUNCH_SKU)}
             ${describe(launch)}
  Backorder  ${offerUrl(BACKORDER_SKU)}
             ${describe(backorder)}

Keys (kept in ${displayPath(join(dataDir, DEMO_FILE))})
  Admin key        ${demo.adminKey}
                   admin API: Authorization: Bearer <admin key>
  Publishable key  ${demo.publishableKey}
                   storefront API: Presell-Key: <publishable key>

Look at the offer, then place a pre-order. It pays a 20 % deposit with a test card
(4000000000000002 is declined; no card at all gives a client secret and 30 minutes to pay).
Sending it again with the same Idempotency-Key gives the same answer, not a second pre-order:

  curl -H 'Presell-Key: ${demo.publishableKey}' ${offerUrl(LAUNCH_SKU)}

  curl -X POST ${url}/v1/storefront/preorders \\
    -H 'Presell-Key: ${demo.publishableKey}' \\
    -H 'Content-Type: application/json' \\
    -H 'Idempotency-Key: ${idempotencyKey}' \\
    -d '${body}'

Press Ctrl+C to stop.
`;
}
