import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BIN = fileURLToPath(new URL('../../bin/presell.js', import.meta.url));
const run = promisify(execFile);

/** Runs `presell …` on the embedded database (the runner's DATABASE_URL removed) and collects its output. */
export function presell(...args: string[]) {
  return presellWithin(60_000, ...args);
}

/** The same, for a command that may take longer (a simulation), killed after `timeoutMs`. */
export function presellWithin(timeoutMs: number, ...args: string[]) {
  const { DATABASE_URL: _server, ...env } = process.env;
  return run(process.execPath, [BIN, ...args], { env, timeout: timeoutMs });
}
