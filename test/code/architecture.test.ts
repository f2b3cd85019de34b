/**
 * The shape of the code, checked: the layers import only what docs/architecture.md says they may, and
 * one module writes the pre-orders table.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';

const root = new URL('../..', import.meta.url).pathname;
const sources = readdirSync(join(root, 'src'), { recursive: true })
  .map(String)
  .filter((file) => file.endsWith('.ts'))
  .map((file) => join('src', file));

/** Each source file's imports: local ones as paths from the root, packages by name. */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  return [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)/g),
  ]
    .map((match) => (match[1] ?? match[2]) as string)
    .map((target) =>
      target.startsWith('.') ? relative(root, resolve(dirname(join(root, file)), target)) : target,
    );
}

/** Which layers a layer may import from (beside itself and packages). */
const MAY_IMPORT: Record<string, readonly string[]> = {
  'src/domain': [],
  'src/simulate': ['src/domain'],
  'src/payments': ['src/domain'],
  'src/db': [],
  'src/services': [
    'src/domain',
    'src/simulate',
    'src/db',
    'src/payments',
    'src/ids.ts',
    'src/csv.ts',
    'src/outbox',
  ],
  'src/outbox': ['src/domain', 'src/db', 'src/services', 'src/ids.ts'],
  // Adapters to the world outside: they call services and read the outbox, never the HTTP edge.
  'src/webhooks': ['src/domain', 'src/services', 'src/outbox', 'src/ids.ts', 'src/periodic.ts'],
  'src/notify': ['src/domain', 'src/db', 'src/services', 'src/outbox', 'src/portal', 'src/ids.ts'],
  'src/portal': ['src/domain', 'src/services', 'src/notify'],
  'src/shopify': [
    'src/domain',
    'src/services',
    'src/outbox',
    'src/payments',
    'src/ids.ts',
    'src/periodic.ts',
  ],
};

describe('the shape of the code', () => {
  test('each layer imports only the layers below it', () => {
    const breaches: string[] = [];
    for (const file of sources) {
      const layer = Object.keys(MAY_IMPORT).find((prefix) => file.startsWith(`${prefix}/`));
      if (!layer) continue;
      for (const target of importsOf(file)) {
        if (!target.startsWith('src/') || target.startsWith(`${layer}/`)) continue;
        if (
          !(MAY_IMPORT[layer] ?? []).some((allowed) => target === allowed || target.startsWith(`${allowed}/`))
        ) {
          breaches.push(`${file} imports ${target}`);
        }
      }
    }
    assert.deepEqual(breaches, []);
  });

  test('the domain and the models are pure: no I/O, no clock, no chance', () => {
    const pure = sources.filter((each) => each.startsWith('src/domain/') || each.startsWith('src/simulate/'));
    for (const file of pure) {
      const text = readFileSync(join(root, file), 'utf8');
      for (const target of importsOf(file)) {
        assert.ok(!target.startsWith('node:'), `${file} imports ${target}`);
      }
      assert.ok(
        !/\bnew Date\(\)|Date\.now\(\)|Math\.random\(\)/.test(text),
        `${file} reads the clock or chance`,
      );
    }
  });

  test('one module writes the pre-orders table', () => {
    const writers = sources.filter((file) =>
      /\b(?:UPDATE|INSERT\s+INTO|DELETE\s+FROM)\s+preorders\b/i.test(readFileSync(join(root, file), 'utf8')),
    );
    assert.deepEqual(writers, ['src/services/preorder-changes.ts']);
  });
});
