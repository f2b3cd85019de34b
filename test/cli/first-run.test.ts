/**
 * A new user's first run, with the real `presell` command in a fresh folder: settings and the port are
 * checked before any database is made; read commands never make one and work beside a running demo;
 * shops are listed and their keys rotated; the home page and the demo's offer URL open in a browser.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { browserSkipReason, launchChromium } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/presell.js');
const TIMEOUT_MS = 90_000;

const scratch = mkdtempSync(join(tmpdir(), 'presell-first-run-'));
const children = new Set<ChildProcess>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

/** A new empty folder to run presell in, as a person starting out would. */
function freshFolder(label: string): string {
  return mkdtempSync(join(scratch, `${label}-`));
}

/** The environment without the runner's database and presell settings, plus `extra`. */
function envWith(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => name !== 'DATABASE_URL' && name !== 'PORT' && !name.startsWith('PRESELL_'),
    ),
  );
  return { ...env, ...extra };
}

interface Output {
  stdout: string;
  stderr: string;
}

function start(args: string[], cwd: string, env = envWith()) {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  const output: Output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return { child, output, exited };
}

async function presell(args: string[], cwd: string, env = envWith()) {
  const { child, output, exited } = start(args, cwd, env);
  const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
  const code = await exited;
  clearTimeout(timer);
  return { code, ...output };
}

/** Waits until a started demo prints its banner; false when it exits or takes too long. */
function untilReady(demo: ReturnType<typeof start>): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), TIMEOUT_MS);
    demo.child.stdout.on('data', () => {
      if (/Ctrl\+C/.test(demo.output.stdout)) {
        clearTimeout(timer);
        resolve(true);
      }
    });
    demo.exited.then(() => resolve(false));
  });
}

/** One line on stderr, no stack trace. */
function assertOneLine(stderr: string) {
  assert.equal(stderr.trim().split('\n').length, 1, stderr);
  assert.doesNotMatch(stderr, /\n\s+at /);
}

describe('presell on a first run', { timeout: 10 * TIMEOUT_MS }, () => {
  test('a bad setting or a port in use is one line and exit 2, and no database is made', async () => {
    const holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const address = holder.address();
    assert.ok(typeof address === 'object' && address);
    try {
      const cases: [string[], Record<string, string>, RegExp][] = [
        [['serve', '--port', '0'], { PRESELL_RATE_LIMIT: 'lots' }, /PRESELL_RATE_LIMIT must be/],
        [['serve', '--port', '0'], { PRESELL_PAYMENTS: 'paypal' }, /PRESELL_PAYMENTS must be test or stripe/],
        [['serve', '--port', '0'], { SMTP_URL: 'mail.example.com' }, /SMTP_URL must be a smtp:/],
        [['worker'], { PRESELL_BALANCE_RETRY_DAYS: 'soon' }, /PRESELL_BALANCE_RETRY_DAYS must be/],
        [['demo', '--port', String(address.port)], {}, new RegExp(`port ${address.port} is already in use`)],
        [['serve', '--port', String(address.port)], {}, new RegExp(`port ${address.port} is already in use`)],
      ];
      for (const [args, settings, message] of cases) {
        const folder = freshFolder('refused');
        const result = await presell(args, folder, envWith(settings));
        assert.equal(result.code, 2, `${args.join(' ')} ${JSON.stringify(settings)}: ${result.stderr}`);
        assert.match(result.stderr, message);
        assertOneLine(result.stderr);
        assert.equal(existsSync(join(folder, '.presell')), false, 'no database was made');
      }
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });

  test('serve --help lists every setting the README lists', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(
      readme.indexOf('## Configuration'),
      readme.indexOf('\n## ', 20 + readme.indexOf('## Configuration')),
    );
    const names = new Set([...section.matchAll(/`([A-Z][A-Z0-9_]{2,})`/g)].map((match) => match[1]));
    assert.ok(names.size >= 15, `the README's settings: ${[...names].join(', ')}`);
    const help = await presell(['serve', '--help'], freshFolder('help'));
    assert.equal(help.code, 0);
    for (const name of names) assert.match(help.stdout, new RegExp(`^  ${name}\\b`, 'm'), name);
  });

  test('read commands never make a database to say there is none', async () => {
    const folder = freshFolder('empty');
    for (const args of [
      ['promise', 'cmp_nope'],
      ['forecast', 'cmp_nope'],
      ['job', 'job_nope'],
      ['shop', 'list'],
    ]) {
      const result = await presell(args, folder);
      assert.equal(result.code, 1, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, /no Presell database in \.\/\.presell nor in \.\/\.presell\/demo/);
      assertOneLine(result.stderr);
    }
    const named = await presell(['promise', 'cmp_nope', '--data', 'elsewhere'], folder);
    assert.equal(named.code, 1);
    assert.match(named.stderr, /no Presell database in \.\/elsewhere;/);
    assert.deepEqual(
      ['.presell', 'elsewhere'].filter((name) => existsSync(join(folder, name))),
      [],
      'no folder was made',
    );
  });

  test('shop create takes a currency as the API does; shop list and keys rotate', async () => {
    const folder = freshFolder('shops');
    const create = (currency: string) =>
      presell(
        [
          'shop',
          'create',
          '--name',
          'Acme',
          '--currency',
          currency,
          '--timezone',
          'Europe/Berlin',
          '--locale',
          'de-DE',
          '--json',
        ],
        folder,
      );
    const lower = await create('eur');
    assert.equal(lower.code, 2);
    assert.match(lower.stderr, /"eur" is not an ISO 4217 currency code as written: EUR/);
    const created = await create('EUR');
    assert.equal(created.code, 0, created.stderr);
    const { shopId, adminKey } = JSON.parse(created.stdout);

    const listed = await presell(['shop', 'list'], folder);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(
      listed.stdout,
      new RegExp(`${shopId}\\s+Acme\\s+EUR\\s+Europe/Berlin\\s+de-DE\\s+.*secret …${adminKey.slice(-4)}`),
    );

    const rotated = await presell(['shop', 'keys', 'rotate', '--json'], folder);
    assert.equal(rotated.code, 0, rotated.stderr);
    const answer = JSON.parse(rotated.stdout);
    assert.equal(answer.shopId, shopId);
    assert.match(answer.key, /^sk_/);
    assert.equal(answer.replaced.length, 1);
    const json = JSON.parse((await presell(['shop', 'list', '--json'], folder)).stdout);
    const hints = json.data[0].keys.filter((key: { kind: string }) => key.kind === 'secret');
    assert.deepEqual(
      hints.map((key: { hint: string }) => key.hint),
      [answer.key.slice(-4)],
      'only the new secret key works',
    );

    const refused = await presell(['shop', 'keys', 'rotate', '--kind', 'admin'], folder);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--kind must be secret or publishable, not "admin"/);
  });

  test('beside a running demo: read commands go through its API; its home page and offer URL open in a browser', async (t) => {
    const folder = freshFolder('demo');
    const port = await freePort();
    const demo = start(['demo', '--port', String(port)], folder);
    assert.ok(await untilReady(demo), `the demo started: ${JSON.stringify(demo.output)}`);
    let rotatedPublishableKey = '';
    const firstPublishableKey = /Publishable key\s+(pk_\S+)/.exec(demo.output.stdout)?.[1];
    try {
      const offerUrl = /^\s*Offer\s+(http\S+)$/m.exec(demo.output.stdout)?.[1];
      assert.ok(offerUrl, demo.output.stdout);
      const offer = (await (await fetch(offerUrl)).json()) as { campaignId: string };

      const plan = await presell(['promise', offer.campaignId], folder);
      assert.equal(plan.code, 0, plan.stderr);
      assert.match(
        plan.stdout,
        new RegExp(
          `^Promise plan of ${offer.campaignId}, through the presell process serving http://127.0.0.1:${port}`,
        ),
      );
      assert.match(plan.stdout, /AURORA-\S+/);
      const noHorizon = await presell(['forecast', offer.campaignId], folder);
      assert.equal(noHorizon.code, 2);
      assert.match(noHorizon.stderr, /name the last day to forecast to with --horizon YYYY-MM-DD/);
      const horizon = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
      const forecast = await presell(['forecast', offer.campaignId, '--horizon', horizon, '--json'], folder);
      assert.equal(forecast.code, 0, forecast.stderr);
      assert.equal(JSON.parse(forecast.stdout).campaignId, offer.campaignId);
      const missing = await presell(['promise', 'cmp_0000000000000000000000000000'], folder);
      assert.equal(missing.code, 2, missing.stderr);
      assert.match(missing.stderr, /no campaign cmp_0+ in the shop of that key/);
      const adminKey = /Admin key\s+(sk_\S+)/.exec(demo.output.stdout)?.[1];
      const admin = { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' };
      const started = await fetch(`http://127.0.0.1:${port}/v1/preorders/bulk-cancel`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ preorderIds: ['po_nope1'], reason: 'tidying up' }),
      });
      assert.equal(started.status, 202);
      const { id: jobId } = (await started.json()) as { id: string };
      const watched = await presell(['job', jobId, '--watch'], folder);
      assert.equal(watched.code, 0, watched.stderr);
      assert.match(watched.stdout, /0 done, 1 failed, 0 left of 1/);
      assert.match(watched.stdout, /item 1: not_found: /);
      const job = await presell(['job', 'job_0000000000000000000000000000'], folder);
      assert.equal(job.code, 2, job.stderr);
      assert.match(job.stderr, /no job job_0+ in the shop of that key/);
      const list = await presell(['shop', 'list'], folder);
      assert.equal(list.code, 1);
      assert.match(
        list.stderr,
        new RegExp(
          `data folder ./.presell/demo is in use by presell process \\d+ serving http://127.0.0.1:${port}`,
        ),
      );

      const noBrowser = browserSkipReason();
      if (noBrowser) t.diagnostic(`the browser part is skipped: ${noBrowser}`);
      else {
        const browser = await launchChromium();
        try {
          const page = await browser.newPage();
          const home = await page.goto(`http://127.0.0.1:${port}/`);
          assert.equal(home?.status(), 200);
          assert.match(home?.headers()['content-type'] ?? '', /text\/html/);
          assert.equal(await page.title(), 'Presell');
          const links = await page.$$eval('a', (anchors) => anchors.map((a) => a.getAttribute('href')));
          for (const link of ['/store', '/inbox', '/docs', '/openapi.json'])
            assert.ok(links.includes(link), link);
          await page.click('a[href="/docs"]');
          await page.waitForURL(/\/docs/);

          const opened = await page.goto(offerUrl);
          assert.equal(opened?.status(), 200, 'the printed offer URL answers in a browser');
          const shown = (await opened?.json()) as { object: string; state: string };
          assert.equal(shown.object, 'offer');
          assert.equal(shown.state, 'open');
        } finally {
          await browser.close();
        }
      }
      const rotation = await fetch(`http://127.0.0.1:${port}/v1/keys/rotate`, {
        method: 'POST',
        headers: admin,
        body: JSON.stringify({ kind: 'publishable', overlapSeconds: 0 }),
      });
      assert.equal(rotation.status, 200);
      rotatedPublishableKey = ((await rotation.json()) as { key: string }).key;
    } finally {
      demo.child.kill('SIGINT');
      assert.equal(await demo.exited, 0);
    }
    const afterStop = await presell(['shop', 'list'], folder);
    assert.equal(afterStop.code, 0, 'once the demo stopped, its folder is read directly');
    assert.match(afterStop.stdout, /Demo Co\./);

    // The demo's publishable key was rotated through the API: the demo cannot know the new one (only its
    // digest is kept), so its next run issues another and shows it, never the dead one it had saved.
    const again = start(['demo', '--port', String(port)], folder);
    assert.ok(await untilReady(again), JSON.stringify(again.output));
    try {
      const shown = /Publishable key\s+(pk_\S+)/.exec(again.output.stdout)?.[1];
      assert.match(shown ?? '', /^pk_/);
      assert.notEqual(shown, firstPublishableKey);
      assert.notEqual(shown, rotatedPublishableKey);
      const offerUrl = /^\s*Offer\s+(http\S+)$/m.exec(again.output.stdout)?.[1] as string;
      assert.equal((await fetch(offerUrl)).status, 200);
    } finally {
      again.child.kill('SIGINT');
      assert.equal(await again.exited, 0);
    }
  });
});
