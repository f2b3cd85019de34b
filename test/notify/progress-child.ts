/**
 * Not a test: the process the progress-update crash test kills. Sends the progress updates that are due
 * from the database given to the SMTP server given, with the clock at the instant given:
 *   node --import tsx test/notify/progress-child.ts <database url> <smtp url> <now ISO>
 */
import { openDatabase } from '../../src/db/database.ts';
import { smtpTransport } from '../../src/notify/mailer.ts';
import { sendDueProgressUpdates } from '../../src/notify/progress-sender.ts';
import { PUBLIC_URL } from './support.ts';

const [url, smtp, now] = process.argv.slice(2) as [string, string, string];
const db = await openDatabase({ url, poolSize: 2 });
const mail = { transport: smtpTransport(smtp), fromAddress: 'orders@shop.test', publicUrl: PUBLIC_URL };
const report = await sendDueProgressUpdates({ db, clock: () => new Date(now) }, mail);
process.stdout.write(`${JSON.stringify(report)}\n`);
await mail.transport.close();
await db.close();
