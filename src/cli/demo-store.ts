/**
 * The demo's store: a product page per demo product, written as a merchant's theme would be (a form that
 * adds to the store's own cart, a variant picker that sets `?variant=`), embedding Presell's widget with
 * one script tag. It stands in for a Shopify store so that a new user can click through the whole flow.
 */
import type { FastifyPluginAsync } from 'fastify';
import { format, money } from '../domain/money.ts';
import { escapeHtml } from '../http/html.ts';
import { DEMO_PRODUCTS, type DemoProduct } from './demo-catalogue.ts';

export interface DemoStore {
  routes: FastifyPluginAsync;
  /** From when the demo shop exists: the key its pages embed, and the Presell server's URL. */
  open(settings: { publishableKey: string; presellUrl: string; currency: string; locale: string }): void;
}

export function demoStore(): DemoStore {
  let settings: Parameters<DemoStore['open']>[0] | undefined;
  const routes: FastifyPluginAsync = async (app) => {
    const page = (reply: { type(value: string): { send(body: string): unknown } }, html: string) =>
      reply.type('text/html; charset=utf-8').send(html);
    // Pages of a pretend store, not Presell's API: left out of the OpenAPI document.
    const hide = { schema: { hide: true } };
    app.get('/store', hide, async (_request, reply) => {
      if (!settings) return reply.status(503).send('The demo shop is being seeded; reload in a moment.');
      return page(reply, storeIndex(settings));
    });
    app.get<{ Params: { handle: string } }>('/store/products/:handle', hide, async (request, reply) => {
      const product = DEMO_PRODUCTS.find((each) => each.handle === request.params.handle);
      if (!product) return reply.status(404).type('text/plain').send('No such product in the demo store.');
      if (!settings) return reply.status(503).send('The demo shop is being seeded; reload in a moment.');
      return page(reply, productPage(product, settings));
    });
    app.post('/store/cart/add', hide, async (_request, reply) =>
      page(
        reply,
        layout(
          'Cart',
          '<h1>Added to the cart</h1><p>This demo store has no cart; Presell sold nothing.</p><p><a href="/store">Back to the store</a></p>',
        ),
      ),
    );
  };
  return {
    routes,
    open(values) {
      settings = values;
    },
  };
}

type Settings = Parameters<DemoStore['open']>[0];

function storeIndex(settings: Settings): string {
  const items = DEMO_PRODUCTS.map(
    (product) =>
      `<li><a href="/store/products/${product.handle}">${picture(product, 'small')}<span>${escapeHtml(product.name)}</span></a></li>`,
  ).join('');
  return layout(
    'Demo Co.',
    `<h1>Demo Co.</h1><p>A store that embeds Presell’s widget.</p><ul class="products">${items}</ul>`,
    settings,
  );
}

function productPage(product: DemoProduct, settings: Settings): string {
  const price = (cents: number) => format(money(cents, settings.currency), settings.locale);
  const first = product.variants[0];
  const options = product.variants
    .map(
      (variant) =>
        `<option value="${variant.id}" data-sku="${escapeHtml(variant.sku)}" data-price="${escapeHtml(price(variant.storePrice))}">${escapeHtml(variant.option)}</option>`,
    )
    .join('');
  return layout(
    product.name,
    `<div class="product">
  ${picture(product, 'large')}
  <div>
    <h1>${escapeHtml(product.name)}</h1>
    <p class="store-price" id="store-price">${escapeHtml(price(first?.storePrice ?? 0))}</p>
    <p>${escapeHtml(product.description)}</p>
    <form method="post" action="/store/cart/add" class="product-form">
      <label for="variant">Finish</label>
      <select id="variant" name="id">${options}</select>
      <label for="quantity">Quantity</label>
      <input id="quantity" name="quantity" type="number" min="1" value="1">
      <button type="submit" name="add">Add to cart</button>
    </form>
  </div>
</div>
<script>
  // The theme's own script: the picker follows ?variant= and writes it back, as Shopify themes do.
  const select = document.getElementById('variant');
  const chosen = new URLSearchParams(location.search).get('variant');
  if (chosen && select.querySelector('option[value="' + CSS.escape(chosen) + '"]')) select.value = chosen;
  const show = () => {
    document.getElementById('store-price').textContent = select.selectedOptions[0].dataset.price;
    const url = new URL(location.href);
    url.searchParams.set('variant', select.value);
    history.replaceState(null, '', url);
  };
  select.addEventListener('change', show);
  show();
</script>
<script src="${escapeHtml(settings.presellUrl)}/widget.js" data-presell-key="${escapeHtml(settings.publishableKey)}" async></script>`,
    settings,
  );
}

function picture(product: DemoProduct, size: 'small' | 'large'): string {
  return `<svg class="picture ${size}" viewBox="0 0 120 90" role="img" aria-label="${escapeHtml(product.name)}"><rect width="120" height="90" rx="8" fill="#efe9df"/><circle cx="60" cy="42" r="22" fill="${product.colour}"/><rect x="40" y="68" width="40" height="6" rx="3" fill="#6b6257"/></svg>`;
}

function layout(title: string, body: string, settings?: Settings): string {
  return `<!doctype html>
<html lang="${escapeHtml(settings?.locale ?? 'en')}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} — Demo Co.</title>
<style>
*{box-sizing:border-box}body{margin:0;font:16px/1.5 Georgia,serif;color:#222;background:#fffdf9}
header{padding:1rem;border-bottom:1px solid #e8e2d8}header a{color:#222;font-weight:700;text-decoration:none}
main{max-width:60rem;margin:0 auto;padding:1rem}
.product{display:grid;gap:1.5rem}@media (min-width:48rem){.product{grid-template-columns:1fr 1fr}}
.picture.large{width:100%;height:auto}.picture.small{width:10rem;display:block}
.products{list-style:none;padding:0;display:flex;gap:1.5rem;flex-wrap:wrap}.products a{color:#222}
h1{font-size:1.75rem;margin:.25rem 0}.store-price{font-size:1.25rem}
label{display:block;margin-top:.75rem;font-weight:700}
select,input{width:100%;min-height:44px;font:inherit;padding:.5rem;border:1px solid #767676;border-radius:.25rem;background:#fff}
button[name=add]{width:100%;min-height:48px;margin-top:1rem;font:inherit;font-weight:700;background:#222;color:#fff;border:0;border-radius:.25rem;cursor:pointer}
/* The merchant themes the widget with Presell's custom properties. */
presell-offer{--presell-accent:#7a3b12;--presell-font:system-ui,sans-serif}
</style>
</head>
<body><header><a href="/store">Demo Co.</a></header><main>${body}</main></body>
</html>
`;
}
