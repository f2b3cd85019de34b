/** `presell job JOB`: a bulk job's progress as a bar, its refused items by line, and --json. */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { progressBar } from '../../src/cli/chart.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { testApp, testShop } from '../support/app.ts';

const BIN = fileURLToPath(new URL('../../bin/presell.js', import.meta.url));
const run = promisify(execFile);
const dataDir = mkdtempSync(join(tmpdir(), 'presell-job-'));
let jobId = '';

before(async () => {
  const db = await openDatabase({ dataDir });
  await migrate(db);
  const { app, ctx } = await testApp(db);
  const shop = await testShop(ctx, 'Jobs Co.');
  const response = await app.inject({
    method: 'POST',
    url: '/v1/shipments/import',
    headers: { ...shop.admin, 'content-type': 'text/csv' },
    payload:
      'order_reference,carrier,tracking_number,shipped_date\npo_nope1,DHL,1,2027-01-01\nnot-a-ref,DHL,2,2027-01-01\n',
  });
  jobId = response.json().id;
  await app.close();
  await db.close();
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

const presell = (...args: string[]) => {
  const { DATABASE_URL: _server, ...env } = process.env;
  return run(process.execPath, [BIN, ...args], { env, timeout: 60_000 });
};

test('prints the bar and each refused row with its line', async () => {
  const { stdout } = await presell('job', jobId, '--watch', '--data', dataDir);
  assert.match(stdout, /\[✗{30}\] 100% 0 done, 2 failed, 0 left of 2/);
  assert.match(stdout, /shipment_import job_\w+: done/);
  assert.match(stdout, /line 2: not_found: no pre-order po_nope1 in this shop/);
  assert.match(stdout, /line 3: validation_failed: order_reference: /);
});

test('--json prints the job; an unknown job is a usage error', async () => {
  const job = JSON.parse((await presell('job', jobId, '--json', '--data', dataDir)).stdout);
  assert.deepEqual([job.id, job.total, job.failed, job.failures.length], [jobId, 2, 2, 2]);
  await assert.rejects(
    presell('job', 'job_nope', '--data', dataDir),
    (error: { code: number }) => error.code === 2,
  );
});

test('the bar fills done and failed items to scale', () => {
  assert.equal(
    progressBar({ done: 5, failed: 0, total: 10 }, 10),
    '[█████░░░░░] 50% 5 done, 0 failed, 5 left of 10',
  );
  assert.equal(
    progressBar({ done: 6, failed: 2, total: 10 }, 10),
    '[██████✗✗░░] 80% 6 done, 2 failed, 2 left of 10',
  );
  assert.equal(progressBar({ done: 0, failed: 0, total: 0 }, 4), '[░░░░] 100% 0 done, 0 failed, 0 left of 0');
});
