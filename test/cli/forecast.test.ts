/** `presell forecast CAMPAIGN`: the forecast in words, a chart of placed against fitted, and usage errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { adoptersBetween } from '../../src/simulate/bass.ts';
import { call, manualClock, openLaunch, testApp, testShop } from '../support/app.ts';
import { presell } from '../support/presell-command.ts';

const DAY = 86_400_000;
const dataDir = mkdtempSync(join(tmpdir(), 'presell-forecast-'));
/** The command reads the wall clock, so the launch is placed over the 15 days before now. */
const opened = new Date(Date.now() - 15 * DAY);
const curve = { p: 0.05, q: 0.4, m: 150 };
let fitted = '';
let young = '';

before(async () => {
  const db = await openDatabase({ dataDir });
  await migrate(db);
  const clock = manualClock(opened);
  const { app, ctx } = await testApp(db, { clock: clock.now });
  const shop = await testShop(ctx, 'Curve Co.');
  const closesAt = new Date(Date.now() + 15 * DAY).toISOString();
  fitted = (await openLaunch(app, shop, { sku: 'FIT-1', cap: 500, closesAt })).campaignId;
  young = (await openLaunch(app, shop, { sku: 'YOUNG-1', cap: null })).campaignId;
  let key = 0;
  const place = (sku: string, quantity: number) =>
    call(
      app,
      'POST',
      '/v1/storefront/preorders',
      { ...shop.storefront, 'idempotency-key': `cli-forecast-${++key}` },
      { sku, quantity, email: `cli${key}@example.com` },
    );
  for (let day = 0; day < 15; day++) {
    clock.set(new Date(opened.getTime() + day * DAY));
    const units = Math.round(adoptersBetween(curve, day, day + 1));
    if (units > 0) assert.equal((await place('FIT-1', units)).status, 201);
  }
  clock.set(new Date(Date.now() - DAY));
  await place('YOUNG-1', 3);
  await app.close();
  await db.close();
});
after(() => rmSync(dataDir, { recursive: true, force: true }));

const usageError = (pattern: RegExp) => (error: { code: number; stderr: string }) => {
  assert.equal(error.code, 2);
  assert.match(error.stderr, pattern);
  return true;
};

test('prints the fitted forecast, a chart of placed against fitted and the forecast by date', async () => {
  const { stdout } = await presell('forecast', fitted, '--data', dataDir);
  assert.match(stdout, /^Forecast of cmp_\w+, embedded database in \S+, dates in Europe\/Berlin\n/);
  assert.match(stdout, /Expected \d+ units by the end of \d{4}-\d{2}-\d{2} \(90 % interval \d+–\d+\)/);
  assert.match(stdout, /Bass curve: innovation p [\d.]+, imitation q [\d.]+ a day, market m \d+ units/);
  assert.match(stdout, /; the cap is 500\./);
  // The curve's running total may still round to 0 on the first day (no bar then, by the hour the test
  // runs at); the days after draw both bars.
  assert.match(
    stdout,
    /Units placed against the fitted curve, running totals:\n\d{4}-\d{2}-\d{2}\s+placed █+ \d+\n\s+fitted ░* \d+\n/,
  );
  assert.match(stdout, /\n\d{4}-\d{2}-\d{2}\s+placed █+ \d+\n\s+fitted ░+ \d+\n/);
  assert.match(stdout, /Forecast running totals:\ndate\s+expected\s+low\s+high\n/);
});

test('--json prints the forecast as the API answers it', async () => {
  const { stdout } = await presell('forecast', fitted, '--json', '--data', dataDir);
  const forecast = JSON.parse(stdout);
  assert.equal(forecast.object, 'forecast');
  assert.equal(forecast.method, 'bass');
  assert.equal(forecast.sku, null);
  assert.ok(Math.abs(forecast.finalDemand.expected - 150) <= 6, JSON.stringify(forecast.finalDemand));
});

test('a quiet campaign without closesAt: a horizon is needed, and the estimate is the marked fallback', async () => {
  await assert.rejects(
    presell('forecast', young, '--data', dataDir),
    usageError(/no closesAt: name the last day to forecast to with --horizon YYYY-MM-DD/),
  );
  const horizon = new Date(Date.now() + 30 * DAY).toISOString().slice(0, 10);
  const { stdout } = await presell(
    'forecast',
    young,
    '--horizon',
    horizon,
    '--sku',
    'YOUNG-1',
    '--data',
    dataDir,
  );
  assert.match(stdout, /Fallback estimate, not a fitted curve \(fewer than 30 units placed/);
  assert.match(stdout, /Run rate: [\d.]+ units a day/);
});

test('wrong input is a usage error with one line that says what is wrong', async () => {
  await assert.rejects(presell('forecast', '--data', dataDir), usageError(/name one campaign id/));
  await assert.rejects(
    presell('forecast', 'cmp_nope', '--data', dataDir),
    usageError(/no campaign cmp_nope/),
  );
  await assert.rejects(
    presell('forecast', fitted, '--horizon', 'next week', '--data', dataDir),
    usageError(/--horizon must be a date YYYY-MM-DD, not "next week"/),
  );
  await assert.rejects(
    presell('forecast', fitted, '--horizon', '2020-01-01', '--data', dataDir),
    usageError(/the horizon is before today/),
  );
  await assert.rejects(
    presell('forecast', fitted, '--sku', 'NOPE', '--data', dataDir),
    usageError(/NOPE is not part of this campaign/),
  );
  await assert.rejects(
    presell('forecast', fitted, '--weeks', '3', '--data', dataDir),
    usageError(/unknown option --weeks/),
  );
});
