/**
 * Email templates: Liquid (the language Shopify merchants already write), an HTML part readable on a phone
 * and a plain-text part, per language. The defaults are built from one layout per message (below) and each
 * language's copy (src/notify/copy), so the HTML and the text say the same thing in every language; a shop
 * can replace any message in any language with its own Liquid, checked when it is saved.
 *
 * HTML is rendered with every `{{ … }}` output escaped, so a product name or a merchant's text can never
 * become markup.
 */
import { Liquid, type Template } from 'liquidjs';
import { DomainError } from '../domain/errors.ts';
import type { Language } from '../domain/languages.ts';
import { de } from './copy/de.ts';
import { type Copy, en } from './copy/en.ts';
import { fr } from './copy/fr.ts';
import { ja } from './copy/ja.ts';
import type { CustomerMessage } from './kinds.ts';

export const COPY: Readonly<Record<Language, Copy>> = { en, de, fr, ja };

/** The three parts of a message as Liquid sources. */
export interface TemplateSource {
  subject: string;
  html: string;
  text: string;
}

export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
}

type Block =
  | { p: string }
  | { facts: { label: string; value: string; when?: string }[] }
  | { button: string; url: string }
  | { when: string; show: Block[]; otherwise?: Block[] }
  | { paragraphs: string };

/** What each message says, in the order it says it, from one language's copy. */
const LAYOUTS: Record<CustomerMessage, (c: Copy) => Block[]> = {
  confirmation: (c) => [
    { p: c.confirmation.intro },
    orderFacts(c),
    { when: 'money.hasBalance', show: [{ p: c.confirmation.balance }] },
    { p: c.confirmation.terms },
  ],
  ship_date_changed: (c) => [
    {
      when: "change.direction == 'later'",
      show: [{ p: c.ship_date_changed.later }],
      otherwise: [
        {
          when: "change.direction == 'earlier'",
          show: [{ p: c.ship_date_changed.earlier }],
          otherwise: [{ p: c.ship_date_changed.unknown }],
        },
      ],
    },
    {
      facts: [
        { label: c.common.product, value: '{{ product.name }} × {{ preorder.quantity }}' },
        { label: c.ship_date_changed.before, value: '{{ previous.message }}' },
        { label: c.ship_date_changed.now, value: '{{ promise.message }}' },
        { label: c.common.reason, value: '{{ change.reason }}', when: 'change.reason' },
      ],
    },
    consentBlock(c, c.ship_date_changed.consent),
  ],
  consent_reminder: (c) => [
    { p: c.consent_reminder.intro },
    promiseFacts(c),
    consentBlock(c, c.consent_reminder.deadline),
  ],
  delay_kept: (c) => [
    {
      when: "kept.by == 'customer'",
      show: [{ p: c.delay_kept.byCustomer }],
      otherwise: [{ p: c.delay_kept.byDeadline }],
    },
    promiseFacts(c),
    { p: c.delay_kept.cancelAnyTime },
  ],
  progress_update: (c) => [{ p: c.progress_update.intro }, { paragraphs: 'update.paragraphs' }],
  balance_upcoming: (c) => [
    { p: c.balance_upcoming.intro },
    { p: c.balance_upcoming.card },
    { button: c.balance_upcoming.updateCard, url: 'links.updateCard' },
  ],
  balance_charged: (c) => [
    { p: c.balance_charged.intro },
    moneyFacts(c),
    { when: 'money.hasBalance', show: [], otherwise: [{ p: c.balance_charged.settled }] },
  ],
  payment_failed: (c) => [
    { p: c.payment_failed.intro },
    {
      when: 'payment.retryDate',
      show: [{ p: c.payment_failed.retry }],
      otherwise: [{ p: c.payment_failed.last }],
    },
    { button: c.payment_failed.updateCard, url: 'links.updateCard' },
  ],
  cancelled_nonpayment: (c) => [{ p: c.cancelled_nonpayment.intro }, ...refundBlocks(c)],
  ready_to_ship: (c) => [{ p: c.ready_to_ship.intro }, orderFacts(c)],
  shipped: (c) => [
    { when: 'shipment.partial', show: [{ p: c.shipped.part }], otherwise: [{ p: c.shipped.intro }] },
    {
      facts: [
        { label: c.common.product, value: '{{ product.name }} × {{ preorder.quantity }}' },
        { label: c.shipped.carrier, value: '{{ shipment.carrier }}', when: 'shipment.carrier' },
        {
          label: c.shipped.tracking,
          value: '{{ shipment.trackingNumber }}',
          when: 'shipment.trackingNumber',
        },
      ],
    },
    { when: 'shipment.trackingUrl', show: [{ button: c.shipped.track, url: 'shipment.trackingUrl' }] },
  ],
  late: (c) => [
    { p: c.late.intro },
    {
      facts: [
        { label: c.common.product, value: '{{ product.name }} × {{ preorder.quantity }}' },
        { label: c.late.promised, value: '{{ missed.message }}' },
        { label: c.late.newPromise, value: '{{ promise.message }}', when: 'promise.window' },
      ],
    },
    { when: 'promise.window', show: [], otherwise: [{ p: c.late.noPromise }] },
    consentBlock(c, c.ship_date_changed.consent),
  ],
  refunded: (c) => [
    { p: c.refunded.intro },
    moneyFacts(c),
    { when: 'refund.live', show: [{ p: c.refunded.unchanged }] },
  ],
  cancelled: (c) => [
    {
      when: "cancel.by == 'customer'",
      show: [{ p: c.cancelled.byCustomer }],
      otherwise: [
        {
          when: "cancel.by == 'delay_declined'",
          show: [{ p: c.cancelled.byDelayDeclined }],
          otherwise: [
            {
              when: "cancel.by == 'deadline'",
              show: [{ p: c.cancelled.byDeadline }],
              otherwise: [
                {
                  when: "cancel.by == 'merchant'",
                  show: [{ p: c.cancelled.byMerchant }],
                  otherwise: [{ p: c.cancelled.bySystem }],
                },
              ],
            },
          ],
        },
      ],
    },
    {
      facts: [
        { label: c.common.product, value: '{{ product.name }} × {{ preorder.quantity }}' },
        { label: c.common.reason, value: '{{ cancel.reason }}', when: 'cancel.reason' },
      ],
    },
    ...refundBlocks(c),
  ],
  portal_link: (c) => [{ p: c.portal_link.intro }],
};

function orderFacts(c: Copy): Block {
  return {
    facts: [
      { label: c.common.product, value: '{{ product.name }} × {{ preorder.quantity }}' },
      { label: c.common.queue, value: '{{ preorder.queuePosition }}' },
      { label: c.common.promise, value: '{{ promise.message }}' },
      { label: c.common.total, value: '{{ money.total }}' },
      { label: c.common.paid, value: '{{ money.paid }}' },
      { label: c.common.balance, value: '{{ money.balance }}', when: 'money.hasBalance' },
    ],
  };
}

function promiseFacts(c: Copy): Block {
  return {
    facts: [
      { label: c.common.product, value: '{{ product.name }} × {{ preorder.quantity }}' },
      { label: c.common.promise, value: '{{ promise.message }}' },
    ],
  };
}

function moneyFacts(c: Copy): Block {
  return {
    facts: [
      { label: c.common.total, value: '{{ money.total }}' },
      { label: c.common.paid, value: '{{ money.paid }}' },
      { label: c.common.balance, value: '{{ money.balance }}', when: 'money.hasBalance' },
    ],
  };
}

function consentBlock(c: Copy, ask: string): Block {
  return {
    when: 'consent',
    show: [
      { p: ask },
      { button: c.ship_date_changed.keep, url: 'consent.keepUrl' },
      { button: c.ship_date_changed.cancel, url: 'consent.cancelUrl' },
    ],
    otherwise: [{ p: c.ship_date_changed.noAction }],
  };
}

function refundBlocks(c: Copy): Block[] {
  return [
    {
      when: 'refund.hasRefund',
      show: [{ p: c.cancelled.refund }],
      otherwise: [{ when: 'refund.hasKept', show: [], otherwise: [{ p: c.cancelled.noRefund }] }],
    },
    { when: 'refund.hasKept', show: [{ p: c.cancelled.kept }] },
  ];
}

// ——— the default sources ———

const defaults = new Map<string, TemplateSource>();

/** The default template of a message in a language, as Liquid a merchant can start an override from. */
export function defaultTemplate(kind: CustomerMessage, language: Language): TemplateSource {
  const key = `${kind}:${language}`;
  let source = defaults.get(key);
  if (!source) {
    const copy = COPY[language];
    const blocks = LAYOUTS[kind](copy);
    source = {
      subject: copy[kind].subject,
      html: htmlDocument(copy, kind, blocks),
      text: textDocument(copy, kind, blocks),
    };
    defaults.set(key, source);
  }
  return source;
}

const STYLE = {
  body: 'margin:0;padding:0;background:#f4f4f5;',
  // The shop's accent (checked #rrggbb) rules the top of the sheet and fills the buttons.
  sheet:
    'max-width:560px;margin:0 auto;padding:24px 20px;background:#ffffff;color:#18181b;' +
    'border-top:4px solid {{ shop.accentColor }};' +
    'font-family:-apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Noto Sans","Noto Sans JP",Arial,sans-serif;' +
    'font-size:16px;line-height:1.55;',
  shop: 'margin:0 0 20px;font-size:20px;font-weight:bold;',
  logo: 'display:block;max-width:200px;max-height:48px;margin:0 0 20px;border:0;',
  button:
    'display:inline-block;background:{{ shop.accentColor }};color:{{ shop.onAccent }};padding:12px 20px;border-radius:6px;' +
    'text-decoration:none;font-weight:bold;',
  facts: 'border-collapse:collapse;width:100%;margin:0 0 16px;',
  label:
    'text-align:left;vertical-align:top;padding:6px 12px 6px 0;min-width:5em;color:#52525b;font-weight:normal;',
  value: 'vertical-align:top;padding:6px 0;',
  footer: 'margin:24px 0 0;padding-top:16px;border-top:1px solid #e4e4e7;font-size:14px;color:#52525b;',
};

function htmlDocument(copy: Copy, kind: CustomerMessage, blocks: Block[]): string {
  const portal =
    kind === 'portal_link'
      ? `<p>${button(copy.common.portal, 'links.portal')}</p>`
      : `<p>${html(copy.common.portalHint)}</p>\n<p>${button(copy.common.portal, 'links.portal')}</p>`;
  const unsubscribe =
    kind === 'progress_update'
      ? `\n<p>${html(copy.common.unsubscribeHint)} <a href="{{ links.unsubscribe }}">${html(copy.common.unsubscribe)}</a></p>`
      : '';
  return `<!doctype html>
<html lang="{{ language }}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${html(copy[kind].subject)}</title>
</head>
<body style="${STYLE.body}">
<div style="${STYLE.sheet}">
{% if shop.logoUrl %}<img src="{{ shop.logoUrl }}" alt="{{ shop.name }}" style="${STYLE.logo}">{% else %}<p style="${STYLE.shop}">{{ shop.name }}</p>{% endif %}
<p>${html(copy.common.greeting)}</p>
${blocks.map(htmlBlock).join('\n')}
<p>${html(copy.common.signOff)}</p>
<div style="${STYLE.footer}">
${portal}${unsubscribe}
</div>
</div>
</body>
</html>
`;
}

function htmlBlock(block: Block): string {
  if ('p' in block) return `<p>${html(block.p)}</p>`;
  if ('paragraphs' in block) {
    return `{% for paragraph in ${block.paragraphs} %}<p>{{ paragraph }}</p>\n{% endfor %}`;
  }
  if ('button' in block) return `<p>${button(block.button, block.url)}</p>`;
  if ('facts' in block) {
    const rows = block.facts.map((row) => {
      const line = `<tr><th scope="row" style="${STYLE.label}">${html(row.label)}</th><td style="${STYLE.value}">${row.value}</td></tr>`;
      return row.when ? `{% if ${row.when} %}${line}{% endif %}` : line;
    });
    return `<table role="presentation" style="${STYLE.facts}">\n${rows.join('\n')}\n</table>`;
  }
  return conditional(block, htmlBlock);
}

function button(label: string, url: string): string {
  return `<a href="{{ ${url} }}" style="${STYLE.button}">${html(label)}</a>`;
}

function textDocument(copy: Copy, kind: CustomerMessage, blocks: Block[]): string {
  const colon = copy.common.colon;
  const portal =
    kind === 'portal_link'
      ? `${copy.common.portal}${colon}{{ links.portal }}`
      : `${copy.common.portalHint}\n{{ links.portal }}`;
  const unsubscribe =
    kind === 'progress_update'
      ? `\n\n${copy.common.unsubscribeHint}\n${copy.common.unsubscribe}${colon}{{ links.unsubscribe }}`
      : '';
  return `${copy.common.greeting}

${blocks.map((block) => textBlock(block, colon)).join('\n\n')}

${copy.common.signOff}

--
${portal}${unsubscribe}
`;
}

function textBlock(block: Block, colon: string): string {
  if ('p' in block) return block.p;
  if ('paragraphs' in block) {
    return `{% for paragraph in ${block.paragraphs} %}{{ paragraph }}\n\n{% endfor %}`;
  }
  if ('button' in block) return `${block.button}${colon}{{ ${block.url} }}`;
  if ('facts' in block) {
    return block.facts
      .map((row) => {
        const line = `${row.label}${colon}${row.value}`;
        return row.when ? `{% if ${row.when} %}${line}\n{% endif %}` : `${line}\n`;
      })
      .join('')
      .trimEnd();
  }
  return conditional(block, (inner) => textBlock(inner, colon));
}

function conditional(block: Extract<Block, { when: string }>, render: (block: Block) => string): string {
  const shown = block.show.map(render).join('\n\n');
  const otherwise = block.otherwise?.map(render).join('\n\n') ?? '';
  return otherwise
    ? `{% if ${block.when} %}${shown}{% else %}${otherwise}{% endif %}`
    : `{% if ${block.when} %}${shown}{% endif %}`;
}

/** Static copy in HTML: markup characters escaped outside Liquid's own tags, line breaks kept. */
function html(text: string): string {
  return text
    .split(/({{.*?}}|{%.*?%})/s)
    .map((part, index) =>
      index % 2 === 1
        ? part
        : part.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>\n'),
    )
    .join('');
}

// ——— rendering ———

const ENGINE_OPTIONS = { strictFilters: true, ownPropertyOnly: true, cache: false } as const;
const htmlEngine = new Liquid({ ...ENGINE_OPTIONS, outputEscape: 'escape' });
const textEngine = new Liquid(ENGINE_OPTIONS);

type Part = keyof TemplateSource;
/**
 * Parsed templates by part and source. Keyed by the source itself, not a key built from it: a string keeps
 * its hash, so looking up the same template again costs nothing, where a new key string is hashed whole
 * for every message.
 */
const parsed: Record<Part, Map<string, Template[]>> = {
  subject: new Map(),
  html: new Map(),
  text: new Map(),
};

function parse(part: Part, source: string): Template[] {
  const cache = parsed[part];
  let templates = cache.get(source);
  if (!templates) {
    try {
      templates = (part === 'html' ? htmlEngine : textEngine).parse(source);
    } catch (error) {
      throw templateError(part, error);
    }
    if (cache.size > 1_000) cache.clear();
    cache.set(source, templates);
  }
  return templates;
}

/** Renders a message's three parts with its variables. */
export function renderTemplate(source: TemplateSource, model: object): RenderedMessage {
  const render = (part: Part) => {
    try {
      return (part === 'html' ? htmlEngine : textEngine).renderSync(
        parse(part, source[part]),
        model,
      ) as string;
    } catch (error) {
      if (error instanceof DomainError) throw error;
      throw templateError(part, error);
    }
  };
  return {
    subject: render('subject').replace(/\s+/g, ' ').trim(),
    html: render('html'),
    text: tidyText(render('text')),
  };
}

/** Renders one line of copy (a phrase the model itself carries, such as the cancellation terms). */
export function renderPhrase(phrase: string, model: object): string {
  return textEngine.renderSync(parse('text', phrase), model) as string;
}

/**
 * Checks a shop's template before it is saved: every part parses and renders with `sample`. Refuses the
 * first problem with the part, the line and the reason.
 */
export function checkTemplate(source: TemplateSource, sample: object): void {
  for (const part of ['subject', 'html', 'text'] as const) {
    if (source[part].trim() === '') {
      throw new DomainError('invalid_template', `the ${part} is empty`, { part, line: 1, reason: 'empty' });
    }
    parse(part, source[part]);
  }
  renderTemplate(source, sample);
}

function templateError(part: Part, error: unknown): DomainError {
  const message = error instanceof Error ? error.message : String(error);
  const position = /, line:(\d+), col:(\d+)/.exec(message);
  const reason = message.replace(/, line:\d+, col:\d+.*$/s, '');
  const line = position ? Number(position[1]) : null;
  return new DomainError(
    'invalid_template',
    `the ${part} does not work${line ? ` (line ${line})` : ''}: ${reason}`,
    { part, line, column: position ? Number(position[2]) : null, reason },
  );
}

/** No runs of blank lines where a condition left nothing. */
function tidyText(text: string): string {
  return `${text
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()}\n`;
}
