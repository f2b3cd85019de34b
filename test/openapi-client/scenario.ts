/**
 * What an integrator writes with a client generated from /openapi.json: openapi-fetch, typed by what
 * openapi-typescript made of the document (generated/presell-api.ts, written by
 * test/http/openapi-client.test.ts, which then runs tsc on this folder and this scenario against a server).
 */
import createClient from 'openapi-fetch';
import type { paths } from './generated/presell-api.ts';

export interface ScenarioShop {
  baseUrl: string;
  /** `Authorization: Bearer sk_…` */
  admin: Record<string, string>;
  /** `Presell-Key: pk_…` */
  storefront: Record<string, string>;
}

/** An answer's body, or the refusal's code and message as the error. */
function ok<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.data === undefined) {
    throw new Error(`${result.response.status} ${result.response.url}: ${JSON.stringify(result.error)}`);
  }
  return result.data;
}

/** Create a campaign with a variant and a batch, open it, place a pre-order through the storefront, cancel it. */
export async function launchAndCancel(shop: ScenarioShop) {
  const admin = createClient<paths>({ baseUrl: shop.baseUrl, headers: shop.admin });
  const storefront = createClient<paths>({ baseUrl: shop.baseUrl, headers: shop.storefront });
  const sku = 'CLIENT-1';

  const variant = ok(await admin.POST('/v1/variants', { body: { sku, name: 'Made by a generated client' } }));
  const draft = ok(
    await admin.POST('/v1/campaigns', {
      body: {
        name: 'Client launch',
        mode: 'preorder',
        price: { amount: 4900, currency: 'EUR' },
        variants: [{ variantId: variant.id, cap: 10 }],
      },
    }),
  );
  const nextYear = new Date(Date.now() + 365 * 86_400_000).toISOString().slice(0, 10);
  const batch = ok(
    await admin.POST('/v1/campaigns/{id}/batches', {
      params: { path: { id: draft.id } },
      body: { sku, quantity: 10, readyDate: nextYear },
    }),
  );
  const opened = ok(await admin.POST('/v1/campaigns/{id}/open', { params: { path: { id: draft.id } } }));

  const placed = ok(
    await storefront.POST('/v1/storefront/preorders', {
      params: { header: { 'idempotency-key': `client-${draft.id}` } },
      body: { sku, quantity: 2, email: 'ada@example.com', paymentMethod: '4242 4242 4242 4242' },
    }),
  );
  const cancellation = ok(
    await admin.POST('/v1/preorders/{id}/cancel', {
      params: { path: { id: placed.id } },
      body: { reason: 'The customer changed their mind' },
    }),
  );
  const after = ok(await admin.GET('/v1/preorders/{id}', { params: { path: { id: placed.id } } }));

  const missing = await admin.GET('/v1/preorders/{id}', { params: { path: { id: 'po_missing' } } });
  // @ts-expect-error: the refusal's codes are an enum from the catalogue, and this is none of them.
  if (missing.error?.error.code === 'no_such_code') throw new Error('unreachable');

  return {
    batch: { state: batch.state, quantity: batch.quantity },
    campaign: opened.status,
    placed: { state: placed.state, total: placed.total, payment: placed.payment?.status },
    cancellation: { state: cancellation.state, basis: cancellation.basis, refunds: cancellation.refunds },
    after: after.state,
    missing: { status: missing.response.status, code: missing.error?.error.code },
  };
}
