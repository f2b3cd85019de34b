/**
 * The OpenAPI document as a tool nobody here wrote sees it: Redocly's linter (what `redocly lint` runs) with
 * its recommended rules finds no error. What it still warns about is printed with the test.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createConfig, lintFromString, type NormalizedProblem } from '@redocly/openapi-core';
import type { FastifyInstance } from 'fastify';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { documentedApp } from '../support/documented-app.ts';

/** Warnings the issue found that a client generator trips over: none may come back. */
const NO_WARNINGS_OF = [
  'operation-operationId',
  'no-unused-components',
  'no-illogical-composition-keywords',
  'nullable-type-sibling',
];

const described = (problem: NormalizedProblem) =>
  `${problem.severity} ${problem.ruleId} at ${problem.location[0]?.pointer ?? '?'}: ${problem.message}`;

describe('the OpenAPI document under redocly lint (recommended)', () => {
  let db: Database;
  let app: FastifyInstance;
  let problems: NormalizedProblem[];

  before(async () => {
    db = await openDatabase();
    await migrate(db);
    ({ app } = await documentedApp(db));
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    problems = await lintFromString({
      source: response.body,
      absoluteRef: 'openapi.json',
      config: await createConfig({ extends: ['recommended'] }),
    });
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  test('finds no error', () => {
    const errors = problems.filter((problem) => problem.severity === 'error');
    assert.deepEqual(errors.map(described), []);
  });

  test('warns of no missing operationId, unused component or illogical composition', (t) => {
    const warnings = problems.filter((problem) => problem.severity === 'warn');
    for (const warning of warnings) t.diagnostic(described(warning));
    assert.deepEqual(
      warnings.filter((warning) => NO_WARNINGS_OF.includes(warning.ruleId)).map(described),
      [],
    );
  });

  test('the linter does find errors, in a document that has them', async () => {
    const broken = await lintFromString({
      source: JSON.stringify({
        openapi: '3.1.0',
        info: { title: 't', version: '1', license: { name: 'MIT', identifier: 'MIT' } },
        paths: { '/x': { get: { summary: 'x', responses: { 200: { description: 'ok' } } } } },
      }),
      absoluteRef: 'broken.json',
      config: await createConfig({ extends: ['recommended'] }),
    });
    const rules = broken.filter((problem) => problem.severity === 'error').map((problem) => problem.ruleId);
    assert.ok(rules.includes('no-empty-servers') && rules.includes('security-defined'), rules.join(', '));
  });
});
