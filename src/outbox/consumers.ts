/** Whom the outbox relay delivers to, for the server, `presell worker` and `presell demo` alike. */
import type { ServiceContext } from '../services/context.ts';
import { webhookSender } from '../webhooks/sender.ts';
import type { Consumer } from './relay.ts';

export interface ConsumerSettings {
  /** Webhooks may go to loopback, private and link-local addresses (local development and tests only). */
  webhooksAllowInternal: boolean;
}

export function outboxConsumers(ctx: ServiceContext, settings: ConsumerSettings): Consumer[] {
  return [webhookSender(ctx, { allowInternal: settings.webhooksAllowInternal })];
}
