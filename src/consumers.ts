/** Whom the outbox relay delivers to, for the server, `presell worker` and `presell demo` alike. */
import { emailConsumer } from './notify/email-consumer.ts';
import type { Mail } from './notify/mailer.ts';
import type { Consumer } from './outbox/relay.ts';
import type { ServiceContext } from './services/context.ts';
import { shopifyConsumer } from './shopify/consumer.ts';
import type { Shopify } from './shopify/shopify.ts';
import { webhookSender } from './webhooks/sender.ts';

export interface ConsumerDeps {
  ctx: ServiceContext;
  /** Where emails go; none: nobody is emailed and the email consumer does not run. */
  mail?: Mail | undefined;
  /** The Shopify adapter, when this deployment connects stores (PRESELL_SHOPIFY_TOKEN_KEY). */
  shopify?: Shopify | undefined;
  /** Webhooks may go to loopback, private and link-local addresses (local development and tests only). */
  webhooksAllowInternal: boolean;
}

export function outboxConsumers(deps: ConsumerDeps): Consumer[] {
  return [
    webhookSender(deps.ctx, { allowInternal: deps.webhooksAllowInternal }),
    ...(deps.mail ? [emailConsumer(deps.ctx, deps.mail)] : []),
    ...(deps.shopify ? [shopifyConsumer(deps.shopify)] : []),
  ];
}
