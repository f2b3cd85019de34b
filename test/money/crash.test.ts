/**
 * A crash between the provider's answer and our commit: the process collecting a balance is killed (SIGKILL)
 * the moment Stripe has charged the card, before the answer reaches it. A restarted process sends the same
 * call with the same idempotency key, Stripe answers as the first time, and the ledger books it once.
 * Needs a PostgreSQL server (two processes on one database).
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { StripePaymentProvider } from '../../src/payments/stripe-provider.ts';
import { call } from '../support/app.ts';
import { freshDatabase, serverUrl } from '../support/databases.ts';
import { type StripeApiServer, startStripeApiServer } from '../support/stripe-api-server.ts';
import { launch, ledgerOf, type MoneyWorld, moneyWorld, place } from './support.ts';

const CHILD = new URL('./crash-child.ts', import.meta.url).pathname;

describe('a crash between the provider’s answer and our commit [postgres]', { skip: !serverUrl }, () => {
  let database: Awaited<ReturnType<typeof freshDatabase>>;
  let stripe: StripeApiServer;
  let world: MoneyWorld;
  let proxy: Server;
  /** The child to kill once Stripe has answered an off-session charge. */
  let victim: ChildProcess | undefined;

  before(async () => {
    database = await freshDatabase('postgres');
    stripe = await startStripeApiServer();
    const provider = new StripePaymentProvider({
      apiKey: stripe.apiKey,
      webhookSecret: 'whsec_unused',
      host: stripe.host,
      port: stripe.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    world = await moneyWorld(database.db, 'EUR', provider);
    // Between the child and Stripe: passes every call on, but kills the child instead of handing it
    // the answer to an off-session charge.
    proxy = createServer((incoming, outgoing) => {
      const forward = httpRequest(
        {
          host: stripe.host,
          port: stripe.port,
          path: incoming.url,
          method: incoming.method,
          headers: incoming.headers,
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () => {
            const body = Buffer.concat(chunks);
            // The child's only call that creates a PaymentIntent is the balance charge.
            if (victim && incoming.method === 'POST' && incoming.url === '/v1/payment_intents') {
              victim.kill('SIGKILL');
              victim = undefined;
              outgoing.destroy();
              return;
            }
            outgoing.writeHead(answer.statusCode ?? 500, answer.headers);
            outgoing.end(body);
          });
        },
      );
      incoming.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  });
  after(async () => {
    await new Promise((resolve) => proxy.close(resolve));
    await stripe.close();
    await world.app.close();
    await database.drop();
  });

  function runChild(
    now: Date,
    killAfterCharge: boolean,
  ): Promise<{ code: number | null; signal: string | null; output: string }> {
    const { port } = proxy.address() as AddressInfo;
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, database.url as string, String(port), stripe.apiKey, now.toISOString()],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    if (killAfterCharge) victim = child;
    let output = '';
    child.stdout?.on('data', (chunk) => {
      output += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      output += chunk;
    });
    const bound = setTimeout(() => child.kill('SIGKILL'), 60_000);
    return new Promise((resolve) =>
      child.on('exit', (code, signal) => {
        clearTimeout(bound);
        resolve({ code, signal, output });
      }),
    );
  }

  test('the restarted job finds the charge by its key: one charge at Stripe, one ledger entry', async () => {
    const { sku, campaignId } = await launch(world, 4_900, 'EUR', { paymentTerms: { kind: 'later' } });
    const placed = await place(world, sku, { paymentMethod: 'pm_card_visa' });
    assert.equal(placed.body.state, 'confirmed', JSON.stringify(placed.body));
    await call(world.app, 'POST', `/v1/campaigns/${campaignId}/release`, world.shop.admin);
    const offSessionCharges = () =>
      stripe.requests.filter(
        (r) => r.method === 'POST' && r.path === '/v1/payment_intents' && r.params.off_session === 'true',
      );

    const killed = await runChild(world.clock.now(), true);
    assert.equal(killed.signal, 'SIGKILL', `the child was to be killed: ${killed.output}`);
    assert.deepEqual(
      offSessionCharges().map((r) => [r.status, r.replayed]),
      [[200, false]],
      'Stripe charged the card',
    );
    assert.equal(
      (await ledgerOf(world, placed.body.id)).charged.amount,
      0,
      'the dead process booked nothing',
    );

    const restarted = await runChild(new Date(world.clock.now().getTime() + 5 * 60_000), false);
    assert.equal(restarted.code, 0, restarted.output);
    const charges = offSessionCharges();
    assert.equal(charges.length, 2);
    assert.equal(charges[1]?.idempotencyKey, charges[0]?.idempotencyKey, 'the same key was sent again');
    assert.equal(charges[1]?.replayed, true, 'and Stripe answered from its idempotency store');
    const ledger = await ledgerOf(world, placed.body.id);
    assert.deepEqual(
      ledger.entries.map((e) => [e.kind, e.amount.amount]),
      [['charge', 4_900]],
    );
  });
});
