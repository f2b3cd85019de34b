/**
 * What happens at a time, run by the job loop with a clock the test moves: the consent deadline (cancels
 * and refunds exactly once, however many runners), reminders before it, the late notice with the merchant
 * alerted at the same time, and the merchant's other alerts.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { runDueJobs } from '../../src/jobs.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import { type CommsWorld, commsWorld, DAY, launchWithBatch, place, plusDays } from './support.ts';

describeOnEachEngine('messages that happen at a time', ({ db }) => {
  let world: CommsWorld;

  before(async () => {
    world = await commsWorld(db());
    const settings = await call(world.app, 'PATCH', '/v1/communication/settings', world.admin, {
      alertEmails: ['ops@lumen.test'],
      replyTo: 'help@lumen.test',
    });
    assert.equal(settings.status, 200, JSON.stringify(settings.body));
  });
  after(() => world.close());

  const refundsOf = async (preorderId: string) =>
    (
      await db().query<{ n: number; amount: number }>(
        `SELECT count(*)::int AS n, coalesce(sum(amount), 0)::int AS amount FROM ledger_entries
         WHERE preorder_id = $1 AND kind = 'refund'`,
        [preorderId],
      )
    )[0];

  test('no answer by the deadline: cancelled and refunded exactly once, after a reminder', async () => {
    const { sku, campaignId, batchId, readyDate } = await launchWithBatch(world, {
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    });
    const consent = await call(world.app, 'PATCH', `/v1/campaigns/${campaignId}/delay-consent`, world.admin, {
      answerDays: 5,
      withoutAnswer: 'cancel',
      reminderDays: [2],
    });
    assert.equal(consent.status, 200, JSON.stringify(consent.body));
    assert.deepEqual(consent.body, {
      enabled: true,
      answerDays: 5,
      withoutAnswer: 'cancel',
      reminderDays: [2],
    });
    const email = 'noa@example.com';
    const placed = await place(world, sku, email);
    await call(world.app, 'PATCH', `/v1/campaigns/${campaignId}/batches/${batchId}`, world.admin, {
      readyDate: plusDays(readyDate, 28),
    });
    await world.deliver();
    const asked = world.inbox.to(email).at(-1);
    assert.match(
      asked?.text ?? '',
      /If we do not hear from you, we cancel it and refund everything you paid\./,
    );
    assert.equal(asked?.replyTo, 'help@lumen.test');

    await world.later(2 * DAY);
    assert.doesNotMatch(world.inbox.to(email).at(-1)?.subject ?? '', /still want/, 'no reminder yet');
    await world.later(1.5 * DAY);
    const reminder = world.inbox.to(email).at(-1);
    assert.match(reminder?.subject ?? '', /Do you still want your/);
    await world.later(0.25 * DAY);
    assert.equal(world.inbox.to(email).filter((m) => /still want/.test(m.subject)).length, 1, 'one reminder');

    // The deadline passes; three runners at once, then again.
    world.clock.advance(2 * DAY);
    await Promise.all([1, 2, 3].map(() => runDueJobs(world.ctx, world.payments, world.mail)));
    await runDueJobs(world.ctx, world.payments, world.mail);
    await world.deliver();
    const refunds = await refundsOf(placed.id);
    assert.deepEqual(refunds, { n: 1, amount: 2_580 });
    const state = await call(world.app, 'GET', `/v1/preorders/${placed.id}`, world.admin);
    assert.equal(state.body.state, 'cancelled');
    const cancelled = world.inbox.to(email).filter((m) => /was cancelled/.test(m.subject));
    assert.equal(cancelled.length, 1);
    assert.match(
      cancelled[0]?.text ?? '',
      /We did not hear from you about the delay, so we cancelled your pre-order/,
    );
    assert.match(cancelled[0]?.text ?? '', /We are refunding €25\.80/);
  });

  test('a window that passes without a shipment: the customer hears with the new date, the merchant at once', async () => {
    const { sku } = await launchWithBatch(world, {}, { readyInDays: 10 });
    const email = 'eli@example.com';
    const placed = await place(world, sku, email);
    await world.deliver();
    const promised = (await call(world.app, 'GET', `/v1/preorders/${placed.id}`, world.admin)).body.promise;
    // Past the end of the window (ready in 10 days + 7 days' buffer) with nothing received.
    await world.later(19 * DAY);
    const late = world.inbox.to(email).at(-1);
    assert.match(late?.subject ?? '', /is late: we are sorry/);
    assert.match(late?.text ?? '', new RegExp(`We promised: ${promised.message}`));
    assert.match(late?.text ?? '', /Our new date: Ships/);
    assert.match(late?.text ?? '', /Keep my pre-order: /, 'a delay past the first window asks');
    const alert = world.inbox
      .to('ops@lumen.test')
      .find((m) => /missed the promised ship date/.test(m.subject));
    assert.ok(
      alert,
      world.inbox
        .to('ops@lumen.test')
        .map((m) => m.subject)
        .join(' | '),
    );
    assert.match(alert.text, new RegExp(placed.id));
    assert.equal(alert.replyTo, undefined);
    await world.later(DAY);
    assert.equal(world.inbox.to(email).filter((m) => /is late/.test(m.subject)).length, 1, 'told once');
    assert.equal(
      world.inbox.to(email).filter((m) => /New shipping date/.test(m.subject)).length,
      0,
      'the late notice carries the new date; no second message',
    );
  });

  test('merchant alerts: cap reached, an unconfirmed batch close to its date, failed balances, the digest', async () => {
    const { sku, campaignId } = await launchWithBatch(
      world,
      { paymentTerms: { kind: 'later' }, cap: 2 },
      { readyInDays: 5 },
    );
    await place(world, sku, 'a1@example.com');
    await place(world, sku, 'a2@example.com', '4000000000000341');
    await world.later(1000);
    const subjects = () => world.inbox.to('ops@lumen.test').map((m) => m.subject);
    assert.ok(
      subjects().some((s) => s.endsWith(`${sku} sold out its cap of 2`)),
      subjects().join(' | '),
    );
    assert.ok(
      subjects().some((s) => s.includes(`The ${sku} batch of`)),
      subjects().join(' | '),
    );
    assert.equal(
      (await call(world.app, 'POST', `/v1/campaigns/${campaignId}/release`, world.admin)).status,
      200,
    );
    await world.later(1000);
    assert.ok(
      subjects().some((s) => /A balance charge failed \(card_declined\)/.test(s)),
      subjects().join(' | '),
    );
    // The next morning after 07:00 Berlin: yesterday's digest, once.
    const digestsOf = () =>
      world.inbox.to('ops@lumen.test').filter((m) => /Your day at Lumen & Co\./.test(m.subject));
    const before = digestsOf().length;
    world.clock.set(new Date(Date.parse(`${world.clock.now().toISOString().slice(0, 10)}T07:30:00Z`) + DAY));
    await world.later(0);
    await world.later(3_600_000);
    const digests = digestsOf().slice(before);
    assert.equal(digests.length, 1);
    assert.match(digests[0]?.text ?? '', /New pre-orders: \d+/);
    assert.match(digests[0]?.text ?? '', /Cash collected: €/);
    if (process.env.DUMP_MAIL) {
      const { writeFileSync } = await import('node:fs');
      world.inbox.to('ops@lumen.test').forEach((m, i) => {
        writeFileSync(`${process.env.DUMP_MAIL}/ops-${i}.txt`, `Subject: ${m.subject}\n\n${m.text}`);
      });
    }
  });
});
