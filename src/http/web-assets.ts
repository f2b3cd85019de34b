/**
 * The browser code (web/widget, web/checkout, web/admin), bundled and minified by esbuild in memory when the server
 * starts; nothing built is written to disk. Each bundle is served under a content-hashed name with a
 * year's immutable caching; `/widget.js`, the name merchants paste, redirects to it with a short cache, so
 * a new release reaches every store within minutes.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.ts';

export type BundleName = 'widget' | 'checkout' | 'admin';

const ENTRY_POINTS: Record<BundleName, string> = {
  widget: new URL('../../web/widget/widget.ts', import.meta.url).pathname,
  checkout: new URL('../../web/checkout/checkout.ts', import.meta.url).pathname,
  admin: new URL('../../web/admin/main.tsx', import.meta.url).pathname,
};

export interface Bundle {
  name: BundleName;
  /** `/widget.3f9a…e1.js` */
  path: string;
  code: Buffer;
  gzip: Buffer;
}

/** How long `/widget.js` may point at one release. */
export const WIDGET_REDIRECT_MAX_AGE_SECONDS = 300;

let building: Promise<Map<BundleName, Bundle>> | undefined;

/** The bundles, built once per process (the first call builds, the others wait for it). */
export function webBundles(): Promise<Map<BundleName, Bundle>> {
  building ??= buildBundles().catch((error: unknown) => {
    building = undefined;
    throw error;
  });
  return building;
}

async function buildBundles(): Promise<Map<BundleName, Bundle>> {
  const { build } = await import('esbuild');
  const names = Object.keys(ENTRY_POINTS) as BundleName[];
  const results = await Promise.all(
    names.map((name) =>
      build({
        entryPoints: [ENTRY_POINTS[name]],
        bundle: true,
        minify: true,
        format: 'iife',
        target: 'es2022',
        jsx: 'automatic',
        jsxImportSource: 'preact',
        write: false,
        legalComments: 'none',
        logLevel: 'silent',
      }),
    ),
  );
  return new Map(
    names.map((name, index) => {
      const code = Buffer.from(
        (results[index]?.outputFiles?.[0]?.contents ?? new Uint8Array()) as Uint8Array,
      );
      const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
      return [name, { name, path: `/${name}.${hash}.js`, code, gzip: gzipSync(code, { level: 9 }) }];
    }),
  );
}

/** `/widget.js`, and every bundle under its hashed name. */
export function webAssetRoutes(): FastifyPluginAsync {
  return async (app) => {
    app.get('/widget.js', { schema: { hide: true } }, async (_request, reply) => {
      const widget = (await webBundles()).get('widget') as Bundle;
      return reply
        .header('cache-control', `public, max-age=${WIDGET_REDIRECT_MAX_AGE_SECONDS}`)
        .redirect(widget.path, 302);
    });
    app.get<{ Params: { file: string } }>('/:file', { schema: { hide: true } }, async (request, reply) => {
      const bundle = [...(await webBundles()).values()].find(
        (each) => each.path === `/${request.params.file}`,
      );
      if (!bundle) {
        return reply.status(404).send(errorBody('not_found', `no route GET /${request.params.file}`));
      }
      return sendBundle(request, reply, bundle);
    });
  };
}

function sendBundle(request: FastifyRequest, reply: FastifyReply, bundle: Bundle) {
  reply
    .type('text/javascript; charset=utf-8')
    .header('cache-control', 'public, max-age=31536000, immutable')
    .header('vary', 'accept-encoding')
    .header('access-control-allow-origin', '*');
  if (/\bgzip\b/.test(request.headers['accept-encoding'] ?? '')) {
    return reply.header('content-encoding', 'gzip').send(bundle.gzip);
  }
  return reply.send(bundle.code);
}
