/**
 * Delays on both engines: the slip preview counts who moves and by how much, whose window passes the first
 * promise, the money at stake, the cancellations to expect and the notices, and writes nothing; applying
 * the slip keeps its reason with every promise it moves; the next preview learns from the cancellations.
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { launch, type MoneyWorld, moneyWorld, place, VISA } from '../money/support.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { assertNothingWritten, assertRefused, databaseDigest } from '../support/http-assertions.ts';

describeOnEachEngine('delays', ({ db }) => {
  let world: MoneyWorld;
  before(async () => {
    world = await moneyWorld(db());
  });

  const batch = async (campaignId: string, sku: string, quantity: number, readyDate: string) => {
    const made = await call(world.app, 'POST', `/v1/campaigns/${campaignId}/batches`, world.shop.admin, {
      sku,
      quantity,
      readyDate,
      bufferDays: 0,
    });
    assert.equal(made.status, 201, JSON.stringify(made.body));
    return made.body.id as string;
  };

  test('the preview counts the damage and changes nothing; the slip applied keeps its reason', async () => {
    const { campaignId, sku } = await launch(world, 10_000, 'EUR', {
      cap: 20,
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
      promiseSettings: { toleranceDays: 3 },
    });
    const first = await batch(campaignId, sku, 4, '2027-01-10');
    const second = await batch(campaignId, sku, 4, '2027-02-10');
    const placed: string[] = [];
    for (let i = 0; i < 7; i++) {
      const answer = await place(world, sku, { paymentMethod: VISA });
      assert.equal(answer.status, 201, JSON.stringify(answer.body));
      placed.push(answer.body.id);
    }
    const url = `/v1/campaigns/${campaignId}/batches/${second}/slip-preview`;
    const before = await databaseDigest(db());
    const preview = await call(world.app, 'POST', url, world.shop.admin, {
      readyDate: '2027-03-10',
      reason: 'The factory moved the tooling run',
    });
    assert.equal(preview.status, 200, JSON.stringify(preview.body));
    assertNothingWritten(before, await databaseDigest(db()));
    const p = preview.body;
    assert.deepEqual([p.moved, p.announced, p.quiet], [3, 3, 0]);
    assert.deepEqual(p.histogram, [{ days: 28, preorders: 3 }]);
    assert.deepEqual(p.pastFirstPromise, { preorders: 3, preorderIds: placed.slice(4) });
    assert.deepEqual(p.money, { paid: 3 * 2_000, deposits: 3 * 2_000, balancesNotCollected: 3 * 8_000 });
    assert.equal(p.currency, 'EUR');
    assert.deepEqual(p.expectedCancellations, {
      rate: 0.1,
      basis: 'default',
      preorders: 0,
      history: { delayed: 0, cancelledAfter: 0 },
    });
    assert.deepEqual(p.notices, [
      { kind: 'delay_consent', customers: 3 },
      { kind: 'promise_changed', customers: 0 },
      { kind: 'progress_update', customers: 0 },
    ]);

    const quiet = await call(
      world.app,
      'POST',
      `/v1/campaigns/${campaignId}/batches/${first}/slip-preview`,
      world.shop.admin,
      {
        readyDate: '2027-01-12',
        reason: 'Two days of customs',
      },
    );
    assert.deepEqual([quiet.body.moved, quiet.body.announced, quiet.body.quiet], [4, 0, 4]);
    assert.deepEqual(quiet.body.notices.at(-1), { kind: 'progress_update', customers: 4 });

    assertRefused(
      await call(world.app, 'POST', url, world.shop.admin, { readyDate: '2020-01-01', reason: 'x' }),
      422,
      'ready_date_in_past',
    );
    assertRefused(
      await call(world.app, 'POST', url, world.shop.admin, {
        readyDate: '2027-03-10',
        reason: 'x',
        extra: 1,
      }),
      400,
      'validation_failed',
    );

    const applied = await call(
      world.app,
      'PATCH',
      `/v1/campaigns/${campaignId}/batches/${second}`,
      world.shop.admin,
      {
        readyDate: '2027-03-10',
        reason: 'The factory moved the tooling run',
      },
    );
    assert.equal(applied.status, 200, JSON.stringify(applied.body));
    const mine = await db().query<{ subject_id: string; data: { reason: string; cause: string } }>(
      `SELECT subject_id, data FROM events WHERE type = 'preorder.promise_changed' AND subject_id = ANY($1) ORDER BY id`,
      [placed],
    );
    assert.deepEqual(
      mine.map((e) => [e.subject_id, e.data.cause, e.data.reason]),
      placed.slice(4).map((id) => [id, 'batch_slipped', 'The factory moved the tooling run']),
    );
    const [history] = await db().query<{ reason: string }>(
      'SELECT reason FROM promise_history WHERE preorder_id = $1',
      [placed[4]],
    );
    assert.equal(history?.reason, 'The factory moved the tooling run');

    // One of the three delayed customers cancels: the next preview expects a third of those it delays to.
    const cancelled = await call(world.app, 'POST', `/v1/preorders/${placed[4]}/cancel`, world.shop.admin, {
      reason: 'Too late for the birthday',
    });
    assert.equal(cancelled.status, 200);
    const next = await call(world.app, 'POST', url, world.shop.admin, {
      readyDate: '2027-04-10',
      reason: 'Again',
    });
    assert.equal(next.body.expectedCancellations.basis, 'history');
    assert.deepEqual(next.body.expectedCancellations.history, { delayed: 3, cancelledAfter: 1 });
    assert.equal(next.body.expectedCancellations.preorders, Math.round((1 / 3) * next.body.announced));
  });
});
