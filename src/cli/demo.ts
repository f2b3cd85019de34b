import { randomBytes } from 'node:crypto';
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
import { BACKORDER, DEMO_PRODUCTS, type DemoVariant, LAUNCH } from './demo-catalogue.ts';
import { DEFAULT_DEMO_DATA, DEMO_FILE, type DemoShop, readDemoFile, writeDemoFile } from './demo-file.ts';
import { demoStore } from './demo-store.ts';
import { startOn, untilStopSignal } from './lifecycle.ts';
import { readServerSettings, warnUnknownSettings } from './settings.ts';

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
const [LAUNCH_BRASS, LAUNCH_GRAPHITE, LAUNCH_SAGE] = LAUNCH.variants as [
  DemoVariant,
  DemoVariant,
  DemoVariant,
];
const [BACKORDER_SAND, BACKORDER_MOSS] = BACKORDER.variants as [DemoVariant, DemoVariant];
const LAUNCH_SKU = LAUNCH_BRASS.sku;
const BACKORDER_SKU = BACKORDER_SAND.sku;
/** Raised when the seed changes, so that an older demo folder gets a shop its store's pages fit. */
const SEED_VERSION = 2;

export const demoCommand: Command = {
  name: 'demo',
  summary: 'Run a seeded demo shop on the embedded database',
  help: `Usage: presell demo [--port N] [--host HOST] [--data DIR]

Starts Presell on the embedded database with a demo shop, "Demo Co." (EUR, Europe/Berlin):
a launch campaign for two finishes of a lamp (pre-order, capped, early-bird price for the
first 50 units, 20 % deposit, ship dates from supply batches), a limited edition of a third
finish (paid in full, closing in 10 days) and a backorder campaign for a sold-out mug, all
open. Serves a demo store at /store whose product pages embed the pre-order widget, prints
its URL first, then the API's URLs, the keys and a curl to place a pre-order, and serves
until Ctrl+C.
Webhook endpoints may be on this machine (http://127.0.0.1:…): the demo delivers to them.
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
    const host = options.host ?? DEFAULT_HOST;
    const target = {
      kind: 'embedded',
      dataDir: resolveDataDir(options.data, env, DEFAULT_DEMO_DATA),
    } as const;
    const { settings, unknown } = await readServerSettings(env, `http://${host}:${port}`);
    warnUnknownSettings(unknown);
    // Listening from the start: a Ctrl+C while the database is created waits for it, never leaves half a folder.
    const stopSignal = untilStopSignal();
    const store = demoStore();
    // A demo runs on the developer's machine: its webhooks may go to a receiver on it.
    const server = await startOn(target, {
      port,
      host,
      logLevel: 'warn',
      routes: store.routes,
      ...settings,
      webhooksAllowInternal: true,
      ...demoMail,
    });
    try {
      const demo = await demoShop(server.ctx, target.dataDir);
      store.open({ publishableKey: demo.publishableKey, presellUrl: server.url, ...SHOP });
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
  const demo =
    saved && saved.seed === SEED_VERSION && (await shopExists(ctx, saved.shopId))
      ? await withWorkingKeys(ctx, saved)
      : await seed(ctx);
  if (demo !== saved) writeDemoFile(dataDir, demo);
  return demo;
}

/** The saved keys, or new ones for those that were rotated away (through the API) since they were saved. */
async function withWorkingKeys(ctx: ServiceContext, saved: DemoShop): Promise<DemoShop> {
  const { KeyAuthenticator, rotateKey } = await import('../services/shops.ts');
  const keys = new KeyAuthenticator(ctx);
  const working = async (key: string, kind: 'secret' | 'publishable') =>
    keys.authenticate(key, kind).then(
      () => key,
      async (error) => {
        if (!(error instanceof DomainError && error.code === 'unauthorized')) throw error;
        return (await rotateKey(ctx, saved.shopId, kind)).key;
      },
    );
  const adminKey = await working(saved.adminKey, 'secret');
  const publishableKey = await working(saved.publishableKey, 'publishable');
  return adminKey === saved.adminKey && publishableKey === saved.publishableKey
    ? saved
    : { ...saved, adminKey, publishableKey };
}

async function seed(ctx: ServiceContext): Promise<DemoShop> {
  const { createShop } = await import('../services/shops.ts');
  const { createVariant } = await import('../services/variants.ts');
  const { createCampaign, moveCampaign } = await import('../services/campaigns.ts');
  const { addBatch } = await import('../services/supply.ts');
  const { addDays, shopDate } = await import('../domain/calendar.ts');
  const { shop, adminKey, publishableKey } = await createShop(ctx, SHOP);
  for (const product of DEMO_PRODUCTS) {
    for (const variant of product.variants) {
      const name = `${product.name} — ${variant.option}`;
      await createVariant(ctx, shop.id, { sku: variant.sku, name, onHand: variant.onHand });
    }
  }
  const launch = await createCampaign(ctx, shop, {
    name: 'Aurora launch',
    mode: 'preorder',
    price: money(12_900, SHOP.currency),
    earlyBird: [{ name: 'Early bird', firstUnits: 50, unitAmount: 9_900 }],
    perCustomerLimit: 5,
    paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    promiseSettings: { bufferDays: 7 },
    variants: [
      { sku: LAUNCH_BRASS.sku, cap: 500 },
      { sku: LAUNCH_GRAPHITE.sku, cap: 300 },
    ],
  });
  const now = ctx.clock();
  const limited = await createCampaign(ctx, shop, {
    name: 'Aurora Sage limited edition',
    mode: 'preorder',
    price: money(14_900, SHOP.currency),
    perCustomerLimit: 2,
    closesAt: new Date(now.getTime() + 10 * 86_400_000),
    promiseSettings: { bufferDays: 7 },
    variants: [{ sku: LAUNCH_SAGE.sku, cap: 40 }],
  });
  const backorder = await createCampaign(ctx, shop, {
    name: 'Trail mug restock',
    mode: 'backorder',
    price: money(2_400, SHOP.currency),
    promiseSettings: { bufferDays: 3 },
    variants: [
      { sku: BACKORDER_SAND.sku, cap: 200 },
      { sku: BACKORDER_MOSS.sku, cap: 200 },
    ],
  });
  // A supply plan, so every shopper is promised a ship date from the first click.
  const today = shopDate(now, SHOP.timeZone);
  const batches = [
    { campaign: launch, sku: LAUNCH_BRASS.sku, quantity: 200, days: 21, state: 'confirmed' as const },
    { campaign: launch, sku: LAUNCH_BRASS.sku, quantity: 300, days: 49 },
    { campaign: launch, sku: LAUNCH_GRAPHITE.sku, quantity: 300, days: 42 },
    { campaign: limited, sku: LAUNCH_SAGE.sku, quantity: 40, days: 35 },
    { campaign: backorder, sku: BACKORDER_SAND.sku, quantity: 150, days: 10 },
  ];
  for (const { campaign, sku, quantity, days, ...rest } of batches) {
    await addBatch(ctx, shop, campaign.id, { sku, quantity, readyDate: addDays(today, days), ...rest });
  }
  for (const campaign of [launch, limited, backorder]) await moveCampaign(ctx, shop.id, campaign.id, 'open');
  return { shopId: shop.id, adminKey, publishableKey, seed: SEED_VERSION };
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
  // With the publishable key in the query, as a page without headers sends it: the URL opens in a browser.
  const offerUrl = (sku: string) => `${url}/v1/storefront/offers/${sku}?key=${demo.publishableKey}`;
  const body = JSON.stringify({
    sku: LAUNCH_SKU,
    quantity: 1,
    email: 'ada@example.com',
    paymentMethod: '4242424242424242',
  });
  const idempotencyKey = `demo-${randomBytes(6).toString('hex')}`;
  return `
  Store      ${url}/store
             the demo shop's product pages, with Presell's pre-order button: open it in a browser

Presell demo is ready in ${process.uptime().toFixed(1)} s: ${SHOP.name} (${demo.shopId}), ${database}

  Admin      ${url}/admin
             the merchant's web app: sign in with the admin key below
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

  curl -H 'Presell-Key: ${demo.publishableKey}' ${url}/v1/storefront/offers/${LAUNCH_SKU}

  curl -X POST ${url}/v1/storefront/preorders \\
    -H 'Presell-Key: ${demo.publishableKey}' \\
    -H 'Content-Type: application/json' \\
    -H 'Idempotency-Key: ${idempotencyKey}' \\
    -d '${body}'

Press Ctrl+C to stop.
`;
}
