/**
 * What the browser tests share: Debian's Chromium driven by playwright-core, and `presell demo` run as a
 * person runs it (a child process on a free port, its data in a temporary folder).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { axeViolations, browserSkipReason, CHROMIUM, launchChromium } from '../support/browser.ts';
import { freePort } from '../support/ports.ts';

export { browserSkipReason, CHROMIUM, launchChromium };

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');

export interface RunningDemo {
  /** The server as the demo prints it (127.0.0.1). */
  url: string;
  /** The demo store on another origin (localhost), as a merchant's store is. */
  store: string;
  adminKey: string;
  publishableKey: string;
  stop(): Promise<void>;
}

/** Starts `presell demo` and reads its banner. */
export async function startDemo(): Promise<RunningDemo> {
  const dataDir = mkdtempSync(join(tmpdir(), 'presell-browser-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    process.execPath,
    [join(ROOT, 'bin/presell.js'), 'demo', '--port', String(port), '--data', join(dataDir, 'demo')],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, DATABASE_URL: '' } },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the demo did not start in 90 s:\n${output}`)), 90_000);
    child.stdout?.on('data', () => {
      if (/Ctrl\+C/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('close', (code) => reject(new Error(`the demo exited (${code}):\n${output}`)));
  });
  const find = (pattern: RegExp) => {
    const found = pattern.exec(output)?.[1];
    if (!found) throw new Error(`the demo printed no ${pattern}:\n${output}`);
    return found;
  };
  const store = find(/^\s*Store\s+(http\S+)$/m);
  return {
    url: `http://127.0.0.1:${port}`,
    store: store.replace('127.0.0.1', 'localhost'),
    adminKey: find(/Admin key\s+(sk_\S+)/),
    publishableKey: find(/Publishable key\s+(pk_\S+)/),
    stop: async () => {
      child.kill('SIGINT');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** axe-core's violations on the page as it is now, one line each. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  return (await axeViolations(page)).map(
    (v) => `${v.id}: ${v.help} (${v.nodes.map((n) => JSON.stringify(n.target)).join(', ')})`,
  );
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Waits until `check` holds in the page, or fails saying what did not happen. */
export async function until(
  page: Page,
  what: string,
  check: () => boolean | Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await page.waitForTimeout(50);
  }
}

/** Presses Tab until `selector` has the focus; fails after `max` presses. */
export async function tabTo(page: Page, selector: string, max = 40): Promise<void> {
  for (let presses = 0; presses < max; presses++) {
    if (await page.evaluate((wanted) => document.activeElement?.matches(wanted) ?? false, selector)) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`${selector} never had the focus after ${max} Tabs`);
}
