/**
 * The `presell` command as people run it: each test spawns `node bin/presell.js …` and reads what it
 * prints. Servers listen on free ports of 127.0.0.1 and keep their data in temporary folders.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { scratchDatabase } from '../support/databases.ts';
import { freePort } from '../support/ports.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin/presell.js');
/** Bounds every wait for a process; generous, since the machine may be busy with other suites. */
const PROCESS_TIMEOUT_MS = 90_000;
const serverUrl = process.env.DATABASE_URL;

/**
 * How to run presell as someone file permissions apply to: as root, the user nobody (via runuser), when
 * nobody can read this checkout (a clone in a private folder is not); undefined when that is not possible.
 */
const asUnprivileged = unprivilegedRunner();

function unprivilegedRunner(): string[] | undefined {
  if (process.getuid?.() !== 0) return [];
  if (!existsSync('/usr/sbin/runuser')) return undefined;
  const runAs = ['/usr/sbin/runuser', '-u', 'nobody', '--'];
  const probe = spawnSync(runAs[0] as string, [
    ...runAs.slice(1),
    process.execPath,
    '-e',
    `require('fs').accessSync(${JSON.stringify(BIN)})`,
  ]);
  return probe.status === 0 ? runAs : undefined;
}

const children = new Set<ChildProcess>();
const scratch = mkdtempSync(join(tmpdir(), 'presell-cli-'));
after(() => {
  for (const child of children) child.kill('SIGKILL');
  rmSync(scratch, { recursive: true, force: true });
});

/** A new folder name under the scratch folder; the CLI creates it. */
function tempDir(label: string): string {
  return join(scratch, `${label}-${randomBytes(4).toString('hex')}`);
}

/** The environment without any database or port settings of the runner, plus `extra`. */
function envWith(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const { DATABASE_URL: _url, PORT: _port, PRESELL_DATA: _data, ...rest } = process.env;
  return { ...rest, ...extra };
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns `node bin/presell.js args`, after `runAs` (a command such as runuser) when given. */
function spawnPresell(args: string[], env: NodeJS.ProcessEnv, runAs: string[] = []) {
  const [command = process.execPath, ...prefix] = [...runAs, process.execPath];
  const child = spawn(command, [...prefix, BIN, ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output.stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output.stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => {
    child.on('close', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  return { child, output, exited };
}

function withTimeout<T>(promise: Promise<T>, what: string, describeState: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} took over ${PROCESS_TIMEOUT_MS} ms\n${describeState()}`)),
      PROCESS_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs a command that ends by itself. */
async function presell(args: string[], env = envWith(), runAs: string[] = []): Promise<Finished> {
  const { child, output, exited } = spawnPresell(args, env, runAs);
  const code = await withTimeout(exited, `presell ${args.join(' ')}`, () => JSON.stringify(output)).catch(
    (error) => {
      child.kill('SIGKILL');
      throw error;
    },
  );
  return { code, ...output };
}

interface Running {
  child: ChildProcess;
  output: { stdout: string; stderr: string };
  /** Sends the signal and waits for the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts a long-running command and waits until its stdout matches `ready`. */
async function startPresell(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<Running> {
  const { child, output, exited } = spawnPresell(args, env);
  const describeState = () => `stdout:\n${output.stdout}\nstderr:\n${output.stderr}`;
  const isReady = new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', () => {
      if (ready.test(output.stdout)) resolve();
    });
    exited.then((code) =>
      reject(new Error(`presell ${args.join(' ')} exited (${code}) before it was ready\n${describeState()}`)),
    );
  });
  await withTimeout(isReady, `starting presell ${args.join(' ')}`, describeState).catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });
  return {
    child,
    output,
    stop: (signal = 'SIGINT') => {
      child.kill(signal);
      return withTimeout(exited, `stopping presell ${args[0]}`, describeState);
    },
  };
}

/** A port something else is listening on, and how to let it go. */
async function occupiedPort(): Promise<{ port: number; release: () => Promise<void> }> {
  const holder: Server = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
  const address = holder.address();
  assert.ok(typeof address === 'object' && address);
  return { port: address.port, release: () => new Promise((resolve) => holder.close(() => resolve())) };
}

interface OfferBody {
  mode: string;
  state: string;
  earlyBird: unknown;
  unitsLeft: number;
}

/** Calls the running server; the body parsed as `T` when it is JSON. */
async function request<T>(
  url: string,
  init: RequestInit = {},
): Promise<{ status: number; body: T; text: string }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: response.status, body: body as T, text };
}

/** What the demo printed, found the way a person reads it. */
function parseDemoBanner(stdout: string) {
  const match = (pattern: RegExp, what: string) => {
    const found = pattern.exec(stdout)?.[1];
    assert.ok(found, `the demo prints ${what}:\n${stdout}`);
    return found;
  };
  return {
    store: match(/^\s*Store\s+(http\S+)$/m, 'the demo store URL'),
    api: match(/^\s*API\s+(http\S+)$/m, 'the API URL'),
    docs: match(/^\s*Docs\s+(http\S+)$/m, 'the docs URL'),
    openapi: match(/^\s*OpenAPI\s+(http\S+)$/m, 'the OpenAPI URL'),
    offer: match(/^\s*Offer\s+(http\S+)$/m, 'an offer URL'),
    adminKey: match(/Admin key\s+(sk_\S+)/, 'the admin key'),
    publishableKey: match(/Publishable key\s+(pk_\S+)/, 'the publishable key'),
    shopId: match(/\((shop_[0-9a-z]+)\)/, 'the shop id'),
    placementUrl: match(/curl -X POST (\S+)/, 'a placement curl'),
    idempotencyKey: match(/-H 'Idempotency-Key: ([^']+)'/, "the curl's Idempotency-Key"),
    placementBody: match(/-d '(\{.+\})'/, "the curl's body"),
  };
}

describe('presell CLI', { timeout: 10 * PROCESS_TIMEOUT_MS }, () => {
  test('presell --help lists every command', async () => {
    const result = await presell(['--help']);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /^Usage: presell <command>/);
    for (const command of ['demo', 'serve', 'migrate', 'shop']) {
      assert.match(result.stdout, new RegExp(`^\\s+${command}\\s`, 'm'), command);
    }
  });

  test('--help on every command shows its usage and options', async () => {
    const commands = [['demo'], ['serve'], ['migrate'], ['shop'], ['shop', 'create']];
    const results = await Promise.all(commands.map((command) => presell([...command, '--help'])));
    for (const [index, command] of commands.entries()) {
      const result = results[index] as Finished;
      assert.equal(result.code, 0, `${command.join(' ')}: ${result.stderr}`);
      assert.match(result.stdout, new RegExp(`^Usage: presell ${command.join(' ')}`), command.join(' '));
      assert.match(result.stdout, /--help/);
      assert.equal(result.stderr, '');
    }
  });

  test('an unknown command or option, or none, is a short usage message on stderr and exit 2', async () => {
    const cases = [
      [],
      ['frobnicate'],
      ['demo', '--bogus'],
      ['serve', 'extra'],
      ['shop', 'delete'],
      ['migrate', '--port'],
    ];
    const results = await Promise.all(cases.map((args) => presell(args)));
    for (const [index, args] of cases.entries()) {
      const result = results[index] as Finished;
      assert.equal(result.code, 2, `${args.join(' ')}: ${JSON.stringify(result)}`);
      assert.equal(result.stdout, '', args.join(' '));
      assert.match(result.stderr, /Usage: presell/, args.join(' '));
      assert.ok(result.stderr.split('\n').length <= 4, `short: ${result.stderr}`);
    }
  });

  test('a bad port number is refused with exit 2', async () => {
    const flag = await presell(['serve', '--port', '70000', '--data', tempDir('port')]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /--port must be a port number/);
    const env = await presell(['demo', '--data', tempDir('port')], envWith({ PORT: 'eighty' }));
    assert.equal(env.code, 2);
    assert.match(env.stderr, /PORT must be a port number/);
  });

  describe('migrate and shop create on the embedded database', () => {
    const dataDir = tempDir('shop');

    test('migrate applies the migrations once and says what it applied', async () => {
      const first = await presell(['migrate', '--data', dataDir]);
      assert.equal(first.code, 0, first.stderr);
      assert.match(first.stdout, /^Applied 001_\S+\.sql$/m);
      const again = await presell(['migrate'], envWith({ PRESELL_DATA: dataDir }));
      assert.equal(again.code, 0, again.stderr);
      assert.doesNotMatch(again.stdout, /^Applied/m);
      assert.match(again.stdout, /Nothing to apply/);
    });

    test('shop create --json prints exactly one JSON object with the shop id and both keys', async () => {
      const result = await presell([
        'shop',
        'create',
        '--name',
        'Acme',
        '--currency',
        'JPY',
        '--timezone',
        'Asia/Tokyo',
        '--locale',
        'ja-JP',
        '--json',
        '--data',
        dataDir,
      ]);
      assert.equal(result.code, 0, result.stderr);
      assert.equal(result.stdout.trim().split('\n').length, 1, result.stdout);
      const created = JSON.parse(result.stdout);
      assert.deepEqual(Object.keys(created).sort(), ['adminKey', 'publishableKey', 'shopId']);
      assert.match(created.shopId, /^shop_[0-9a-z]+$/);
      assert.match(created.adminKey, /^sk_\S{20,}$/);
      assert.match(created.publishableKey, /^pk_\S{20,}$/);
    });

    test('shop create without --json prints the id and both keys for people', async () => {
      const result = await presell(
        [
          'shop',
          'create',
          '--name',
          'Beta',
          '--currency',
          'EUR',
          '--timezone',
          'Europe/Paris',
          '--locale',
          'fr-FR',
        ],
        envWith({ PRESELL_DATA: dataDir }),
      );
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stdout, /shop_[0-9a-z]+.*EUR, Europe\/Paris, fr-FR/);
      assert.match(result.stdout, /Admin key\s+sk_\S+/);
      assert.match(result.stdout, /Publishable key\s+pk_\S+/);
    });

    test('shop create refuses a bad currency, time zone or locale with exit 2 before touching the database', async () => {
      const untouched = tempDir('refused');
      const good = { currency: 'EUR', timezone: 'Europe/Berlin', locale: 'de-DE' };
      for (const [option, bad] of [
        ['currency', 'EURO'],
        ['timezone', 'Berlin'],
        ['locale', 'xx-YY'],
      ] as const) {
        const settings = { ...good, [option]: bad };
        const result = await presell([
          'shop',
          'create',
          '--name',
          'Nope',
          ...Object.entries(settings).flatMap(([key, value]) => [`--${key}`, value]),
          '--data',
          untouched,
        ]);
        assert.equal(result.code, 2, `${option}: ${JSON.stringify(result)}`);
        assert.equal(result.stdout, '');
        assert.match(result.stderr, new RegExp(`"${bad}" is not`), option);
        assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
      }
      assert.equal(existsSync(untouched), false, 'no database was created');
    });

    test('a port in use is one clear line and a non-zero exit', async () => {
      const { port, release } = await occupiedPort();
      try {
        const result = await presell(['serve', '--port', String(port), '--data', dataDir]);
        assert.notEqual(result.code, 0);
        assert.match(result.stderr, new RegExp(`port ${port} is already in use`));
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      } finally {
        await release();
      }
    });
  });

  test('a bad DATABASE_URL is one clear line that never shows the password', async () => {
    const env = envWith({ DATABASE_URL: 'postgres://nobody:secret@127.0.0.1:1/x' });
    for (const args of [['serve', '--port', String(await freePort())], ['migrate']]) {
      const result = await presell(args, env);
      assert.equal(result.code, 1, `${args[0]}: ${JSON.stringify(result)}`);
      assert.match(
        result.stderr,
        /cannot connect to DATABASE_URL \(postgres:\/\/nobody:\*\*\*@127\.0\.0\.1:1\/x\)/,
      );
      assert.doesNotMatch(result.stderr + result.stdout, /secret/);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });

  test('a data folder that cannot be used is one clear line and a non-zero exit', async () => {
    const file = join(scratch, 'not-a-folder');
    writeFileSync(file, 'just a file');
    for (const dataDir of [file, join(file, 'below')]) {
      const result = await presell(['migrate', '--data', dataDir]);
      assert.equal(result.code, 1, JSON.stringify(result));
      assert.match(result.stderr, /^presell: cannot use data folder .*not-a-folder.*: a file is in the way/);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    }
  });

  test('an unreadable data folder is one clear line and a non-zero exit', {
    skip: asUnprivileged
      ? false
      : 'needs a user that permissions apply to and that can read this checkout (root reads every folder)',
  }, async () => {
    const parent = mkdtempSync(join(tmpdir(), 'presell-cli-locked-'));
    const locked = join(parent, 'locked');
    chmodSync(parent, 0o711);
    mkdirSync(locked, { mode: 0o000 });
    try {
      const result = await presell(
        ['serve', '--port', String(await freePort()), '--data', locked],
        envWith(),
        asUnprivileged,
      );
      assert.equal(result.code, 1, JSON.stringify(result));
      assert.match(result.stderr, /^presell: cannot use data folder .*locked: permission denied/);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  describe('presell demo', () => {
    const dataDir = tempDir('demo');
    let first: ReturnType<typeof parseDemoBanner> | undefined;
    let unitsLeftAfterPlacement: number | undefined;

    test('starts, prints its URLs and keys, and serves the seeded offers', async () => {
      const port = await freePort();
      const demo = await startPresell(
        ['demo', '--port', String(port), '--data', dataDir],
        envWith(),
        /Ctrl\+C/,
      );
      try {
        first = parseDemoBanner(demo.output.stdout);
        assert.equal(first.api, `http://127.0.0.1:${port}/v1`);
        assert.equal(first.docs, `http://127.0.0.1:${port}/docs`);
        assert.match(demo.output.stdout.trimStart(), /^Store\s+http/, 'the store’s URL comes first');
        const product = await request(`${first.store}/products/aurora-lamp`);
        assert.equal(product.status, 200);
        assert.ok(
          product.text.includes(
            `src="http://127.0.0.1:${port}/widget.js" data-presell-key="${first.publishableKey}"`,
          ),
          'the product page embeds the widget as a merchant would',
        );

        const storefront = { 'presell-key': first.publishableKey };
        const openapi = await request<{ paths: Record<string, unknown> }>(first.openapi);
        assert.equal(openapi.status, 200);
        assert.ok(openapi.body.paths['/v1/storefront/preorders']);

        const offer = await request<OfferBody>(first.offer, { headers: storefront });
        assert.equal(offer.status, 200, offer.text);
        const body = offer.body;
        assert.equal(body.state, 'open');
        assert.equal(body.mode, 'preorder');
        assert.ok(body.earlyBird, 'the launch has an early-bird tier');
        assert.ok(body.unitsLeft > 0, 'the launch has a cap');

        const backorderUrl = /^\s*Backorder\s+(http\S+)$/m.exec(demo.output.stdout)?.[1];
        assert.ok(backorderUrl);
        const backorder = await request<OfferBody>(backorderUrl, { headers: storefront });
        assert.equal(backorder.status, 200, backorder.text);
        assert.equal(backorder.body.mode, 'backorder');

        const placed = await request<{ queuePosition: number }>(first.placementUrl, {
          method: 'POST',
          headers: {
            ...storefront,
            'content-type': 'application/json',
            'idempotency-key': first.idempotencyKey,
          },
          body: first.placementBody,
        });
        assert.equal(placed.status, 201, placed.text);
        assert.equal(placed.body.queuePosition, 1);
        const afterPlacement = await request<OfferBody>(first.offer, { headers: storefront });
        unitsLeftAfterPlacement = afterPlacement.body.unitsLeft;
        assert.equal(unitsLeftAfterPlacement, body.unitsLeft - 1);

        const admin = await request(`${first.api}/preorders`, {
          headers: { authorization: `Bearer ${first.adminKey}` },
        });
        assert.equal(admin.status, 200, 'the printed admin key works');

        const busy = await presell(['migrate', '--data', dataDir]);
        assert.equal(busy.code, 1, 'a second process on a running demo folder is refused');
        assert.match(busy.stderr, /is in use by presell process \d+/);
      } finally {
        assert.equal(await demo.stop('SIGINT'), 0, 'SIGINT stops the demo cleanly');
      }
    });

    test('a second run on the same folder seeds nothing and prints the same keys', async (t) => {
      if (!first) return t.skip('the first run failed');
      const port = await freePort();
      const demo = await startPresell(
        ['demo', '--port', String(port), '--data', dataDir],
        envWith(),
        /Ctrl\+C/,
      );
      try {
        const again = parseDemoBanner(demo.output.stdout);
        assert.equal(again.shopId, first.shopId);
        assert.equal(again.adminKey, first.adminKey);
        assert.equal(again.publishableKey, first.publishableKey);
        const offer = await request<OfferBody>(again.offer, {
          headers: { 'presell-key': again.publishableKey },
        });
        assert.equal(offer.status, 200, offer.text);
        assert.equal(offer.body.unitsLeft, unitsLeftAfterPlacement, 'the first run’s pre-order is kept');
      } finally {
        assert.equal(await demo.stop('SIGTERM'), 0, 'SIGTERM stops the demo cleanly');
      }
    });
  });

  describe('against a PostgreSQL server', { skip: serverUrl ? false : 'DATABASE_URL is not set' }, () => {
    let url = '';
    let drop = async () => {};

    before(async () => {
      ({ url, drop } = await scratchDatabase());
    });
    after(() => drop());

    test('migrate applies the migrations to the server, then serve answers with JSON logs', async () => {
      const env = envWith({ DATABASE_URL: url });
      const migrated = await presell(['migrate'], env);
      assert.equal(migrated.code, 0, migrated.stderr);
      assert.match(migrated.stdout, /PostgreSQL at postgres:/);
      assert.match(migrated.stdout, /^Applied 001_\S+\.sql$/m);

      const created = await presell(
        [
          'shop',
          'create',
          '--name',
          'Server Shop',
          '--currency',
          'USD',
          '--timezone',
          'America/New_York',
          '--locale',
          'en-US',
          '--json',
        ],
        env,
      );
      assert.equal(created.code, 0, created.stderr);
      const { adminKey } = JSON.parse(created.stdout);

      const port = await freePort();
      const serve = await startPresell(['serve', '--port', String(port)], env, /presell is serving/);
      try {
        const variants = await fetch(`http://127.0.0.1:${port}/v1/variants`, {
          headers: { authorization: `Bearer ${adminKey}` },
        });
        assert.equal(variants.status, 200);
      } finally {
        assert.equal(await serve.stop('SIGTERM'), 0);
      }
      const lines = serve.output.stdout.trim().split('\n');
      for (const line of lines) assert.doesNotThrow(() => JSON.parse(line), `a JSON log line: ${line}`);
      assert.doesNotMatch(serve.output.stdout, new RegExp(adminKey), 'no key in the logs');
      const password = new URL(url).password;
      if (password) assert.ok(!serve.output.stdout.includes(`:${password}@`), 'no password in the logs');
    });
  });
});
