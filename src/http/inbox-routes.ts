/**
 * The demo's inbox: every email the demo would have sent, kept in the database because no SMTP server is
 * configured. A list, each message as HTML (as a mail client shows it) and as text. Served only by
 * `presell demo`, which listens on the loopback address; it has no key because it holds only demo data.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { escapeHtml } from '../notify/html.ts';
import type { ServiceContext } from '../services/context.ts';

interface CapturedRow {
  shop_id: string;
  id: string;
  message_id: string;
  recipient: string;
  sender: string;
  subject: string;
  html: string;
  text: string;
  created_at: Date;
}

const page = (title: string, body: string) => `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;margin:0;padding:1rem;max-width:60rem;color:#18181b}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.5rem;border-bottom:1px solid #d4d4d8;vertical-align:top}
a{color:#1d4ed8}pre{white-space:pre-wrap;background:#f4f4f5;padding:1rem;border-radius:.5rem}</style></head>
<body>${body}</body></html>
`;

const send = (reply: FastifyReply, status: number, body: string, type = 'text/html') =>
  reply
    .status(status)
    .header('content-type', `${type}; charset=utf-8`)
    .header('cache-control', 'no-store')
    .send(body);

export function inboxRoutes(ctx: ServiceContext) {
  return async (app: FastifyInstance) => {
    const hide = { schema: { hide: true } };
    const find = async (id: string) =>
      (await ctx.db.query<CapturedRow>('SELECT * FROM captured_emails WHERE id = $1', [id]))[0];

    app.get('/inbox', hide, async (_request, reply) => {
      const rows = await ctx.db.query<CapturedRow>(
        'SELECT * FROM captured_emails ORDER BY created_at DESC, id DESC LIMIT 500',
      );
      const list = rows.length
        ? `<table><thead><tr><th scope="col">When (UTC)</th><th scope="col">To</th><th scope="col">Subject</th><th scope="col">Views</th></tr></thead><tbody>
${rows
  .map(
    (row) =>
      `<tr><td>${escapeHtml(row.created_at.toISOString().slice(0, 19).replace('T', ' '))}</td><td>${escapeHtml(row.recipient)}</td><td>${escapeHtml(row.subject)}</td><td><a href="/inbox/${escapeHtml(row.id)}">HTML</a> · <a href="/inbox/${escapeHtml(row.id)}/text">Text</a></td></tr>`,
  )
  .join('\n')}
</tbody></table>`
        : '<p>No emails yet. Place a pre-order and they appear here within seconds.</p>';
      return send(
        reply,
        200,
        page(
          'Demo inbox',
          `<h1>Demo inbox</h1>\n<p>Every email the demo sent (${rows.length}), newest first.</p>\n${list}`,
        ),
      );
    });

    app.get('/inbox/:id', hide, async (request, reply) => {
      const row = await find((request.params as { id: string }).id);
      if (!row)
        return send(
          reply,
          404,
          page('Not found', '<h1>No such email</h1><p><a href="/inbox">Back to the inbox</a></p>'),
        );
      return send(reply, 200, row.html);
    });

    app.get('/inbox/:id/text', hide, async (request, reply) => {
      const row = await find((request.params as { id: string }).id);
      if (!row) return send(reply, 404, 'No such email\n', 'text/plain');
      const head = `From: ${row.sender}\nTo: ${row.recipient}\nSubject: ${row.subject}\nMessage-ID: ${row.message_id}\n\n`;
      return send(reply, 200, head + row.text, 'text/plain');
    });
  };
}
