/**
 * The customer's whole email sequence, sent to a real SMTP server on loopback and read back with
 * mailparser: from placement to shipment, and a pre-order that is cancelled; once, in the shop's
 * language, with the promise and money worded as everywhere else.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { renderCustomerMessage } from '../../src/notify/preview.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import {
  type CommsWorld,
  commsWorld,
  DAY,
  launchWithBatch,
  PUBLIC_URL,
  place,
  plusDays,
  portalTokenIn,
} from './support.ts';

describeOnEachEngine('the customer email sequence', ({ db }) => {
  let world: CommsWorld;

  before(async () => {
    world = await commsWorld(db());
  });
  after(() => world.close());

  test('from placement to shipment: every message once, in order, with what the customer needs', async () => {
    const balanceDate = '2026-12-05';
    const { sku, campaignId, batchId, readyDate } = await launchWithBatch(world, {
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_date', date: balanceDate } },
    });
    const email = 'ada@example.com';
    const placed = await place(world, sku, email);
    assert.equal(placed.state, 'confirmed');
    await world.deliver();
    const [confirmation] = world.inbox.to(email);
    assert.ok(confirmation);
    assert.equal(confirmation.subject, `Your pre-order of Variant ${sku} is confirmed`);
    assert.equal(confirmation.from, '"Lumen & Co." <orders@shop.test>');
    assert.match(confirmation.text, /Place in the queue: 1/);
    assert.match(confirmation.text, /Total: €129\.00/);
    assert.match(confirmation.text, /Paid: €25\.80/);
    assert.match(confirmation.text, /Still to pay: €103\.20/);
    assert.match(
      confirmation.text,
      /The remaining €103\.20 will be charged to your saved card on 5 December 2026\./,
    );
    assert.match(confirmation.text, /until your item is ready for you/);
    assert.match(confirmation.html, /<html lang="en">/);
    portalTokenIn(confirmation.text);

    // The supplier slips by three weeks, with a note: later than promised, so the customer is asked.
    const slipped = await call(
      world.app,
      'PATCH',
      `/v1/campaigns/${campaignId}/batches/${batchId}`,
      world.admin,
      {
        readyDate: plusDays(readyDate, 21),
        note: 'The glass supplier needs three more weeks.',
      },
    );
    assert.equal(slipped.status, 200, JSON.stringify(slipped.body));
    await world.deliver();
    const changed = world.inbox.to(email)[1];
    assert.ok(changed);
    assert.match(changed.subject, /New shipping date/);
    assert.match(changed.text, /will ship later than we told you/);
    assert.match(changed.text, /Why: The glass supplier needs three more weeks\./);
    assert.match(
      changed.text,
      /Keep my pre-order: http:\/\/shop\.presell\.test\/portal\/preorders\/po_\w+\/keep\?t=/,
    );
    assert.match(changed.text, /Cancel and refund me: http:/);
    assert.match(changed.text, /If we do not hear from you, your pre-order stays in the queue\./);

    // A progress update, previewed, then scheduled for now.
    const update = await call(world.app, 'POST', `/v1/campaigns/${campaignId}/updates`, world.admin, {
      subject: 'The first lamps are off the line',
      body: 'We saw the first finished lamps today.\n\nThey look <great>.',
    });
    assert.equal(update.status, 201, JSON.stringify(update.body));
    const preview = await call(world.app, 'POST', `/v1/updates/${update.body.id}/preview`, world.admin);
    assert.equal(preview.status, 200);
    assert.match(preview.body.html, /They look &lt;great&gt;\./, 'the merchant’s text is escaped');
    const scheduled = await call(world.app, 'POST', `/v1/updates/${update.body.id}/schedule`, world.admin);
    assert.equal(scheduled.status, 200, JSON.stringify(scheduled.body));
    await world.later(1000);
    const progress = world.inbox.to(email)[2];
    assert.ok(progress);
    assert.equal(progress.subject, 'The first lamps are off the line');
    assert.match(
      progress.header('list-unsubscribe') ?? '',
      /^<http:\/\/shop\.presell\.test\/unsubscribe\?t=.+>$/,
    );
    assert.equal(progress.header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
    const sent = await call(world.app, 'GET', `/v1/updates/${update.body.id}`, world.admin);
    assert.deepEqual(sent.body.progress, { recipients: 1, sent: 1, failed: 0, left: 0 });
    assert.equal(sent.body.status, 'sent');

    // The stock arrives; three days before the balance date the customer hears; then it is charged.
    const received = await call(
      world.app,
      'PATCH',
      `/v1/campaigns/${campaignId}/batches/${batchId}`,
      world.admin,
      {
        quantityReceived: 100,
      },
    );
    assert.equal(received.status, 200);
    await world.deliver();
    const sooner = world.inbox.to(email)[3];
    assert.ok(sooner);
    assert.match(sooner.text, /Good news: your pre-order will ship earlier than we told you\./);
    assert.match(sooner.text, /You do not need to do anything\./);
    world.clock.set(new Date('2026-12-02T10:00:00Z'));
    await world.later(0);
    const upcoming = world.inbox.to(email)[4];
    assert.ok(upcoming);
    assert.match(
      upcoming.text,
      /We will charge the remaining €103\.20 to your saved card on 5 December 2026\./,
    );
    await world.later(3 * DAY);
    const [charged, ready] = world.inbox.to(email).slice(5);
    assert.ok(
      charged && ready,
      world.inbox
        .to(email)
        .map((m) => m.subject)
        .join(' | '),
    );
    assert.match(charged.text, /We charged €103\.20 to your saved card/);
    assert.match(charged.text, /paid in full/);
    assert.match(ready.subject, /is ready to ship/);

    const shipped = await call(world.app, 'POST', `/v1/preorders/${placed.id}/fulfil`, world.admin, {
      carrier: 'DHL',
      trackingNumber: 'JD0123',
      trackingUrl: 'https://track.example/JD0123',
    });
    assert.equal(shipped.status, 200, JSON.stringify(shipped.body));
    await world.deliver();
    const parcel = world.inbox.to(email)[7];
    assert.ok(parcel);
    assert.match(parcel.text, /Carrier: DHL/);
    assert.match(parcel.text, /Track my parcel: https:\/\/track\.example\/JD0123/);

    assert.deepEqual(
      world.inbox.to(email).map((m) => m.subject.replace(`Variant ${sku}`, 'X')),
      [
        'Your pre-order of X is confirmed',
        'New shipping date for your X',
        'The first lamps are off the line',
        'New shipping date for your X',
        'Your balance for X will be charged soon',
        'Payment received for X',
        'Your X is ready to ship',
        'Your X is on its way',
      ],
    );
    const ids = world.inbox.to(email).map((m) => m.messageId);
    assert.equal(new Set(ids).size, ids.length, 'each message has its own Message-ID');
    await world.later(DAY);
    assert.equal(world.inbox.to(email).length, 8, 'nothing is sent twice');
    if (process.env.DUMP_MAIL) {
      const { writeFileSync } = await import('node:fs');
      world.inbox.to(email).forEach((m, i) => {
        writeFileSync(`${process.env.DUMP_MAIL}/${i}.txt`, `Subject: ${m.subject}\n\n${m.text}`);
        writeFileSync(`${process.env.DUMP_MAIL}/${i}.html`, m.html);
      });
    }
  });

  test('a pre-order the merchant cancels: the customer hears why and what comes back', async () => {
    const { sku } = await launchWithBatch(world, {
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    });
    const email = 'grace@example.com';
    const placed = await place(world, sku, email);
    await world.deliver();
    const cancelled = await call(world.app, 'POST', `/v1/preorders/${placed.id}/cancel`, world.admin, {
      reason: 'We could not source the glass',
      refund: 'full',
    });
    assert.equal(cancelled.status, 200, JSON.stringify(cancelled.body));
    await world.deliver();
    const messages = world.inbox.to(email);
    assert.deepEqual(
      messages.map((m) => m.subject.replace(`Variant ${sku}`, 'X')),
      ['Your pre-order of X is confirmed', 'Your pre-order of X was cancelled'],
    );
    const text = messages[1]?.text ?? '';
    assert.match(text, /we had to cancel your pre-order/);
    assert.match(text, /Why: We could not source the glass/);
    assert.match(text, /We are refunding €25\.80 to the card you paid with/);
  });

  test('a goodwill refund: the customer hears how much comes back and that the pre-order stays', async () => {
    const { sku } = await launchWithBatch(world, {
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    });
    const email = 'hedy@example.com';
    const placed = await place(world, sku, email);
    await world.deliver();
    const refunded = await call(
      world.app,
      'POST',
      `/v1/preorders/${placed.id}/refunds`,
      { ...world.admin, 'idempotency-key': 'goodwill-hedy' },
      { amount: 1_000, reason: 'Sorry for the wait' },
    );
    assert.equal(refunded.status, 201, JSON.stringify(refunded.body));
    await world.deliver();
    const messages = world.inbox.to(email);
    assert.deepEqual(
      messages.map((m) => m.subject.replace(`Variant ${sku}`, 'X')),
      ['Your pre-order of X is confirmed', 'A refund for your pre-order of X'],
    );
    const text = messages[1]?.text ?? '';
    assert.match(text, /We are refunding €10\.00 of your pre-order to the card you paid with/);
    assert.match(text, /Your pre-order itself stays as it is/);
    assert.doesNotMatch(text, /Sorry for the wait/, 'the merchant’s reason is for the merchant’s records');
  });

  test('a pre-order shipped in two parcels: each parcel is told, the first says how many follow', async () => {
    const { sku, campaignId, batchId } = await launchWithBatch(world);
    const email = 'katherine@example.com';
    const placed = await place(world, sku, email, undefined, 3);
    const received = await call(
      world.app,
      'PATCH',
      `/v1/campaigns/${campaignId}/batches/${batchId}`,
      world.admin,
      { state: 'received' },
    );
    assert.equal(received.status, 200, JSON.stringify(received.body));
    const fulfil = (body: Record<string, unknown>) =>
      call(world.app, 'POST', `/v1/preorders/${placed.id}/fulfil`, world.admin, body);
    assert.equal((await fulfil({ quantity: 2, carrier: 'DHL', trackingNumber: 'P-1' })).status, 200);
    assert.equal((await fulfil({ carrier: 'DHL', trackingNumber: 'P-2' })).status, 200);
    await world.deliver();
    const parcels = world.inbox.to(email).filter((m) => /is on its way/.test(m.subject));
    assert.equal(parcels.length, 2);
    assert.match(parcels[0]?.text ?? '', /Part of your pre-order has shipped: 2 of 3 in this parcel/);
    assert.match(parcels[0]?.text ?? '', /We will send the other 1 as soon as they are ready/);
    assert.match(parcels[0]?.text ?? '', /Tracking number: P-1/);
    assert.match(parcels[1]?.text ?? '', /Your pre-order has shipped\./);
    assert.match(parcels[1]?.text ?? '', /Tracking number: P-2/);
  });

  test('a message can be rendered for a pre-order and an event without being sent (the slip preview)', async () => {
    const { sku } = await launchWithBatch(world);
    const placed = await place(world, sku, 'lee@example.com');
    const before = world.inbox.received.length;
    const message = await renderCustomerMessage(world.ctx, PUBLIC_URL, {
      id: 'evt_preview',
      shopId: world.shopId,
      type: 'preorder.promise_changed',
      subjectId: placed.id,
      data: {
        oldWindow: { from: '2026-12-31', to: '2027-01-07' },
        newWindow: { from: '2027-02-01', to: '2027-02-07' },
        cause: 'batch_slipped',
        campaignId: 'cmp_x',
      },
      createdAt: world.clock.now(),
    });
    assert.equal(message?.kind, 'ship_date_changed');
    assert.deepEqual(message?.to, ['lee@example.com']);
    assert.match(message?.rendered.text ?? '', /Before: Ships between 31 December 2026 and 7 January 2027/);
    assert.match(message?.rendered.text ?? '', /Now: Ships the week of 1 February 2027/);
    assert.equal(world.inbox.received.length, before, 'nothing was sent');
  });
});
