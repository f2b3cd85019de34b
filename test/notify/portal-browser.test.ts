/**
 * The portal's pages in real headless Chromium at a phone's size: axe-core finds no violations, nothing
 * scrolls sideways, and a customer can keep a delayed pre-order and cancel another by tapping through.
 * Set SCREENSHOTS=DIR to keep a picture of each page.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { expiryAfter, signLink } from '../../src/portal/link.ts';
import { portalSecret } from '../../src/services/communication-settings.ts';
import { call } from '../support/app.ts';
import {
  axeViolations,
  browserSkipReason,
  fitsWidth,
  launchChromium,
  phonePage,
} from '../support/browser.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { type CommsWorld, commsWorld, DAY, launchWithBatch, place, plusDays, portalPage } from './support.ts';

const noBrowser = browserSkipReason();
if (noBrowser) test('the portal in a phone’s browser', { skip: noBrowser }, () => {});
else
  describeOnEachEngine('the portal in a phone’s browser', ({ db, engine }) => {
    let world: CommsWorld;
    let browser: Browser;
    let page: Page;
    let origin: string;

    before(async () => {
      world = await commsWorld(db(), { name: 'Lumen & Co.' });
      origin = await world.app.listen({ port: 0, host: '127.0.0.1' });
      browser = await launchChromium();
      page = await phonePage(browser);
    });
    after(async () => {
      await browser?.close();
      await world.app.close();
      await world.close();
    });

    const check = async (name: string) => {
      const violations = await axeViolations(page);
      assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 1)}`);
      assert.ok(await fitsWidth(page), `${name} scrolls sideways`);
      if (process.env.SCREENSHOTS && engine === 'pglite') {
        await page.screenshot({ path: `${process.env.SCREENSHOTS}/portal-${name}.png`, fullPage: true });
      }
    };
    const tokenFor = async (email: string, days = 30) =>
      signLink(
        { shopId: world.shopId, email, purpose: 'portal', expiresAt: expiryAfter(world.clock.now(), days) },
        await portalSecret(db(), world.shopId, world.clock.now()),
      );

    test('every page is accessible and fits a phone; keep and cancel work by tapping', async () => {
      const email = 'sam@example.com';
      const delayed = await launchWithBatch(world, {
        paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
      });
      const kept = await place(world, delayed.sku, email);
      const other = await launchWithBatch(world);
      const cancelled = await place(world, other.sku, email, '4242424242424242', 2);
      const shipped = await launchWithBatch(world, {}, { readyInDays: 3 });
      const parcel = await place(world, shipped.sku, email);
      await call(
        world.app,
        'PATCH',
        `/v1/campaigns/${shipped.campaignId}/batches/${shipped.batchId}`,
        world.admin,
        {
          quantityReceived: 100,
        },
      );
      await call(world.app, 'POST', `/v1/preorders/${parcel.id}/fulfil`, world.admin, {
        carrier: 'DHL',
        trackingUrl: 'https://track.example/1',
      });
      await call(
        world.app,
        'PATCH',
        `/v1/campaigns/${delayed.campaignId}/batches/${delayed.batchId}`,
        world.admin,
        {
          readyDate: plusDays(delayed.readyDate, 30),
          note: 'The glass supplier needs more time.',
        },
      );
      const token = await tokenFor(email);

      await page.goto(origin + portalPage(token));
      assert.equal(await page.title(), 'Your pre-orders at Lumen & Co. · Lumen & Co.');
      assert.ok(await page.getByText('Your pre-order is delayed.').isVisible());
      await check('list');

      await page.getByRole('link', { name: 'Keep my pre-order' }).click();
      await check('keep');
      await page.getByRole('button', { name: 'Yes, keep it' }).click();
      assert.ok(await page.getByRole('status').getByText('keeps its place').isVisible());
      await check('list-kept');

      await page.goto(origin + portalPage(token, cancelled.id, 'cancel'));
      await check('cancel');
      await page.getByRole('button', { name: 'Yes, cancel it' }).click();
      assert.ok(await page.getByRole('status').getByText('Your pre-order is cancelled').isVisible());
      const state = await call(world.app, 'GET', `/v1/preorders/${cancelled.id}`, world.admin);
      assert.equal(state.body.state, 'cancelled');

      await page.goto(origin + portalPage(token, kept.id, 'card'));
      await check('card');
      await page.getByLabel('Card number').fill('4000 0000 0000 0002');
      await page.getByRole('button', { name: 'Save this card' }).click();
      assert.ok(await page.getByRole('alert').isVisible());
      await check('card-refused');

      await page.goto(origin + portalPage(await tokenFor(email, 1)));
      world.clock.advance(2 * DAY);
      await page.reload();
      await check('expired');
      await page.getByRole('button', { name: 'Email me a new link' }).click();
      assert.ok(await page.getByRole('heading', { name: 'Check your email' }).isVisible());
      await check('link-sent');

      await page.goto(`${origin}/portal?t=${token.slice(0, -3)}abc`);
      await check('tampered');

      const unsubscribe = signLink(
        { shopId: world.shopId, email, purpose: 'unsubscribe', expiresAt: null },
        await portalSecret(db(), world.shopId, world.clock.now()),
      );
      await page.goto(`${origin}/unsubscribe?t=${unsubscribe}`);
      await check('unsubscribe');
    });

    test('a Japanese shop’s portal is in Japanese and just as accessible', async () => {
      const shop = await commsWorld(
        db(),
        { name: 'ルーメン商店', locale: 'ja-JP', currency: 'JPY', timeZone: 'Asia/Tokyo' },
        world.inbox,
      );
      const japanese = `${await shop.app.listen({ port: 0, host: '127.0.0.1' })}`;
      try {
        const { sku } = await launchWithBatch(shop, { price: { amount: 12_900, currency: 'JPY' } });
        await place(shop, sku, 'yui@example.jp');
        const token = signLink(
          {
            shopId: shop.shopId,
            email: 'yui@example.jp',
            purpose: 'portal',
            expiresAt: expiryAfter(shop.clock.now(), 30),
          },
          await portalSecret(db(), shop.shopId, shop.clock.now()),
        );
        await page.goto(japanese + portalPage(token));
        assert.equal(await page.locator('html').getAttribute('lang'), 'ja');
        assert.ok(await page.getByRole('heading', { name: 'ルーメン商店の予約注文' }).isVisible());
        await check('ja-list');
      } finally {
        await shop.app.close();
        await shop.close();
      }
    });
  });
