/**
 * The customer portal's pages: server-rendered HTML, small (no script, one inline stylesheet), readable
 * on a phone, in the shop's language. Every value goes in escaped.
 */

import { type Language, languageOf } from '../domain/languages.ts';
import type { PreorderState } from '../domain/lifecycle.ts';
import { format } from '../domain/money.ts';
import type { RefundDecision } from '../domain/refund-policy.ts';
import { wordingLocale } from '../domain/ship-window-wording.ts';
import { type Branding, NO_BRANDING, type ShownBranding, shownBranding } from '../domain/shop.ts';
import { escapeHtml } from '../notify/html.ts';
import { formatDay, formatInstant, portalPath, promiseMessage } from '../notify/model.ts';
import type { PortalPreorder } from '../services/customer-portal.ts';
import type { Shop } from '../services/shops.ts';
import { fill, PORTAL_COPY, type PortalCopy } from './copy.ts';

const STYLE = `
*{box-sizing:border-box}
body{margin:0;background:#f4f4f5;color:#18181b;font:16px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,"Noto Sans","Noto Sans JP",Arial,sans-serif}
header,main{max-width:40rem;margin:0 auto;padding:1rem}
header p{margin:0;font-weight:700;font-size:1.125rem}
header .logo{display:block;max-width:12rem;max-height:3rem}
h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0 1rem}
h2{font-size:1.25rem;margin:0 0 .5rem}
article,.panel{background:#fff;border:1px solid #d4d4d8;border-radius:.5rem;padding:1rem;margin:0 0 1rem}
.panel>:first-child{margin-top:0}.panel>:last-child{margin-bottom:0}
dl{display:grid;grid-template-columns:minmax(7rem,auto) 1fr;gap:.25rem .75rem;margin:0 0 1rem}
dt{color:#52525b}dd{margin:0}
.state{display:inline-block;padding:.125rem .5rem;border-radius:1rem;background:#e0e7ff;color:#1e3a8a;font-size:.875rem;font-weight:600}
.state-cancelled{background:#f4f4f5;color:#3f3f46}.state-fulfilled,.state-ready{background:#dcfce7;color:#14532d}
.notice{background:#ecfdf5;border-color:#16a34a}.alert{background:#fef2f2;border-color:#dc2626}
.question{background:#fffbeb;border:1px solid #d97706;border-radius:.5rem;padding:.75rem;margin:0 0 1rem}
.actions{display:flex;flex-wrap:wrap;gap:.5rem}
.actions form{margin:0}
.button,button{display:inline-block;min-height:2.75rem;padding:.625rem 1rem;border-radius:.375rem;border:2px solid #1d4ed8;background:#1d4ed8;color:#fff;font:inherit;font-weight:600;text-decoration:none;cursor:pointer}
.button.secondary,button.secondary{background:#fff;color:#1d4ed8}
.button.danger,button.danger{background:#b91c1c;border-color:#b91c1c;color:#fff}
a{color:#1d4ed8}
a:focus,button:focus,input:focus{outline:3px solid #f59e0b;outline-offset:2px}
label{display:block;font-weight:600;margin:0 0 .25rem}
input{width:100%;font:inherit;padding:.625rem;border:1px solid #71717a;border-radius:.375rem;margin:0 0 .5rem}
.hint{color:#52525b;font-size:.875rem;margin:0 0 1rem}
details{margin:0 0 1rem}summary{cursor:pointer;color:#1d4ed8}
ul.history{margin:.5rem 0 0;padding-left:1.25rem}
`;

type PageShop = Pick<Shop, 'name' | 'locale' | 'timeZone' | keyof Branding>;

export interface PageContext {
  shop: PageShop;
  /** The name, colour and logo the customer sees. */
  brand: ShownBranding;
  language: Language;
  copy: PortalCopy;
}

export function pageContext(shop: PageShop | null): PageContext {
  const language = languageOf(shop?.locale ?? 'en');
  const shown = shop ?? { name: 'Presell', locale: 'en', timeZone: 'UTC', ...NO_BRANDING };
  return {
    shop: shown,
    brand: shownBranding(shown),
    language,
    copy: PORTAL_COPY[language],
  };
}

/** Text with `{name}` marks filled, all of it escaped. */
function t(text: string, values: Readonly<Record<string, string>> = {}): string {
  return escapeHtml(fill(text, values));
}

export function page(ctx: PageContext, title: string, body: string): string {
  const { brand } = ctx;
  return `<!doctype html>
<html lang="${ctx.language}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)} · ${escapeHtml(brand.name)}</title>
<style>${STYLE}${brandStyle(brand)}</style>
</head>
<body>
<header>${brandHeader(brand)}</header>
<main>
${body}
</main>
</body>
</html>
`;
}

/** The shop's accent (a checked #rrggbb) on the header's rule and the main buttons. */
function brandStyle(brand: ShownBranding): string {
  const { accentColor, onAccent } = brand;
  return `header{border-top:4px solid ${accentColor}}
.button,button{background:${accentColor};border-color:${accentColor};color:${onAccent}}
`;
}

function brandHeader(brand: ShownBranding): string {
  return brand.logoUrl
    ? `<img class="logo" src="${escapeHtml(brand.logoUrl)}" alt="${escapeHtml(brand.name)}">`
    : `<p>${escapeHtml(brand.name)}</p>`;
}

/** A page that only says something: a title, a paragraph, and maybe a form or a link. */
export function messagePage(ctx: PageContext, title: string, text: string, extra = ''): string {
  return page(
    ctx,
    title,
    `<h1>${escapeHtml(title)}</h1>\n<div class="panel"><p>${escapeHtml(text)}</p>${extra}</div>`,
  );
}

export type Notice = 'cancelled' | 'already_cancelled' | 'kept' | 'card';

const NOTICES: Record<Notice, keyof PortalCopy> = {
  cancelled: 'doneCancelled',
  already_cancelled: 'doneAlreadyCancelled',
  kept: 'doneKept',
  card: 'doneCard',
};

export function listPage(
  ctx: PageContext,
  token: string,
  email: string,
  preorders: readonly PortalPreorder[],
  now: Date,
  notice?: Notice,
): string {
  const { copy } = ctx;
  const title = fill(copy.title, { shop: ctx.brand.name });
  const noticeHtml = notice
    ? `<div class="panel notice" role="status"><p>${escapeHtml(copy[NOTICES[notice]] as string)}</p></div>\n`
    : '';
  const items = preorders.length
    ? preorders.map((view) => preorderArticle(ctx, token, view, now)).join('\n')
    : `<div class="panel"><p>${escapeHtml(copy.none)}</p></div>`;
  return page(
    ctx,
    title,
    `<h1>${escapeHtml(title)}</h1>\n<p>${t(copy.signedInAs, { email })}</p>\n${noticeHtml}${items}`,
  );
}

function preorderArticle(ctx: PageContext, token: string, view: PortalPreorder, now: Date): string {
  const { copy, shop } = ctx;
  const { preorder } = view;
  const money = (value: { amount: number; currency: string }) => format(value, wordingLocale(shop.locale));
  const url = (action: 'keep' | 'cancel' | 'card') => escapeHtml(portalPath(token, preorder.id, action));
  const window =
    preorder.promise?.from && preorder.promise.to
      ? { from: preorder.promise.from, to: preorder.promise.to }
      : null;
  const facts: [string, string][] = [
    [
      copy.status,
      `<span class="state state-${preorder.state}">${escapeHtml(copy.states[preorder.state as PreorderState])}</span>`,
    ],
    [copy.ordered, escapeHtml(formatInstant(preorder.createdAt, shop))],
    [copy.total, escapeHtml(money(view.total))],
    [copy.paid, escapeHtml(money(view.paid))],
  ];
  const live = preorder.state !== 'cancelled' && preorder.state !== 'fulfilled';
  if (live) {
    facts.splice(1, 0, [copy.queue, escapeHtml(String(preorder.placeInQueue))]);
    facts.splice(2, 0, [
      copy.promise,
      escapeHtml(promiseMessage(shop as Shop, preorder, window, now, preorder.promise?.batches)),
    ]);
    if (view.outstanding.amount > 0) {
      const amount = money(view.outstanding);
      const due = view.nextDue;
      const text =
        due?.kind === 'release'
          ? fill(copy.dueOnRelease, { amount })
          : due?.kind === 'date'
            ? fill(copy.dueOn, { amount, date: formatDay(due.date, wordingLocale(shop.locale)) })
            : fill(copy.dueLater, { amount });
      facts.push([copy.due, escapeHtml(text)]);
    }
  }
  if (preorder.shipment) {
    const shipped = t(copy.shipped, { date: formatInstant(preorder.shipment.shippedAt, shop) });
    const tracking = preorder.shipment.trackingUrl
      ? ` · <a href="${escapeHtml(preorder.shipment.trackingUrl)}">${escapeHtml(copy.tracking)}</a>`
      : '';
    facts.push([copy.shipment, shipped + tracking]);
  }
  const history = view.history.length
    ? `<details><summary>${escapeHtml(copy.history)}</summary><ul class="history">${view.history
        .map(
          (entry) =>
            `<li>${t(copy.historyEntry, {
              date: formatInstant(entry.at, shop),
              before: promiseMessage(shop as Shop, preorder, entry.oldWindow, now),
              after: promiseMessage(shop as Shop, preorder, entry.newWindow, now),
            })}</li>`,
        )
        .join('')}</ul></details>`
    : '';
  const question = view.question
    ? `<p class="question">${t(copy.question, {
        date: formatInstant(view.question.deadline, shop),
        fallback: view.question.withoutAnswer === 'keep' ? copy.fallbackKeep : copy.fallbackCancel,
      })}</p>`
    : '';
  const actions = [
    view.question ? `<a class="button" href="${url('keep')}">${escapeHtml(copy.keep)}</a>` : '',
    view.canUpdateCard
      ? `<a class="button secondary" href="${url('card')}">${escapeHtml(copy.updateCard)}</a>`
      : '',
    view.canCancel
      ? `<a class="button secondary" href="${url('cancel')}">${escapeHtml(copy.cancel)}</a>`
      : '',
  ].filter(Boolean);
  return `<article aria-labelledby="h-${escapeHtml(preorder.id)}">
<h2 id="h-${escapeHtml(preorder.id)}">${escapeHtml(view.productName)} × ${preorder.quantity}</h2>
${question}<dl>${facts.map(([label, value]) => `<dt>${escapeHtml(label)}</dt><dd>${value}</dd>`).join('')}</dl>
${history}${actions.length ? `<div class="actions">${actions.join('\n')}</div>` : ''}
</article>`;
}

export function cancelPage(
  ctx: PageContext,
  token: string,
  view: PortalPreorder,
  quote: RefundDecision,
): string {
  const { copy, shop } = ctx;
  const title = fill(copy.cancelTitle, { product: view.productName });
  const money = (value: { amount: number; currency: string }) => format(value, wordingLocale(shop.locale));
  const lines = [
    quote.refund.amount > 0 ? t(copy.cancelRefund, { amount: money(quote.refund) }) : '',
    quote.kept.amount > 0 ? t(copy.cancelKept, { amount: money(quote.kept) }) : '',
    quote.refund.amount === 0 && quote.kept.amount === 0 ? escapeHtml(copy.cancelNothing) : '',
    escapeHtml(copy.cancelFinal),
  ].filter(Boolean);
  return page(
    ctx,
    title,
    `<h1>${escapeHtml(title)}</h1>
<div class="panel">${lines.map((line) => `<p>${line}</p>`).join('\n')}
<div class="actions"><form method="post" action="${escapeHtml(portalPath(token, view.preorder.id, 'cancel'))}"><button class="danger" type="submit">${escapeHtml(copy.confirmCancel)}</button></form>
<a class="button secondary" href="${escapeHtml(portalPath(token))}">${escapeHtml(copy.back)}</a></div></div>`,
  );
}

export function keepPage(ctx: PageContext, token: string, view: PortalPreorder, now: Date): string {
  const { copy, shop } = ctx;
  const { preorder } = view;
  const title = fill(copy.keepTitle, { product: view.productName });
  const window =
    preorder.promise?.from && preorder.promise.to
      ? { from: preorder.promise.from, to: preorder.promise.to }
      : null;
  const url = (action: 'keep' | 'cancel') => escapeHtml(portalPath(token, preorder.id, action));
  return page(
    ctx,
    title,
    `<h1>${escapeHtml(title)}</h1>
<div class="panel"><p>${t(copy.keepText, { promise: promiseMessage(shop as Shop, preorder, window, now, preorder.promise?.batches) })}</p>
<div class="actions"><form method="post" action="${url('keep')}"><button type="submit">${escapeHtml(copy.confirmKeep)}</button></form>
<a class="button secondary" href="${url('cancel')}">${escapeHtml(copy.cancel)}</a>
<a class="button secondary" href="${escapeHtml(portalPath(token))}">${escapeHtml(copy.back)}</a></div></div>`,
  );
}

export function cardPage(
  ctx: PageContext,
  token: string,
  view: PortalPreorder,
  form: { available: boolean; error?: string },
): string {
  const { copy } = ctx;
  const title = fill(copy.cardTitle, { product: view.productName });
  const back = escapeHtml(portalPath(token));
  const error = form.error
    ? `<div class="panel alert" role="alert"><p>${t(copy.cardRefused, { reason: form.error })}</p></div>`
    : '';
  const body = form.available
    ? `<form method="post" action="${escapeHtml(portalPath(token, view.preorder.id, 'card'))}">
<label for="card">${escapeHtml(copy.cardLabel)}</label>
<input id="card" name="card" inputmode="numeric" autocomplete="cc-number" required minlength="12" maxlength="23" aria-describedby="card-hint">
<p class="hint" id="card-hint">${escapeHtml(copy.cardHint)}</p>
<div class="actions"><button type="submit">${escapeHtml(copy.cardSave)}</button>
<a class="button secondary" href="${back}">${escapeHtml(copy.back)}</a></div>
</form>`
    : `<p>${t(copy.cardUnavailable, { shop: ctx.brand.name })}</p><p><a href="${back}">${escapeHtml(copy.back)}</a></p>`;
  return page(ctx, title, `<h1>${escapeHtml(title)}</h1>\n${error}<div class="panel">${body}</div>`);
}

export function expiredPage(ctx: PageContext, action: string): string {
  const { copy } = ctx;
  return messagePage(
    ctx,
    copy.expiredTitle,
    copy.expiredText,
    `<form method="post" action="${escapeHtml(action)}"><button type="submit">${escapeHtml(copy.sendLink)}</button></form>`,
  );
}

export function unsubscribePage(ctx: PageContext, action: string): string {
  const { copy } = ctx;
  return messagePage(
    ctx,
    fill(copy.unsubscribeTitle, { shop: ctx.brand.name }),
    copy.unsubscribeText,
    `<form method="post" action="${escapeHtml(action)}"><button type="submit">${escapeHtml(copy.unsubscribeButton)}</button></form>`,
  );
}
