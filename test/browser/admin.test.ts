/**
 * The admin web app in real headless Chromium against `presell demo`: sign in with the demo's key, create a
 * campaign with an early-bird tier, add two batches, place pre-orders through the storefront API, watch the
 * dashboard's numbers change, run the delay wizard, cancel one pre-order with a refund, export CSV; filter
 * pre-orders by payment and batch, read one's emails, cancel in bulk and import shipments with a progress bar
 * followed to the end; axe-core
 * on each screen, screenshots of the dashboard and the wizard (test-results/screenshots; docs/images when
 * PRESELL_DOC_IMAGES is set).
 */
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import {
  accessibilityViolations,
  browserSkipReason,
  launchChromium,
  type RunningDemo,
  SCREENSHOTS,
  screenshot,
  startDemo,
  until,
} from './support.ts';

const DESKTOP = { width: 1280, height: 900 };
const TABLET = { width: 768, height: 1024 };
const SKU = 'ADMIN-LAMP';
const DAY = 86_400_000;
const dateIn = (days: number) => new Date(Date.now() + days * DAY).toISOString().slice(0, 10);

const skip = browserSkipReason();

describe('the admin web app in Chromium', { skip: skip ?? false, timeout: 10 * 60_000 }, () => {
  let demo: RunningDemo;
  let browser: Browser;
  let page: Page;

  before(async () => {
    [demo, browser] = await Promise.all([startDemo(), launchChromium()]);
    const context = await browser.newContext({ viewport: DESKTOP, acceptDownloads: true });
    page = await context.newPage();
    page.on('pageerror', (error) => assert.fail(`the page threw: ${error.message}`));
  });
  after(async () => {
    await browser?.close();
    await demo?.stop();
  });

  const figure = (name: string) => page.locator(`[data-figure="${name}"]`).first().textContent();
  /** Waits until a figure reads `text`: a minute, as the demo's jobs share this machine's cores with the page. */
  const shows = (name: string, text: string) =>
    page
      .locator(`[data-figure="${name}"]`, {
        hasText: new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`),
      })
      .first()
      .waitFor({ timeout: 60_000 });
  async function accessible(screen: string) {
    assert.deepEqual(await accessibilityViolations(page), [], screen);
  }
  async function shot(name: string) {
    await screenshot(page, name);
    if (process.env.PRESELL_DOC_IMAGES) {
      const images = join(SCREENSHOTS, '..', '..', 'docs', 'images');
      mkdirSync(images, { recursive: true });
      copyFileSync(join(SCREENSHOTS, `${name}.png`), join(images, `${name}.png`));
    }
  }
  async function place(email: string, quantity: number) {
    const response = await fetch(`${demo.url}/v1/storefront/preorders`, {
      method: 'POST',
      headers: {
        'presell-key': demo.publishableKey,
        'idempotency-key': `admin-test-${email}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ sku: SKU, quantity, email, paymentMethod: '4242424242424242' }),
    });
    assert.equal(response.status, 201, await response.text());
  }
  const button = (name: string) => page.getByRole('button', { name, exact: true });
  /** A fresh page load forgets the key (it lives in memory only): sign in again. */
  async function signIn() {
    await page.goto(`${demo.url}/admin`);
    await page.getByLabel('Secret key').fill(demo.adminKey);
    await button('Sign in').click();
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
  }

  test('a launch run from the browser, from sign-in to the CSV export', async () => {
    // Sign in: a wrong key is refused in words; the demo's key opens the app.
    await page.goto(`${demo.url}/admin`);
    await page.getByLabel('Secret key').waitFor();
    await accessible('sign-in');
    await page.getByLabel('Secret key').fill('sk_wrong');
    await button('Sign in').click();
    await page.getByRole('alert').waitFor();
    assert.match((await page.getByRole('alert').textContent()) ?? '', /unauthorized/);
    await page.getByLabel('Secret key').fill(demo.adminKey);
    await button('Sign in').click();
    await page.getByRole('heading', { name: 'Campaigns' }).waitFor();
    await page.getByRole('link', { name: 'Aurora launch' }).waitFor();
    await accessible('campaigns');
    assert.equal(
      await page.evaluate(() => localStorage.length + sessionStorage.length + document.cookie.length),
      0,
      'the key is in memory only',
    );

    // A campaign with an early-bird tier, on a variant made for it; a bad price is refused inline first.
    await page.getByRole('link', { name: 'New campaign' }).click();
    await page.getByLabel('New variant SKU').fill(SKU);
    await page.getByLabel('New variant name').fill('Admin lamp');
    await button('Create variant').click();
    await page.getByText(`Variant ${SKU} created.`).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('Admin lamp launch');
    await page.getByLabel('Price', { exact: true }).fill('-5');
    await page.getByLabel('SKU 1').fill(SKU);
    await page.getByLabel('Cap 1').fill('40');
    await button('Add an early-bird tier').click();
    await page.getByLabel('Tier 1 first units').fill('5');
    await page.getByLabel('Tier 1 price').fill('79');
    await button('Create campaign').click();
    const priceError = page.locator('.field.invalid .error-text').first();
    await priceError.waitFor();
    assert.match((await priceError.textContent()) ?? '', /price\.amount/, 'the message names the field');
    await accessible('campaign editor with a refusal');
    await page.getByLabel('Price', { exact: true }).fill('99');
    await button('Create campaign').click();
    await page.waitForURL(/#\/campaigns\/cmp_[^/]+\/supply$/);
    const campaignUrl = page.url().replace(/\/supply$/, '');

    // Two batches, then open the campaign (asked first).
    await page.getByLabel('Batch units').fill('3');
    await page.getByLabel('Ready date').fill(dateIn(30));
    await page.getByLabel('Buffer days').fill('0');
    await button('Add batch').click();
    await until(
      page,
      'the first batch is listed',
      async () => (await page.locator('tbody tr').count()) === 1,
    );
    await page.getByLabel('Batch units').fill('10');
    await page.getByLabel('Ready date').fill(dateIn(60));
    await button('Add batch').click();
    await until(page, 'two batches are listed', async () => (await page.locator('tbody tr').count()) === 2);
    await accessible('supply plan');
    await button('Open').click();
    await page.getByText('Open this campaign to shoppers?').waitFor();
    await button('Open').click();
    await page.locator('.heading .status.open').waitFor();

    // The editor changes one field of the open campaign; what it does not show stays as it was.
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByLabel('Quiet moves (days)').fill('2');
    // Times are typed and shown on the shop's clock (the demo shop is in Berlin), stored as UTC.
    const closingDay = dateIn(90);
    await page.getByLabel('Closes at (Europe/Berlin)').fill(`${closingDay}T18:00`);
    await button('Save changes').click();
    await page.getByText('Changes saved.').waitFor();
    await accessible('campaign editor');
    const campaignId = /campaigns\/(cmp_[^/]+)/.exec(campaignUrl)?.[1];
    const edited = await (
      await fetch(`${demo.url}/v1/campaigns/${campaignId}`, {
        headers: { authorization: `Bearer ${demo.adminKey}` },
      })
    ).json();
    assert.equal(edited.promiseSettings.toleranceDays, 2);
    const berlinOffset = new Intl.DateTimeFormat('en', {
      timeZone: 'Europe/Berlin',
      timeZoneName: 'shortOffset',
    })
      .formatToParts(new Date(`${closingDay}T12:00:00Z`))
      .find((part) => part.type === 'timeZoneName')?.value;
    assert.equal(edited.closesAt, `${closingDay}T${berlinOffset === 'GMT+2' ? '16' : '17'}:00:00.000Z`);
    assert.equal(await page.getByLabel('Closes at (Europe/Berlin)').inputValue(), `${closingDay}T18:00`);
    assert.deepEqual(
      edited.earlyBird.map((tier: { firstUnits: number; unitAmount: number }) => [
        tier.firstUnits,
        tier.unitAmount,
      ]),
      [[5, 7900]],
    );

    // The dashboard before and after pre-orders placed through the storefront API.
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await until(page, 'the dashboard shows', async () => (await figure('units-held')) !== null);
    assert.equal(await figure('units-held'), '0 of 40');
    await place('ada@example.com', 2);
    await place('grace@example.com', 1);
    await place('alan@example.com', 3);
    await page.goto(`${campaignUrl}/edit`);
    await page.goto(`${campaignUrl}/dashboard`);
    await shows('preorders', '3');
    assert.equal(await figure('units-held'), '6 of 40');
    assert.equal(await figure('unpromised'), '0', '13 units of supply cover 6 ordered');
    assert.match((await figure('collected')) ?? '', /€/);
    await accessible('dashboard');
    await shot('admin-dashboard');

    // The delay wizard: new date and reason → impact → confirm.
    await page.getByRole('link', { name: 'Supply plan' }).click();
    await button('Delay').first().click();
    await page.getByLabel('New ready date').fill(dateIn(45));
    await page.getByLabel('Reason (customers read it)').fill('The glass supplier needs two more weeks.');
    await button('Preview the impact').click();
    await until(page, 'the impact shows', async () => (await figure('moved')) !== null);
    assert.equal(await figure('moved'), '2', 'the first batch served two customers (2 of them moved)');
    await accessible('delay wizard');
    await shot('admin-delay-wizard');
    await button('Apply the delay').click();
    await button('Yes, delay').click();
    await page.locator('.wizard').waitFor({ state: 'detached' });

    // Cancel one pre-order with a full refund, from its page.
    await page.getByRole('link', { name: 'Pre-orders' }).click();
    await page.getByRole('link', { name: 'grace@example.com' }).click();
    await shows('state', 'confirmed');
    await accessible('pre-order');
    await button('Cancel and refund').click();
    await page.getByLabel('Reason').fill('Asked by email');
    await page.getByLabel('Refund').selectOption('full');
    await button('Cancel the pre-order').click();
    await shows('state', 'cancelled');
    assert.equal(await figure('refunded'), '€79.00', 'its early-bird price, refunded in full');

    // The dashboard counts the cancellation; the CSV export answers.
    await page.goto(`${campaignUrl}/dashboard`);
    await shows('units-held', '5 of 40');
    assert.match((await figure('cancellation-rate')) ?? '', /^33(\.3)?\s?%$/);
    await page.getByRole('link', { name: 'Pre-orders' }).click();
    await page.getByLabel('Customer email').fill('ada@example.com');
    await button('Search').click();
    await until(page, 'the search finds one', async () => (await page.locator('tbody tr').count()) === 1);
    await button('Export ready pre-orders (CSV)').click();
    await page.getByRole('status').waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Save the CSV file' }).click();
    const saved = await (await download).path();
    assert.ok(saved, 'the CSV file was saved');
    await accessible('pre-orders');

    // A goodwill refund without cancelling: part of what Ada paid.
    await page.getByRole('link', { name: 'ada@example.com' }).click();
    await shows('state', 'confirmed');
    await button('Refund').click();
    await page.getByLabel('Refund reason').fill('A scratch on the box');
    await page.getByLabel('Amount').fill('10');
    await button('Send the refund').click();
    await shows('refunded', '€10.00');
    assert.equal(await figure('state'), 'confirmed', 'still on its way');
  });

  test('on a tablet the dashboard fits the width', async () => {
    await page.setViewportSize(TABLET);
    await signIn();
    await page.getByRole('link', { name: 'Admin lamp launch' }).click();
    await shows('units-held', '5 of 40');
    const fits = await page.evaluate(() => document.documentElement.scrollWidth <= innerWidth);
    assert.ok(fits, 'nothing scrolls sideways');
  });

  test('pre-orders: filters by payment and batch, the emails of one, a bulk cancel and an import followed to the end', async () => {
    await page.setViewportSize(DESKTOP);
    await signIn();
    await page.getByRole('link', { name: 'Admin lamp launch' }).click();
    await page.getByRole('link', { name: 'Pre-orders' }).click();
    const rows = page.locator('table.list tbody tr');
    const customers = async () => (await rows.locator('td a').allTextContents()).sort();
    /** Searches with the filters as chosen and waits for the table to show `expected` customers. */
    const search = async (expected: string[]) => {
      await button('Search').click();
      await until(page, `the table shows ${expected.join(', ')}`, async () => {
        const shown = await customers();
        return JSON.stringify(shown) === JSON.stringify([...expected].sort());
      });
    };

    // Alan paid in full; Ada was given €10 back and Grace cancelled with a refund: both refunded.
    await page.getByLabel('Payment').selectOption('paid');
    await search(['alan@example.com']);
    assert.deepEqual(await rows.locator('td[data-payment]').allTextContents(), ['Paid']);
    await page.getByLabel('Payment').selectOption('refunded');
    await search(['ada@example.com', 'grace@example.com']);
    // The later batch (10 units, ready in 60 days) serves Alan's units beyond the first batch's 3.
    await page.getByLabel('Payment').selectOption('');
    await page.getByLabel('Batch', { exact: true }).selectOption({ index: 2 });
    await search(['alan@example.com']);
    await page.getByRole('button', { name: /^Export ready pre-orders of ADMIN-LAMP, ready/ }).waitFor();
    await accessible('pre-orders filtered');

    // Ada's page lists the emails the demo sent her: the confirmation first, in the shop's language.
    await page.getByLabel('Batch', { exact: true }).selectOption('');
    await page.getByLabel('Customer email').fill('ada@example.com');
    await search(['ada@example.com']);
    await page.getByRole('link', { name: 'ada@example.com' }).click();
    await shows('payment', 'Refunded');
    const emails = page.locator('table.list', { has: page.getByRole('columnheader', { name: 'Subject' }) });
    await emails.locator('tbody tr', { hasText: 'confirmation' }).first().waitFor({ timeout: 60_000 });
    const confirmation = emails.locator('tbody tr', { hasText: 'confirmation' }).first();
    assert.match((await confirmation.textContent()) ?? '', /ada@example\.com.*sent/);
    await accessible('pre-order emails');
    await shot('admin-preorder-emails');

    // Three more customers, cancelled in one go: the bar follows the job until every one is done.
    for (const email of ['bulk1@example.com', 'bulk2@example.com', 'bulk3@example.com'])
      await place(email, 1);
    await page.getByRole('link', { name: '← The campaign’s pre-orders' }).click();
    await page.getByLabel('Payment').selectOption('paid');
    await search(['alan@example.com', 'bulk1@example.com', 'bulk2@example.com', 'bulk3@example.com']);
    for (const email of ['bulk1@example.com', 'bulk2@example.com', 'bulk3@example.com']) {
      await page.getByLabel(new RegExp(`^Select ${email.replace('.', '\\.')}`)).check();
    }
    await button('Cancel 3 selected').click();
    await page.getByLabel('Reason').fill('Duplicate orders');
    await button('Cancel them').click();
    const cancelling = page.getByRole('progressbar', { name: 'Cancelling pre-orders' });
    await cancelling.waitFor();
    await page.getByText('Finished: 3 of 3 done.').waitFor({ timeout: 60_000 });
    assert.deepEqual(
      await cancelling.evaluate((bar: HTMLProgressElement) => [bar.value, bar.max]),
      [3, 3],
      'the bar is full',
    );
    await until(
      page,
      'the paid list has only Alan left',
      async () => JSON.stringify(await customers()) === JSON.stringify(['alan@example.com']),
    );
    await accessible('bulk cancel done');
    await shot('admin-bulk-cancel');

    // A shipment file with a reference no pre-order has: the job finishes and says which line it refused.
    await page.getByLabel('Import shipments (CSV file)').setInputFiles({
      name: 'shipments.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(
        'order_reference,carrier,tracking_number,shipped_date\npo_unknown,DHL,123,2026-12-01\n',
      ),
    });
    await button('Import shipments').click();
    const importing = page.getByRole('progressbar', { name: 'Import shipments' });
    await importing.waitFor();
    await page.getByText('Finished: 0 of 1 done.').waitFor({ timeout: 60_000 });
    assert.deepEqual(await importing.evaluate((bar: HTMLProgressElement) => [bar.value, bar.max]), [1, 1]);
    await page.locator('.failures li', { hasText: /^Line 2: / }).waitFor();
    await accessible('shipment import done');
  });

  test('messages: a template edited with its live preview; a progress update sent; settings saved', async () => {
    await page.setViewportSize(DESKTOP);
    await signIn();
    await page.getByRole('link', { name: 'Messages' }).click();
    await page.getByLabel('Message', { exact: true }).selectOption('confirmation');
    await page.getByLabel('Language').selectOption('de');
    const preview = page.locator('.template strong');
    await until(page, 'the preview shows', async () => (await preview.count()) === 1);
    await page.getByLabel('Subject').fill('Danke, {{ customer.email }}');
    await until(page, 'the preview follows the draft', async () =>
      /^Danke, /.test((await preview.textContent()) ?? ''),
    );
    await button('Save template').click();
    await page.getByText('Saved: customers get this version from now on.').waitFor();
    await page.getByText('The shop’s own version.').waitFor();
    await page.getByText('None: every delivery went through.').waitFor();
    await accessible('messages');

    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('link', { name: 'Admin lamp launch' }).click();
    await page.getByRole('link', { name: 'Updates' }).click();
    await page.getByLabel('Update subject').fill('The glass is in');
    await page
      .getByLabel('Update text')
      .fill('Our supplier delivered the glass.\n\nAssembly starts next week.');
    await button('Save update').click();
    await page.getByRole('cell', { name: 'The glass is in' }).waitFor();
    await button('Send now').click();
    await button('Send now').click();
    await page.locator('tbody', { hasText: /2 of 2 sent/ }).waitFor({ timeout: 60_000 });
    await accessible('progress updates');

    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByLabel('Cancellation alert (%)').fill('150');
    await button('Save settings').click();
    const refusal = page.locator('.field.invalid .error-text').first();
    await refusal.waitFor();
    assert.match((await refusal.textContent()) ?? '', /cancellationAlert\.percent/);
    await page.getByLabel('Cancellation alert (%)').fill('15');
    await button('Save settings').click();
    await page.getByText('Saved.').waitFor();

    // The shop: a time zone that is none is refused at its field; a real one moves the dates shown.
    const created = page.locator('[data-figure="shop-created"]');
    const before = await created.textContent();
    await page.getByLabel('Time zone').fill('Mars/Olympus_Mons');
    await button('Save shop').click();
    await page.locator('.field.invalid .error-text', { hasText: /is not an IANA time zone/ }).waitFor();
    await page.getByLabel('Time zone').fill('Pacific/Kiritimati');
    await page.getByLabel('Accent colour').fill('#ffcc00');
    await button('Save shop').click();
    await page.getByText('Shop saved.').waitFor();
    const iso = (await created.getAttribute('datetime')) ?? '';
    const expected = await page.evaluate(
      (at) =>
        new Intl.DateTimeFormat(navigator.language, {
          dateStyle: 'medium',
          timeStyle: 'short',
          timeZone: 'Pacific/Kiritimati',
        }).format(new Date(at)),
      iso,
    );
    assert.equal(await created.textContent(), expected, 'the shop’s creation in its new zone (UTC+14)');
    assert.notEqual(expected, before);
    const shop = await fetch(`${demo.url}/v1/shop`, {
      headers: { authorization: `Bearer ${demo.adminKey}` },
    });
    assert.equal(((await shop.json()) as { timeZone: string }).timeZone, 'Pacific/Kiritimati');
    assert.match((await figure('payment-provider')) ?? '', /^test \(test mode\)$/);
    await screenshot(page, 'settings');
    await page.getByLabel('Endpoint URL').fill(`${demo.url}/health`);
    await button('Add endpoint').click();
    await page.getByText(/^Signing secret of .*whsec_/).waitFor();
    await accessible('settings');

    // The secret key rotated at once: the app goes on with the new one, the old one is refused.
    await page.getByLabel('Key to replace').selectOption('secret');
    await button('Rotate key').click();
    await button('Make the new key').click();
    const shown = page.getByText(/^The new secret key, shown this once: sk_/);
    await shown.waitFor();
    const newKey = /(sk_\S+)/.exec((await shown.textContent()) ?? '')?.[1];
    assert.ok(newKey && newKey !== demo.adminKey);
    await page.getByRole('link', { name: 'Campaigns' }).click();
    await page.getByRole('link', { name: 'Admin lamp launch' }).waitFor();
    const old = await fetch(`${demo.url}/v1/keys`, { headers: { authorization: `Bearer ${demo.adminKey}` } });
    assert.equal(old.status, 401);
  });
});
