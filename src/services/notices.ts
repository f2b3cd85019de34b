/**
 * Things that happen at a time and must be noticed once, whoever runs the job and however often: a
 * promised window that passed without a shipment, a balance charge coming up. Each is claimed by inserting
 * its key into `notices` in the transaction that records its event, so two runners (or two passes) never
 * record it twice. The clock is the context's.
 */
import type { Queryable } from '../db/database.ts';
import { event } from '../domain/events.ts';
import { outstanding } from '../domain/ledger.ts';
import { loadCampaign } from './campaigns.ts';
import { DEFAULT_SETTINGS } from './communication-settings.ts';
import type { ServiceContext } from './context.ts';
import { loadLedger, loadMoneyPreorder, planOf } from './payment-operations.ts';
import { getShop } from './shops.ts';
import { repromiseVariant } from './supply.ts';
import { inTransaction } from './unit-of-work.ts';

/** States in which a pre-order is owed a shipment. */
const AWAITING_SHIPMENT = ['confirmed', 'allocated', 'balance_due', 'ready'];

/** Claims notice keys; returns those this caller won. */
export async function claimNotices(tx: Queryable, shopId: string, keys: readonly string[], now: Date) {
  if (keys.length === 0) return new Set<string>();
  const rows = await tx.query<{ key: string }>(
    `INSERT INTO notices (shop_id, key, created_at) SELECT $1, k, $3 FROM unnest($2::text[]) AS k
     ON CONFLICT DO NOTHING RETURNING key`,
    [shopId, keys, now],
  );
  return new Set(rows.map((row) => row.key));
}

/**
 * Pre-orders whose promised window ended before today (in the shop's calendar) and that have not
 * shipped: their variant is promised again from today, each customer gets `preorder.late` with the new
 * window (a delay past the first window also asks for consent), and the campaign `preorders_late` for the
 * merchant, in one transaction per campaign variant.
 */
export async function noticeLatePreorders(ctx: ServiceContext, limit = 1000): Promise<number> {
  const now = ctx.clock();
  const late = await ctx.db.query<{ shop_id: string; campaign_id: string; variant_id: string; id: string }>(
    `SELECT p.shop_id, p.campaign_id, p.variant_id, p.id FROM preorders p JOIN shops s ON s.id = p.shop_id
     WHERE p.state = ANY($2) AND p.promise_to IS NOT NULL
       -- No shop's calendar is more than a day ahead of UTC's: a window that ended before its shop's
       -- today ended by UTC's, a bound with which the index skips the windows still to come.
       AND p.promise_to <= ($1::timestamptz AT TIME ZONE 'UTC')::date
       AND p.promise_to < ($1::timestamptz AT TIME ZONE s.time_zone)::date
       AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.shop_id = p.shop_id
                       AND n.key = 'late:' || p.id || ':' || p.promise_to::text)
     ORDER BY p.promise_to LIMIT $3`,
    [now, AWAITING_SHIPMENT, limit],
  );
  const groups = new Map<string, { shopId: string; campaignId: string; variantId: string; ids: string[] }>();
  for (const row of late) {
    const key = `${row.shop_id}|${row.campaign_id}|${row.variant_id}`;
    const group = groups.get(key) ?? {
      shopId: row.shop_id,
      campaignId: row.campaign_id,
      variantId: row.variant_id,
      ids: [],
    };
    group.ids.push(row.id);
    groups.set(key, group);
  }
  let noticed = 0;
  for (const group of groups.values()) {
    const shop = await getShop(ctx, group.shopId);
    noticed += await inTransaction(ctx, async (uow) => {
      const campaign = await loadCampaign(uow.tx, shop.id, group.campaignId, { lock: true });
      // Under the campaign's lock, as every change of its queue: still late, still unshipped?
      const still = await uow.tx.query<{ id: string; promise_from: string; promise_to: string }>(
        `SELECT id, promise_from::text, promise_to::text FROM preorders
         WHERE shop_id = $1 AND id = ANY($2) AND state = ANY($3) AND promise_to < ($4::timestamptz AT TIME ZONE $5)::date`,
        [shop.id, group.ids, AWAITING_SHIPMENT, uow.now, shop.timeZone],
      );
      const won = await claimNotices(
        uow.tx,
        shop.id,
        still.map((row) => `late:${row.id}:${row.promise_to}`),
        uow.now,
      );
      const claimed = still.filter((row) => won.has(`late:${row.id}:${row.promise_to}`));
      if (claimed.length === 0) return 0;
      await repromiseVariant(uow, shop, campaign, group.variantId, {
        kind: 'window_passed',
        preorderIds: claimed.map((row) => row.id),
      });
      const now = await uow.tx.query<{ id: string; promise_from: string | null; promise_to: string | null }>(
        'SELECT id, promise_from::text, promise_to::text FROM preorders WHERE shop_id = $1 AND id = ANY($2) ORDER BY id',
        [shop.id, claimed.map((row) => row.id)],
      );
      for (const row of claimed) {
        const next = now.find((each) => each.id === row.id);
        uow.record(
          event(shop.id, 'preorder.late', row.id, {
            missedWindow: { from: row.promise_from, to: row.promise_to },
            newWindow:
              next?.promise_from && next.promise_to ? { from: next.promise_from, to: next.promise_to } : null,
            campaignId: campaign.id,
          }),
        );
      }
      uow.record(
        event(shop.id, 'campaign.preorders_late', campaign.id, {
          count: claimed.length,
          preorderIds: claimed.map((row) => row.id),
        }),
      );
      return claimed.length;
    });
  }
  return noticed;
}

/**
 * Balances that fall due within the shop's reminder days: the customer hears before the card is charged.
 * Only before the first try (a failed try has its own message).
 */
export async function noticeUpcomingBalances(ctx: ServiceContext, limit = 500): Promise<number> {
  const now = ctx.clock();
  const upcoming = await ctx.db.query<{ shop_id: string; id: string; balance_due_at: Date }>(
    `SELECT p.shop_id, p.id, p.balance_due_at FROM preorders p
     LEFT JOIN shop_communication c ON c.shop_id = p.shop_id
     WHERE p.balance_due_at > $1
       AND p.balance_due_at <= $1 + make_interval(days => coalesce(c.balance_reminder_days, $3))
       AND coalesce(c.balance_reminder_days, $3) > 0
       AND p.balance_attempts = 0 AND p.payment_method_id IS NOT NULL
       AND p.state IN ('confirmed', 'allocated', 'balance_due')
       AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.shop_id = p.shop_id
                       AND n.key = 'balance_upcoming:' || p.id || ':' || extract(epoch FROM p.balance_due_at)::bigint)
     ORDER BY p.balance_due_at LIMIT $2`,
    [now, limit, DEFAULT_SETTINGS.balance_reminder_days],
  );
  let noticed = 0;
  for (const row of upcoming) {
    const key = `balance_upcoming:${row.id}:${Math.floor(row.balance_due_at.getTime() / 1000)}`;
    noticed += await inTransaction(ctx, async (uow) => {
      const won = await claimNotices(uow.tx, row.shop_id, [key], uow.now);
      if (!won.has(key)) return 0;
      const preorder = await loadMoneyPreorder(uow.tx, row.shop_id, row.id);
      if (!preorder) return 0;
      const amount = outstanding(await loadLedger(uow.tx, preorder), planOf(preorder), preorder.state);
      if (amount.amount === 0) return 0;
      uow.record(
        event(row.shop_id, 'preorder.balance_upcoming', row.id, {
          amount,
          dueAt: row.balance_due_at.toISOString(),
        }),
      );
      return 1;
    });
  }
  return noticed;
}
