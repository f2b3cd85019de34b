/**
 * The place in the queue a customer is shown, under random placements (cards that pay and cards refused,
 * several at once) and cancellations, through the API on both engines. After every step the pre-orders still
 * waiting or shipped are shown 1, 2, … in the order they were placed, and no placement was told a place
 * behind the one it has now (cancellations only move people up).
 */
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import fc from 'fast-check';
import { DECLINED, launch, type MoneyWorld, moneyWorld, place, VISA } from '../money/support.ts';
import { call } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';

const action = fc.oneof(
  fc.record({
    kind: fc.constant('place' as const),
    cards: fc.array(fc.constantFrom(VISA, VISA, DECLINED), { minLength: 1, maxLength: 4 }),
  }),
  fc.record({ kind: fc.constant('cancel' as const), pick: fc.nat() }),
);

describeOnEachEngine('the place in the queue under random sequences', ({ db }) => {
  let world: MoneyWorld;

  before(async () => {
    world = await moneyWorld(db());
  });

  test('live pre-orders are shown 1, 2, … in placement order; an answer is never behind', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 1, maxLength: 12 }), async (actions) => {
        const { sku, campaignId } = await launch(world, 2_000, 'EUR');
        /** What each placement was answered. */
        const told = new Map<string, number>();
        for (const step of actions) {
          if (step.kind === 'place') {
            const answers = await Promise.all(
              step.cards.map((card) => place(world, sku, { paymentMethod: card })),
            );
            for (const answer of answers) {
              if (answer.status === 201) told.set(answer.body.id, answer.body.queuePosition);
              else assert.equal(answer.body.error.code, 'card_declined', JSON.stringify(answer.body));
            }
          } else if (told.size > 0) {
            const id = [...told.keys()][step.pick % told.size] as string;
            await call(world.app, 'POST', `/v1/preorders/${id}/cancel`, world.shop.admin, {});
          }
          const live = await db().query<{ id: string }>(
            `SELECT id FROM preorders WHERE shop_id = $1 AND campaign_id = $2 AND state <> 'cancelled'
             ORDER BY queue_position`,
            [world.shop.shopId, campaignId],
          );
          const listed = await call(
            world.app,
            'GET',
            `/v1/preorders?campaign=${campaignId}&limit=100`,
            world.shop.admin,
          );
          const shown = new Map<string, number>(
            listed.body.data.map((p: { id: string; queuePosition: number }) => [p.id, p.queuePosition]),
          );
          const after = JSON.stringify(step);
          assert.deepEqual(
            live.map((row) => shown.get(row.id)),
            live.map((_, i) => i + 1),
            `places shown after ${after}`,
          );
          for (const row of live) {
            const now = shown.get(row.id) as number;
            assert.ok(now <= (told.get(row.id) as number), `${row.id} was told a place ahead of ${now}`);
          }
        }
      }),
      { numRuns: 15 },
    );
  });
});
