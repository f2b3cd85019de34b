/**
 * Not a test: the process the email crash test kills. One pass of the outbox relay (the email consumer)
 * against the database given, sending to the SMTP server given, with the clock at the instant given:
 *   node --import tsx test/notify/relay-child.ts <database url> <smtp url> <now ISO>
 */

import { outboxConsumers } from '../../src/consumers.ts';
import { openDatabase } from '../../src/db/database.ts';
import { smtpTransport } from '../../src/notify/mailer.ts';
import { OutboxRelay } from '../../src/outbox/relay.ts';
import { PUBLIC_URL } from './support.ts';

const [url, smtp, now] = process.argv.slice(2) as [string, string, string];
const db = await openDatabase({ url, poolSize: 2 });
const ctx = { db, clock: () => new Date(now) };
const mail = { transport: smtpTransport(smtp), fromAddress: 'orders@shop.test', publicUrl: PUBLIC_URL };
const report = await new OutboxRelay(
  ctx,
  outboxConsumers({ ctx, mail, webhooksAllowInternal: false }),
).runOnce();
process.stdout.write(`${JSON.stringify(report)}\n`);
await mail.transport.close();
await db.close();
