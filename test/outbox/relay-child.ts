/**
 * Not a test: the relay the kill test kills. Delivers to a consumer named `files` that writes
 * `<key> started` to the file given, then hangs on events whose sku is HANG (until it is killed), and
 * writes `<key> finished` for the others. One pass, then it exits.
 *   node --import tsx test/outbox/relay-child.ts <database url> <log file> <lease ms>
 */
import { appendFileSync } from 'node:fs';
import { openDatabase } from '../../src/db/database.ts';
import { OutboxRelay } from '../../src/outbox/relay.ts';
import { fileConsumer } from './file-consumer.ts';

const [url, log, leaseMs] = process.argv.slice(2) as [string, string, string];
const db = await openDatabase({ url, poolSize: 2 });
const relay = new OutboxRelay({ db, clock: () => new Date() }, [fileConsumer(log, { hangOn: 'HANG' })], {
  leaseMs: Number(leaseMs),
  deliveryTimeoutMs: 60_000,
});
await relay.runOnce();
appendFileSync(log, 'pass done\n');
await db.close();
