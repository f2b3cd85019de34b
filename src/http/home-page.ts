import type { FastifyInstance } from 'fastify';
import { escapeHtml } from './html.ts';

/** Pages a server may have beside the API, linked from its home page when this one serves them. */
const OPTIONAL_PAGES = [
  { path: '/store', label: 'Demo store', about: 'the demo shop’s product pages, with the pre-order button' },
  { path: '/admin', label: 'Admin', about: 'the merchant’s pages' },
  { path: '/inbox', label: 'Inbox', about: 'every email the demo has sent' },
] as const;

/** Always there: the API's reference. */
const DOCS = [
  { path: '/docs', label: 'API reference', about: 'every route, tried in the browser' },
  { path: '/openapi.json', label: 'OpenAPI document', about: 'to generate a client from' },
  { path: '/health', label: 'Health', about: 'answers {"ok":true} while the server runs' },
] as const;

/**
 * `GET /`: a small page saying what this server is, for the person who opens its address in a browser,
 * with links to the docs and to the pages this server has (asked when the page is asked for, since a
 * demo adds its store after the app is built).
 */
export function registerHomePage(app: FastifyInstance) {
  app.get('/', { schema: { hide: true } }, async (_request, reply) => {
    const pages = [
      ...OPTIONAL_PAGES.filter((page) => app.hasRoute({ method: 'GET', url: page.path })),
      ...DOCS,
    ];
    const items = pages
      .map(
        (page) =>
          `<li><a href="${escapeHtml(page.path)}">${escapeHtml(page.label)}</a> — ${escapeHtml(page.about)}</li>`,
      )
      .join('\n      ');
    return reply.type('text/html; charset=utf-8').send(`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Presell</title>
    <style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem}</style>
  </head>
  <body>
    <h1>Presell</h1>
    <p>This is a Presell server: an open-source pre-order engine for product launches. Its API is under
      <code>/v1</code>; merchants use it with their secret key, storefronts with their publishable key.</p>
    <ul>
      ${items}
    </ul>
  </body>
</html>
`);
  });
}
