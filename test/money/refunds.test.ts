/**
 * Refunds outside a cancellation (goodwill, or the rest of a cancelled pre-order) and a cancel sent again:
 * idempotent by key, never more than was paid less what is on its way back, and each refusal says why.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertRefused } from '../support/http-assertions.ts';
import { eventsOf, launch, ledgerOf, type MoneyWorld, moneyWorld, place, VISA } from './support.ts';

describeOnEachEngine('refunds', ({ db }) => {
  let eur: MoneyWorld;

  before(async () => {
    eur = await moneyWorld(db(), 'EUR');
  });

  const refund = (id: string, body: Record<string, unknown>, key: string) =>
    call(eur.app, 'POST', `/v1/preorders/${id}/refunds`, { ...eur.shop.admin, 'idempotency-key': key }, body);

  test('a goodwill refund gives back part of a live pre-order once per key; the pre-order and what it owes stay', async () => {
    const { sku } = await launch(eur, 5_000, 'EUR');
    const placed = await place(eur, sku, { paymentMethod: VISA, quantity: 2 });
    const first = await refund(placed.body.id, { amount: 1_500, reason: 'late, sorry' }, 'goodwill-1');
    assert.equal(first.status, 201, JSON.stringify(first.body));
    assert.deepEqual(first.body.amount, { amount: 1_500, currency: 'EUR' });
    assert.deepEqual(first.body.refunds, [
      { amount: { amount: 1_500, currency: 'EUR' }, status: 'succeeded' },
    ]);
    assert.equal(first.headers['idempotent-replayed'], undefined);

    const replay = await refund(placed.body.id, { amount: 1_500, reason: 'late, sorry' }, 'goodwill-1');
    assert.equal(replay.status, 200);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.deepEqual(replay.body.refunds, first.body.refunds);
    assertRefused(
      await refund(placed.body.id, { amount: 900, reason: 'late, sorry' }, 'goodwill-1'),
      409,
      'idempotency_conflict',
    );

    const ledger = await ledgerOf(eur, placed.body.id);
    assert.equal(ledger.refunded.amount, 1_500, 'one refund, not two');
    assert.equal(ledger.netPaid.amount, 8_500);
    assert.equal(ledger.outstanding.amount, 0, 'a refund does not make the price owed again');
    const preorder = await call(eur.app, 'GET', `/v1/preorders/${placed.body.id}`, eur.shop.admin);
    assert.equal(preorder.body.state, 'confirmed');
    const types = (await eventsOf(db(), placed.body.id)).map((e) => e.type);
    assert.deepEqual(
      types.filter((t) => t.startsWith('preorder.refund')),
      ['preorder.refund_issued', 'preorder.refunded'],
    );
  });

  test('more than is left is refused with what is left, and changes nothing', async () => {
    const { sku } = await launch(eur, 2_000, 'EUR');
    const placed = await place(eur, sku, { paymentMethod: VISA });
    await refund(placed.body.id, { amount: 500, reason: 'scratch' }, 'r-1');
    const tooMuch = await refund(placed.body.id, { amount: 1_600, reason: 'more' }, 'r-2');
    assertRefused(tooMuch, 422, 'refund_exceeds_payment');
    assert.match(tooMuch.body.error.message, /1500/);
    assert.equal(tooMuch.body.error.details.refundable, 1_500);
    assert.equal((await ledgerOf(eur, placed.body.id)).refunded.amount, 500);

    const rest = await refund(placed.body.id, { reason: 'all the rest' }, 'r-3');
    assert.equal(rest.status, 201);
    assert.equal(rest.body.amount.amount, 1_500, 'without an amount, everything left');
    assertRefused(await refund(placed.body.id, { reason: 'again' }, 'r-4'), 409, 'nothing_refundable');
  });

  test('bad refund requests are refused by field', async () => {
    const { sku } = await launch(eur, 2_000, 'EUR');
    const placed = await place(eur, sku, { paymentMethod: VISA });
    const noKey = await call(eur.app, 'POST', `/v1/preorders/${placed.body.id}/refunds`, eur.shop.admin, {
      reason: 'x',
    });
    assertRefused(noKey, 400, 'validation_failed');
    assert.match(noKey.body.error.message, /Idempotency-Key/);
    const noReason = await refund(placed.body.id, { amount: 100 }, 'k-1');
    assertRefused(noReason, 400, 'validation_failed');
    assert.match(noReason.body.error.message, /body\.reason is required/);
    assertRefused(await refund(placed.body.id, { amount: 0, reason: 'x' }, 'k-2'), 400, 'validation_failed');
    assertRefused(
      await refund(placed.body.id, { amount: 100, reason: 'x', currency: 'EUR' }, 'k-3'),
      400,
      'validation_failed',
    );
    assertRefused(await refund('po_unknown', { reason: 'x' }, 'k-4'), 404, 'not_found');
    assert.equal((await ledgerOf(eur, placed.body.id)).refunded.amount, 0);
  });

  test('a cancel sent again answers what happened, or says why it changes nothing and where to refund', async () => {
    const terms = { kind: 'deposit', amount: 1_000, balanceDue: { kind: 'on_release' } };
    const { sku } = await launch(eur, 4_000, 'EUR', {
      paymentTerms: terms,
      cancellationPolicy: { fullRefundUntil: { kind: 'date', date: '2026-11-30' } },
    });
    const placed = await place(eur, sku, { paymentMethod: VISA });
    const url = `/v1/preorders/${placed.body.id}/cancel`;
    const first = await call(eur.app, 'POST', url, eur.shop.admin, {});
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.basis, 'policy_after_cutoff', 'without a reason: the policy keeps the deposit');

    const samePolicy = await call(eur.app, 'POST', url, eur.shop.admin, {});
    assert.equal(samePolicy.status, 200);
    assert.equal(samePolicy.body.basis, null);
    const none = await call(eur.app, 'POST', url, eur.shop.admin, { refund: 'none', reason: 'kept' });
    assert.equal(none.status, 200, 'nothing was refunded: none is what happened');

    const full = await call(eur.app, 'POST', url, eur.shop.admin, { refund: 'full', reason: 'goodwill' });
    assertRefused(full, 409, 'already_cancelled');
    assert.match(full.body.error.message, /\/refunds/);
    assert.equal(full.body.error.details.refundable, 1_000);
    assert.equal((await ledgerOf(eur, placed.body.id)).refunded.amount, 0, 'and moved no money');

    const rest = await refund(placed.body.id, { reason: 'goodwill after all' }, 'after-cancel');
    assert.equal(rest.body.amount.amount, 1_000);
    const fullNow = await call(eur.app, 'POST', url, eur.shop.admin, { refund: 'full', reason: 'goodwill' });
    assert.equal(fullNow.status, 200, 'all is refunded now: full is what happened');
    assertRefused(
      await call(eur.app, 'POST', url, eur.shop.admin, { refund: 'none', reason: 'changed mind' }),
      409,
      'already_cancelled',
    );
  });
});
