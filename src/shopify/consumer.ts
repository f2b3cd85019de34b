/**
 * The Shopify adapter as a consumer of the outbox: it reacts to the verified webhooks the API kept, and
 * keeps the store in step with Presell's own events — selling plan groups with their campaigns, each
 * variant sellable exactly while units remain, fulfilment released when a pre-order is ready. Delivery is
 * at least once (every step is idempotent); a step that fails is retried on the relay's schedule and ends
 * as a dead letter the merchant can see and retry. Shops without a connected store pass by.
 */
import { z } from 'zod';
import type { EventType } from '../domain/events.ts';
import type { Consumer, OutboxEvent } from '../outbox/relay.ts';
import { inTransaction } from '../services/unit-of-work.ts';
import { mirrorVariants, productDeleted, startImport } from './catalogue.ts';
import { disconnect } from './connections.ts';
import { releaseFulfilment } from './fulfilment.ts';
import { fulfilmentCreated, orderCancelled, orderCreated, refundReceived } from './orders.ts';
import { customerDataRequested, customerRedacted, shopRedacted } from './privacy.ts';
import { makeSellable } from './sellability.ts';
import { liveCampaignsOnShopify, syncSellingPlan } from './selling-plans.ts';
import type { Shopify } from './shopify.ts';
import { subscribeWebhooks, type WebhookTopic } from './webhooks.ts';

const CAMPAIGN_EVENTS = [
  'campaign.created',
  'campaign.updated',
  'campaign.scheduled',
  'campaign.opened',
  'campaign.paused',
  'campaign.closed',
  'campaign.released',
  'campaign.oversold',
] as const satisfies readonly EventType[];

const TYPES: readonly EventType[] = [
  'shopify.connected',
  'shopify.webhook_received',
  'shopify.import_finished',
  ...CAMPAIGN_EVENTS,
  'batch.created',
  'batch.updated',
  'preorder.placed',
  'preorder.cancelled',
  'preorder.ready',
];

/** Only the fields of Shopify's webhook payloads the adapter reads; the rest is theirs. */
const payloads = {
  order: z.object({
    admin_graphql_api_id: z.string(),
    refunds: z
      .array(
        z.object({
          admin_graphql_api_id: z.string(),
          order_id: z.number(),
          refund_line_items: z.array(z.object({ line_item_id: z.number(), quantity: z.number() })).optional(),
          transactions: z
            .array(z.object({ kind: z.string(), status: z.string(), amount: z.string() }))
            .optional(),
        }),
      )
      .default([]),
  }),
  refund: z.object({
    admin_graphql_api_id: z.string(),
    order_id: z.number(),
    refund_line_items: z.array(z.object({ line_item_id: z.number(), quantity: z.number() })).optional(),
    transactions: z.array(z.object({ kind: z.string(), status: z.string(), amount: z.string() })).optional(),
  }),
  fulfilment: z.object({
    line_items: z.array(z.object({ id: z.number(), admin_graphql_api_id: z.string().optional() })),
    tracking_company: z.string().nullish(),
    tracking_number: z.string().nullish(),
    tracking_url: z.string().nullish(),
    created_at: z.string().optional(),
  }),
  product: z.object({
    admin_graphql_api_id: z.string(),
    title: z.string().default(''),
    variants: z
      .array(
        z.object({
          admin_graphql_api_id: z.string(),
          sku: z.string().nullish(),
          title: z.string().default(''),
        }),
      )
      .default([]),
  }),
  productDeleted: z.object({ id: z.number() }),
  customer: z.object({
    customer: z.object({ email: z.string().nullish() }).nullish(),
    orders_requested: z.array(z.number()).optional(),
    orders_to_redact: z.array(z.number()).optional(),
  }),
};

export function shopifyConsumer(shopify: Shopify): Consumer {
  return {
    name: 'shopify',
    types: TYPES,
    async deliver(event) {
      if (event.type === 'shopify.webhook_received') {
        await handleWebhook(shopify, event.shopId, event.data.webhookId as string);
        return;
      }
      if (!(await shopify.connection(event.shopId))) return;
      await follow(shopify, event);
    },
  };
}

/** Presell's own changes, followed on the store. */
async function follow(shopify: Shopify, event: OutboxEvent) {
  const { shopId, data } = event;
  switch (event.type) {
    case 'shopify.connected':
      await subscribeWebhooks(shopify, shopId);
      await startImport(shopify, shopId);
      return;
    case 'shopify.import_finished':
      for (const campaignId of await liveCampaignsOnShopify(shopify, shopId)) {
        await syncSellingPlan(shopify, shopId, campaignId);
      }
      await makeSellable(shopify, shopId);
      return;
    case 'batch.created':
    case 'batch.updated':
      await followCampaign(shopify, shopId, data.campaignId as string | undefined);
      return;
    case 'preorder.placed':
      await makeSellable(shopify, shopId, [data.variantId as string]);
      return;
    case 'preorder.cancelled':
      await makeSellable(shopify, shopId, await variantsOfPreorder(shopify, shopId, event.subjectId));
      return;
    case 'preorder.ready':
      await releaseFulfilment(shopify, shopId, event.subjectId);
      return;
    default:
      if ((CAMPAIGN_EVENTS as readonly string[]).includes(event.type)) {
        await followCampaign(shopify, shopId, event.subjectId);
      }
  }
}

async function followCampaign(shopify: Shopify, shopId: string, campaignId: string | undefined) {
  if (!campaignId) return;
  await syncSellingPlan(shopify, shopId, campaignId);
  const variants = await shopify.ctx.db.query<{ variant_id: string }>(
    'SELECT variant_id FROM campaign_variants WHERE shop_id = $1 AND campaign_id = $2',
    [shopId, campaignId],
  );
  await makeSellable(
    shopify,
    shopId,
    variants.map((row) => row.variant_id),
  );
}

async function variantsOfPreorder(shopify: Shopify, shopId: string, preorderId: string) {
  const rows = await shopify.ctx.db.query<{ variant_id: string }>(
    'SELECT variant_id FROM preorders WHERE shop_id = $1 AND id = $2',
    [shopId, preorderId],
  );
  return rows.map((row) => row.variant_id);
}

/** A kept webhook, handled by its topic; its payload is dropped once handled (it holds customer data). */
async function handleWebhook(shopify: Shopify, shopId: string, webhookId: string) {
  const [row] = await shopify.ctx.db.query<{ topic: WebhookTopic; payload: unknown }>(
    'SELECT topic, payload FROM shopify_webhooks WHERE shop_id = $1 AND webhook_id = $2 AND handled_at IS NULL',
    [shopId, webhookId],
  );
  if (!row) return;
  const connected = (await shopify.connection(shopId)) !== undefined;
  const payload = row.payload;
  switch (row.topic) {
    case 'app/uninstalled':
      await inTransaction(shopify.ctx, (uow) => disconnect(uow, shopId, 'uninstalled'));
      break;
    case 'customers/data_request':
      await customerDataRequested(shopify, shopId, payloads.customer.parse(payload));
      break;
    case 'customers/redact':
      await customerRedacted(shopify, shopId, payloads.customer.parse(payload));
      break;
    case 'shop/redact':
      await shopRedacted(shopify, shopId);
      break;
    default:
      if (connected) await storeChange(shopify, shopId, row.topic, payload);
  }
  await shopify.ctx.db.query(
    'UPDATE shopify_webhooks SET payload = NULL, handled_at = $3 WHERE shop_id = $1 AND webhook_id = $2',
    [shopId, webhookId, shopify.ctx.clock()],
  );
}

async function storeChange(shopify: Shopify, shopId: string, topic: WebhookTopic, payload: unknown) {
  switch (topic) {
    case 'orders/create':
      await orderCreated(shopify, shopId, payloads.order.parse(payload).admin_graphql_api_id);
      return;
    case 'orders/cancelled': {
      const order = payloads.order.parse(payload);
      await orderCancelled(shopify, shopId, order.admin_graphql_api_id, order.refunds);
      return;
    }
    case 'refunds/create':
      await refundReceived(shopify, shopId, payloads.refund.parse(payload));
      return;
    case 'fulfillments/create':
      await fulfilmentCreated(shopify, shopId, payloads.fulfilment.parse(payload));
      return;
    case 'products/update': {
      const product = payloads.product.parse(payload);
      await inTransaction(shopify.ctx, (uow) =>
        mirrorVariants(
          uow,
          shopId,
          product.variants.map((variant) => ({
            id: variant.admin_graphql_api_id,
            sku: variant.sku ?? null,
            displayName: `${product.title} - ${variant.title}`,
            product: { id: product.admin_graphql_api_id },
          })),
        ),
      );
      // Presell decides whether they sell: a policy changed by hand on Shopify is set back.
      await shopify.ctx.db.query(
        `UPDATE shopify_variants SET inventory_policy = NULL WHERE shop_id = $1 AND shopify_product_id = $2`,
        [shopId, product.admin_graphql_api_id],
      );
      await makeSellable(
        shopify,
        shopId,
        await variantsOfProduct(shopify, shopId, product.admin_graphql_api_id),
      );
      return;
    }
    case 'products/delete': {
      const productId = `gid://shopify/Product/${payloads.productDeleted.parse(payload).id}`;
      const campaigns = await shopify.ctx.db.query<{ campaign_id: string }>(
        `SELECT DISTINCT cv.campaign_id FROM shopify_variants sv JOIN campaign_variants cv ON cv.variant_id = sv.variant_id
         WHERE sv.shop_id = $1 AND sv.shopify_product_id = $2`,
        [shopId, productId],
      );
      await inTransaction(shopify.ctx, (uow) => productDeleted(uow, shopId, productId));
      for (const { campaign_id: campaignId } of campaigns) await syncSellingPlan(shopify, shopId, campaignId);
      return;
    }
  }
}

async function variantsOfProduct(shopify: Shopify, shopId: string, productId: string) {
  const rows = await shopify.ctx.db.query<{ variant_id: string }>(
    'SELECT variant_id FROM shopify_variants WHERE shop_id = $1 AND shopify_product_id = $2',
    [shopId, productId],
  );
  return rows.map((row) => row.variant_id);
}
