/** `presell worker`: the money jobs in a process of their own, on the same database as the API. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { launch, moneyWorld, place } from '../money/support.ts';

const BIN = fileURLToPath(new URL('../../bin/presell.js', import.meta.url));
const dataDir = mkdtempSync(join(tmpdir(), 'presell-worker-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('a worker releases the units of a placement nobody paid for, then stops on SIGTERM', async () => {
  const db = await openDatabase({ dataDir });
  await migrate(db);
  const world = await moneyWorld(db);
  world.clock.set(new Date(Date.now() - 2 * 3_600_000));
  const { sku } = await launch(world, 5_000, 'EUR', { cap: 2 });
  const placed = await place(world, sku, { quantity: 2 });
  assert.equal(placed.body.state, 'placed');
  await world.app.close();
  await db.close();

  const { DATABASE_URL: _server, ...env } = process.env;
  const worker = spawn(process.execPath, [BIN, 'worker', '--interval', '1', '--data', dataDir], { env });
  let output = '';
  worker.stdout.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<number | null>((resolve) => worker.on('exit', resolve));
  const deadline = Date.now() + 60_000;
  while (!output.includes('worker running') && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 100));
  // Two passes: the first one surely ran once a second and a half has gone by after start-up.
  await new Promise((r) => setTimeout(r, 2_500));
  worker.kill('SIGTERM');
  assert.equal(await exited, 0, output);
  assert.match(output, /"msg":"stopping"/);

  const after = await openDatabase({ dataDir });
  try {
    const [row] = await after.query<{ state: string }>('SELECT state FROM preorders WHERE id = $1', [
      placed.body.id,
    ]);
    assert.equal(row?.state, 'cancelled');
    const [counter] = await after.query<{ held: number }>(
      'SELECT sum(held)::int AS held FROM campaign_variants',
    );
    assert.equal(counter?.held, 0);
  } finally {
    await after.close();
  }
});
