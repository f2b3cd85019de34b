/**
 * The storefront in real headless Chromium, against `presell demo` as a new user runs it: the widget on
 * the demo store's product pages (served from another origin than Presell, as a merchant's store is), the
 * hosted checkout, keyboard-only use, axe-core, and screenshots at a phone's and a desktop's size
 * (test-results/screenshots).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  accessibilityViolations,
  browserSkipReason,
  launchChromium,
  type RunningDemo,
  screenshot,
  startDemo,
  tabTo,
  until,
} from './support.ts';

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };
const VARIANT = { brass: '41001', graphite: '41002', sage: '41003', sand: '52001', moss: '52002' };
const ADDRESS = {
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  line1: 'Marienplatz 1',
  postalCode: '80331',
  city: 'München',
};

const skip = browserSkipReason();

describe('the storefront in Chromium', { skip: skip ?? false, timeout: 10 * 60_000 }, () => {
  let demo: RunningDemo;
  let browser: Browser;

  before(async () => {
    [demo, browser] = await Promise.all([startDemo(), launchChromium()]);
  });
  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  async function open(
    viewport: { width: number; height: number },
    url: string,
    watch: (page: Page) => void = () => {},
  ): Promise<Page> {
    const context = await browser.newContext({ viewport });
    const page = await context.newPage();
    page.on('pageerror', (error) => assert.fail(`the page threw: ${error.message}`));
    watch(page);
    await page.goto(url);
    return page;
  }

  const text = (page: Page, selector: string) => page.locator(selector).first().textContent();
  const productPage = (product: string, variant?: string) =>
    `${demo.store}/products/${product}${variant ? `?variant=${variant}` : ''}`;

  async function admin(path: string, body?: unknown) {
    const response = await fetch(`${demo.url}${path}`, {
      method: body === undefined ? 'GET' : 'PATCH',
      headers: { authorization: `Bearer ${demo.adminKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    assert.ok(response.ok, `${path}: ${response.status} ${await response.clone().text()}`);
    return response.json();
  }

  async function fillDetails(page: Page, quantity = 1) {
    for (const [field, value] of Object.entries(ADDRESS)) await page.fill(`#${field}`, value);
    await page.fill('#quantity', String(quantity));
    await page.selectOption('#country', 'DE');
  }

  test('switching variants updates the promise and the price, one offer request per variant', async () => {
    const offerRequests: string[] = [];
    const page = await open(DESKTOP, productPage('aurora-lamp'), (watched) =>
      watched.on('request', (request) => {
        if (request.url().includes('/v1/storefront/offers/')) {
          offerRequests.push(new URL(request.url()).pathname);
        }
      }),
    );
    await page.locator('.presell-button').waitFor();
    assert.equal(await text(page, '.presell-button'), 'Pre-order');
    assert.match(
      (await text(page, '.presell-price')) ?? '',
      /^€99\.00€129\.00$/,
      'the early-bird price, and the regular one',
    );
    assert.match((await text(page, '.presell-terms')) ?? '', /^Pay €19\.80 now, €79\.20 when it ships$/);
    assert.match((await text(page, '.presell-badge')) ?? '', /^Early bird: \d+ left at this price$/);
    assert.ok(
      await page.locator('button[name=add]').isHidden(),
      'the store’s button gives way to the pre-order button',
    );
    const brassPromise = await text(page, '.presell-headline');
    assert.match(brassPromise ?? '', /^Order now — ships/);

    await page.selectOption('#variant', VARIANT.sage);
    await until(page, 'the Sage price shows', async () => (await text(page, '.presell-price')) === '€149.00');
    assert.notEqual(await text(page, '.presell-headline'), brassPromise, 'another variant, another promise');
    assert.equal(await text(page, '.presell-terms'), 'Pay €149.00 now');
    assert.match((await text(page, '.presell-countdown')) ?? '', /^Ends in \d+d \d+h$/);
    assert.match(page.url(), /variant=41003/, 'the store wrote the variant into the URL');

    await page.selectOption('#variant', VARIANT.brass);
    await until(
      page,
      'Brass shows again',
      async () => (await text(page, '.presell-headline')) === brassPromise,
    );
    assert.deepEqual(offerRequests.sort(), [
      '/v1/storefront/offers/AURORA-LAMP',
      '/v1/storefront/offers/AURORA-LAMP-SAGE',
    ]);
    assert.equal(
      await page.locator('.presell-live').textContent(),
      `Pre-order. ${brassPromise}`,
      'the change is announced',
    );
    await screenshot(page, 'store-desktop');

    await page.goto(productPage('aurora-lamp', VARIANT.graphite));
    await page.locator('.presell-headline').waitFor();
    assert.notEqual(await text(page, '.presell-headline'), brassPromise, '?variant= picks the variant');
    await page.evaluate(() =>
      document.dispatchEvent(new CustomEvent('presell:variant', { detail: { sku: 'AURORA-LAMP-SAGE' } })),
    );
    await until(
      page,
      'the custom event switched to Sage',
      async () => (await text(page, '.presell-price')) === '€149.00',
    );
  });

  test('a backorder says when it is back; an in-stock variant keeps the store’s own button', async () => {
    const page = await open(PHONE, productPage('trail-mug', VARIANT.sand));
    await page.locator('.presell-button').waitFor();
    assert.equal(await text(page, '.presell-button'), 'Backorder');
    assert.match((await text(page, '.presell-headline')) ?? '', /^Back in stock — ships by /);
    await screenshot(page, 'store-backorder-phone');
    await page.selectOption('#variant', VARIANT.moss);
    await until(page, 'the store’s button is back', () => page.locator('button[name=add]').isVisible());
    assert.ok(await page.locator('presell-offer').isHidden());
    assert.deepEqual(await accessibilityViolations(page), []);
  });

  test('with data-presell-checkout="store" the store’s own button is relabelled and keeps its cart', async () => {
    // The demo store's script tag, as a merchant would write it with the option.
    const page = await open(PHONE, 'about:blank', (watched) =>
      watched.addInitScript(() => {
        new MutationObserver((changes) => {
          for (const change of changes) {
            for (const node of change.addedNodes) {
              if (node instanceof HTMLScriptElement && node.dataset.presellKey)
                node.dataset.presellCheckout = 'store';
            }
          }
        }).observe(document, { childList: true, subtree: true });
      }),
    );
    await page.goto(productPage('trail-mug', VARIANT.sand));
    const storeButton = page.locator('button[name=add]');
    await until(
      page,
      'the store’s button says Backorder',
      async () => (await storeButton.textContent()) === 'Backorder',
    );
    assert.ok(await storeButton.isVisible());
    assert.ok(await page.locator('.presell-button').isHidden(), 'no second button');
    assert.match((await text(page, '.presell-headline')) ?? '', /^Back in stock — ships by /);
    await page.selectOption('#variant', VARIANT.moss);
    await until(
      page,
      'the store’s label is back',
      async () => (await storeButton.textContent()) === 'Add to cart',
    );
  });

  test('a pre-order through the hosted checkout: a declined card, then a good one', async () => {
    const page = await open(PHONE, productPage('aurora-lamp', VARIANT.graphite));
    assert.deepEqual(await accessibilityViolations(page), [], 'the product page with the widget');
    await screenshot(page, 'store-phone');
    await page.locator('.presell-button').click();
    await page.waitForURL(/\/checkout\/AURORA-LAMP-GRAPHITE\?/);
    assert.deepEqual(await accessibilityViolations(page), [], 'the checkout’s details');
    await screenshot(page, 'checkout-details-phone');

    await fillDetails(page, 2);
    await page.getByRole('button', { name: 'Continue to payment' }).click();
    await page.locator('#payment').waitFor();
    assert.equal(await text(page, '#due-total'), '€198.00');
    assert.equal(await text(page, '#due-now'), '€39.60');
    assert.equal(await text(page, '#pay'), 'Pay €39.60');
    assert.deepEqual(await accessibilityViolations(page), [], 'the payment step');
    await screenshot(page, 'checkout-payment-phone');

    await page.fill('#card', '4000 0000 0000 0002');
    await page.click('#pay');
    await until(page, 'the decline is shown', async () =>
      /declined/.test((await text(page, '#payment-error')) ?? ''),
    );
    assert.equal(await text(page, '#payment-error'), 'Your card was declined. Please use another card.');
    await screenshot(page, 'checkout-declined-phone');
    await page.fill('#card', '4242 4242 4242 4242');
    await page.click('#pay');
    await page.locator('#done').waitFor();
    assert.match((await text(page, '#done-queue')) ?? '', /^You are number \d+ in line\.$/);
    assert.match((await text(page, '#done-promise')) ?? '', /^Ships /);
    assert.deepEqual(await accessibilityViolations(page), [], 'the confirmation');
    await screenshot(page, 'checkout-done-phone');

    const id = /po_[0-9a-z]+/.exec((await text(page, '#done-reference')) ?? '')?.[0];
    const preorder: {
      state: string;
      quantity: number;
      shippingAddress: { city: string };
      money: { charged: unknown };
    } = await admin(`/v1/preorders/${id}`);
    assert.equal(preorder.state, 'confirmed');
    assert.equal(preorder.quantity, 2);
    assert.equal(preorder.shippingAddress.city, 'München');
    assert.deepEqual(
      preorder.money.charged,
      { amount: 3960, currency: 'EUR' },
      'charged once, after the decline',
    );
  });

  test('the last units bought in another tab turn the button to sold out', async () => {
    const shopper = await open(DESKTOP, productPage('aurora-lamp', VARIANT.sage));
    await shopper.locator('.presell-button:not([disabled])').waitFor();
    const offer: { campaignId: string } = await (
      await fetch(`${demo.url}/v1/storefront/offers/AURORA-LAMP-SAGE?key=${demo.publishableKey}`)
    ).json();
    const campaign: { variants: { held: number }[] } = await admin(`/v1/campaigns/${offer.campaignId}`);
    const held = campaign.variants[0]?.held ?? 0;
    await admin(`/v1/campaigns/${offer.campaignId}`, {
      variants: [{ sku: 'AURORA-LAMP-SAGE', cap: held + 1 }],
    });

    const other = await shopper.context().newPage();
    await other.goto(`${demo.url}/checkout/AURORA-LAMP-SAGE?key=${demo.publishableKey}`);
    await fillDetails(other);
    await other.getByRole('button', { name: 'Continue to payment' }).click();
    await other.fill('#card', '4242424242424242');
    await other.click('#pay');
    await other.locator('#done').waitFor();

    assert.equal(
      await text(shopper, '.presell-button'),
      'Pre-order',
      'the first tab has not looked again yet',
    );
    // Back to the first tab. Headless Chromium sends no focus or visibility change on bringToFront, so the
    // focus event a browser sends the page when its tab is chosen again is sent here.
    await shopper.bringToFront();
    await shopper.evaluate(() => window.dispatchEvent(new FocusEvent('focus')));
    await until(
      shopper,
      'the first tab shows sold out',
      async () => (await text(shopper, '.presell-button')) === 'Sold out',
    );
    assert.ok(await shopper.locator('.presell-button').isDisabled());
    assert.equal(await shopper.locator('.presell-live').textContent(), 'Sold out');
    assert.deepEqual(await accessibilityViolations(shopper), []);
    await screenshot(shopper, 'store-sold-out-desktop');
  });

  test('keyboard only: choose a variant, pre-order, type the details, pass the bank’s check', async () => {
    const page = await open(DESKTOP, productPage('aurora-lamp', VARIANT.brass));
    await page.locator('.presell-button').waitFor();
    const brassPromise = await text(page, '.presell-headline');
    await tabTo(page, '#variant');
    await page.keyboard.press('ArrowDown');
    await until(
      page,
      'the widget shows Graphite',
      async () => (await text(page, '.presell-headline')) !== brassPromise,
    );
    assert.equal(new URL(page.url()).searchParams.get('variant'), VARIANT.graphite);
    await tabTo(page, '.presell-button');
    const ring = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement as Element);
      return { style: style.outlineStyle, width: Number.parseFloat(style.outlineWidth) };
    });
    assert.ok(ring.style !== 'none' && ring.width >= 2, `a visible focus ring: ${JSON.stringify(ring)}`);
    const box = await page.locator('.presell-button').boundingBox();
    assert.ok(
      box && box.width >= 44 && box.height >= 44,
      `a target of at least 44×44 px: ${JSON.stringify(box)}`,
    );
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/checkout\//);

    for (const [field, value] of Object.entries(ADDRESS)) {
      await tabTo(page, `#${field}`);
      await page.keyboard.type(value);
    }
    await tabTo(page, '#details button[type=submit]');
    await page.keyboard.press('Enter');
    await page.locator('#payment').waitFor();
    await tabTo(page, '#card');
    await page.keyboard.type('4000002500003155');
    await page.keyboard.press('Enter');
    await page.locator('#bank[open]').waitFor();
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'bank-confirm',
      'the dialog takes the focus',
    );
    await screenshot(page, 'checkout-bank-desktop');
    await page.keyboard.press('Enter');
    await page.locator('#done').waitFor();
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'done',
      'the confirmation takes the focus',
    );
    await screenshot(page, 'checkout-done-desktop');
  });
});
