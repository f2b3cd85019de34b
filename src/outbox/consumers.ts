import { emailConsumer } from '../notify/email-consumer.ts';
import type { Mail } from '../notify/mailer.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Consumer } from './relay.ts';

export interface ConsumerDeps {
  ctx: ServiceContext;
  /** Where emails go; none: nobody is emailed and the email consumer does not run. */
  mail?: Mail | undefined;
}

/** Everyone the outbox relay delivers to, as the server, `presell worker` and `presell demo` run it. */
export function outboxConsumers(deps: ConsumerDeps): Consumer[] {
  return deps.mail ? [emailConsumer(deps.ctx, deps.mail)] : [];
}
