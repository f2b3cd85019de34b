/**
 * Clients generated from the OpenAPI document work: openapi-typescript makes types from /openapi.json as a
 * running server answers it, tsc checks a scenario written with openapi-fetch against them
 * (test/openapi-client), and the scenario runs against the server on a free port.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { type TestShop, testShop } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { documentedApp } from '../support/documented-app.ts';
import { freePort } from '../support/ports.ts';

const CLIENT = new URL('../openapi-client/', import.meta.url);
/** Gitignored: made again by every run from the document the server answers. */
const GENERATED = new URL('generated/', CLIENT);

/** The scenario's shape as this file sees it: its types are checked by tsc against the generated ones. */
interface Scenario {
  launchAndCancel(shop: TestShop & { baseUrl: string }): Promise<Record<string, unknown>>;
}

async function listening(db: Database) {
  const { app, ctx } = await documentedApp(db);
  const shop = await testShop(ctx);
  const port = await freePort();
  await app.listen({ port, host: '127.0.0.1' });
  return { app, shop, baseUrl: `http://127.0.0.1:${port}` };
}

describe('types generated from the document with openapi-typescript', () => {
  let db: Database;
  let app: FastifyInstance;
  let baseUrl: string;

  before(async () => {
    db = await openDatabase();
    await migrate(db);
    ({ app, baseUrl } = await listening(db));
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  test('typecheck the openapi-fetch scenario', async () => {
    const response = await fetch(`${baseUrl}/openapi.json`);
    assert.equal(response.status, 200);
    const source = astToString(await openapiTS((await response.json()) as OpenAPI3));
    assert.match(source, /"\/v1\/storefront\/preorders": \{/);
    mkdirSync(GENERATED, { recursive: true });
    writeFileSync(new URL('presell-api.ts', GENERATED), source);

    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    const checked = spawnSync(process.execPath, [tsc, '-p', new URL('tsconfig.json', CLIENT).pathname], {
      encoding: 'utf8',
    });
    assert.equal(checked.status, 0, `tsc:\n${checked.stdout}${checked.stderr}`);
  });
});

describeOnEachEngine('a scenario through openapi-fetch against a running server', ({ db }) => {
  let app: FastifyInstance;
  let shop: TestShop;
  let baseUrl: string;

  before(async () => {
    ({ app, shop, baseUrl } = await listening(db()));
  });
  after(() => app.close());

  test('create a campaign with a variant and a batch, open it, place a pre-order, cancel it', async () => {
    const scenario: Scenario = await import(new URL('scenario.ts', CLIENT).href);
    const result = await scenario.launchAndCancel({ ...shop, baseUrl });
    assert.deepEqual(result, {
      batch: { state: 'planned', quantity: 10 },
      campaign: 'open',
      placed: { state: 'confirmed', total: { amount: 9800, currency: 'EUR' }, payment: 'succeeded' },
      cancellation: {
        state: 'cancelled',
        basis: 'policy_before_cutoff',
        refunds: [{ amount: { amount: 9800, currency: 'EUR' }, status: 'succeeded' }],
      },
      after: 'cancelled',
      missing: { status: 404, code: 'not_found' },
    });
  });
});
