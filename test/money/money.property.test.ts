/**
 * Money adds up (invariant 4), for random sequences of placements, releases, balance charges, lost
 * provider answers, job runs and cancellations in JPY, EUR and KWD: for every pre-order charged − refunded
 * is never negative and agrees with its state, and the cash report's figures are the ledger's sums.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fc from 'fast-check';
import type { Database } from '../../src/db/database.ts';
import { openDatabase } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { runDueJobs } from '../../src/jobs.ts';
import { TestPaymentProvider } from '../../src/payments/test-provider.ts';
import { call } from '../support/app.ts';
import {
  CHARGES_DECLINED,
  DECLINED,
  launch,
  ledgerOf,
  type MoneyWorld,
  moneyWorld,
  place,
  VISA,
} from './support.ts';

let db: Database;
before(async () => {
  db = await openDatabase();
  await migrate(db);
});
after(() => db.close());

const terms = fc.constantFrom(
  { kind: 'full' },
  { kind: 'later' },
  { kind: 'deposit', percent: 30, balanceDue: { kind: 'on_release' } },
  { kind: 'deposit', amount: 500, balanceDue: { kind: 'on_date', date: '2026-12-05' } },
);
const action = fc.oneof(
  fc.record({
    kind: fc.constant('place' as const),
    card: fc.constantFrom(VISA, VISA, DECLINED, CHARGES_DECLINED),
    quantity: fc.integer({ min: 1, max: 3 }),
  }),
  fc.record({
    kind: fc.constant('cancel' as const),
    pick: fc.nat(),
    refund: fc.constantFrom('policy', 'full', 'none'),
  }),
  fc.record({ kind: fc.constant('chargeBalance' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('loseNextAnswer' as const) }),
  fc.record({ kind: fc.constant('release' as const) }),
  fc.record({ kind: fc.constant('days' as const), days: fc.integer({ min: 0, max: 8 }) }),
);

test('money adds up for random sequences of charges, refunds and cancellations', async () => {
  // One provider for the three shops, as one deployment has: the jobs settle every shop's operations.
  const provider = new TestPaymentProvider();
  const worlds = new Map<string, MoneyWorld>();
  for (const currency of ['JPY', 'EUR', 'KWD'])
    worlds.set(currency, await moneyWorld(db, currency, provider));
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('JPY', 'EUR', 'KWD'),
      fc.integer({ min: 1, max: 500 }).map((tens) => tens * 10),
      terms,
      fc.array(action, { minLength: 1, maxLength: 14 }),
      async (currency, price, paymentTerms, actions) => {
        const world = worlds.get(currency) as MoneyWorld;
        const { sku, campaignId } = await launch(world, Math.max(price, 1_000), currency, {
          paymentTerms,
          cap: null,
        });
        const ids: string[] = [];
        for (const step of actions) {
          if (step.kind === 'place') {
            const answer = await place(world, sku, { paymentMethod: step.card, quantity: step.quantity });
            if (answer.body.id) ids.push(answer.body.id);
          } else if (step.kind === 'cancel' && ids.length > 0) {
            const id = ids[step.pick % ids.length];
            await call(world.app, 'POST', `/v1/preorders/${id}/cancel`, world.shop.admin, {
              reason: 'property',
              refund: step.refund,
            });
          } else if (step.kind === 'chargeBalance' && ids.length > 0) {
            await call(
              world.app,
              'POST',
              `/v1/preorders/${ids[step.pick % ids.length]}/charge-balance`,
              world.shop.admin,
            );
          } else if (step.kind === 'loseNextAnswer') {
            world.provider.interruptNextCalls(1, 'after');
          } else if (step.kind === 'release') {
            await call(world.app, 'POST', `/v1/campaigns/${campaignId}/release`, world.shop.admin);
          } else if (step.kind === 'days') {
            world.clock.advance(step.days * 86_400_000 + 120_000);
            await runDueJobs(world.ctx, world.payments);
          }
        }
        // Let every lost answer be recovered (each job pass resends once; several may have been lost), then check.
        for (let pass = 0; pass <= actions.length; pass++) {
          world.clock.advance(2 * 3_600_000);
          if ((await runDueJobs(world.ctx, world.payments)).operationsRetried === 0) break;
        }
        const [{ charged, refunded }] = (await db.query<{ charged: number; refunded: number }>(
          `SELECT coalesce(sum(amount) FILTER (WHERE kind = 'charge'), 0)::bigint AS charged,
             coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0)::bigint AS refunded
           FROM ledger_entries WHERE campaign_id = $1`,
          [campaignId],
        )) as [{ charged: number; refunded: number }];
        for (const id of ids) {
          const ledger = await ledgerOf(world, id);
          const preorder = (await call(world.app, 'GET', `/v1/preorders/${id}`, world.shop.admin)).body;
          assert.ok(ledger.netPaid.amount >= 0, 'charged − refunded is never negative');
          assert.ok(ledger.charged.amount <= preorder.total.amount, 'never more than the total is charged');
          if (preorder.state === 'placed') assert.equal(ledger.charged.amount, 0);
          if (preorder.state === 'confirmed' && paymentTerms.kind === 'full') {
            assert.equal(ledger.netPaid.amount, preorder.total.amount, 'paid in full');
          }
          if (preorder.state === 'confirmed' && paymentTerms.kind === 'deposit') {
            assert.ok(ledger.charged.amount > 0, 'a confirmed deposit pre-order paid its deposit');
          }
          if (preorder.state === 'cancelled') {
            const [row] = await db.query<{ pending: number }>(
              `SELECT count(*)::int AS pending FROM payment_operations
               WHERE preorder_id = $1 AND purpose = 'refund' AND status <> 'succeeded'`,
              [id],
            );
            assert.equal(row?.pending, 0, 'every refund of a cancellation went through');
            if (paymentTerms.kind !== 'deposit') {
              const cancelled = await db.query<{ data: { basis: string } }>(
                `SELECT data FROM events WHERE subject_id = $1 AND type = 'preorder.cancelled'`,
                [id],
              );
              const basis = cancelled[0]?.data.basis;
              if (basis !== 'merchant_no_refund')
                assert.equal(ledger.netPaid.amount, 0, 'only a deposit is kept');
            }
          }
        }
        const report = await call(
          world.app,
          'GET',
          `/v1/reports/cash?campaign=${campaignId}`,
          world.shop.admin,
        );
        assert.equal(report.status, 200, JSON.stringify(report.body));
        assert.equal(report.body.total.collected.amount, Number(charged));
        assert.equal(report.body.total.refunded.amount, Number(refunded));
        assert.equal(report.body.total.net.amount, Number(charged) - Number(refunded));
      },
    ),
    { numRuns: 25 },
  );
});
