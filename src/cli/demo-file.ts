import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The demo's keys: only their digests are in the database, so the demo keeps them here to show them again. */
export const DEMO_FILE = 'demo.json';
export const DEFAULT_DEMO_DATA = './.presell/demo';

export interface DemoShop {
  shopId: string;
  adminKey: string;
  publishableKey: string;
  seed: number;
}

/** The saved demo shop, or undefined when there is none or the file is not one we wrote. */
export function readDemoFile(dataDir: string): DemoShop | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(dataDir, DEMO_FILE), 'utf8'));
  } catch {
    return undefined;
  }
  const { shopId, adminKey, publishableKey, seed } = (parsed ?? {}) as Record<string, unknown>;
  return typeof shopId === 'string' && typeof adminKey === 'string' && typeof publishableKey === 'string'
    ? { shopId, adminKey, publishableKey, seed: typeof seed === 'number' ? seed : 1 }
    : undefined;
}

/** Written whole or not at all (a rename), and readable only by its owner: it holds the admin key. */
export function writeDemoFile(dataDir: string, demo: DemoShop) {
  const path = join(dataDir, DEMO_FILE);
  writeFileSync(`${path}.tmp`, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  renameSync(`${path}.tmp`, path);
}
