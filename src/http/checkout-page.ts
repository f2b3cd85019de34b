/**
 * The hosted pre-order checkout's page, `/checkout/{sku}?key=pk_…`: rendered here in the shopper's
 * language with the offer's summary, then driven by web/checkout (which talks only to the storefront API).
 * Mobile first: one column, labels above fields, targets of at least 44 px.
 */
import { type CheckoutWording, checkoutWording } from '../domain/checkout-wording.ts';
import { countriesIn } from '../domain/countries.ts';
import type { OfferTexts } from '../domain/offer-wording.ts';
import type { ShownBranding } from '../domain/shop.ts';
import { escapeHtml, jsonForScript } from './html.ts';

export interface CheckoutPage {
  /** The shop as its customers see it: name, accent colour, logo. */
  brand: ShownBranding;
  locale: string;
  sku: string;
  productName: string;
  key: string;
  texts: OfferTexts;
  perCustomerLimit: number | null;
  quantity: number;
  holdMinutes: number;
  provider: { kind: 'test' } | { kind: 'stripe'; publishableKey: string } | { kind: 'none' };
  back: string | null;
  script: string;
}

export function checkoutPage(page: CheckoutPage): string {
  const t = checkoutWording(page.locale);
  const { texts } = page;
  const selling = texts.display === 'order';
  const region = new Intl.Locale(page.locale).maximize().region ?? '';
  const config = {
    key: page.key,
    sku: page.sku,
    locale: page.locale,
    provider: page.provider,
    back: page.back,
    texts: {
      pay: t.pay,
      saveCard: t.saveCard,
      bankText: t.bankText,
      queue: t.queue,
      reference: t.reference,
      working: t.working,
      errors: t.errors,
    },
  };
  return document(
    page.locale,
    `${t.title} — ${page.productName} — ${page.brand.name}`,
    `
<main class="checkout">
  ${
    page.brand.logoUrl
      ? `<img class="logo" src="${escapeHtml(page.brand.logoUrl)}" alt="${escapeHtml(page.brand.name)}">`
      : `<p class="shop">${escapeHtml(page.brand.name)}</p>`
  }
  <h1>${escapeHtml(t.title)}: ${escapeHtml(page.productName)}</h1>
  <section class="card" id="summary" aria-labelledby="summary-title">
    <h2 id="summary-title">${escapeHtml(t.summary)}</h2>
    <p class="price"><span class="label">${escapeHtml(t.unitPrice)}</span> <span>${escapeHtml(texts.price)}</span>${
      texts.regularPrice ? ` <s>${escapeHtml(texts.regularPrice)}</s>` : ''
    }</p>
    ${paragraph('badge', texts.earlyBird)}
    ${texts.headline ? `<p class="headline"><strong>${escapeHtml(texts.headline)}</strong></p>` : ''}
    ${paragraph('terms', texts.paymentTerms)}
    ${paragraph('left', texts.unitsLeft)}
    ${selling ? '' : `<p class="state"><strong>${escapeHtml(texts.buttonLabel)}</strong></p>`}
  </section>
  ${selling ? detailsForm(t, page, region) + paymentForm(t, page) + confirmation(t, page) : back(t, page)}
  <dialog id="bank" aria-labelledby="bank-title">
    <h2 id="bank-title">${escapeHtml(t.bankTitle)}</h2>
    <p id="bank-text"></p>
    <div class="actions">
      <button type="button" id="bank-confirm">${escapeHtml(t.bankConfirm)}</button>
      <button type="button" id="bank-fail" class="secondary">${escapeHtml(t.bankFail)}</button>
    </div>
  </dialog>
  <p id="status" class="visually-hidden" aria-live="polite"></p>
</main>
<script type="application/json" id="presell-checkout">${jsonForScript(config)}</script>
<script src="${escapeHtml(page.script)}" defer></script>`,
    page.brand,
  );
}

/** A page that only says something: an unknown key or a sku not on offer. */
export function checkoutNotice(locale: string, message: string): string {
  return document(locale, message, `<main class="checkout"><h1>${escapeHtml(message)}</h1></main>`);
}

function detailsForm(t: CheckoutWording, page: CheckoutPage, region: string): string {
  const limit = page.perCustomerLimit;
  const field = (name: string, label: string, attributes: string, optional = false) => `
    <div class="field">
      <label for="${name}">${escapeHtml(label)}</label>
      <input id="${name}" name="${name}" ${attributes}${optional ? '' : ' required'}>
    </div>`;
  const countries = countriesIn(page.locale)
    .map(
      ({ code, name }) =>
        `<option value="${code}"${code === region ? ' selected' : ''}>${escapeHtml(name)}</option>`,
    )
    .join('');
  return `
  <form id="details" class="card" novalidate>
    <h2>${escapeHtml(t.details)}</h2>
    ${field('email', t.email, 'type="email" autocomplete="email" maxlength="320"')}
    <div class="field">
      <label for="quantity">${escapeHtml(t.quantity)}</label>
      <input id="quantity" name="quantity" type="number" inputmode="numeric" min="1" ${
        limit ? `max="${limit}" aria-describedby="limit"` : ''
      } value="${limit ? Math.min(page.quantity, limit) : page.quantity}" required>
      ${limit ? `<p class="hint" id="limit">${escapeHtml(t.limit.replace('{limit}', String(limit)))}</p>` : ''}
    </div>
    ${field('name', t.name, 'autocomplete="name" maxlength="200"')}
    ${field('line1', t.line1, 'autocomplete="address-line1" maxlength="200"')}
    ${field('line2', t.line2, 'autocomplete="address-line2" maxlength="200"', true)}
    <div class="row">
      ${field('postalCode', t.postalCode, 'autocomplete="postal-code" maxlength="20"')}
      ${field('city', t.city, 'autocomplete="address-level2" maxlength="100"')}
    </div>
    <div class="field">
      <label for="country">${escapeHtml(t.country)}</label>
      <select id="country" name="country" autocomplete="country" required>${countries}</select>
    </div>
    <p class="error" id="details-error" role="alert"></p>
    <button type="submit">${escapeHtml(t.continue)}</button>
  </form>`;
}

function paymentForm(t: CheckoutWording, page: CheckoutPage): string {
  const card =
    page.provider.kind === 'stripe'
      ? '<div id="payment-element"></div>'
      : `<div class="field">
      <label for="card">${escapeHtml(t.card)}</label>
      <input id="card" name="card" inputmode="numeric" autocomplete="cc-number" maxlength="23" aria-describedby="test-cards" required>
      <p class="hint" id="test-cards">${escapeHtml(t.testCards)}</p>
    </div>`;
  return `
  <form id="payment" class="card" novalidate hidden>
    <h2>${escapeHtml(t.payment)}</h2>
    <dl class="due">
      <div><dt>${escapeHtml(t.total)}</dt><dd id="due-total"></dd></div>
      <div><dt>${escapeHtml(t.dueNow)}</dt><dd id="due-now"></dd></div>
      <div id="due-later-row"><dt>${escapeHtml(t.dueLater)}</dt><dd id="due-later"></dd></div>
    </dl>
    <p class="terms" id="due-terms"></p>
    <p class="hint">${escapeHtml(t.held.replace('{minutes}', String(page.holdMinutes)))}</p>
    ${card}
    <p class="error" id="payment-error" role="alert"></p>
    <button type="submit" id="pay"></button>
  </form>`;
}

function confirmation(t: CheckoutWording, page: CheckoutPage): string {
  return `
  <section id="done" class="card" hidden tabindex="-1" aria-labelledby="done-title">
    <h2 id="done-title">${escapeHtml(t.thanks)}</h2>
    <p id="done-queue" class="queue"></p>
    <p id="done-promise" class="headline"></p>
    <dl class="due">
      <div><dt>${escapeHtml(t.paid)}</dt><dd id="done-paid"></dd></div>
      <div id="done-later-row"><dt>${escapeHtml(t.dueLater)}</dt><dd id="done-later"></dd></div>
    </dl>
    <p id="done-reference" class="hint"></p>
    ${page.back ? `<a class="button" href="${escapeHtml(page.back)}">${escapeHtml(t.back)}</a>` : ''}
  </section>`;
}

function back(t: CheckoutWording, page: CheckoutPage): string {
  return page.back
    ? `<p><a class="button" href="${escapeHtml(page.back)}">${escapeHtml(t.back)}</a></p>`
    : '';
}

function paragraph(className: string, text: string | null): string {
  return text ? `<p class="${className}">${escapeHtml(text)}</p>` : '';
}

const STYLE = `*{box-sizing:border-box}
[hidden]{display:none!important}
body{margin:0;background:#f4f2ee;color:#1f1f1f;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.checkout{max-width:34rem;margin:0 auto;padding:1rem}
.shop{margin:0;color:#4d4d4d;font-weight:600}.logo{display:block;max-width:12rem;max-height:3rem}
h1{font-size:1.5rem;line-height:1.25;margin:.25rem 0 1rem}
h2{font-size:1.125rem;margin:0 0 .75rem}
.card{background:#fff;border-radius:.75rem;padding:1rem;margin:0 0 1rem;box-shadow:0 1px 2px rgb(0 0 0/.08)}
.card p{margin:.25rem 0}
.price{font-size:1.125rem;font-weight:600}.price .label{font-weight:400;color:#4d4d4d}s{color:#595959;font-weight:400}
.badge{display:inline-block;padding:.125rem .5rem;border-radius:1rem;background:#fbeec1;color:#3d3000}
.field{margin:0 0 .875rem}.row{display:grid;grid-template-columns:1fr;gap:0 .75rem}
label{display:block;font-weight:600;margin-bottom:.25rem}
input,select{width:100%;min-height:44px;padding:.5rem .75rem;border:1px solid #767676;border-radius:.375rem;font:inherit;background:#fff;color:inherit}
input[aria-invalid=true]{border:2px solid #b3261e}
input:focus-visible,select:focus-visible,button:focus-visible,a:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}
button,.button{display:block;width:100%;min-height:48px;padding:.75rem 1rem;border:0;border-radius:.5rem;background:#1d4d44;color:#fff;font:inherit;font-weight:600;text-align:center;text-decoration:none;cursor:pointer}
button.secondary{background:#fff;color:#1d4d44;border:2px solid #1d4d44}
button:disabled{background:#575757;cursor:progress}
.hint{color:#4d4d4d;font-size:.875rem}
.error{color:#b3261e;font-weight:600}.error:empty{display:none}
.due{margin:0 0 .5rem}.due div{display:flex;justify-content:space-between;padding:.25rem 0;border-bottom:1px solid #e6e3de}.due dt{color:#4d4d4d}.due dd{margin:0;font-weight:600}
.queue{font-size:1.25rem;font-weight:700}
dialog{border:0;border-radius:.75rem;padding:1.25rem;max-width:24rem;width:calc(100% - 2rem)}dialog::backdrop{background:rgb(0 0 0/.45)}
.actions{display:grid;gap:.5rem;margin-top:1rem}
.visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}
@media (min-width:40rem){.checkout{padding:2rem 1rem}.row{grid-template-columns:1fr 2fr}}`;

/** The brand's accent (a checked #rrggbb) fills the buttons, with the text colour that reads on it. */
function brandStyle({ accentColor, onAccent }: ShownBranding): string {
  return `button,.button{background:${accentColor};color:${onAccent}}`;
}

function document(locale: string, title: string, body: string, brand?: ShownBranding): string {
  return `<!doctype html>
<html lang="${escapeHtml(locale)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title>
<style>${STYLE}${brand ? brandStyle(brand) : ''}</style>
</head>
<body>${body}
</body>
</html>
`;
}
