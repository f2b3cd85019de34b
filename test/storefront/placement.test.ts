/**
 * What a shopper is answered when they place a pre-order: what they pay now, the balance and when it falls
 * due (from the payment plan); what a refused card leaves behind (no units, no place in the queue shown to
 * anyone); and a replay, which is the first answer as it was, on every route that places.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { addDays } from '../../src/domain/calendar.ts';
import { loadPreorderFacts, preorderModel } from '../../src/notify/model.ts';
import { expiryAfter, signLink } from '../../src/portal/link.ts';
import { portalSecret } from '../../src/services/communication-settings.ts';
import { DECLINED, launch, type MoneyWorld, moneyWorld, place, stateOf, VISA } from '../money/support.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertRefused } from '../support/http-assertions.ts';

describeOnEachEngine('the placement’s answer', ({ db }) => {
  let world: MoneyWorld;

  before(async () => {
    world = await moneyWorld(db());
  });

  const english = { 'accept-language': 'fr-CH;q=0.5, en-GB;q=0.9, *;q=0.1' };

  test('pay in full: all of it now, nothing later', async () => {
    const { sku } = await launch(world, 7_900, 'EUR');
    const placed = await place(world, sku, { quantity: 2, paymentMethod: VISA });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.deepEqual(placed.body.due, {
      now: { amount: 15_800, currency: 'EUR' },
      later: { amount: 0, currency: 'EUR' },
      laterDue: null,
      message: 'Jetzt 158,00\u00a0€ zahlen',
    });
  });

  test('a deposit: what is charged now, the balance and the day it falls due, in the page’s language', async () => {
    const { sku, campaignId } = await launch(world, 10_000, 'EUR', {
      paymentTerms: { kind: 'deposit', percent: 25, balanceDue: { kind: 'days_before_ship', days: 7 } },
    });
    await call(world.app, 'POST', `/v1/campaigns/${campaignId}/batches`, world.shop.admin, {
      sku,
      quantity: 10,
      readyDate: '2027-02-10',
    });
    const placed = await call(
      world.app,
      'POST',
      '/v1/storefront/preorders',
      { ...world.shop.storefront, ...english, 'idempotency-key': 'due-deposit' },
      { sku, quantity: 2, email: 'deposit@example.com', paymentMethod: VISA },
    );
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    const shipsBy = placed.body.promise.window.to as string;
    const balanceDay = addDays(shipsBy, -7);
    assert.deepEqual(placed.body.due.now, { amount: 5_000, currency: 'EUR' });
    assert.deepEqual(placed.body.due.later, { amount: 15_000, currency: 'EUR' });
    assert.deepEqual(placed.body.due.laterDue, { kind: 'on_date', date: balanceDay });
    const day = new Intl.DateTimeFormat('en-GB', {
      day: 'numeric',
      month: 'long',
      year: 'numeric',
      timeZone: 'UTC',
    }).format(new Date(`${balanceDay}T00:00:00Z`));
    assert.equal(placed.body.due.message, `Pay €50.00 now, €150.00 on ${day}`);

    const ledger = await call(world.app, 'GET', `/v1/preorders/${placed.body.id}/ledger`, world.shop.admin);
    assert.deepEqual(ledger.body.charged, placed.body.due.now, 'what it said is what was charged');
    assert.deepEqual(ledger.body.outstanding, placed.body.due.later, 'and what it said is left to pay');
  });

  test('pay later: nothing now, all of it on release; the confirm after the browser says the same', async () => {
    const { sku } = await launch(world, 4_000, 'EUR', { paymentTerms: { kind: 'later' } });
    const placed = await place(world, sku, { quantity: 1 });
    assert.equal(placed.body.payment.status, 'requires_payment_method');
    const expected = {
      now: { amount: 0, currency: 'EUR' },
      later: { amount: 4_000, currency: 'EUR' },
      laterDue: { kind: 'on_release' },
      message: 'Jetzt nichts zahlen, 40,00\u00a0€ beim Versand',
    };
    assert.deepEqual(placed.body.due, expected);
    const clientSecret = placed.body.payment.clientSecret as string;
    const paid = await call(
      world.app,
      'POST',
      '/v1/storefront/test-payments/confirm',
      world.shop.storefront,
      {
        clientSecret,
        card: VISA,
      },
    );
    assert.equal(paid.body.status, 'succeeded');
    const confirmed = await call(
      world.app,
      'POST',
      `/v1/storefront/preorders/${placed.body.id}/confirm`,
      world.shop.storefront,
    );
    assert.equal(confirmed.body.state, 'confirmed');
    assert.deepEqual(confirmed.body.due, expected);
  });

  test('declined cards hold nothing: the customer can still pre-order up to the limit, first in line', async () => {
    const { sku, campaignId } = await launch(world, 5_000, 'EUR', { cap: 4, perCustomerLimit: 2 });
    await call(world.app, 'POST', `/v1/campaigns/${campaignId}/batches`, world.shop.admin, {
      sku,
      quantity: 2,
      readyDate: '2027-01-10',
    });
    await call(world.app, 'POST', `/v1/campaigns/${campaignId}/batches`, world.shop.admin, {
      sku,
      quantity: 2,
      readyDate: '2027-03-10',
    });
    const email = 'unlucky@example.com';
    for (let attempt = 0; attempt < 3; attempt += 1) {
      assertRefused(
        await place(world, sku, { quantity: 2, email, paymentMethod: DECLINED }),
        402,
        'card_declined',
      );
    }
    const offer = await call(world.app, 'GET', `/v1/storefront/offers/${sku}`, world.shop.storefront);
    assert.equal(offer.body.unitsLeft, 4, 'no unit is held by a refused card');

    const placed = await place(world, sku, { quantity: 2, email, paymentMethod: VISA });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.deepEqual(
      placed.body.promise.batches.map((b: { units: number }) => b.units),
      [2],
      'the first batch serves it: the refused attempts took no place ahead of it',
    );
    assert.ok(placed.body.promise.window.from < '2027-03-01', JSON.stringify(placed.body.promise));
    assertRefused(
      await place(world, sku, { quantity: 1, email, paymentMethod: VISA }),
      422,
      'per_customer_limit',
    );

    const live = await call(world.app, 'GET', `/v1/preorders?campaign=${campaignId}`, world.shop.admin);
    assert.deepEqual(
      live.body.data.map((p: { state: string }) => p.state).sort(),
      ['cancelled', 'cancelled', 'cancelled', 'confirmed'],
      'each refused attempt is kept, cancelled, for the merchant to see',
    );
  });

  test('the place shown counts only pre-orders still waiting or shipped, wherever it is shown', async () => {
    const { sku, campaignId } = await launch(world, 5_000, 'EUR', { cap: 10 });
    const address = { name: 'Ada', line1: 'Rue 1', postalCode: '75001', city: 'Paris', country: 'FR' };
    const buy = async (email: string) => {
      const placed = await call(
        world.app,
        'POST',
        '/v1/storefront/preorders',
        { ...world.shop.storefront, 'idempotency-key': `place-in-queue-${email}` },
        { sku, quantity: 1, email, paymentMethod: VISA, shippingAddress: address },
      );
      assert.equal(placed.status, 201, JSON.stringify(placed.body));
      return placed.body as { id: string; queuePosition: number };
    };
    const shown = async (id: string) =>
      (await call(world.app, 'GET', `/v1/preorders/${id}`, world.shop.admin)).body.queuePosition;

    for (let attempt = 0; attempt < 3; attempt += 1) {
      assertRefused(
        await place(world, sku, { email: 'ada@example.com', paymentMethod: DECLINED }),
        402,
        'card_declined',
      );
    }
    const ada = await buy('ada@example.com');
    assert.equal(ada.queuePosition, 1, 'three refused cards ahead take no place');
    const bob = await buy('bob@example.com');
    const cy = await buy('cy@example.com');
    assert.deepEqual([bob.queuePosition, cy.queuePosition], [2, 3]);

    const cancelled = await call(world.app, 'POST', `/v1/preorders/${ada.id}/cancel`, world.shop.admin, {
      reason: 'changed her mind',
    });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.deepEqual([await shown(bob.id), await shown(cy.id)], [1, 2], 'everyone behind moves up');
    const [stored] = await db().query<{ queue_position: number }>(
      'SELECT queue_position FROM preorders WHERE shop_id = $1 AND id = $2',
      [world.shop.shopId, cy.id],
    );
    assert.equal(stored?.queue_position, 6, 'the order of placement itself is kept, never reused');
    const dee = await buy('dee@example.com');
    assert.equal(dee.queuePosition, 3);
    const listed = await call(world.app, 'GET', `/v1/preorders?campaign=${campaignId}`, world.shop.admin);
    assert.deepEqual(
      listed.body.data
        .filter((p: { state: string }) => p.state !== 'cancelled')
        .map((p: { id: string; queuePosition: number }) => [p.id, p.queuePosition]),
      [
        [bob.id, 1],
        [cy.id, 2],
        [dee.id, 3],
      ],
    );

    // The confirmation email's model and the customer portal say the same.
    const now = world.clock.now();
    const secret = await portalSecret(db(), world.shop.shopId, now);
    const facts = await loadPreorderFacts(world.ctx, world.shop.shopId, cy.id);
    const model = preorderModel(facts, { publicUrl: 'http://shop.test', secret, linkDays: 30, now });
    assert.equal(model.preorder.queuePosition, 2);
    const token = signLink(
      {
        shopId: world.shop.shopId,
        email: 'cy@example.com',
        purpose: 'portal',
        expiresAt: expiryAfter(now, 30),
      },
      secret,
    );
    const portal = await world.app.inject({ url: `/portal?t=${token}` });
    assert.equal(portal.statusCode, 200);
    assert.match(portal.body, /Platz in der Warteschlange<\/dt><dd>2<\/dd>/);

    // So does the fulfilment export, once the stock is in.
    const batch = await call(world.app, 'POST', `/v1/campaigns/${campaignId}/batches`, world.shop.admin, {
      sku,
      quantity: 10,
      readyDate: '2027-01-10',
    });
    await call(world.app, 'PATCH', `/v1/campaigns/${campaignId}/batches/${batch.body.id}`, world.shop.admin, {
      quantityReceived: 10,
    });
    const exported = await world.app.inject({
      method: 'POST',
      url: '/v1/exports',
      headers: world.shop.admin,
      payload: { campaignId },
    });
    assert.equal(exported.statusCode, 200, exported.body);
    const json = await world.app.inject({
      url: `/v1/exports/${exported.headers['presell-export-id']}?format=json`,
      headers: world.shop.admin,
    });
    assert.deepEqual(
      json
        .json()
        .data.map((order: { orderReference: string; queuePosition: number }) => [
          order.orderReference,
          order.queuePosition,
        ]),
      [
        [bob.id, 1],
        [cy.id, 2],
        [dee.id, 3],
      ],
    );
  });

  test('a replay is the first answer as it was, due and payment included, even after a cancellation', async () => {
    const { sku } = await launch(world, 6_000, 'EUR', {
      paymentTerms: { kind: 'deposit', amount: 1_000, balanceDue: { kind: 'on_release' } },
    });
    const placed = await place(world, sku, { quantity: 1, paymentMethod: VISA });
    assert.equal(placed.body.state, 'confirmed');
    const cancelled = await call(
      world.app,
      'POST',
      `/v1/preorders/${placed.body.id}/cancel`,
      world.shop.admin,
      {
        reason: 'customer asked',
      },
    );
    assert.equal(cancelled.status, 200);
    const replay = await place(world, sku, { quantity: 1, paymentMethod: VISA }, placed.key);
    assert.equal(replay.status, 201);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.body, placed.body);
    assert.equal(await stateOf(world, placed.body.id), 'cancelled', 'GET tells where it stands now');
  });

  test('the hosted checkout’s placement replays the same way, marked as a replay', async () => {
    const { sku } = await launch(world, 3_000, 'EUR');
    const checkout = () =>
      call(
        world.app,
        'POST',
        '/v1/storefront/checkouts',
        { ...world.shop.storefront, 'idempotency-key': 'checkout-replay' },
        {
          sku,
          quantity: 1,
          email: 'replay@example.com',
          locale: 'fr-FR',
          shippingAddress: { name: 'Ada', line1: 'Rue 1', postalCode: '75001', city: 'Paris', country: 'FR' },
        },
      );
    const first = await checkout();
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.equal(first.headers['idempotent-replayed'], undefined);
    assert.match(first.body.due.message, /^Payez 30,00.€ maintenant$/);
    const again = await checkout();
    assert.equal(again.status, 201);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.body, first.body, 'the client secret is asked of the provider again');
  });
});
