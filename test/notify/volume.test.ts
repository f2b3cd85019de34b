/**
 * A progress update to a campaign's thousand customers: its progress (sent, failed, left) is visible while
 * it goes; the sender is killed (SIGKILL) part-way through; the next sender finishes it without sending a
 * second copy to anyone marked sent, and any message in flight at the crash goes again under the same
 * Message-ID. Needs a PostgreSQL server (two processes, one database).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { sendDueProgressUpdates } from '../../src/notify/progress-sender.ts';
import { call } from '../support/app.ts';
import { freshDatabase, serverUrl } from '../support/databases.ts';
import { startInbox, type TestInbox } from '../support/smtp.ts';
import { type CommsWorld, commsWorld, launchWithBatch, place } from './support.ts';

const CHILD = new URL('./progress-child.ts', import.meta.url).pathname;
const CUSTOMERS = 1_000;
const KILL_AFTER = 300;

describe('a progress update to a thousand customers, through a crash [postgres]', {
  skip: !serverUrl,
}, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let inbox: TestInbox;
  let world: CommsWorld;
  let victim: ChildProcess | undefined;

  before(async () => {
    database = await freshDatabase('postgres');
    inbox = await startInbox({
      onMessage: (_mail, count) => {
        if (victim && count >= KILL_AFTER) {
          victim.kill('SIGKILL');
          victim = undefined;
        }
      },
    });
    world = await commsWorld(database.db, {}, inbox);
  });
  after(async () => {
    await world.close();
    await inbox.close();
    await database.drop();
  });

  test('every customer gets it; a crash sends no second copy to anyone already sent', async () => {
    const { sku, campaignId } = await launchWithBatch(world, { cap: null }, { quantity: 2_000 });
    const first = await place(world, sku, 'c0@example.com');
    // The rest of the campaign's customers, as placements would have left them (the fixture only).
    await database.db.query(
      `INSERT INTO preorders (id, shop_id, campaign_id, variant_id, email, quantity, queue_position, unit_amount,
         total_amount, currency, price_lines, state, payment_terms, created_at, updated_at)
       SELECT 'po_fixture' || lpad(n::text, 6, '0'), p.shop_id, p.campaign_id, p.variant_id, 'c' || n || '@example.com',
         1, 1 + n, p.unit_amount, p.total_amount, p.currency, p.price_lines, 'confirmed', p.payment_terms, p.created_at,
         p.updated_at
       FROM preorders p, generate_series(1, $2::int - 1) AS n WHERE p.id = $1`,
      [first.id, CUSTOMERS],
    );
    const update = await call(world.app, 'POST', `/v1/campaigns/${campaignId}/updates`, world.admin, {
      subject: 'Production is under way',
      body: 'The moulds are done.\n\nAssembly starts Monday.',
      sendAt: world.clock.now().toISOString(),
    });
    assert.equal(update.status, 201, JSON.stringify(update.body));
    const progress = async () =>
      (await call(world.app, 'GET', `/v1/updates/${update.body.id}`, world.admin)).body;
    assert.equal((await progress()).status, 'scheduled');

    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, database.url as string, inbox.url, world.clock.now().toISOString()],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    victim = child;
    const signal = await new Promise<NodeJS.Signals | null>((resolve) =>
      child.on('exit', (_code, s) => resolve(s)),
    );
    assert.equal(signal, 'SIGKILL');
    const midway = await progress();
    assert.equal(midway.status, 'sending');
    assert.equal(midway.progress.recipients, CUSTOMERS);
    assert.ok(midway.progress.sent > 0 && midway.progress.sent < CUSTOMERS, JSON.stringify(midway.progress));
    assert.equal(midway.progress.left, CUSTOMERS - midway.progress.sent - midway.progress.failed);
    const markedSent = new Set(
      (
        await database.db.query<{ email: string }>(
          `SELECT r.email FROM progress_update_recipients r JOIN progress_update_sends s
             ON s.shop_id = r.shop_id AND s.update_id = r.update_id AND s.n = r.n
           WHERE r.update_id = $1 AND s.status = 'sent'`,
          [update.body.id],
        )
      ).map((row) => row.email),
    );

    // After the dead sender's lease, the next one finishes the update.
    world.clock.advance(5 * 60_000);
    await sendDueProgressUpdates(world.ctx, world.mail);
    const done = await progress();
    assert.deepEqual(done.progress, { recipients: CUSTOMERS, sent: CUSTOMERS, failed: 0, left: 0 });
    assert.equal(done.status, 'sent');

    const copies = new Map<string, string[]>();
    for (const mail of inbox.received.filter((m) => m.subject === 'Production is under way')) {
      copies.set(mail.to, [...(copies.get(mail.to) ?? []), mail.messageId]);
    }
    assert.equal(copies.size, CUSTOMERS, 'every customer got it');
    for (const [address, ids] of copies) {
      if (markedSent.has(address))
        assert.equal(ids.length, 1, `${address} was marked sent and got a second copy`);
      assert.ok(ids.length <= 2, address);
      assert.equal(new Set(ids).size, 1, `${address} got two different messages`);
    }
    const twice = [...copies.values()].filter((ids) => ids.length === 2).length;
    assert.ok(twice <= 300, `only messages in flight at the crash go twice (${twice})`);
    await sendDueProgressUpdates(world.ctx, world.mail);
    assert.equal(
      inbox.received.filter((m) => m.subject === 'Production is under way').length,
      CUSTOMERS + twice,
    );
  });
});
