/**
 * How this server talks to Shopify, from the environment:
 * - PRESELL_SHOPIFY_TOKEN_KEY: 32 random bytes, base64 — encrypts store tokens at rest. Shopify is on when set.
 * - SHOPIFY_API_KEY, SHOPIFY_API_SECRET: the Shopify app's credentials, for install links and its webhooks
 *   (stores connected with a custom app's token need neither); SHOPIFY_SCOPES overrides the scopes asked for.
 * - PRESELL_PUBLIC_URL: where Shopify sends the merchant back after install (this server, as the world sees it).
 * - PRESELL_SHOPIFY_HOLD_MINUTES: how long a hold for Shopify's cart keeps its units (default 15).
 * - PRESELL_SHOPIFY_ADMIN_ORIGIN: only for trying Presell against a local stand-in of Shopify's Admin API.
 */
import { ApiVersion } from '@shopify/shopify-api';

export interface ShopifySettings {
  tokenKey: Buffer;
  /** The Shopify app's credentials; absent: stores connect with a custom app's admin token only. */
  app?: { apiKey: string; apiSecret: string; scopes: string[] } | undefined;
  /** This server's public URL, for the install callback. */
  publicUrl: string;
  holdMinutes: number;
  /** Shopify's API at this origin instead of https://<store domain> (tests, local stand-ins). */
  adminOrigin?: string | undefined;
  apiVersion: string;
}

/** The Admin API version Presell's queries are written against. */
export const SHOPIFY_API_VERSION: string = ApiVersion.July26;

/** Selling plans, variants' inventory policy, orders, refunds, mandates, fulfilment holds. */
export const DEFAULT_SCOPES = [
  'read_products',
  'write_products',
  'write_purchase_options',
  'read_orders',
  'write_orders',
  'read_payment_mandate',
  'write_payment_mandate',
  'read_merchant_managed_fulfillment_orders',
  'write_merchant_managed_fulfillment_orders',
];

export class ShopifyConfigError extends Error {
  override name = 'ConfigError';
}

export function shopifySettingsFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  defaults: { publicUrl: string },
): ShopifySettings | undefined {
  const keyText = env.PRESELL_SHOPIFY_TOKEN_KEY?.trim();
  if (!keyText) return undefined;
  const tokenKey = Buffer.from(keyText, 'base64');
  if (tokenKey.length !== 32) {
    throw new ShopifyConfigError(
      'PRESELL_SHOPIFY_TOKEN_KEY must be 32 random bytes in base64, e.g. from `openssl rand -base64 32`',
    );
  }
  const apiKey = env.SHOPIFY_API_KEY?.trim();
  const apiSecret = env.SHOPIFY_API_SECRET?.trim();
  if (!apiKey !== !apiSecret) {
    throw new ShopifyConfigError('SHOPIFY_API_KEY and SHOPIFY_API_SECRET go together: set both or neither');
  }
  const minutes = Number(env.PRESELL_SHOPIFY_HOLD_MINUTES ?? 15);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 120) {
    throw new ShopifyConfigError('PRESELL_SHOPIFY_HOLD_MINUTES must be a whole number of minutes, 1 to 120');
  }
  const scopes = env.SHOPIFY_SCOPES?.split(',')
    .map((scope) => scope.trim())
    .filter(Boolean);
  return {
    tokenKey,
    app:
      apiKey && apiSecret
        ? { apiKey, apiSecret, scopes: scopes?.length ? scopes : DEFAULT_SCOPES }
        : undefined,
    publicUrl: (env.PRESELL_PUBLIC_URL?.trim() || defaults.publicUrl).replace(/\/+$/, ''),
    holdMinutes: minutes,
    adminOrigin: env.PRESELL_SHOPIFY_ADMIN_ORIGIN?.trim() || undefined,
    apiVersion: SHOPIFY_API_VERSION,
  };
}
