/**
 * Every way of paying, end to end over the API with the test provider, on both engines: the first step
 * at placement, balances at release, failures and their schedule, cancellations and refunds, exactly once.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { addDays, shopDate } from '../../src/domain/calendar.ts';
import { runDueJobs } from '../../src/jobs.ts';
import { collectBalances } from '../../src/services/balances.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertRefused } from '../support/http-assertions.ts';
import {
  CHARGES_DECLINED,
  DECLINED,
  daysLater,
  eventsOf,
  INSUFFICIENT_FUNDS,
  launch,
  ledgerOf,
  type MoneyWorld,
  moneyWorld,
  place,
  providerEvents,
  stateOf,
  unitsOf,
  VISA,
} from './support.ts';

describeOnEachEngine('payments', ({ db }) => {
  let eur: MoneyWorld;
  let jpy: MoneyWorld;
  let kwd: MoneyWorld;

  before(async () => {
    eur = await moneyWorld(db(), 'EUR');
    jpy = await moneyWorld(db(), 'JPY');
    kwd = await moneyWorld(db(), 'KWD');
  });

  test('pay in full (JPY): the whole price is charged at placement and the pre-order is confirmed', async () => {
    const { sku } = await launch(jpy, 12_800, 'JPY');
    const placed = await place(jpy, sku, { quantity: 2, paymentMethod: VISA });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.equal(placed.body.state, 'confirmed');
    assert.deepEqual(placed.body.payment, { status: 'succeeded', clientSecret: null, code: null });
    const ledger = await ledgerOf(jpy, placed.body.id);
    assert.deepEqual(
      ledger.entries.map((e) => [e.kind, e.amount]),
      [['charge', { amount: 25_600, currency: 'JPY' }]],
    );
    assert.equal(ledger.outstanding.amount, 0);
    assert.deepEqual(
      (await eventsOf(db(), placed.body.id)).map((e) => e.type),
      ['preorder.placed', 'preorder.confirmed'],
    );
    const again = await place(jpy, sku, { quantity: 2, paymentMethod: VISA }, placed.key);
    assert.equal(again.status, 201);
    assert.equal(again.body.state, 'confirmed', 'a retry with the same key replays the confirmed pre-order');
    assert.equal(providerEvents(jpy.provider, 'payment.succeeded').length, 1, 'and charges nothing more');
  });

  test('deposit (EUR, 12.5 %): the deposit now with the card saved, the balance at release', async () => {
    const { sku, campaignId } = await launch(eur, 7_999, 'EUR', {
      paymentTerms: { kind: 'deposit', percent: 12.5, balanceDue: { kind: 'on_release' } },
    });
    const placed = await place(eur, sku, { quantity: 3, paymentMethod: VISA });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.equal(placed.body.state, 'confirmed');
    // 3 × 79.99 = 239.97; 12.5 % = 29.99625 → 30.00 (half away from zero); the balance takes the rest.
    assert.deepEqual(
      (await ledgerOf(eur, placed.body.id)).entries.map((e) => e.amount.amount),
      [3_000],
    );

    assert.equal((await runDueJobs(eur.ctx, eur.payments)).balanceTries, 0, 'nothing is due before release');
    const released = await call(eur.app, 'POST', `/v1/campaigns/${campaignId}/release`, eur.shop.admin);
    assert.equal(released.status, 200);
    assert.ok(released.body.releasedAt);
    assert.equal((await runDueJobs(eur.ctx, eur.payments)).balanceTries, 1);
    const ledger = await ledgerOf(eur, placed.body.id);
    assert.deepEqual(
      ledger.entries.map((e) => [e.kind, e.amount.amount]),
      [
        ['charge', 3_000],
        ['charge', 20_997],
      ],
    );
    assert.equal(ledger.charged.amount, 23_997);
    assert.equal(ledger.outstanding.amount, 0);
    const shown = await call(eur.app, 'GET', `/v1/preorders/${placed.body.id}`, eur.shop.admin);
    assert.deepEqual(shown.body.money, {
      charged: { amount: 23_997, currency: 'EUR' },
      refunded: { amount: 0, currency: 'EUR' },
      outstanding: { amount: 0, currency: 'EUR' },
    });
    assert.equal(
      (await runDueJobs(eur.ctx, eur.payments)).balanceTries,
      0,
      'a paid balance is not charged again',
    );
  });

  test('pay later (KWD): the card is saved now, the whole price is charged at release', async () => {
    const { sku, campaignId } = await launch(kwd, 12_250, 'KWD', { paymentTerms: { kind: 'later' } });
    const placed = await place(kwd, sku, { paymentMethod: 'pm_card_visa' });
    assert.equal(placed.status, 201, JSON.stringify(placed.body));
    assert.equal(placed.body.state, 'confirmed');
    assert.deepEqual((await ledgerOf(kwd, placed.body.id)).entries, [], 'saving a card moves no money');
    await call(kwd.app, 'POST', `/v1/campaigns/${campaignId}/release`, kwd.shop.admin);
    await runDueJobs(kwd.ctx, kwd.payments);
    assert.deepEqual(
      (await ledgerOf(kwd, placed.body.id)).entries.map((e) => e.amount),
      [{ amount: 12_250, currency: 'KWD' }],
    );
  });

  test('the terms are locked at placement: changing the campaign later does not change what is owed', async () => {
    const { sku, campaignId } = await launch(eur, 10_000, 'EUR', {
      paymentTerms: { kind: 'deposit', amount: 2_000, balanceDue: { kind: 'on_release' } },
    });
    const placed = await place(eur, sku, { paymentMethod: VISA });
    const patched = await call(eur.app, 'PATCH', `/v1/campaigns/${campaignId}`, eur.shop.admin, {
      paymentTerms: { kind: 'full' },
      price: { amount: 20_000, currency: 'EUR' },
    });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    await call(eur.app, 'POST', `/v1/campaigns/${campaignId}/release`, eur.shop.admin);
    await runDueJobs(eur.ctx, eur.payments);
    assert.deepEqual(
      (await ledgerOf(eur, placed.body.id)).entries.map((e) => e.amount.amount),
      [2_000, 8_000],
    );
  });

  for (const [card, code] of [
    [DECLINED, 'card_declined'],
    [INSUFFICIENT_FUNDS, 'insufficient_funds'],
    ['4000000000000069', 'expired_card'],
  ] as const) {
    test(`a card refused with ${code} is answered 402 and the pre-order holds no units`, async () => {
      const { sku, campaignId } = await launch(eur, 5_000, 'EUR', { cap: 5 });
      const refused = await place(eur, sku, { quantity: 2, paymentMethod: card });
      assertRefused(refused, 402, code);
      assert.deepEqual(await unitsOf(db(), campaignId), { campaign: 0, variants: 0, customers: 0, live: 0 });
      const [preorder] = await db().query<{ id: string; state: string; cancel_reason: string }>(
        'SELECT id, state, cancel_reason FROM preorders WHERE campaign_id = $1',
        [campaignId],
      );
      assert.deepEqual([preorder?.state, preorder?.cancel_reason], ['cancelled', 'payment_failed']);
      assert.deepEqual((await ledgerOf(eur, preorder?.id as string)).entries, []);
      assertRefused(await place(eur, sku, { quantity: 2, paymentMethod: card }, refused.key), 402, code);
      const offer = await call(eur.app, 'GET', `/v1/storefront/offers/${sku}`, eur.shop.storefront);
      assert.equal(offer.body.unitsLeft, 5, 'the units are on sale again');
    });
  }

  test('a replay is the first answer as it was, marked as a replay; the pre-order now is GET’s to tell', async () => {
    const { sku } = await launch(eur, 5_000, 'EUR');
    const placed = await place(eur, sku, { paymentMethod: VISA });
    assert.equal(placed.headers['idempotent-replayed'], undefined);
    const cancelled = await call(eur.app, 'POST', `/v1/preorders/${placed.body.id}/cancel`, eur.shop.admin, {
      reason: 'changed my mind',
    });
    assert.equal(cancelled.status, 200);
    const replay = await place(eur, sku, { paymentMethod: VISA }, placed.key);
    assert.equal(replay.status, 201);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.body, placed.body, 'the answer as it was first given, payment included');
    assert.equal(await stateOf(eur, placed.body.id), 'cancelled');

    const refused = await place(eur, sku, { paymentMethod: DECLINED });
    const refusedAgain = await place(eur, sku, { paymentMethod: DECLINED }, refused.key);
    assertRefused(refusedAgain, 402, 'card_declined');
    assert.equal(refusedAgain.headers['idempotent-replayed'], 'true');

    const waiting = await place(eur, sku, { paymentMethod: '4000002760003184' });
    assert.equal(waiting.body.payment.status, 'requires_action');
    const waitingAgain = await place(eur, sku, { paymentMethod: '4000002760003184' }, waiting.key);
    assert.equal(waitingAgain.headers['idempotent-replayed'], 'true');
    assert.equal(waitingAgain.body.payment.status, 'requires_action');
    assert.match(
      waitingAgain.body.payment.clientSecret,
      /_secret_/,
      'the client secret is asked of the provider again',
    );
    const [stored] = await db().query<{ outcome: string }>(
      'SELECT outcome::text FROM idempotency_keys WHERE key = $1',
      [waiting.key],
    );
    assert.ok(stored && !stored.outcome.includes('_secret_'), 'no client secret is stored');
  });

  test('a card whose bank asks the shopper to authenticate waits for them with a client secret', async () => {
    const { sku } = await launch(eur, 5_000, 'EUR');
    const placed = await place(eur, sku, { paymentMethod: '4000002760003184' });
    assert.equal(placed.status, 201);
    assert.equal(placed.body.state, 'placed');
    assert.equal(placed.body.payment.status, 'requires_action');
    assert.match(placed.body.payment.clientSecret, /_secret_/);
  });

  test('without a payment method the shopper gets a client secret, and an abandoned placement gives its units back', async () => {
    const { sku, campaignId } = await launch(eur, 5_000, 'EUR', { cap: 3 });
    const placed = await place(eur, sku, { quantity: 3 });
    assert.equal(placed.status, 201);
    assert.equal(placed.body.state, 'placed');
    assert.equal(placed.body.payment.status, 'requires_payment_method');
    assert.match(placed.body.payment.clientSecret, /_secret_/);
    assert.equal((await unitsOf(db(), campaignId))?.variants, 3);
    assertRefused(await place(eur, sku, { quantity: 1, paymentMethod: VISA }), 409, 'sold_out');

    await daysLater(eur, 0);
    assert.equal(await stateOf(eur, placed.body.id), 'placed', 'before the timeout nothing happens');
    eur.clock.advance(31 * 60_000);
    const report = await runDueJobs(eur.ctx, eur.payments);
    assert.ok(report.abandonedReleased >= 1);
    assert.equal(await stateOf(eur, placed.body.id), 'cancelled');
    assert.deepEqual(await unitsOf(db(), campaignId), { campaign: 0, variants: 0, customers: 0, live: 0 });
    const again = await place(eur, sku, { quantity: 1, paymentMethod: VISA });
    assert.equal(again.status, 201, 'the released units sell again');
  });

  test('cancel by policy refunds everything before the cutoff, once, and frees the units', async () => {
    const { sku, campaignId } = await launch(eur, 4_500, 'EUR');
    const placed = await place(eur, sku, { quantity: 2, paymentMethod: VISA });
    const url = `/v1/preorders/${placed.body.id}/cancel`;
    const cancelled = await call(eur.app, 'POST', url, eur.shop.admin, { reason: 'changed my mind' });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    assert.equal(cancelled.body.basis, 'policy_before_cutoff');
    assert.deepEqual(cancelled.body.refunds, [
      { amount: { amount: 9_000, currency: 'EUR' }, status: 'succeeded' },
    ]);
    const again = await call(eur.app, 'POST', url, eur.shop.admin, {
      reason: 'changed my mind',
      refund: 'full',
    });
    assert.equal(again.status, 200);
    assert.equal(again.body.basis, null);
    const ledger = await ledgerOf(eur, placed.body.id);
    assert.deepEqual(
      ledger.entries.map((e) => [e.kind, e.amount.amount]),
      [
        ['charge', 9_000],
        ['refund', 9_000],
      ],
    );
    assert.equal(
      providerEvents(eur.provider, 'refund.updated').filter(
        (e) => e.type === 'refund.updated' && e.refund.paymentId === ledger.entries[0]?.paymentReference,
      ).length,
      1,
    );
    assert.equal((await unitsOf(db(), campaignId))?.variants, 0);
    assert.ok((await eventsOf(db(), placed.body.id)).some((e) => e.type === 'preorder.cancelled'));
  });

  test('after the cutoff the policy keeps the deposit; the merchant can override with a reason', async () => {
    const terms = { kind: 'deposit', amount: 1_500, balanceDue: { kind: 'on_release' } };
    const { sku } = await launch(eur, 6_000, 'EUR', {
      paymentTerms: terms,
      cancellationPolicy: { fullRefundUntil: { kind: 'date', date: '2026-11-30' } },
    });
    const kept = await place(eur, sku, { paymentMethod: VISA });
    const byPolicy = await call(eur.app, 'POST', `/v1/preorders/${kept.body.id}/cancel`, eur.shop.admin, {
      reason: 'customer asked',
    });
    assert.equal(byPolicy.body.basis, 'policy_after_cutoff');
    assert.deepEqual(byPolicy.body.refunds, []);
    assert.equal((await ledgerOf(eur, kept.body.id)).netPaid.amount, 1_500);

    const overridden = await place(eur, sku, { paymentMethod: VISA });
    const full = await call(eur.app, 'POST', `/v1/preorders/${overridden.body.id}/cancel`, eur.shop.admin, {
      reason: 'goodwill',
      refund: 'full',
    });
    assert.equal(full.body.basis, 'merchant_full_refund');
    assert.equal((await ledgerOf(eur, overridden.body.id)).netPaid.amount, 0);
  });

  test('a refund whose answer was lost is sent again with the same key: one refund', async () => {
    const { sku } = await launch(eur, 3_000, 'EUR');
    const placed = await place(eur, sku, { paymentMethod: VISA });
    eur.provider.interruptNextCalls(1, 'after');
    const cancelled = await call(eur.app, 'POST', `/v1/preorders/${placed.body.id}/cancel`, eur.shop.admin, {
      reason: 'timeout test',
    });
    assert.equal(cancelled.status, 200);
    assert.deepEqual(
      cancelled.body.refunds.map((r: { status: string }) => r.status),
      ['pending'],
    );
    assert.equal((await ledgerOf(eur, placed.body.id)).refunded.amount, 0, 'not booked without an answer');

    eur.clock.advance(60_000);
    const retried = await call(eur.app, 'POST', `/v1/preorders/${placed.body.id}/cancel`, eur.shop.admin, {
      reason: 'timeout test',
    });
    assert.deepEqual(
      retried.body.refunds.map((r: { status: string }) => r.status),
      ['succeeded'],
    );
    await daysLater(eur, 1);
    const ledger = await ledgerOf(eur, placed.body.id);
    assert.deepEqual(
      ledger.entries.map((e) => e.kind),
      ['charge', 'refund'],
    );
    const paymentId = ledger.entries[0]?.paymentReference;
    const refunds = eur.provider
      .events()
      .filter((e) => e.type === 'refund.updated' && e.refund.paymentId === paymentId);
    assert.equal(refunds.length, 1, 'the provider refunded once');
  });

  test('a failing balance is tried again after 1, 3 and 7 days, then the pre-order is cancelled by policy', async () => {
    const { sku, campaignId } = await launch(eur, 8_000, 'EUR', { paymentTerms: { kind: 'later' }, cap: 10 });
    const placed = await place(eur, sku, { paymentMethod: CHARGES_DECLINED });
    assert.equal(placed.body.state, 'confirmed', 'saving this card works');
    await call(eur.app, 'POST', `/v1/campaigns/${campaignId}/release`, eur.shop.admin);
    const failures = async () =>
      (await eventsOf(db(), placed.body.id))
        .filter((e) => e.type === 'preorder.payment_failed')
        .map((e) => e.data);

    await runDueJobs(eur.ctx, eur.payments);
    assert.equal((await failures()).length, 1);
    assert.equal(
      (await failures())[0]?.retryAt,
      new Date(eur.clock.now().getTime() + 86_400_000).toISOString(),
    );
    assert.equal((await runDueJobs(eur.ctx, eur.payments)).balanceTries, 0, 'not before the retry time');
    await daysLater(eur, 1);
    await daysLater(eur, 3);
    assert.equal((await failures()).length, 3);
    assert.equal(await stateOf(eur, placed.body.id), 'confirmed');
    await daysLater(eur, 7);
    const all = await failures();
    assert.deepEqual(
      all.map((f) => [f.attempt, f.code]),
      [
        [1, 'card_declined'],
        [2, 'card_declined'],
        [3, 'card_declined'],
        [4, 'card_declined'],
      ],
    );
    assert.equal(all[3]?.retryAt, null);
    assert.equal(await stateOf(eur, placed.body.id), 'cancelled');
    assert.equal((await unitsOf(db(), campaignId))?.variants, 0);
    assert.equal((await daysLater(eur, 30)).balanceTries, 0, 'a cancelled pre-order is not charged');
  });

  test('two runners collecting the same balances at once make one charge each', async () => {
    const { sku, campaignId } = await launch(eur, 2_500, 'EUR', { paymentTerms: { kind: 'later' } });
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await place(eur, sku, { paymentMethod: VISA })).body.id);
    await call(eur.app, 'POST', `/v1/campaigns/${campaignId}/release`, eur.shop.admin);
    const charges = () => providerEvents(eur.provider, 'payment.succeeded').length;
    const before = charges();
    const otherRunner = { db: eur.ctx.db, clock: eur.clock.now };
    await Promise.all([collectBalances(eur.ctx, eur.payments), collectBalances(otherRunner, eur.payments)]);
    assert.equal(charges() - before, 5);
    for (const id of ids) assert.equal((await ledgerOf(eur, id)).charged.amount, 2_500);
  });

  test('a balance due days before the promised ship date is collected on that day, an unpromised one on release', async () => {
    const { sku, campaignId } = await launch(eur, 10_000, 'EUR', {
      cap: 10,
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'days_before_ship', days: 5 } },
      promiseSettings: { bufferDays: 0 },
    });
    // The batch ships the first customer in 19 days: the balance is due 5 days before, in 14 days.
    const shipDate = addDays(shopDate(eur.clock.now(), 'Europe/Berlin'), 19);
    const batch = await call(eur.app, 'POST', `/v1/campaigns/${campaignId}/batches`, eur.shop.admin, {
      sku,
      quantity: 1,
      readyDate: shipDate,
    });
    assert.equal(batch.status, 201);
    const promised = await place(eur, sku, { paymentMethod: VISA });
    const waiting = await place(eur, sku, { paymentMethod: VISA });
    assert.deepEqual(promised.body.promise.window, { from: shipDate, to: shipDate });
    assert.equal(waiting.body.promise.status, 'unpromised');
    const charges = async (id: string) => (await ledgerOf(eur, id)).entries.map((e) => e.amount.amount);

    await daysLater(eur, 13);
    assert.deepEqual(await charges(promised.body.id), [2_000], 'six days before, nothing more is due');
    await daysLater(eur, 1);
    assert.deepEqual(
      await charges(promised.body.id),
      [2_000, 8_000],
      'five days before, the balance is charged',
    );
    assert.deepEqual(await charges(waiting.body.id), [2_000], 'no ship date, no balance before release');
    await call(eur.app, 'POST', `/v1/campaigns/${campaignId}/release`, eur.shop.admin);
    await daysLater(eur, 0);
    assert.deepEqual(await charges(waiting.body.id), [2_000, 8_000]);
  });

  test('a provider that cannot be reached for one placement fails only that one, which its key resumes', async () => {
    const { sku } = await launch(eur, 1_000, 'EUR');
    eur.provider.interruptNextCalls(2, 'before');
    const answers = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        place(eur, sku, { paymentMethod: VISA, email: `drop${i}@example.com` }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.status).sort(),
      [201, 201, 201, 503, 503],
      'each lost call fails its own placement, not the others of its batch',
    );
    for (const [i, lost] of answers.entries()) {
      if (lost.status !== 503) continue;
      assert.equal(lost.body.error.code, 'provider_unavailable');
      const retried = await place(eur, sku, { paymentMethod: VISA, email: `drop${i}@example.com` }, lost.key);
      assert.equal(retried.status, 201, JSON.stringify(retried.body));
      assert.equal(retried.body.state, 'confirmed');
    }
  });

  test('charge-balance charges what is still owed now, and refuses when nothing is', async () => {
    const { sku } = await launch(eur, 10_000, 'EUR', {
      paymentTerms: { kind: 'deposit', percent: 25, balanceDue: { kind: 'on_date', date: '2027-06-01' } },
    });
    const placed = await place(eur, sku, { paymentMethod: VISA });
    const url = `/v1/preorders/${placed.body.id}/charge-balance`;
    const charged = await call(eur.app, 'POST', url, eur.shop.admin);
    assert.equal(charged.status, 200, JSON.stringify(charged.body));
    assert.deepEqual(charged.body.attempt, {
      amount: { amount: 7_500, currency: 'EUR' },
      status: 'succeeded',
      code: null,
    });
    assertRefused(await call(eur.app, 'POST', url, eur.shop.admin), 409, 'nothing_owed');
    const full = await place(eur, (await launch(eur, 1_000, 'EUR')).sku, { paymentMethod: VISA });
    assertRefused(
      await call(eur.app, 'POST', `/v1/preorders/${full.body.id}/charge-balance`, eur.shop.admin),
      409,
      'nothing_owed',
    );
  });

  test('a declined balance charged by hand is answered with its code and scheduled again', async () => {
    const { sku } = await launch(eur, 3_000, 'EUR', { paymentTerms: { kind: 'later' } });
    const placed = await place(eur, sku, { paymentMethod: CHARGES_DECLINED });
    const answer = await call(
      eur.app,
      'POST',
      `/v1/preorders/${placed.body.id}/charge-balance`,
      eur.shop.admin,
    );
    assert.equal(answer.status, 200);
    assert.deepEqual(answer.body.attempt.status, 'failed');
    assert.equal(answer.body.attempt.code, 'card_declined');
  });

  test('bad money requests are refused with a code and change nothing', async () => {
    const { sku } = await launch(eur, 1_000, 'EUR');
    const placed = await place(eur, sku, { paymentMethod: VISA });
    assertRefused(
      await call(eur.app, 'POST', `/v1/preorders/${placed.body.id}/cancel`, eur.shop.admin, {
        refund: 'none',
      }),
      422,
      'reason_required',
    );
    assertRefused(
      await call(eur.app, 'POST', `/v1/preorders/${placed.body.id}/cancel`, eur.shop.admin, {
        reason: 'x',
        refund: 'half',
      }),
      400,
      'validation_failed',
    );
    assertRefused(
      await call(eur.app, 'POST', '/v1/preorders/po_unknown/cancel', eur.shop.admin, { reason: 'x' }),
      404,
      'not_found',
    );
    assertRefused(
      await call(eur.app, 'GET', `/v1/preorders/${placed.body.id}/ledger`, jpy.shop.admin),
      404,
      'not_found',
    );
    assertRefused(
      await call(eur.app, 'GET', '/v1/reports/cash?from=2026-13-01', eur.shop.admin),
      400,
      'validation_failed',
    );
    assertRefused(
      await call(eur.app, 'GET', '/v1/reports/cash?from=2026-12-02&to=2026-12-01', eur.shop.admin),
      422,
      'invalid_range',
    );
    assertRefused(await place(eur, sku, { paymentMethod: '1234' }), 422, 'invalid_request');
    assert.equal(await stateOf(eur, placed.body.id), 'confirmed');
  });
});
