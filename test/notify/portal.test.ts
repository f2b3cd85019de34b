/**
 * The customer portal behind signed links: a changed link, another shop's link and another customer's
 * pre-order get nothing; an expired link offers a fresh one and never says whether the address is known;
 * cancelling twice refunds once; keeping after a delay is recorded; a new card is charged next.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expiryAfter, signLink } from '../../src/portal/link.ts';
import { portalSecret } from '../../src/services/communication-settings.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';
import {
  type CommsWorld,
  commsWorld,
  DAY,
  launchWithBatch,
  place,
  plusDays,
  portalPage,
  portalTokenIn,
} from './support.ts';

describeOnEachEngine('the customer portal', ({ db }) => {
  let world: CommsWorld;
  let other: CommsWorld;

  before(async () => {
    world = await commsWorld(db());
    other = await commsWorld(db(), { name: 'Other Shop' }, world.inbox);
  });
  after(async () => {
    await other.close();
    await world.close();
  });

  const get = (path: string) => world.app.inject({ method: 'GET', url: path });
  const post = (path: string, form: Record<string, string> = {}) =>
    world.app.inject({
      method: 'POST',
      url: path,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams(form).toString(),
    });
  const tokenFor = async (shopId: string, email: string, expiresAt: number | null) =>
    signLink(
      { shopId, email, purpose: 'portal', expiresAt },
      await portalSecret(db(), shopId, world.clock.now()),
    );
  const refundsOf = async (preorderId: string) =>
    (
      await db().query<{ n: number }>(
        `SELECT count(*)::int AS n FROM ledger_entries WHERE preorder_id = $1 AND kind = 'refund'`,
        [preorderId],
      )
    )[0]?.n;

  test('the link in an email opens that customer’s pre-orders, and only theirs', async () => {
    const { sku } = await launchWithBatch(world);
    const mine = await place(world, sku, 'lin@example.com');
    const theirs = await place(world, sku, 'max@example.com');
    await world.deliver();
    const token = portalTokenIn(world.inbox.to('lin@example.com')[0]?.text ?? '');
    const page = await get(portalPage(token));
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /Your pre-orders at Lumen &amp; Co\./);
    assert.match(page.body, new RegExp(mine.id));
    assert.doesNotMatch(page.body, new RegExp(theirs.id));
    assert.match(page.body, /Place in the queue<\/dt><dd>1</);

    const someoneElses = await get(portalPage(token, theirs.id, 'cancel'));
    assert.equal(someoneElses.statusCode, 404);
    assert.equal((await post(portalPage(token, theirs.id, 'cancel'))).statusCode, 404);
    assert.equal(await refundsOf(theirs.id), 0);
  });

  test('a changed link, a cut one or another shop’s gets 403 and shows nothing', async () => {
    const { sku } = await launchWithBatch(world);
    await place(world, sku, 'ines@example.com');
    const token = await tokenFor(world.shopId, 'ines@example.com', expiryAfter(world.clock.now(), 30));
    const [prefix, payload, signature] = token.split('.') as [string, string, string];
    const flipped = `${prefix}.${payload}.${signature.slice(0, -1)}${signature.endsWith('A') ? 'B' : 'A'}`;
    const otherEmail = Buffer.from(
      JSON.stringify({ s: world.shopId, e: 'max@example.com', p: 'portal', x: 9e9 }),
    ).toString('base64url');
    const otherShop = Buffer.from(
      JSON.stringify({ s: other.shopId, e: 'ines@example.com', p: 'portal', x: 9e9 }),
    ).toString('base64url');
    const forged = [
      flipped,
      `${prefix}.${otherEmail}.${signature}`,
      `${prefix}.${otherShop}.${signature}`,
      token.slice(0, -5),
      'nonsense',
      '',
    ];
    assert.equal(`${prefix}.${payload}.${signature}`, token);
    for (const bad of forged) {
      const answer = await get(portalPage(bad));
      assert.equal(answer.statusCode, 403, bad);
      assert.match(answer.body, /This link does not work/);
      assert.doesNotMatch(answer.body, /ines@example\.com/);
    }
    // Signed with the other shop's secret for this shop: still not this shop's.
    const foreign = signLink(
      { shopId: world.shopId, email: 'ines@example.com', purpose: 'portal', expiresAt: 9e9 },
      await portalSecret(db(), other.shopId, world.clock.now()),
    );
    assert.equal((await get(portalPage(foreign))).statusCode, 403);
    assert.equal((await post(portalPage(forged[0] as string, 'po_x', 'cancel'))).statusCode, 403);
  });

  test('an expired link sends a fresh one to its address, and says the same for an unknown address', async () => {
    const { sku } = await launchWithBatch(world);
    await place(world, sku, 'olu@example.com');
    await world.deliver();
    const expired = await tokenFor(world.shopId, 'olu@example.com', expiryAfter(world.clock.now(), 1));
    world.clock.advance(2 * DAY);
    const page = await get(portalPage(expired));
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /This link has expired/);
    assert.doesNotMatch(page.body, /olu@example\.com/);
    const before = world.inbox.to('olu@example.com').length;
    const sent = await post(`/portal/link?t=${expired}`);
    assert.equal(sent.statusCode, 200);
    await world.inbox.waitFor(() => world.inbox.to('olu@example.com').length === before + 1);
    const fresh = world.inbox.to('olu@example.com').at(-1);
    assert.match(fresh?.subject ?? '', /Your link to your pre-orders at Lumen & Co\./);
    assert.equal((await get(portalPage(portalTokenIn(fresh?.text ?? '')))).statusCode, 200);

    const nobody = await tokenFor(world.shopId, 'nobody@example.com', expiryAfter(world.clock.now(), -1));
    const nobodyAnswer = await post(`/portal/link?t=${nobody}`);
    assert.equal(nobodyAnswer.statusCode, 200);
    assert.equal(nobodyAnswer.body, sent.body, 'the same page whether or not the address has pre-orders');
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(world.inbox.to('nobody@example.com').length, 0);
  });

  test('cancel: a confirmation step with the policy’s refund; pressed twice, it refunds once', async () => {
    const { sku } = await launchWithBatch(world, {
      paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } },
    });
    const placed = await place(world, sku, 'kai@example.com');
    const token = await tokenFor(world.shopId, 'kai@example.com', expiryAfter(world.clock.now(), 30));
    const cancel = portalPage(token, placed.id, 'cancel');
    const confirm = await get(cancel);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /We refund €25\.80 to the card you paid with\./);
    const [first, second] = await Promise.all([post(cancel), post(cancel)]);
    for (const answer of [first, second]) assert.equal(answer.statusCode, 303);
    const third = await post(cancel);
    assert.equal(third.headers.location, `${portalPage(token)}&done=already_cancelled`);
    assert.equal(await refundsOf(placed.id), 1);
    const state = await call(world.app, 'GET', `/v1/preorders/${placed.id}`, world.admin);
    assert.equal(state.body.state, 'cancelled');
    await world.deliver();
    const messages = world.inbox.to('kai@example.com').map((m) => m.subject);
    assert.equal(messages.filter((subject) => /was cancelled/.test(subject)).length, 1);
    assert.match(
      world.inbox.to('kai@example.com').at(-1)?.text ?? '',
      /As you asked, we cancelled your pre-order\./,
    );
  });

  test('a delay asks; the customer keeps it from the portal; a second press changes nothing', async () => {
    const { sku, campaignId, batchId, readyDate } = await launchWithBatch(world);
    const placed = await place(world, sku, 'ana@example.com');
    await call(world.app, 'PATCH', `/v1/campaigns/${campaignId}/batches/${batchId}`, world.admin, {
      readyDate: plusDays(readyDate, 30),
    });
    await world.deliver();
    const token = portalTokenIn(world.inbox.to('ana@example.com').at(-1)?.text ?? '');
    const list = await get(portalPage(token));
    assert.match(list.body, /Your pre-order is delayed\. Do you still want it\?/);
    assert.equal((await get(portalPage(token, placed.id, 'keep'))).statusCode, 200);
    const kept = await post(portalPage(token, placed.id, 'keep'));
    assert.equal(kept.headers.location, `${portalPage(token)}&done=kept`);
    assert.equal((await post(portalPage(token, placed.id, 'keep'))).statusCode, 303);
    const events = await db().query<{ type: string }>(
      `SELECT type FROM events WHERE subject_id = $1 AND type = 'preorder.kept'`,
      [placed.id],
    );
    assert.equal(events.length, 1);
    assert.doesNotMatch((await get(portalPage(token))).body, /Do you still want it/);
  });

  test('a new card from the portal: the failed balance is charged to it at once', async () => {
    const { sku, campaignId } = await launchWithBatch(world, {
      paymentTerms: { kind: 'later' },
    });
    const placed = await place(world, sku, 'zoe@example.com', '4000000000000341');
    assert.equal(
      (await call(world.app, 'POST', `/v1/campaigns/${campaignId}/release`, world.admin)).status,
      200,
    );
    await world.later(1000);
    const failed = world.inbox.to('zoe@example.com').at(-1);
    assert.match(failed?.subject ?? '', /We could not charge your card/);
    assert.match(failed?.text ?? '', /We will try again on/);
    const cardUrl = /Update my card: http:\/\/shop\.presell\.test(\S+)/.exec(
      failed?.text ?? '',
    )?.[1] as string;
    assert.match(cardUrl, /^\/portal\/preorders\/po_\w+\/card\?t=/);
    const form = await get(cardUrl);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<label for="card">Card number<\/label>/);
    const refused = await post(cardUrl, { card: '4000000000000002' });
    assert.equal(refused.statusCode, 402);
    assert.match(refused.body, /That card was not accepted/);
    const saved = await post(cardUrl, { card: '4242 4242 4242 4242' });
    assert.equal(saved.statusCode, 303);
    await world.later(1000);
    const ledger = await call(world.app, 'GET', `/v1/preorders/${placed.id}/ledger`, world.admin);
    assert.equal(ledger.body.outstanding.amount, 0, JSON.stringify(ledger.body));
    assert.match(world.inbox.to('zoe@example.com').at(-1)?.subject ?? '', /Payment received/);
  });

  test('unsubscribe: one click stops progress updates and nothing else', async () => {
    const { sku, campaignId } = await launchWithBatch(world);
    await place(world, sku, 'ola@example.com');
    await place(world, sku, 'pia@example.com');
    const token = signLink(
      { shopId: world.shopId, email: 'ola@example.com', purpose: 'unsubscribe', expiresAt: null },
      await portalSecret(db(), world.shopId, world.clock.now()),
    );
    assert.equal((await get(`/unsubscribe?t=${token}`)).statusCode, 200);
    const done = await post(`/unsubscribe?t=${token}`, { 'List-Unsubscribe': 'One-Click' });
    assert.equal(done.statusCode, 200);
    assert.equal((await get(`/unsubscribe?t=${token.slice(0, -2)}xx`)).statusCode, 403);
    await call(world.app, 'POST', `/v1/campaigns/${campaignId}/updates`, world.admin, {
      subject: 'News',
      body: 'Hello.',
      sendAt: world.clock.now().toISOString(),
    });
    await world.later(1000);
    assert.equal(world.inbox.to('pia@example.com').filter((m) => m.subject === 'News').length, 1);
    assert.equal(world.inbox.to('ola@example.com').filter((m) => m.subject === 'News').length, 0);
    assert.ok(world.inbox.to('ola@example.com').some((m) => /confirmed/.test(m.subject)));
  });
});
