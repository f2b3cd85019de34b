/**
 * The storefront widget: one script tag, `<script src="…/widget.js" data-presell-key="pk_…" async>`.
 * It puts a `<presell-offer>` in each add-to-cart form it finds (or fills the ones the page placed itself),
 * shows what the offer says for the variant chosen now, and follows variant changes without a reload.
 * No framework; every text comes worded from the offer; styled by CSS custom properties (--presell-*).
 */

interface OfferTexts {
  display: 'order' | 'upcoming' | 'sold_out' | 'unavailable' | 'in_stock';
  buttonLabel: string;
  headline: string | null;
  price: string;
  regularPrice: string | null;
  paymentTerms: string | null;
  earlyBird: string | null;
  unitsLeft: string | null;
  countdown: { until: string; message: string } | null;
  message: string | null;
}

interface Offer {
  sku: string;
  locale: string;
  texts: OfferTexts;
}

const script = document.currentScript as HTMLScriptElement | null;
const settings = script?.dataset ?? {};
const origin = new URL(script?.src || location.href).origin;
const key = settings.presellKey ?? '';
const formSelector =
  settings.presellForm ??
  'product-form form[action*="/cart/add"], form[action*="/cart/add"], form[data-presell-product]';
const buttonSelector = settings.presellButton ?? '[type=submit], button[name=add]';
const variantsSelector =
  settings.presellVariants ??
  'variant-selects script[type="application/json"], variant-radios script[type="application/json"], script[data-presell-variants]';
/** `hosted`: the button opens Presell's checkout; `store`: the store's button is relabelled and submits as before. */
const checkout = settings.presellCheckout === 'store' ? 'store' : 'hosted';

const offers = new Map<string, Promise<Offer | null>>();

function localeOf(element: Element): string {
  return element.getAttribute('locale') || settings.presellLocale || document.documentElement.lang || '';
}

/** One request per sku and language shown; `fresh` revalidates (ETag) instead of using what is cached. */
function loadOffer(sku: string, locale: string, fresh = false): Promise<Offer | null> {
  const url = `${origin}/v1/storefront/offers/${encodeURIComponent(sku)}?key=${encodeURIComponent(key)}${
    locale ? `&locale=${encodeURIComponent(locale)}` : ''
  }`;
  const known = offers.get(url);
  if (known && !fresh) return known;
  const loading = fetch(url, fresh ? { cache: 'no-cache' } : {})
    .then((response) => (response.ok ? (response.json() as Promise<Offer>) : null))
    .catch(() => null);
  offers.set(url, loading);
  return loading;
}

const style = `presell-offer{display:block;margin:.75rem 0;color:var(--presell-text,inherit);font-family:var(--presell-font,inherit)}
presell-offer[hidden],presell-offer [hidden]{display:none}
.presell-offer p{margin:.25rem 0}
.presell-price{font-size:1.125em;font-weight:600}
.presell-was{color:var(--presell-muted,#595959);font-weight:400;margin-inline-start:.5em}
.presell-headline{font-weight:700}
.presell-badge{display:inline-block;padding:.125rem .5rem;border-radius:1rem;background:var(--presell-badge,#fbeec1);color:var(--presell-badge-text,#3d3000)}
.presell-button{display:block;box-sizing:border-box;width:100%;min-height:44px;margin-top:.5rem;padding:.75rem 1.25rem;border:0;border-radius:var(--presell-radius,.375rem);background:var(--presell-accent,#1d4d44);color:var(--presell-accent-text,#fff);font:inherit;font-weight:600;cursor:pointer}
.presell-button:focus-visible{outline:3px solid var(--presell-focus,#1a5fb4);outline-offset:2px}
.presell-button:disabled{background:var(--presell-disabled,#575757);cursor:not-allowed}
.presell-live{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);white-space:nowrap}`;

function injectStyle() {
  if (document.getElementById('presell-style')) return;
  const element = document.createElement('style');
  element.id = 'presell-style';
  element.textContent = style;
  document.head.append(element);
}

function paragraph(className: string, text: string | null): HTMLElement | null {
  if (!text) return null;
  const element = document.createElement('p');
  element.className = className;
  element.textContent = text;
  return element;
}

/** "2 d 4 h", "3 h 20 min", "4 min 9 s" in the page's language. */
function timeLeft(ms: number, locale: string): string {
  const seconds = Math.max(0, Math.floor(ms / 1000));
  const parts: [number, string][] = [
    [Math.floor(seconds / 86_400), 'day'],
    [Math.floor(seconds / 3600) % 24, 'hour'],
    [Math.floor(seconds / 60) % 60, 'minute'],
    [seconds % 60, 'second'],
  ];
  const first = Math.max(
    0,
    parts.findIndex(([value]) => value > 0),
  );
  return parts
    .slice(first, first + 2)
    .map(([value, unit]) =>
      new Intl.NumberFormat(locale || undefined, { style: 'unit', unit, unitDisplay: 'narrow' }).format(
        value,
      ),
    )
    .join(' ');
}

/**
 * `<presell-offer sku="…">`: the offer of one sku. Inside a store's form it stands in for the store's
 * button (`storeButton`), which comes back when the variant is in stock or not on offer.
 */
class PresellOffer extends HTMLElement {
  static observedAttributes = ['sku', 'locale'];
  storeButton: HTMLElement | null = null;
  #shown: Offer | null = null;
  #seen = '';
  #button = document.createElement('button');
  #announced = '';
  #timer = 0;
  #live = document.createElement('div');
  #body = document.createElement('div');
  #version = 0;

  connectedCallback() {
    injectStyle();
    this.classList.add('presell-offer');
    this.#live.className = 'presell-live';
    this.#live.setAttribute('aria-live', 'polite');
    this.append(this.#body, this.#button, this.#live);
    this.#button.hidden = true;
    void this.refresh();
  }

  disconnectedCallback() {
    clearInterval(this.#timer);
  }

  attributeChangedCallback() {
    if (this.isConnected) void this.refresh();
  }

  async refresh(fresh = false) {
    const sku = this.getAttribute('sku');
    const version = ++this.#version;
    const offer = sku ? await loadOffer(sku, localeOf(this), fresh) : null;
    if (version === this.#version) this.render(offer);
  }

  render(offer: Offer | null) {
    const seen = JSON.stringify(offer);
    // A revalidation that changed nothing changes nothing on the page.
    if (seen === this.#seen) return;
    this.#seen = seen;
    const texts = offer?.texts;
    const previous = this.#shown;
    this.#shown = offer;
    clearInterval(this.#timer);
    const storeSells = !texts || texts.display === 'in_stock';
    this.hidden = storeSells;
    this.#useStoreButton(storeSells, texts);
    if (!texts || storeSells) {
      this.#body.replaceChildren();
      this.#button.hidden = true;
      return;
    }
    const price = document.createElement('p');
    price.className = 'presell-price';
    price.textContent = texts.price;
    if (texts.regularPrice) {
      const was = document.createElement('s');
      was.className = 'presell-was';
      was.textContent = texts.regularPrice;
      price.append(was);
    }
    const countdown = paragraph('presell-countdown', texts.countdown ? ' ' : null);
    const parts = [
      texts.display === 'order' || texts.display === 'upcoming' ? price : null,
      paragraph('presell-badge', texts.earlyBird),
      paragraph('presell-headline', texts.headline),
      paragraph('presell-terms', texts.paymentTerms),
      paragraph('presell-left', texts.unitsLeft),
      countdown,
      paragraph('presell-note', texts.message),
    ];
    this.#body.replaceChildren(...parts.filter((part): part is HTMLElement => part !== null));
    // The button stays in place across renders, so that a shopper on it keeps the focus.
    this.#updateButton(texts).hidden = checkout === 'store' && this.storeButton !== null;
    if (countdown && texts.countdown) this.#count(countdown, texts.countdown, offer.locale);
    const announcement = [texts.buttonLabel, texts.headline].filter(Boolean).join('. ');
    // A change is announced (another variant, sold out meanwhile); the first paint is read with the page.
    if (previous && announcement !== this.#announced) this.#live.textContent = announcement;
    this.#announced = announcement;
  }

  /** The one button, kept across renders so that it keeps the keyboard's focus when the offer changes. */
  #updateButton(texts: OfferTexts): HTMLButtonElement {
    const button = this.#button;
    if (!button.className) {
      button.type = 'button';
      button.className = 'presell-button';
      button.addEventListener('click', () => this.#checkout());
    }
    button.textContent = texts.buttonLabel;
    button.disabled = texts.display !== 'order';
    return button;
  }

  #checkout() {
    const offer = this.#shown;
    if (!offer) return;
    const quantity = this.closest('form')?.querySelector<HTMLInputElement>('[name=quantity]')?.value;
    const query = new URLSearchParams({ key, locale: offer.locale, back: location.href });
    if (quantity) query.set('quantity', quantity);
    location.assign(`${origin}/checkout/${encodeURIComponent(offer.sku)}?${query}`);
  }

  /** Hidden while Presell sells (hosted), relabelled and disabled as the offer says (store checkout). */
  #useStoreButton(storeSells: boolean, texts: OfferTexts | undefined) {
    const button = this.storeButton;
    if (!button) return;
    if (button.dataset.presellLabel === undefined) button.dataset.presellLabel = button.textContent ?? '';
    const disabled = !storeSells && texts?.display !== 'order';
    button.toggleAttribute('disabled', disabled);
    if (checkout === 'store') {
      button.textContent = storeSells || !texts ? (button.dataset.presellLabel ?? '') : texts.buttonLabel;
    } else {
      button.hidden = !storeSells;
    }
  }

  #count(element: HTMLElement, countdown: { until: string; message: string }, locale: string) {
    const until = Date.parse(countdown.until);
    const tick = () => {
      const left = until - Date.now();
      if (left <= 0) {
        clearInterval(this.#timer);
        void this.refresh(true);
        return;
      }
      element.textContent = countdown.message.replace('{time}', timeLeft(left, locale));
    };
    tick();
    this.#timer = window.setInterval(tick, 1000);
  }
}

/** The sku of the variant a store's form would add now: its `[name=id]`, the page's `?variant=`, mapped to a sku. */
function skuOf(form: HTMLFormElement): string | null {
  const field = form.elements.namedItem('id');
  const input =
    field instanceof RadioNodeList ? field : (field as HTMLInputElement | HTMLSelectElement | null);
  const id = input?.value || new URLSearchParams(location.search).get('variant');
  if (!id) return null;
  const option = form.querySelector<HTMLElement>(
    `option[value="${CSS.escape(id)}"][data-sku], input[name=id][value="${CSS.escape(id)}"][data-sku]`,
  );
  if (option?.dataset.sku) return option.dataset.sku;
  for (const list of document.querySelectorAll(variantsSelector)) {
    try {
      const variants = JSON.parse(list.textContent ?? '') as { id: unknown; sku?: string }[];
      const found = variants.find?.((variant) => String(variant.id) === id)?.sku;
      if (found) return found;
    } catch {
      // Not the variant list we looked for: the next selector may be.
    }
  }
  return id;
}

const mounted = new Map<HTMLFormElement, PresellOffer>();

/** Puts an offer in every store form not yet served, and points each at the form's variant now. */
function follow(chosen?: string) {
  for (const form of document.querySelectorAll<HTMLFormElement>(formSelector)) {
    let element = mounted.get(form) ?? form.querySelector<PresellOffer>('presell-offer');
    if (!element) {
      element = document.createElement('presell-offer') as PresellOffer;
      const button = form.querySelector<HTMLElement>(buttonSelector);
      element.storeButton = button;
      if (button) button.before(element);
      else form.append(element);
    }
    mounted.set(form, element);
    const sku = chosen ?? skuOf(form);
    if (sku && element.getAttribute('sku') !== sku) element.setAttribute('sku', sku);
  }
}

function start() {
  if (!customElements.get('presell-offer')) customElements.define('presell-offer', PresellOffer);
  follow();
  // Themes change the variant in many ways: a select, radios, a hidden input set by script, the URL.
  const soon = () => setTimeout(() => follow(), 30);
  document.addEventListener('change', soon);
  addEventListener('popstate', soon);
  document.addEventListener('presell:variant', (event) => {
    const detail = (event as CustomEvent<{ sku?: string }>).detail;
    follow(detail?.sku);
  });
  // Back on the page: what sold meanwhile is shown (a revalidation, 304 when nothing changed).
  const revalidate = () => {
    if (document.visibilityState !== 'visible') return;
    for (const element of document.querySelectorAll<PresellOffer>('presell-offer'))
      void element.refresh(true);
  };
  document.addEventListener('visibilitychange', revalidate);
  addEventListener('focus', revalidate);
  addEventListener('pageshow', (event) => {
    if (event.persisted) revalidate();
  });
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
