import { DomainError } from '../domain/errors.ts';
import { checkShopSettings, type ShopSettings, type ShopSettingsInput } from '../domain/shop.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Shop } from '../services/shops.ts';
import { type Command, type Env, parseOptions, printHelp, resolveDatabase, UsageError } from './args.ts';
import { table } from './chart.ts';
import { describeDatabase, withDatabase } from './database.ts';
import { findReadDatabase, withExistingDatabase } from './read-source.ts';

export const shopCreateCommand: Command = {
  name: 'shop create',
  summary: 'Create a shop and print its keys',
  help: `Usage: presell shop create --name NAME --currency CODE --timezone ZONE --locale TAG [--json] [--data DIR]

Creates a shop and prints its id, its admin (secret) key and its publishable key.
Only digests of the keys are stored: this is the one time they are shown.

Options:
      --name NAME       the shop's name, e.g. "Demo Co."
      --currency CODE   ISO 4217 currency of its prices, e.g. EUR
      --timezone ZONE   IANA time zone its dates are shown in, e.g. Europe/Berlin
      --locale TAG      BCP 47 locale its wording uses, e.g. de-DE
      --json            print exactly one JSON object {shopId, adminKey, publishableKey}
      --data DIR        folder of the embedded database (env PRESELL_DATA; default ./.presell)
  -h, --help            show this help

Environment:
  DATABASE_URL          postgres://user:password@host:5432/db — create the shop on this server`,

  async run(argv: string[], env: Env) {
    const options = parseOptions(this, argv, {
      name: { type: 'string' },
      currency: { type: 'string' },
      timezone: { type: 'string' },
      locale: { type: 'string' },
      json: { type: 'boolean' },
      data: { type: 'string' },
    });
    if (options.help) return printHelp(this);
    const missing = (['name', 'currency', 'timezone', 'locale'] as const).filter(
      (key) => options[key] === undefined,
    );
    if (missing.length > 0) {
      throw new UsageError(`missing ${missing.map((key) => `--${key}`).join(', ')}`, this);
    }
    const settings = validSettings({
      name: options.name ?? '',
      currency: options.currency ?? '',
      timeZone: options.timezone ?? '',
      locale: options.locale ?? '',
    });
    const target = resolveDatabase(options.data, env);
    const { migrate } = await import('../db/migrate.ts');
    const { createShop } = await import('../services/shops.ts');
    const { shop, adminKey, publishableKey } = await withDatabase(target, async (db) => {
      await migrate(db);
      return createShop({ db, clock: () => new Date() }, settings);
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ shopId: shop.id, adminKey, publishableKey })}\n`);
    } else {
      process.stdout.write(
        [
          `Created shop "${shop.name}" (${shop.id}): ${shop.currency}, ${shop.timeZone}, ${shop.locale}`,
          `  Admin key        ${adminKey}`,
          `  Publishable key  ${publishableKey}`,
          'Keep the admin key secret (Authorization: Bearer sk_…); the publishable key goes in your',
          'storefront (Presell-Key: pk_…). They are not shown again.',
          '',
        ].join('\n'),
      );
    }
    return 0;
  },
};

export const shopListCommand: Command = {
  name: 'shop list',
  summary: 'List the shops of the database with their keys (never the keys themselves)',
  help: `Usage: presell shop list [--json] [--data DIR]

Lists every shop of the database, oldest first: id, name, currency, time zone, locale, and the last four
characters of each key that works now. It reads the database and never creates one.

Options:
      --json        print one JSON object {data: [shops]}
      --data DIR    folder of the embedded database (env PRESELL_DATA; default ./.presell, then ./.presell/demo)
  -h, --help        show this help

Environment:
  DATABASE_URL      postgres://user:password@host:5432/db — list the shops of this server`,

  async run(argv: string[], env: Env) {
    const options = parseOptions(this, argv, { json: { type: 'boolean' }, data: { type: 'string' } });
    if (options.help) return printHelp(this);
    const target = findReadDatabase(options.data, env);
    const { listShops, listKeys } = await import('../services/shops.ts');
    const shops = await withExistingDatabase(target, async (db) => {
      const ctx = { db, clock: () => new Date() };
      const all = await listShops(ctx);
      return Promise.all(all.map(async (shop) => ({ ...shop, keys: await listKeys(ctx, shop.id) })));
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ data: shops })}\n`);
      return 0;
    }
    if (shops.length === 0) {
      process.stdout.write(`No shops in ${describeDatabase(target)}; make one with presell shop create.\n`);
      return 0;
    }
    const rows = shops.map((shop) => [
      shop.id,
      shop.name,
      shop.currency,
      shop.timeZone,
      shop.locale,
      shop.keys.map((key) => `${key.kind} …${key.hint}`).join(', '),
    ]);
    process.stdout.write(`${table(['shop', 'name', 'currency', 'time zone', 'locale', 'keys'], rows)}\n`);
    return 0;
  },
};

export const shopKeysRotateCommand: Command = {
  name: 'shop keys rotate',
  summary: 'Issue a new secret or publishable key for a shop and stop the old one',
  help: `Usage: presell shop keys rotate [--shop SHOP] [--kind secret|publishable] [--overlap SECONDS] [--json] [--data DIR]

Issues a new key of the kind and prints it: this is the one time it is shown. The key it replaces stops
working at once (0 seconds, the default: as for a key that leaked), or after --overlap seconds, up to a
week, so that a deployment can move to the new one. Running servers notice within 30 seconds.
The admin API does the same: POST /v1/keys/rotate.

Options:
      --shop SHOP         the shop (shop_…); not needed when the database has one shop
      --kind KIND         secret (default; the admin key, sk_…) or publishable (pk_…)
      --overlap SECONDS   how long the old key keeps working (default 0)
      --json              print one JSON object {shopId, kind, key, replaced}
      --data DIR          folder of the embedded database (env PRESELL_DATA; default ./.presell)
  -h, --help              show this help

Environment:
  DATABASE_URL            postgres://user:password@host:5432/db — the shop is on this server`,

  async run(argv: string[], env: Env) {
    const options = parseOptions(this, argv, {
      shop: { type: 'string' },
      kind: { type: 'string' },
      overlap: { type: 'string' },
      json: { type: 'boolean' },
      data: { type: 'string' },
    });
    if (options.help) return printHelp(this);
    const kind = options.kind ?? 'secret';
    if (kind !== 'secret' && kind !== 'publishable') {
      throw new UsageError(`--kind must be secret or publishable, not "${kind}"`, this);
    }
    if (options.overlap !== undefined && !/^\d+$/.test(options.overlap)) {
      throw new UsageError(`--overlap must be a whole number of seconds, not "${options.overlap}"`, this);
    }
    const overlap = Number(options.overlap ?? 0);
    const target = findReadDatabase(options.data, env);
    const { listShops, rotateKey } = await import('../services/shops.ts');
    const { shopId, rotated } = await withExistingDatabase(target, async (db) => {
      const ctx = { db, clock: () => new Date() };
      const shopId = options.shop ?? (await onlyShop(ctx, listShops, this));
      try {
        return { shopId, rotated: await rotateKey(ctx, shopId, kind, overlap) };
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        const message =
          error.code === 'not_found' ? `no shop ${shopId} in this database` : `--overlap: ${error.message}`;
        throw new UsageError(message, this);
      }
    });
    const replaced = rotated.retired.map((key) => ({
      id: key.id,
      hint: key.hint,
      expiresAt: key.expiresAt?.toISOString() ?? null,
    }));
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ shopId, kind, key: rotated.key, replaced })}\n`);
      return 0;
    }
    const stops = replaced.map((key) => `…${key.hint} stops at ${key.expiresAt}`).join(', ');
    process.stdout.write(
      [
        `New ${kind} key of ${shopId}: ${rotated.key}`,
        `It is not shown again. ${stops ? `The key it replaces: ${stops}.` : ''}`.trim(),
        '',
      ].join('\n'),
    );
    return 0;
  },
};

/** The database's one shop, or a usage error asking for --shop. */
async function onlyShop(
  ctx: ServiceContext,
  listShops: (ctx: ServiceContext) => Promise<Shop[]>,
  command: Command,
): Promise<string> {
  const shops = await listShops(ctx);
  if (shops.length === 1 && shops[0]) return shops[0].id;
  throw new UsageError(
    shops.length === 0
      ? 'the database has no shop; make one with presell shop create'
      : `the database has ${shops.length} shops: name one with --shop (presell shop list shows them)`,
    command,
  );
}

const SUBCOMMANDS: Record<string, Command> = {
  create: shopCreateCommand,
  list: shopListCommand,
  'keys rotate': shopKeysRotateCommand,
};

export const shopCommand: Command = {
  name: 'shop',
  summary: 'Manage shops (shop create, shop list, shop keys rotate)',
  help: `Usage: presell shop <command> [options]

Commands:
${Object.entries(SUBCOMMANDS)
  .map(([name, command]) => `  ${name.padEnd(13)}${command.summary}`)
  .join('\n')}

Run 'presell shop <command> --help' for its options.`,

  async run(argv: string[], env: Env) {
    const [sub, ...rest] = argv;
    if (sub === '--help' || sub === '-h') return printHelp(this);
    if (sub === 'keys' && rest[0] === 'rotate') return shopKeysRotateCommand.run(rest.slice(1), env);
    const command = sub === undefined ? undefined : SUBCOMMANDS[sub];
    if (command) return command.run(rest, env);
    throw new UsageError(
      sub === undefined ? 'missing a command' : `unknown command '${argv.join(' ')}'`,
      this,
    );
  },
};

/** The settings in canonical spelling, or a usage error that says which one is wrong. */
function validSettings(input: ShopSettingsInput): ShopSettings {
  try {
    return checkShopSettings(input);
  } catch (error) {
    if (error instanceof DomainError) throw new UsageError(error.message);
    throw error;
  }
}
