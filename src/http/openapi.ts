/**
 * The OpenAPI document, served at /openapi.json (and read by /docs): made by @fastify/swagger from the
 * routes' zod schemas. Every documented route names its `operationId` and its `security` (`[]` when it takes
 * no key); a route that is not API (HTML pages, static files) says `hide: true`. The app does not start
 * when a documented route lacks either, so a new route cannot leave the document behind.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance, RouteOptions } from 'fastify';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';
import { z } from 'zod';

const SCHEMAS = '#/components/schemas/';

// biome-ignore lint/suspicious/noExplicitAny: the document is walked as plain JSON.
type Json = any;

export async function registerOpenApi(app: FastifyInstance) {
  app.addHook('onRoute', requireOperationDetails);
  /** Routes whose body may be left out (no body reads as {}: a schema that accepts it), by `METHOD url`. */
  const optionalBodies = new Set<string>();
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Presell API',
        version: '1',
        license: { name: 'MIT', identifier: 'MIT' },
        description:
          'Pre-orders with zero oversell. Money is `{amount, currency}` in minor units; times are ISO 8601 UTC; ' +
          'errors are `{error: {code, message, details}}` with a stable code.',
      },
      // The API is served by the server that serves this document.
      servers: [{ url: '/', description: 'This Presell server' }],
      components: {
        securitySchemes: {
          adminKey: { type: 'http', scheme: 'bearer', description: 'The shop’s secret key, sk_…' },
          publishableKey: { type: 'apiKey', in: 'header', name: 'Presell-Key', description: 'pk_…' },
        },
      },
    },
    transform: (route) => {
      const body = route.schema?.body;
      if (body instanceof z.ZodType && body.safeParse({}).success) {
        for (const method of [route.route.method].flat()) optionalBodies.add(`${method} ${route.url}`);
      }
      return jsonSchemaTransform(route);
    },
    transformObject: (input) => {
      const document = jsonSchemaTransformObject(input) as Json;
      markOptionalBodies(document, optionalBodies);
      return tidyComponents(document);
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}

/** Refuses to register a documented route without an `operationId` or an explicit `security`. */
function requireOperationDetails(route: RouteOptions) {
  const schema = route.schema as { hide?: boolean; operationId?: string; security?: unknown } | undefined;
  if (schema?.hide) return;
  const missing = [
    ...(schema?.operationId ? [] : ['an operationId']),
    ...(schema?.security ? [] : ['its security (`[]` when it takes no key)']),
  ];
  if (missing.length > 0) {
    throw new Error(
      `${[route.method].flat().join(',')} ${route.url} is documented without ${missing.join(' and ')}; ` +
        'declare them in its schema, or `hide: true` if it is not API',
    );
  }
}

/** Fastify's swagger marks every request body required; some routes take an empty POST as well. */
function markOptionalBodies(document: Json, optionalBodies: ReadonlySet<string>) {
  for (const [path, item] of Object.entries<Json>(document.paths ?? {})) {
    for (const [method, operation] of Object.entries<Json>(item)) {
      const url = path.replace(/\{([^}]+)\}/g, ':$1');
      if (operation.requestBody && optionalBodies.has(`${method.toUpperCase()} ${url}`)) {
        operation.requestBody.required = false;
      }
    }
  }
}

/**
 * The components as a client generator should see them. fastify-type-provider-zod writes every registered
 * schema twice, as read (`XInput`) and as written (`X`), whether or not a route uses it: an `XInput` that
 * says the same as `X` becomes `X`, and a component nothing refers to is left out.
 */
function tidyComponents(document: Json): Json {
  const schemas: Record<string, Json> = document.components?.schemas ?? {};
  const twins = identicalInputTwins(schemas);
  const renamed = rewrite(document, (ref) => {
    const name = ref.slice(SCHEMAS.length);
    return ref.startsWith(SCHEMAS) && twins.has(name) ? `${SCHEMAS}${twins.get(name)}` : ref;
  });
  const used = reachableSchemas(renamed);
  renamed.components.schemas = Object.fromEntries(
    Object.entries<Json>(renamed.components.schemas).filter(([name]) => used.has(name)),
  );
  return renamed;
}

/** `XInput` → `X` for each input schema that, with its references so renamed, is the same as `X`. */
function identicalInputTwins(schemas: Record<string, Json>): Map<string, string> {
  const twins = new Map<string, string>();
  for (const name of Object.keys(schemas)) {
    const base = name.replace(/Input$/, '');
    if (base !== name && schemas[base]) twins.set(name, base);
  }
  // Two inputs may refer to each other: drop the pairs that differ until what is left is consistent.
  for (let changed = true; changed; ) {
    changed = false;
    for (const [input, base] of twins) {
      const renamed = rewrite(schemas[input], (ref) => {
        const name = ref.slice(SCHEMAS.length);
        return twins.has(name) ? `${SCHEMAS}${twins.get(name)}` : ref;
      });
      if (JSON.stringify(renamed) !== JSON.stringify(schemas[base])) {
        twins.delete(input);
        changed = true;
      }
    }
  }
  return twins;
}

/** A copy of `value` with each `$ref` mapped. */
function rewrite(value: Json, mapRef: (ref: string) => string): Json {
  if (Array.isArray(value)) return value.map((inner) => rewrite(inner, mapRef));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === '$ref' && typeof inner === 'string' ? mapRef(inner) : rewrite(inner, mapRef),
    ]),
  );
}

/** The component schemas the document refers to from outside the components, directly or through others. */
function reachableSchemas(document: Json): Set<string> {
  const { components, ...outside } = document;
  const used = new Set<string>();
  const visit = (value: Json) => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries<Json>(value)) {
      if (key === '$ref' && typeof inner === 'string' && inner.startsWith(SCHEMAS)) {
        const name = inner.slice(SCHEMAS.length);
        if (!used.has(name)) {
          used.add(name);
          visit(components.schemas[name]);
        }
      } else visit(inner);
    }
  };
  visit(outside);
  visit({ ...components, schemas: undefined });
  return used;
}
