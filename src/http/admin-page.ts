/**
 * The admin web app's one page at /admin: the bundle (web/admin, built with the others in web-assets.ts)
 * and its style sheet. The app keeps the secret key in memory, so the page itself holds nothing secret.
 */
import { readFileSync } from 'node:fs';
import type { FastifyPluginAsync } from 'fastify';
import { escapeHtml } from './html.ts';
import { type Bundle, webBundles } from './web-assets.ts';

const STYLE = readFileSync(new URL('../../web/admin/admin.css', import.meta.url), 'utf8');

function page(bundle: Bundle): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Presell admin</title>
<style>${STYLE}</style>
</head>
<body>
<div id="admin"></div>
<script src="${escapeHtml(bundle.path)}"></script>
</body>
</html>`;
}

export function adminPageRoutes(): FastifyPluginAsync {
  return async (app) => {
    app.get('/admin', { schema: { hide: true } }, async (_request, reply) => {
      const bundle = (await webBundles()).get('admin') as Bundle;
      return reply
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-cache')
        .header('referrer-policy', 'no-referrer')
        .send(page(bundle));
    });
  };
}
