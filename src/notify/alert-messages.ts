/**
 * Alerts to the shop's own people (its alert addresses), in English: short, factual, with what to do.
 * Money and dates are worded in the shop's locale by the same code as everywhere else.
 */
import { escapeHtml } from './html.ts';
import type { MerchantAlert } from './kinds.ts';
import type { RenderedMessage } from './templates.ts';

export interface AlertContent {
  title: string;
  lines: string[];
  facts: [label: string, value: string][];
}

/** One alert as a message: an HTML part and a text part saying the same. */
export function renderAlert(shopName: string, kind: MerchantAlert, content: AlertContent): RenderedMessage {
  const subject = `[${shopName}] ${content.title}`;
  const text = [
    content.title,
    '',
    ...(content.lines.length ? [...content.lines, ''] : []),
    ...content.facts.map(([label, value]) => `${label}: ${value}`),
    '',
    `-- Presell alert (${kind}) for ${shopName}`,
  ].join('\n');
  const rows = content.facts
    .map(
      ([label, value]) =>
        `<tr><th scope="row" style="text-align:left;padding:4px 12px 4px 0;color:#52525b;font-weight:normal">${escapeHtml(label)}</th><td style="padding:4px 0">${escapeHtml(value)}</td></tr>`,
    )
    .join('\n');
  const html = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f4f5">
<div style="max-width:560px;margin:0 auto;padding:24px 20px;background:#fff;color:#18181b;font-family:-apple-system,'Segoe UI',Roboto,Arial,sans-serif;font-size:16px;line-height:1.5">
<h1 style="font-size:20px;margin:0 0 16px">${escapeHtml(content.title)}</h1>
${content.lines.map((line) => `<p>${escapeHtml(line)}</p>`).join('\n')}
<table role="presentation" style="border-collapse:collapse">
${rows}
</table>
<p style="margin-top:24px;font-size:14px;color:#52525b">Presell alert (${kind}) for ${escapeHtml(shopName)}</p>
</div>
</body>
</html>
`;
  return { subject, html, text: `${text}\n` };
}
