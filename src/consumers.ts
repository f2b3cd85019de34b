/** Whom the outbox relay delivers to, for the server, `presell worker` and `presell demo` alike. */
import type { Consumer } from './outbox/relay.ts';
import type { ServiceContext } from './services/context.ts';
import { shopifyConsumer } from './shopify/consumer.ts';
import type { Shopify } from './shopify/shopify.ts';
import { webhookSender } from './webhooks/sender.ts';

export interface ConsumerDeps {
  ctx: ServiceContext;
  /** The Shopify adapter, when this deployment connects stores (PRESELL_SHOPIFY_TOKEN_KEY). */
  shopify?: Shopify | undefined;
  /** Webhooks may go to loopback, private and link-local addresses (local development and tests only). */
  webhooksAllowInternal: boolean;
}

export function outboxConsumers(deps: ConsumerDeps): Consumer[] {
  return [
    webhookSender(deps.ctx, { allowInternal: deps.webhooksAllowInternal }),
    ...(deps.shopify ? [shopifyConsumer(deps.shopify)] : []),
  ];
}
