/**
 * Connecting a Shopify store to a Presell shop, two ways:
 * - a store's own custom app: the merchant gives its Admin API access token (and the secret its webhooks are
 *   signed with), checked against the store before it is kept;
 * - the Shopify app's install flow: Presell makes an install link whose `state` is signed and names the
 *   Presell shop (so the callback needs no session and no lookup across shards), Shopify sends the merchant
 *   back with a code and an HMAC over the query, and the code is exchanged for the store's token.
 * Tokens and secrets are kept encrypted (token-vault.ts); the store's domain goes into the reference table
 * shopify_domains, which is how webhooks find their shop.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import type { Shop } from '../services/shops.ts';
import { inTransaction, type UnitOfWork } from '../services/unit-of-work.ts';
import { fetchVia } from './admin-api.ts';
import type { Shopify } from './shopify.ts';
import { sealSecret } from './token-vault.ts';

export interface ConnectionView {
  domain: string;
  method: 'oauth' | 'custom_app';
  status: 'active' | 'uninstalled';
  scopes: string[];
  connectedAt: Date;
}

const INSTALL_LINK_MS = 10 * 60_000;

/** Connects a store's custom app by its admin token, once the store answers to it in the shop's currency. */
export async function connectCustomApp(
  shopify: Shopify,
  shop: Shop,
  input: { domain: string; accessToken: string; webhookSecret: string },
): Promise<ConnectionView> {
  const domain = shopify.storeDomain(input.domain);
  const store = await shopify
    .adminWith(domain, input.accessToken)
    .request<{ shop: { currencyCode: string } }>('query StoreCurrency { shop { currencyCode } }', {}, 1);
  assertCurrency(shop, store.shop.currencyCode);
  return inTransaction(shopify.ctx, (uow) =>
    saveConnection(uow, shopify, shop.id, {
      domain,
      method: 'custom_app',
      accessToken: input.accessToken,
      webhookSecret: input.webhookSecret,
      scopes: '',
    }),
  );
}

/** The link that installs the Shopify app on `domain` for this shop; it works for 10 minutes. */
export function installLink(
  shopify: Shopify,
  shop: Shop,
  domainInput: string,
): { url: string; expiresAt: Date } {
  const app = appCredentials(shopify);
  const domain = shopify.storeDomain(domainInput);
  const expiresAt = new Date(shopify.ctx.clock().getTime() + INSTALL_LINK_MS);
  const state = signState(app.apiSecret, { shopId: shop.id, domain, expires: expiresAt.getTime() });
  const url = new URL(`https://${domain}/admin/oauth/authorize`);
  url.searchParams.set('client_id', app.apiKey);
  url.searchParams.set('scope', app.scopes.join(','));
  url.searchParams.set('redirect_uri', callbackUrl(shopify));
  url.searchParams.set('state', state);
  return { url: url.toString(), expiresAt };
}

export function callbackUrl(shopify: Shopify): string {
  return `${shopify.settings.publicUrl}/v1/shopify/oauth/callback`;
}

/**
 * Shopify sent the merchant back: the query's HMAC is checked with Shopify's library, the state with our
 * signature and its expiry, and the code is exchanged for the store's token.
 */
export async function completeInstall(
  shopify: Shopify,
  query: Record<string, string>,
): Promise<{ shopId: string; connection: ConnectionView }> {
  const app = appCredentials(shopify);
  const library = shopify.library(app.apiSecret);
  let signed: boolean;
  try {
    signed = await library.utils.validateHmac(query);
  } catch {
    signed = false;
  }
  const state = signed ? openState(app.apiSecret, query.state ?? '') : undefined;
  if (!signed || !state || state.domain !== shopify.storeDomain(query.shop ?? '')) {
    throw new DomainError(
      'invalid_signature',
      'this install callback is not signed by Shopify for this store',
    );
  }
  if (state.expires < shopify.ctx.clock().getTime()) {
    throw new DomainError('install_link_expired', 'the install link expired; ask Presell for a new one');
  }
  const response = await fetchVia(shopify.settings.adminOrigin)(
    `https://${state.domain}/admin/oauth/access_token`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ client_id: app.apiKey, client_secret: app.apiSecret, code: query.code }),
    },
  ).catch(() => undefined);
  if (!response)
    throw new DomainError('store_unavailable', 'Shopify cannot be reached right now; retry the install');
  const token = (await response.json().catch(() => ({}))) as { access_token?: string; scope?: string };
  if (!response.ok || !token.access_token) {
    throw new DomainError('store_refused', 'Shopify did not exchange the install code; install again', {
      status: response.status,
    });
  }
  const accessToken = token.access_token;
  const connection = await inTransaction(shopify.ctx, (uow) =>
    saveConnection(uow, shopify, state.shopId, {
      domain: state.domain,
      method: 'oauth',
      accessToken,
      webhookSecret: null,
      scopes: token.scope ?? '',
    }),
  );
  return { shopId: state.shopId, connection };
}

/** The store uninstalled the app (or asked to be erased): its token is dropped and nothing more is sent to it. */
export async function disconnect(uow: UnitOfWork, shopId: string, reason: 'uninstalled' | 'shop_redacted') {
  const [row] = await uow.tx.query<{ domain: string }>(
    `UPDATE shopify_connections SET status = 'uninstalled', access_token = NULL, updated_at = $2
     WHERE shop_id = $1 AND status = 'active' RETURNING domain`,
    [shopId, uow.now],
  );
  if (row) uow.record(event(shopId, 'shopify.disconnected', shopId, { domain: row.domain, reason }));
}

export async function getConnection(shopify: Shopify, shopId: string): Promise<ConnectionView> {
  const [row] = await shopify.ctx.db.query<{
    domain: string;
    method: 'oauth' | 'custom_app';
    status: 'active' | 'uninstalled';
    scopes: string;
    connected_at: Date;
  }>('SELECT domain, method, status, scopes, connected_at FROM shopify_connections WHERE shop_id = $1', [
    shopId,
  ]);
  if (!row) throw new DomainError('store_not_connected', 'no Shopify store is connected to this shop');
  return viewOf(row);
}

/** The shop a store domain belongs to, from the reference table. */
export async function shopOfDomain(shopify: Shopify, domain: string): Promise<string | undefined> {
  const [row] = await shopify.ctx.db.query<{ shop_id: string }>(
    'SELECT shop_id FROM shopify_domains WHERE domain = $1',
    [domain],
  );
  return row?.shop_id;
}

async function saveConnection(
  uow: UnitOfWork,
  shopify: Shopify,
  shopId: string,
  input: {
    domain: string;
    method: 'oauth' | 'custom_app';
    accessToken: string;
    webhookSecret: string | null;
    scopes: string;
  },
): Promise<ConnectionView> {
  const claimed = await uow.tx.query<{ shop_id: string }>(
    `INSERT INTO shopify_domains (domain, shop_id) VALUES ($1, $2)
     ON CONFLICT (domain) DO UPDATE SET shop_id = shopify_domains.shop_id RETURNING shop_id`,
    [input.domain, shopId],
  );
  if (claimed[0]?.shop_id !== shopId) {
    throw new DomainError('store_taken', 'this Shopify store is connected to another Presell shop', {
      domain: input.domain,
    });
  }
  // A shop connects one store: a new domain replaces the old one's mapping.
  await uow.tx.query('DELETE FROM shopify_domains WHERE shop_id = $1 AND domain <> $2', [
    shopId,
    input.domain,
  ]);
  const key = shopify.settings.tokenKey;
  const [row] = await uow.tx.query<{
    domain: string;
    method: 'oauth' | 'custom_app';
    status: 'active' | 'uninstalled';
    scopes: string;
    connected_at: Date;
  }>(
    `INSERT INTO shopify_connections (shop_id, domain, method, access_token, webhook_secret, scopes, status,
       connected_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'active', $7, $7)
     ON CONFLICT (shop_id) DO UPDATE SET domain = excluded.domain, method = excluded.method,
       access_token = excluded.access_token, webhook_secret = excluded.webhook_secret, scopes = excluded.scopes,
       status = 'active', connected_at = excluded.connected_at, updated_at = excluded.updated_at
     RETURNING domain, method, status, scopes, connected_at`,
    [
      shopId,
      input.domain,
      input.method,
      sealSecret(key, input.accessToken),
      input.webhookSecret === null ? null : sealSecret(key, input.webhookSecret),
      input.scopes,
      uow.now,
    ],
  );
  uow.record(event(shopId, 'shopify.connected', shopId, { domain: input.domain, method: input.method }));
  return viewOf(row as NonNullable<typeof row>);
}

function viewOf(row: {
  domain: string;
  method: 'oauth' | 'custom_app';
  status: 'active' | 'uninstalled';
  scopes: string;
  connected_at: Date;
}): ConnectionView {
  return {
    domain: row.domain,
    method: row.method,
    status: row.status,
    scopes: row.scopes.split(',').filter(Boolean),
    connectedAt: row.connected_at,
  };
}

function appCredentials(shopify: Shopify) {
  const app = shopify.settings.app;
  if (!app) {
    throw new DomainError(
      'store_app_not_configured',
      'this server has no Shopify app credentials: connect with a custom app’s token instead',
    );
  }
  return app;
}

function assertCurrency(shop: Shop, storeCurrency: string) {
  if (storeCurrency !== shop.currency) {
    throw new DomainError(
      'currency_mismatch',
      `the store sells in ${storeCurrency}, this shop in ${shop.currency}`,
      {
        field: 'domain',
        expected: shop.currency,
        received: storeCurrency,
      },
    );
  }
}

interface InstallState {
  shopId: string;
  domain: string;
  expires: number;
}

function signState(secret: string, state: InstallState): string {
  const body = Buffer.from(JSON.stringify({ ...state, nonce: randomBytes(8).toString('hex') })).toString(
    'base64url',
  );
  return `${body}.${createHmac('sha256', secret).update(body).digest('base64url')}`;
}

function openState(secret: string, text: string): InstallState | undefined {
  const [body, signature] = text.split('.');
  if (!body || !signature) return undefined;
  const expected = createHmac('sha256', secret).update(body).digest();
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const state = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as InstallState;
    return typeof state.shopId === 'string' && typeof state.domain === 'string' ? state : undefined;
  } catch {
    return undefined;
  }
}
