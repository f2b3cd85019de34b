import type { FastifyInstance } from 'fastify';
import type { Database } from '../../src/db/database.ts';
import { type AppOptions, buildApp } from '../../src/http/app.ts';
import type { ServiceContext } from '../../src/services/context.ts';
import { createShop } from '../../src/services/shops.ts';

/** A clock the test moves by hand. */
export function manualClock(start = new Date('2026-12-01T09:00:00Z')) {
  let now = start.getTime();
  return {
    now: () => new Date(now),
    advance: (ms: number) => {
      now += ms;
    },
    set: (date: Date) => {
      now = date.getTime();
    },
  };
}

export interface TestShop {
  shopId: string;
  admin: Record<string, string>;
  storefront: Record<string, string>;
}

export async function testApp(db: Database, options: AppOptions & { clock?: () => Date } = {}) {
  const ctx: ServiceContext = { db, clock: options.clock ?? (() => new Date()) };
  const app = await buildApp(ctx, {
    rateLimit: { max: 100_000, timeWindow: 60_000 },
    strictErrorCodes: true,
    ...options,
  });
  return { app, ctx };
}

export async function testShop(ctx: ServiceContext, name = 'Test Shop', currency = 'EUR'): Promise<TestShop> {
  const { shop, adminKey, publishableKey } = await createShop(ctx, {
    name,
    currency,
    timeZone: 'Europe/Berlin',
    locale: 'de-DE',
  });
  return {
    shopId: shop.id,
    admin: { authorization: `Bearer ${adminKey}` },
    storefront: { 'presell-key': publishableKey },
  };
}

/** Sends a JSON request through the app in-process and returns status and parsed body. */
export async function call(
  app: FastifyInstance,
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
  url: string,
  headers: Record<string, string>,
  body?: unknown,
) {
  const response = await app.inject({
    method,
    url,
    headers,
    ...(body === undefined ? {} : { payload: body as object }),
  });
  // A 204 has no body to read.
  const answer = response.body === '' ? null : response.json();
  return { status: response.statusCode, body: answer, headers: response.headers };
}

/** A variant and an open campaign selling it, made through the admin API. */
export async function openLaunch(
  app: FastifyInstance,
  shop: TestShop,
  campaign: Record<string, unknown> & { sku?: string; cap?: number | null } = {},
) {
  const { sku = 'LAUNCH-1', cap = 100, ...fields } = campaign;
  const variant = await call(app, 'POST', '/v1/variants', shop.admin, { sku, name: `Variant ${sku}` });
  if (variant.status !== 201) throw new Error(`variant: ${JSON.stringify(variant.body)}`);
  const created = await call(app, 'POST', '/v1/campaigns', shop.admin, {
    name: 'Launch',
    mode: 'preorder',
    price: { amount: 7900, currency: 'EUR' },
    variants: [{ sku, cap }],
    ...fields,
  });
  if (created.status !== 201) throw new Error(`campaign: ${JSON.stringify(created.body)}`);
  const opened = await call(app, 'POST', `/v1/campaigns/${created.body.id}/open`, shop.admin);
  if (opened.status !== 200) throw new Error(`open: ${JSON.stringify(opened.body)}`);
  return { campaignId: created.body.id as string, variantId: variant.body.id as string, sku };
}
