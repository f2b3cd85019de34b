/**
 * Shopify's webhooks as they arrive: the shop is found from X-Shopify-Shop-Domain in the reference table,
 * the HMAC (X-Shopify-Hmac-Sha256 over the raw body) is checked by Shopify's library with the secret that
 * store signs with, and a delivery is kept once per X-Shopify-Webhook-Id, with a `shopify.webhook_received`
 * event in the same transaction. Nothing else happens in the request: the Shopify consumer of the outbox
 * does the work, so a slow Admin API never makes Shopify wait and a failure is retried from the outbox.
 * A forged request is refused (401) before anything is written.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DomainError } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import { inTransaction } from '../services/unit-of-work.ts';
import { subscribeWebhook } from './admin-operations.ts';
import { shopOfDomain } from './connections.ts';
import type { Shopify } from './shopify.ts';

/** The topics Presell subscribes to; a verified delivery of another topic is acknowledged and dropped. */
export const WEBHOOK_TOPICS = [
  'app/uninstalled',
  'customers/data_request',
  'customers/redact',
  'shop/redact',
  'products/update',
  'products/delete',
  'orders/create',
  'orders/cancelled',
  'refunds/create',
  'fulfillments/create',
] as const;
export type WebhookTopic = (typeof WEBHOOK_TOPICS)[number];

/** The privacy topics are subscribed in the app's configuration; Presell subscribes the others itself. */
const PRIVACY_TOPICS: readonly WebhookTopic[] = ['customers/data_request', 'customers/redact', 'shop/redact'];

/** Subscribes a connected store's webhooks to this server (`orders/create` as ORDERS_CREATE, and so on). */
export async function subscribeWebhooks(shopify: Shopify, shopId: string) {
  const { api } = await shopify.connected(shopId);
  const uri = `${shopify.settings.publicUrl}/v1/webhooks/shopify`;
  for (const topic of WEBHOOK_TOPICS.filter((t) => !PRIVACY_TOPICS.includes(t))) {
    await subscribeWebhook(api, topic.replace('/', '_').toUpperCase(), uri);
  }
}

export interface ReceivedWebhook {
  rawBody: string;
  rawRequest: IncomingMessage;
  rawResponse: ServerResponse;
}

export interface WebhookReceipt {
  /** Kept for the adapter to handle; false for a topic Presell does not handle, or an unknown store. */
  accepted: boolean;
  /** This webhook id was received before: nothing was written. */
  duplicate: boolean;
}

export async function receiveWebhook(shopify: Shopify, request: ReceivedWebhook): Promise<WebhookReceipt> {
  const domain = header(request.rawRequest, 'x-shopify-shop-domain');
  const shopId = domain ? await shopOfDomain(shopify, domain) : undefined;
  const connection = shopId ? await shopify.connection(shopId) : undefined;
  // A store that uninstalled still sends the privacy webhooks, signed by the app.
  const secret = connection?.webhookSecret ?? shopify.settings.app?.apiSecret;
  const verified =
    secret !== undefined &&
    (
      await shopify.library(secret).webhooks.validate({
        rawBody: request.rawBody,
        rawRequest: request.rawRequest,
        rawResponse: request.rawResponse,
      })
    ).valid;
  if (!verified) {
    throw new DomainError('invalid_signature', 'the webhook’s X-Shopify-Hmac-Sha256 does not verify');
  }
  const topic = header(request.rawRequest, 'x-shopify-topic') as WebhookTopic;
  const webhookId = header(request.rawRequest, 'x-shopify-webhook-id') as string;
  if (!shopId || !WEBHOOK_TOPICS.includes(topic)) return { accepted: false, duplicate: false };
  let payload: unknown;
  try {
    payload = JSON.parse(request.rawBody);
  } catch {
    throw new DomainError('malformed_json', 'the webhook body is not JSON');
  }
  return inTransaction(shopify.ctx, async (uow) => {
    const kept = await uow.tx.query(
      `INSERT INTO shopify_webhooks (shop_id, webhook_id, topic, payload, received_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (shop_id, webhook_id) DO NOTHING RETURNING 1`,
      [shopId, webhookId, topic, JSON.stringify(payload), uow.now],
    );
    if (kept.length === 0) return { accepted: true, duplicate: true };
    uow.record(event(shopId, 'shopify.webhook_received', shopId, { topic, webhookId }));
    return { accepted: true, duplicate: false };
  });
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
