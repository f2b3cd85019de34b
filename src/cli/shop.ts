import { DomainError } from '../domain/errors.ts';
import { checkShopSettings, type ShopSettings } from '../domain/shop.ts';
import { type Command, type Env, parseOptions, printHelp, resolveDatabase, UsageError } from './args.ts';
import { withDatabase } from './database.ts';

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

export const shopCommand: Command = {
  name: 'shop',
  summary: 'Manage shops (shop create)',
  help: `Usage: presell shop create [options]

Commands:
  create    ${shopCreateCommand.summary}

Run 'presell shop create --help' for its options.`,

  async run(argv: string[], env: Env) {
    const [sub, ...rest] = argv;
    if (sub === 'create') return shopCreateCommand.run(rest, env);
    if (sub === '--help' || sub === '-h') return printHelp(this);
    throw new UsageError(sub === undefined ? 'missing a command' : `unknown command '${sub}'`, this);
  },
};

/** The settings in canonical spelling, or a usage error that says which one is wrong. */
function validSettings(input: ShopSettings): ShopSettings {
  try {
    return checkShopSettings(input);
  } catch (error) {
    if (error instanceof DomainError) throw new UsageError(error.message);
    throw error;
  }
}
