/** `presell promise CAMPAIGN`: the plan as a table and demand against supply as a chart. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { groupedBarChart, table } from '../../src/cli/chart.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { call, openLaunch, testApp, testShop } from '../support/app.ts';
import { presell } from '../support/presell-command.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'presell-promise-'));
let campaignId = '';

before(async () => {
  const db = await openDatabase({ dataDir });
  await migrate(db);
  const { app, ctx } = await testApp(db, { clock: () => new Date('2026-12-01T09:00:00Z') });
  const shop = await testShop(ctx, 'Chart Co.');
  const launch = await openLaunch(app, shop, { sku: 'CHART-1', cap: 50, promiseSettings: { bufferDays: 2 } });
  campaignId = launch.campaignId;
  await call(app, 'POST', `/v1/campaigns/${campaignId}/batches`, shop.admin, {
    sku: 'CHART-1',
    quantity: 4,
    readyDate: '2026-12-20',
  });
  for (let i = 0; i < 3; i++) {
    await call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': `chart-${i}` },
      { sku: 'CHART-1', quantity: 2, email: `chart${i}@example.com` },
    );
  }
  await app.close();
  await db.close();
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

test('prints each batch, the waiting line and the chart', async () => {
  const { stdout } = await presell('promise', campaignId, '--data', dataDir);
  assert.match(stdout, /CHART-1/);
  assert.match(stdout, /2026-12-20 – 2026-12-22\s+4\s+4\s+2/);
  assert.match(stdout, /Waiting for supply not yet planned: 2 units, 1 customer/);
  assert.match(stdout, /2026-12-01\s+demand █+ 6\n\s+supply\s+0/);
  assert.match(stdout, /2026-12-20\s+demand █+ 6\n\s+supply ░+ 4/);
});

test('--json prints the report for scripts', async () => {
  const { stdout } = await presell('promise', campaignId, '--json', '--data', dataDir);
  const report = JSON.parse(stdout);
  assert.equal(report.campaignId, campaignId);
  assert.deepEqual(report.variants[0].unpromised, { units: 2, customers: 1 });
});

test('an unknown campaign or a missing argument is a usage error', async () => {
  await assert.rejects(
    presell('promise', 'cmp_nope', '--data', dataDir),
    (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 2);
      assert.match(error.stderr, /no campaign cmp_nope/);
      return true;
    },
  );
  await assert.rejects(presell('promise', '--data', dataDir), (error: { code: number }) => error.code === 2);
});

test('the chart scales bars to the largest value and the table aligns numbers', () => {
  const chart = groupedBarChart(
    [
      { label: 'a', values: [10, 5] },
      { label: 'bb', values: [0, 1] },
    ],
    [
      { label: 'x', glyph: '#' },
      { label: 'y', glyph: '=' },
    ],
    10,
  );
  assert.equal(chart, ['a   x ########## 10', '    y ===== 5', 'bb  x  0', '    y = 1'].join('\n'));
  assert.equal(
    table(
      ['name', 'n'],
      [
        ['a', 5],
        ['bbb', 10],
      ],
    ),
    ['name   n', 'a      5', 'bbb   10'].join('\n'),
  );
});
