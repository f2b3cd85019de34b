/** `presell simulate`: the figures of both policies, the chart, the same output for the same seed, usage errors. */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { presell, presellWithin } from '../support/presell-command.ts';

const dir = mkdtempSync(join(tmpdir(), 'presell-simulate-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A launch small enough to play in seconds: a few dozen pre-orders, two batches. */
const scenario = join(dir, 'small.json');
writeFileSync(
  scenario,
  JSON.stringify({
    windowDays: 6,
    demand: { p: 0.08, q: 0.2, m: 30 },
    batches: [
      { readyDay: 10, quantity: 15 },
      { readyDay: 16, quantity: 15 },
    ],
    supply: { onTimeShare: 0.5 },
  }),
);
const SLOW = 600_000;

const usageError = (pattern: RegExp) => (error: { code: number; stderr: string }) => {
  assert.equal(error.code, 2);
  assert.match(error.stderr, pattern);
  assert.match(error.stderr, /Usage: presell simulate/);
  return true;
};

test('prints the figures of both policies and writes the chart', { timeout: SLOW }, async () => {
  const chart = join(dir, 'chart.svg');
  const { stdout } = await presellWithin(
    SLOW,
    'simulate',
    '--scenario',
    scenario,
    '--seed',
    '3',
    '--chart',
    chart,
  );
  assert.match(stdout, /^Launch simulation, seed 3: \d+ pre-orders drawn over 6 days from 2027-03-01/);
  assert.match(stdout, /batch 1: 15 units planned for day 10, /);
  assert.match(stdout, /presell +one-date/);
  for (const row of [
    'shipped inside the first window promised',
    'told before their window ended',
    'cancelled',
  ]) {
    assert.match(stdout, new RegExp(`${row} +[\\d.]+`));
  }
  assert.match(stdout, /days waited, median +\d+ +\d+/);
  assert.match(stdout, /Cash collected \(charged less refunded\), by day:\n.*day +presell +one-date/);
  assert.ok(stdout.endsWith(`Chart of promised against actual ship dates: ${chart}\n`));
  const svg = readFileSync(chart, 'utf8');
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(svg, />presell</);
  assert.match(svg, />one-date</);
});

test('the same seed prints the same JSON', { timeout: SLOW }, async () => {
  const chart = join(dir, 'json.svg');
  const once = await presellWithin(
    SLOW,
    'simulate',
    '--scenario',
    scenario,
    '--seed',
    '8',
    '--json',
    '--chart',
    chart,
  );
  const twice = await presellWithin(
    SLOW,
    'simulate',
    '--scenario',
    scenario,
    '--seed',
    '8',
    '--json',
    '--chart',
    chart,
  );
  assert.equal(once.stdout, twice.stdout);
  const summary = JSON.parse(once.stdout);
  assert.equal(summary.seed, 8);
  assert.deepEqual(
    summary.policies.map((p: { policy: string }) => p.policy),
    ['presell', 'one-date'],
  );
  assert.equal(summary.scenario.demand.m, 30);
});

test('wrong input is a usage error naming what is wrong', async () => {
  await assert.rejects(
    presell('simulate', '--seed', 'abc'),
    usageError(/--seed must be a whole number, not "abc"/),
  );
  await assert.rejects(
    presell('simulate', '--scenario', join(dir, 'missing.json')),
    usageError(/--scenario .*missing\.json: cannot read it \(ENOENT\)/),
  );
  const broken = join(dir, 'broken.json');
  writeFileSync(broken, '{"demand": ');
  await assert.rejects(presell('simulate', '--scenario', broken), usageError(/broken\.json: not JSON/));
  const wrong = join(dir, 'wrong.json');
  writeFileSync(wrong, JSON.stringify({ demand: { q: 'fast' } }));
  await assert.rejects(
    presell('simulate', '--scenario', wrong),
    usageError(/wrong\.json: demand\.q: .*expected number, received string/),
  );
  await assert.rejects(presell('simulate', '--days', '3'), usageError(/unknown option --days/));
});
