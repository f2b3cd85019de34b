import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../../bin/presell.js', import.meta.url));
const run = promisify(execFile);

/** Runs `presell …` on the embedded database (the runner's DATABASE_URL removed) and collects its output. */
export function presell(...args: string[]) {
  const { DATABASE_URL: _server, ...env } = process.env;
  return run(process.execPath, [BIN, ...args], { env, timeout: 60_000 });
}
