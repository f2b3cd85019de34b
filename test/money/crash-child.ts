/**
 * Not a test: the process the crash test kills. One pass of the money jobs against DATABASE_URL, through
 * Stripe at the host and port given, with the clock at the instant given:
 *   node --import tsx test/money/crash-child.ts <database url> <stripe port> <stripe api key> <now ISO>
 */
import { openDatabase } from '../../src/db/database.ts';
import { runDueJobs } from '../../src/jobs.ts';
import { StripePaymentProvider } from '../../src/payments/stripe-provider.ts';
import { DEFAULT_PAYMENT_SETTINGS } from '../../src/services/payment-operations.ts';

const [url, port, apiKey, now] = process.argv.slice(2) as [string, string, string, string];
const db = await openDatabase({ url, poolSize: 2 });
const provider = new StripePaymentProvider({
  apiKey,
  webhookSecret: 'whsec_unused',
  host: '127.0.0.1',
  port: Number(port),
  protocol: 'http',
  maxNetworkRetries: 0,
  timeoutMs: 60_000,
});
const report = await runDueJobs(
  { db, clock: () => new Date(now) },
  { provider, settings: DEFAULT_PAYMENT_SETTINGS },
);
process.stdout.write(`${JSON.stringify(report)}\n`);
await db.close();
