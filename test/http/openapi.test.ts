/** The OpenAPI document: valid OpenAPI 3, every route of the contract, shapes taken from the zod schemas. */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type Database, openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { ERRORS, type ErrorCode } from '../../src/domain/errors.ts';
import { statusFor } from '../../src/http/errors.ts';
import { createVariantBody, MAX_QUANTITY, sku } from '../../src/http/schemas.ts';
import { testApp } from '../support/app.ts';
import { documentedApp } from '../support/documented-app.ts';

// biome-ignore lint/suspicious/noExplicitAny: an OpenAPI document is walked as plain JSON.
type Json = any;

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** The routes integrators, the widget and the admin app rely on (issue 2), with the key each takes. */
const CONTRACT: [method: string, path: string, key: 'adminKey' | 'publishableKey'][] = [
  ['post', '/v1/variants', 'adminKey'],
  ['get', '/v1/variants', 'adminKey'],
  ['post', '/v1/campaigns', 'adminKey'],
  ['get', '/v1/campaigns/{id}', 'adminKey'],
  ['patch', '/v1/campaigns/{id}', 'adminKey'],
  ['post', '/v1/campaigns/{id}/open', 'adminKey'],
  ['post', '/v1/campaigns/{id}/pause', 'adminKey'],
  ['post', '/v1/campaigns/{id}/close', 'adminKey'],
  ['get', '/v1/preorders', 'adminKey'],
  ['get', '/v1/preorders/{id}', 'adminKey'],
  ['get', '/v1/storefront/offers/{sku}', 'publishableKey'],
  ['post', '/v1/storefront/preorders', 'publishableKey'],
  // The Shopify adapter (issue 12), when it is on.
  ['post', '/v1/shopify/connection', 'adminKey'],
  ['get', '/v1/shopify/connection', 'adminKey'],
  ['post', '/v1/shopify/install-links', 'adminKey'],
  ['post', '/v1/shopify/imports', 'adminKey'],
  ['get', '/v1/shopify/imports/{id}', 'adminKey'],
  ['post', '/v1/storefront/holds', 'publishableKey'],
];

/** Every `$ref` anywhere in `value`. */
function refs(value: Json): string[] {
  if (Array.isArray(value)) return value.flatMap(refs);
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]) =>
    key === '$ref' && typeof inner === 'string' ? [inner] : refs(inner),
  );
}

function resolve(document: Json, ref: string): Json {
  assert.match(ref, /^#\//, `only local references: ${ref}`);
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .reduce((node: Json, part) => node?.[part], document);
}

/** A schema with its top-level `$ref` or single `allOf` followed. */
function deref(document: Json, schema: Json): Json {
  if (schema?.$ref) return deref(document, resolve(document, schema.$ref));
  if (schema?.allOf?.length === 1) return deref(document, schema.allOf[0]);
  return schema;
}

describe('the OpenAPI document', () => {
  let db: Database;
  let app: FastifyInstance;
  let document: Json;

  before(async () => {
    db = await openDatabase();
    await migrate(db);
    ({ app } = await documentedApp(db));
    const response = await app.inject({ method: 'GET', url: '/openapi.json' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    document = response.json();
  });
  after(async () => {
    await app.close();
    await db.close();
  });

  const operation = (method: string, path: string) => document.paths[path]?.[method];

  test('is OpenAPI 3.1 with info, a server, paths and components', () => {
    assert.equal(document.openapi, '3.1.0');
    assert.equal(typeof document.info.title, 'string');
    assert.equal(typeof document.info.version, 'string');
    assert.ok(document.servers.length > 0 && document.servers.every((server: Json) => server.url));
    assert.equal(typeof document.paths, 'object');
    for (const path of Object.keys(document.paths))
      assert.match(path, /^\/v1\/|^\/health$/, 'only the API is documented, not pages or files');
  });

  test('every operation has a unique operationId and says which key it takes, if any', () => {
    const seen = new Map<string, string>();
    for (const [path, item] of Object.entries<Json>(document.paths)) {
      for (const [method, op] of Object.entries<Json>(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        assert.match(op.operationId ?? '', /^[a-z][A-Za-z]+$/, `${where}: operationId`);
        assert.equal(seen.get(op.operationId), undefined, `${where}: ${op.operationId} is taken`);
        seen.set(op.operationId, where);
        assert.ok(Array.isArray(op.security), `${where}: security`);
        for (const requirement of op.security)
          for (const scheme of Object.keys(requirement))
            assert.ok(document.components.securitySchemes[scheme], `${where}: ${scheme}`);
      }
    }
    assert.equal(operation('get', '/health').operationId, 'getHealth');
    assert.deepEqual(operation('get', '/health').security, []);
  });

  test('a documented route without an operationId or a security stops the app from starting', async () => {
    const { app: broken } = await testApp(db);
    assert.throws(
      () => broken.get('/v1/undocumented', { schema: { security: [] } }, async () => ({})),
      /GET \/v1\/undocumented is documented without an operationId/,
    );
    assert.throws(
      () => broken.get('/v1/unsecured', { schema: { operationId: 'unsecured' } }, async () => ({})),
      /without its security/,
    );
    await broken.close();
  });

  test('components: no input twin that says the same as its schema, none unused, nullable as 3.1 says', () => {
    const schemas = Object.keys(document.components.schemas);
    for (const name of schemas.filter((name) => name.endsWith('Input'))) {
      const base = name.slice(0, -'Input'.length);
      assert.notDeepEqual(document.components.schemas[name], document.components.schemas[base], name);
    }
    const { components, ...outside } = document;
    const name = (ref: string) => ref.slice('#/components/schemas/'.length);
    const used = new Set(refs(outside).map(name));
    for (let grew = true; grew; ) {
      const size = used.size;
      for (const schema of [...used]) for (const ref of refs(components.schemas[schema])) used.add(name(ref));
      grew = used.size > size;
    }
    assert.deepEqual(
      schemas.filter((name) => !used.has(name)),
      [],
      'unused components',
    );
    assert.doesNotMatch(JSON.stringify(document), /"nullable":/);
  });

  test('every operation has responses and declares each of its path parameters', () => {
    for (const [path, item] of Object.entries<Json>(document.paths)) {
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]);
      for (const [method, op] of Object.entries<Json>(item)) {
        assert.ok(HTTP_METHODS.includes(method), `${path}: ${method} is not an HTTP method`);
        const where = `${method.toUpperCase()} ${path}`;
        assert.ok(
          Object.keys(op.responses ?? {}).some((status) => /^2\d\d$/.test(status)),
          `${where}: no 2xx`,
        );
        for (const [status, response] of Object.entries<Json>(op.responses)) {
          assert.match(status, /^[1-5]\d\d$/, where);
          assert.equal(typeof response.description, 'string', `${where} ${status}: description`);
        }
        const declared = (op.parameters ?? []).filter((p: Json) => p.in === 'path').map((p: Json) => p.name);
        assert.deepEqual(declared.sort(), templated.sort(), `${where}: path parameters`);
        for (const parameter of op.parameters ?? []) {
          assert.ok(
            ['path', 'query', 'header', 'cookie'].includes(parameter.in),
            `${where}: ${parameter.in}`,
          );
          if (parameter.in === 'path') assert.equal(parameter.required, true, `${where}: ${parameter.name}`);
        }
      }
    }
  });

  test('every reference resolves', () => {
    const all = refs(document);
    assert.ok(all.length > 0);
    for (const ref of all) assert.ok(resolve(document, ref), `unresolved ${ref}`);
  });

  test('has every route of the contract, each behind its key', () => {
    for (const [method, path, key] of CONTRACT) {
      const op = operation(method, path);
      assert.ok(op, `${method.toUpperCase()} ${path} is missing`);
      assert.deepEqual(op.security, [{ [key]: [] }], `${method.toUpperCase()} ${path}: security`);
    }
    assert.deepEqual(document.components.securitySchemes.adminKey, {
      type: 'http',
      scheme: 'bearer',
      description: 'The shop’s secret key, sk_…',
    });
    assert.equal(document.components.securitySchemes.publishableKey.type, 'apiKey');
    assert.equal(document.components.securitySchemes.publishableKey.in, 'header');
    assert.equal(document.components.securitySchemes.publishableKey.name, 'Presell-Key');
  });

  test('the placement body comes from the zod schema', () => {
    const body = deref(
      document,
      operation('post', '/v1/storefront/preorders').requestBody.content['application/json'].schema,
    );
    assert.deepEqual([...body.required].sort(), ['email', 'quantity', 'sku']);
    assert.equal(body.properties.quantity.type, 'integer');
    assert.equal(body.properties.quantity.minimum, 1);
    assert.equal(body.properties.quantity.maximum, MAX_QUANTITY);
    const skuSchema = z.toJSONSchema(sku) as Json;
    assert.equal(body.properties.sku.pattern, skuSchema.pattern);
    assert.equal(body.properties.sku.maxLength, 100);
    assert.equal(body.properties.email.maxLength, 320);
  });

  test('a request body is the JSON Schema of the zod schema that validates it', () => {
    const body = operation('post', '/v1/variants').requestBody.content['application/json'].schema;
    const { $schema, ...expected } = z.toJSONSchema(createVariantBody, { io: 'input' });
    assert.deepEqual(body, expected);
  });

  test('the campaign body carries its rules: price in minor units, caps, modes', () => {
    const body = deref(
      document,
      operation('post', '/v1/campaigns').requestBody.content['application/json'].schema,
    );
    assert.deepEqual(body.properties.mode.enum, ['preorder', 'backorder']);
    const price = deref(document, body.properties.price);
    assert.equal(price.properties.amount.type, 'integer');
    assert.equal(price.properties.amount.minimum, 0);
    assert.equal(price.properties.currency.minLength, 3);
    assert.ok(body.required.includes('price') && body.required.includes('variants'));
  });

  test('a body a route may leave out is not required; others are', () => {
    assert.equal(operation('post', '/v1/updates/{id}/schedule').requestBody.required, false);
    assert.equal(operation('post', '/v1/storefront/preorders').requestBody.required, true);
  });

  test('the Idempotency-Key header is documented and required on the placement', () => {
    const parameters = operation('post', '/v1/storefront/preorders').parameters;
    const header = parameters.find(
      (p: Json) => p.in === 'header' && String(p.name).toLowerCase() === 'idempotency-key',
    );
    assert.ok(header, 'Idempotency-Key is not documented');
    assert.equal(header.required, true);
    assert.equal(header.schema.minLength, 1);
    assert.equal(header.schema.maxLength, 255);
    assert.equal(typeof header.description, 'string');
  });

  test('errors are documented in the one error shape, each status with the codes the route can answer', () => {
    for (const [path, operations] of Object.entries(document.paths as Json)) {
      for (const [method, op] of Object.entries(operations as Json)) {
        const route = `${method.toUpperCase()} ${path}`;
        for (const [status, response] of Object.entries((op as Json).responses as Json)) {
          if (!/^[45]/.test(status)) continue;
          const schema = deref(document, (response as Json).content?.['application/json']?.schema);
          assert.deepEqual(schema.required, ['error'], `${route} ${status}`);
          const inner = deref(document, schema.properties.error);
          assert.deepEqual([...inner.required].sort(), ['code', 'message'], `${route} ${status}`);
          const codes: string[] = inner.properties.code.enum;
          assert.ok(codes.length > 0, `${route} ${status} lists no code`);
          for (const code of codes) {
            assert.ok(Object.hasOwn(ERRORS, code), `${route}: ${code} is not in the catalogue`);
            assert.equal(
              statusFor(code as ErrorCode),
              Number(status),
              `${route}: ${code} is not a ${status}`,
            );
            assert.match((response as Json).description, new RegExp(`\`${code}\``), `${route} ${status}`);
          }
        }
      }
    }
    // Fastify reads no body on a GET, so a GET answers none of the body's refusals.
    for (const [path, item] of Object.entries<Json>(document.paths)) {
      for (const status of ['413', '415'])
        assert.equal(item.get?.responses[status], undefined, `GET ${path}`);
      const malformed = deref(document, item.get?.responses['400']?.content['application/json'].schema);
      assert.ok(
        !deref(document, malformed?.properties.error)?.properties.code.enum.includes('malformed_json'),
      );
    }
    for (const [method, path, key] of CONTRACT) {
      const responses = operation(method, path).responses;
      const expected = key === 'adminKey' ? ['400', '401'] : ['400', '401', '429'];
      for (const status of expected)
        assert.ok(responses[status], `${method.toUpperCase()} ${path} ${status}`);
    }
  });

  test('Shopify’s own calls are documented, without a key: the install callback and the webhooks', () => {
    for (const [method, path] of [
      ['get', '/v1/shopify/oauth/callback'],
      ['post', '/v1/webhooks/shopify'],
    ] as const) {
      const op = operation(method, path);
      assert.ok(op, `${method.toUpperCase()} ${path} is missing`);
      assert.deepEqual(op.security, [], 'their HMAC authenticates them, not a key');
      assert.ok(op.responses['401'], `${path} answers a forged request 401`);
    }
  });

  test('/docs serves an HTML page', async () => {
    const docs = await app.inject({ method: 'GET', url: '/docs' });
    assert.equal(docs.statusCode, 200);
    assert.match(String(docs.headers['content-type']), /^text\/html/);
    assert.match(docs.body, /<html/i);
  });
});
