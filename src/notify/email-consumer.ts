/**
 * The email sender, a consumer of the outbox relay: each event that says something to someone becomes
 * its messages (src/notify/compose.ts), sent at least once. A message's Message-ID is made from the event
 * and the message's kind (and recipient), so a try after a crash sends the same message again rather than
 * a new one, and a try after a partial failure skips what already went. A failing server makes the
 * delivery fail: the relay retries it on its schedule and keeps it as a dead letter after the last try.
 */
import type { Consumer, OutboxEvent } from '../outbox/relay.ts';
import type { ServiceContext } from '../services/context.ts';
import { composeMessages, MESSAGE_EVENTS } from './compose.ts';
import { type Mail, messageIdOf, sendOnce } from './mailer.ts';

/** Never rename: the relay keeps this consumer's place in every shop's stream under it. */
export const EMAIL_CONSUMER = 'email';

export function emailConsumer(ctx: ServiceContext, mail: Mail): Consumer {
  return {
    name: EMAIL_CONSUMER,
    types: MESSAGE_EVENTS,
    deliver: (event) => deliverEmails(ctx, mail, event),
  };
}

async function deliverEmails(ctx: ServiceContext, mail: Mail, event: OutboxEvent): Promise<void> {
  if (!mail.publicUrl) throw new Error('mail has no public URL for its links yet');
  const { messages, sender } = await composeMessages(ctx, mail.publicUrl, event);
  for (const message of messages) {
    for (const to of message.to) {
      const parts = message.to.length > 1 ? [event.id, message.kind, to] : [event.id, message.kind];
      await sendOnce(
        ctx.db,
        mail,
        {
          shopId: event.shopId,
          messageId: messageIdOf(parts, mail.fromAddress),
          kind: message.kind,
          fromName: sender.name,
          to,
          replyTo: message.audience === 'customer' ? sender.replyTo : null,
          subject: message.rendered.subject,
          html: message.rendered.html,
          text: message.rendered.text,
          headers: { 'X-Presell-Event': event.id },
          eventId: event.id,
          preorderId: event.type.startsWith('preorder.') ? event.subjectId : null,
          language: message.language,
        },
        ctx.clock(),
      );
    }
  }
}
