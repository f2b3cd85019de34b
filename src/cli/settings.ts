/**
 * Every environment setting a Presell process reads: one list, shown by `serve --help` and used to check
 * the environment before any database is opened. The values are read by the functions that use them
 * (src/server.ts, src/shopify/settings.ts, src/notify/mailer.ts); `readServerSettings` calls each of them
 * once, so that a bad value is reported before anything else happens.
 */
import type { ServerOptions } from '../server.ts';
import type { Env } from './args.ts';

export interface EnvSetting {
  name: string;
  /** What it does and what it takes, in a few words. */
  help: string;
}

export const SETTINGS: readonly EnvSetting[] = [
  {
    name: 'DATABASE_URL',
    help: 'postgres://user:password@host:5432/db — use this server, not the data folder',
  },
  { name: 'PRESELL_DATA', help: 'folder of the embedded database (default ./.presell)' },
  {
    name: 'PRESELL_ADMIN_KEY',
    help: 'presell promise, forecast and job beside a running serve: the shop’s secret key to ask its API with',
  },
  { name: 'PORT', help: 'port to listen on (default 3000; 0 picks a free one)' },
  { name: 'PRESELL_PAYMENTS', help: 'test (default: the test provider, test cards only) or stripe' },
  { name: 'STRIPE_SECRET_KEY', help: 'with PRESELL_PAYMENTS=stripe: the Stripe API key (never logged)' },
  {
    name: 'STRIPE_WEBHOOK_SECRET',
    help: 'with PRESELL_PAYMENTS=stripe: signs /v1/webhooks/stripe (never logged)',
  },
  { name: 'STRIPE_PUBLISHABLE_KEY', help: 'Stripe’s pk_… for the Payment Element on the hosted checkout' },
  {
    name: 'PRESELL_PLACEMENT_TIMEOUT_MINUTES',
    help: 'how long an unpaid placement holds its units (default 30)',
  },
  { name: 'PRESELL_BALANCE_RETRY_DAYS', help: 'days between failed balance charges (default 1,3,7)' },
  {
    name: 'PRESELL_RATE_LIMIT',
    help: 'storefront writes per client address and shop, N/SECONDS (default 120/60; reads of offers: 20 times as many)',
  },
  {
    name: 'PRESELL_TRUST_PROXY',
    help: 'behind a load balancer: true or its addresses, so rate limits count shoppers',
  },
  {
    name: 'PRESELL_WEBHOOKS_ALLOW_PRIVATE',
    help: 'true: webhook endpoints may be on loopback or private addresses (dev only)',
  },
  {
    name: 'SMTP_URL',
    help: 'smtp://user:password@host:587 — where emails go; without it they are kept in the database',
  },
  {
    name: 'PRESELL_MAIL_FROM',
    help: 'the address emails come from (the shop’s name is shown as the sender)',
  },
  {
    name: 'PRESELL_PUBLIC_URL',
    help: 'this server’s public URL, for links in emails and Shopify’s install links (default: the address it listens on)',
  },
  {
    name: 'PRESELL_SHOPIFY_TOKEN_KEY',
    help: 'turns the Shopify adapter on: 32 random bytes in base64 (see docs/shopify.md)',
  },
  { name: 'SHOPIFY_API_KEY', help: 'with SHOPIFY_API_SECRET: the Shopify app that installs on stores' },
  { name: 'SHOPIFY_API_SECRET', help: 'the Shopify app’s secret (never logged)' },
  {
    name: 'SHOPIFY_SCOPES',
    help: 'the scopes the Shopify app asks for, comma-separated (default: what Presell uses)',
  },
  { name: 'PRESELL_SHOPIFY_HOLD_MINUTES', help: 'how long a Shopify checkout holds its units (default 15)' },
  {
    name: 'PRESELL_SHOPIFY_ADMIN_ORIGIN',
    help: 'only to try Presell against a local stand-in of Shopify’s Admin API',
  },
];

/** The settings as `--help` lists them; a long name gets its own line. */
export function settingsHelp(settings: readonly EnvSetting[] = SETTINGS): string {
  const width = 22;
  return settings
    .map(({ name, help }) =>
      name.length < width - 2 ? `  ${name.padEnd(width)}${help}` : `  ${name}\n  ${' '.repeat(width)}${help}`,
    )
    .join('\n');
}

/** A setting in the environment that cannot work: exit 2 with one line, before anything is opened. */
export class SettingError extends Error {
  override name = 'SettingError';
}

/** What `serve` and `demo` read from the environment, checked whole before the database is opened. */
export interface ServerSettings {
  payments: NonNullable<ServerOptions['payments']>;
  rateLimit: ServerOptions['rateLimit'];
  trustProxy: ServerOptions['trustProxy'];
  webhooksAllowInternal: boolean;
  shopify: NonNullable<ServerOptions['shopify']>;
}

/**
 * Reads every setting a server uses; the first bad one is a SettingError naming it. `publicUrl` is where
 * the server will listen, the default of PRESELL_PUBLIC_URL. Names that look like settings but are none
 * (PRESELL_RATELIMIT) are returned, so that the caller can say they are ignored.
 */
export async function readServerSettings(
  env: Env,
  publicUrl: string,
): Promise<{ settings: ServerSettings; unknown: string[] }> {
  const [server, shopify] = await Promise.all([import('../server.ts'), import('../shopify/settings.ts')]);
  try {
    checkUrl(env, 'SMTP_URL', ['smtp:', 'smtps:']);
    checkUrl(env, 'PRESELL_PUBLIC_URL', ['http:', 'https:']);
    const settings: ServerSettings = {
      payments: server.paymentsFromEnv(env),
      rateLimit: server.rateLimitFromEnv(env),
      trustProxy: server.trustProxyFromEnv(env),
      webhooksAllowInternal: server.webhooksAllowInternalFromEnv(env),
      shopify: shopify.shopifySettingsFromEnv(env, { publicUrl }) ?? false,
    };
    return { settings, unknown: unknownSettings(env) };
  } catch (error) {
    // Every refusal of a setting names it; here they become one kind, the person's to fix.
    if (error instanceof Error && /ConfigError$/.test(error.name)) throw new SettingError(error.message);
    throw error;
  }
}

function checkUrl(env: Env, name: string, protocols: readonly string[]) {
  const value = env[name]?.trim();
  if (!value) return;
  let protocol: string | undefined;
  try {
    protocol = new URL(value).protocol;
  } catch {
    protocol = undefined;
  }
  if (!protocol || !protocols.includes(protocol)) {
    throw new SettingError(`${name} must be a ${protocols.map((p) => `${p}//`).join(' or ')} URL`);
  }
}

/** PRESELL_… names in the environment that no setting has: most likely a typo. */
export function unknownSettings(env: Env): string[] {
  const known = new Set(SETTINGS.map((setting) => setting.name));
  return Object.keys(env).filter((name) => name.startsWith('PRESELL_') && !known.has(name));
}

/** One line each on stderr: the process goes on, without them. */
export function warnUnknownSettings(names: readonly string[]) {
  for (const name of names) {
    process.stderr.write(
      `presell: ${name} is no setting of presell and is ignored ('presell serve --help' lists them)\n`,
    );
  }
}
