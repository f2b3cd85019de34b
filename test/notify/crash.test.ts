/**
 * A sender killed in the middle of a send: the mail server has the message but the sender dies (SIGKILL)
 * before it hears back. Once the dead sender's lease runs out, the relay sends the message again, and it is
 * recognisably the same message: the same Message-ID. Needs a PostgreSQL server (two processes, one database).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { freshDatabase, serverUrl } from '../support/databases.ts';
import { startInbox, type TestInbox } from '../support/smtp.ts';
import { type CommsWorld, commsWorld, launchWithBatch, place } from './support.ts';

const CHILD = new URL('./relay-child.ts', import.meta.url).pathname;

describe('an email sender killed mid-send [postgres]', { skip: !serverUrl }, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let inbox: TestInbox;
  let world: CommsWorld;
  /** The child to kill when its message arrives. */
  let victim: ChildProcess | undefined;

  before(async () => {
    database = await freshDatabase('postgres');
    inbox = await startInbox({
      onMessage: () => {
        if (!victim) return;
        victim.kill('SIGKILL');
        victim = undefined;
      },
    });
    world = await commsWorld(database.db, {}, inbox);
  });
  after(async () => {
    await world.close();
    await inbox.close();
    await database.drop();
  });

  test('the message arrives, and the resend carries the same Message-ID', async () => {
    const { sku } = await launchWithBatch(world);
    await place(world, sku, 'kim@example.com');
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, database.url as string, inbox.url, world.clock.now().toISOString()],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    victim = child;
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.on('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    );
    assert.equal(signal, 'SIGKILL', `the child was killed mid-send, not ${code}`);
    const first = inbox.to('kim@example.com');
    assert.equal(first.length, 1, 'the server got the message before the sender died');

    // Within the dead sender's lease nobody sends; after it, the relay sends the same message again.
    await world.relay.runOnce();
    assert.equal(inbox.to('kim@example.com').length, 1);
    world.clock.advance(2 * 60_000);
    await world.deliver();
    const both = inbox.to('kim@example.com');
    assert.equal(both.length, 2);
    assert.equal(both[1]?.messageId, both[0]?.messageId);
    assert.match(both[0]?.messageId ?? '', /^<evt_\w+\.confirmation@shop\.test>$/);
    assert.equal(both[1]?.subject, both[0]?.subject);
    await world.deliver();
    assert.equal(inbox.to('kim@example.com').length, 2, 'and only once more');
  });
});
