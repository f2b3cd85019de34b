/**
 * docs/events.md, made from the event catalogue (src/domain/events.ts): the reference integrators read.
 * `npm run docs:events` writes it; test/domain/events.test.ts fails when it is stale.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { EVENT_SUBJECTS, EVENTS, type EventType } from '../src/domain/events.ts';

export function eventsDocument(): string {
  const lines = [
    '# Events',
    '',
    '<!-- Generated from src/domain/events.ts by `npm run docs:events`; do not edit by hand. -->',
    '',
    'Every change in Presell writes an event in the same transaction. Events are delivered to consumers',
    '(emails, webhooks, store platforms) by the outbox relay, at least once, with a key that is the same on',
    'every try, and can be polled with `GET /v1/events?after=<last id>&type=preorder.*&subject=<id>`.',
    '',
    'Each event has `id` (`evt_…`, sortable), `type`, `version` (of its data shape), `subjectId` (what it is',
    'about) and `data` as below. A version changes only when a field is removed or changes meaning;',
    'adding an optional field does not, so ignore fields you do not know. Money is `{amount, currency}` in',
    "minor units; dates are `YYYY-MM-DD` in the shop's calendar; instants are ISO 8601 UTC.",
    '',
  ];
  for (const subject of EVENT_SUBJECTS) {
    const types = (Object.keys(EVENTS) as EventType[]).filter((type) => EVENTS[type].subject === subject);
    if (types.length === 0) continue;
    lines.push(`## ${subject}`, '');
    for (const type of types) {
      const declaration = EVENTS[type];
      lines.push(`### \`${type}\` (version ${declaration.version})`, '', declaration.meaning, '');
      const schema = z.toJSONSchema(declaration.data) as {
        properties?: Record<string, unknown>;
        required?: string[];
      };
      const fields = Object.entries(schema.properties ?? {});
      if (fields.length === 0) {
        lines.push('No data.', '');
        continue;
      }
      const rows = fields.map(([name, property]) => [
        `\`${name}\``,
        typeOf(property),
        schema.required?.includes(name) ? 'always' : 'optional',
      ]);
      lines.push(...table(['field', 'type', 'present'], rows));
      lines.push('');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

/** A Markdown table with its columns padded to one width, as formatters print it. */
function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((title, column) =>
    Math.max(3, [...title].length, ...rows.map((row) => [...(row[column] ?? '')].length)),
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell + ' '.repeat((widths[column] ?? 0) - [...cell].length)).join(' | ')} |`;
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...rows.map(line)];
}

/** A JSON schema in a few words. */
function typeOf(schema: unknown): string {
  const node = schema as {
    type?: string | string[];
    anyOf?: unknown[];
    enum?: unknown[];
    items?: unknown;
    properties?: Record<string, unknown>;
  };
  if (node.anyOf) return node.anyOf.map(typeOf).join(' or ');
  if (node.enum) return node.enum.map((value) => `\`${String(value)}\``).join(', ');
  if (node.type === 'array') return `list of ${typeOf(node.items)}`;
  if (node.type === 'object' && node.properties) {
    const keys = Object.keys(node.properties);
    if (keys.length === 2 && keys.includes('amount') && keys.includes('currency')) return 'money';
    if (keys.length === 2 && keys.includes('from') && keys.includes('to')) return 'window `{from, to}`';
    return `object {${keys.join(', ')}}`;
  }
  if (node.type === 'integer') return 'integer';
  return Array.isArray(node.type) ? node.type.join(' or ') : (node.type ?? 'any');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const target = new URL('../docs/events.md', import.meta.url);
  writeFileSync(target, eventsDocument());
  console.log(`wrote ${target.pathname}`);
}
