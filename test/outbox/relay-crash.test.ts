/**
 * A worker killed between claiming and finishing a delivery: the event is delivered again by the next
 * worker once the lease ran out, under the same key, once more at most; the events it had finished are not
 * delivered again. Needs a PostgreSQL server (two processes on one database).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { OutboxRelay } from '../../src/outbox/relay.ts';
import { createShop } from '../../src/services/shops.ts';
import { createVariant } from '../../src/services/variants.ts';
import { freshDatabase, serverUrl } from '../support/databases.ts';
import { fileConsumer } from './file-consumer.ts';

const CHILD = new URL('./relay-child.ts', import.meta.url).pathname;
const LEASE_MS = 1_500;

describe('a relay worker killed in the middle of a delivery [postgres]', { skip: !serverUrl }, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  before(async () => {
    database = await freshDatabase('postgres');
  });
  after(() => database?.drop());

  test('the next worker delivers the unfinished event again under the same key, and nothing else', async () => {
    const ctx = { db: database.db, clock: () => new Date() };
    const { shop } = await createShop(ctx, {
      name: 'Crash',
      currency: 'EUR',
      timeZone: 'Europe/Berlin',
      locale: 'en-GB',
    });
    for (const sku of ['FIRST', 'HANG', 'LAST']) await createVariant(ctx, shop.id, { sku, name: sku });
    const log = join(mkdtempSync(join(tmpdir(), 'presell-relay-')), 'deliveries.log');
    const lines = () => readFileSync(log, 'utf8').trim().split('\n');

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, database.url as string, log, String(LEASE_MS)],
      { stdio: 'ignore' },
    );
    const hung = await new Promise<boolean>((resolve) => {
      const started = Date.now();
      const timer = setInterval(() => {
        let seen = '';
        try {
          seen = readFileSync(log, 'utf8');
        } catch {}
        const stuck = seen.split('\n').filter((line) => line.endsWith(' started')).length === 2;
        if (stuck || Date.now() - started > 60_000) {
          clearInterval(timer);
          resolve(stuck);
        }
      }, 50);
    });
    assert.ok(hung, 'the child reached the event it hangs on');
    child.kill('SIGKILL');
    await new Promise((resolve) => child.once('exit', resolve));
    const [firstKey, hangKey] = lines()
      .filter((line) => line.endsWith(' started'))
      .map((line) => line.replace(' started', '')) as [string, string];
    assert.deepEqual(lines(), [`${firstKey} started`, `${firstKey} finished`, `${hangKey} started`]);

    // Another worker, before the lease ran out: the stream is still the dead worker's.
    const next = new OutboxRelay(ctx, [fileConsumer(log)], { leaseMs: LEASE_MS });
    await next.runOnce();
    assert.equal(lines().length, 3, 'nothing is delivered while the lease holds');

    await new Promise((resolve) => setTimeout(resolve, LEASE_MS + 200));
    const done = () => lines().filter((line) => line.endsWith(' finished')).length === 3;
    for (let pass = 0; pass < 100 && !done(); pass++) {
      await next.runOnce();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(
      lines().filter((line) => line.startsWith(hangKey)),
      [`${hangKey} started`, `${hangKey} started`, `${hangKey} finished`],
      'delivered once more, under the same key',
    );
    const finished = lines().filter((line) => line.endsWith(' finished'));
    assert.equal(new Set(finished).size, 3, 'the three events, each finished once');
    assert.equal(
      lines().filter((line) => line === `${firstKey} started`).length,
      1,
      'what was finished is not sent again',
    );
  });
});
