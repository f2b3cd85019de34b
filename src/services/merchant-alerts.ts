/**
 * Merchant alerts that nothing else announces, noticed by a job for shops with alert addresses: a cap
 * reached, a batch's ready date near and unconfirmed, cancellations over the threshold, dead letters, and
 * the daily digest (after 07:00 in the shop's time zone, for the day before). Each is claimed with a notice
 * key in the transaction that records its event, so it is raised once however many runners look. A day
 * with nothing to tell sends no digest.
 */
import { addDays, shopDate, shopDayStart } from '../domain/calendar.ts';
import { event, type NewEvent } from '../domain/events.ts';
import { money } from '../domain/money.ts';
import type { ServiceContext } from './context.ts';
import { claimNotices } from './notices.ts';
import { inTransaction } from './unit-of-work.ts';

const ALERTED = `JOIN shop_communication sc ON sc.shop_id = s.id AND cardinality(sc.alert_emails) > 0`;
const DIGEST_HOUR = 7;

/** Records the event under the notice key unless the key was claimed before. */
async function raiseOnce(ctx: ServiceContext, shopId: string, key: string, alert: NewEvent): Promise<number> {
  return inTransaction(ctx, async (uow) => {
    if (!(await claimNotices(uow.tx, shopId, [key], uow.now)).has(key)) return 0;
    uow.record(alert);
    return 1;
  });
}

export async function raiseMerchantAlerts(ctx: ServiceContext): Promise<number> {
  const now = ctx.clock();
  let raised = 0;

  const capped = await ctx.db.query<{
    shop_id: string;
    campaign_id: string;
    variant_id: string;
    sku: string;
    cap: number;
  }>(
    `SELECT cv.shop_id, cv.campaign_id, cv.variant_id, v.sku, cv.cap
     FROM campaign_variants cv JOIN shops s ON s.id = cv.shop_id ${ALERTED}
     JOIN variants v ON v.id = cv.variant_id AND v.shop_id = cv.shop_id
     WHERE cv.cap > 0 AND cv.held >= cv.cap
       AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.shop_id = cv.shop_id
                       AND n.key = 'cap:' || cv.campaign_id || ':' || cv.variant_id || ':' || cv.cap)`,
  );
  for (const row of capped) {
    raised += await raiseOnce(
      ctx,
      row.shop_id,
      `cap:${row.campaign_id}:${row.variant_id}:${row.cap}`,
      event(row.shop_id, 'campaign.cap_reached', row.campaign_id, {
        variantId: row.variant_id,
        sku: row.sku,
        cap: row.cap,
      }),
    );
  }

  const unconfirmed = await ctx.db.query<{
    shop_id: string;
    id: string;
    campaign_id: string;
    sku: string;
    ready_date: string;
  }>(
    `SELECT b.shop_id, b.id, b.campaign_id, v.sku, b.ready_date::text
     FROM supply_batches b JOIN shops s ON s.id = b.shop_id ${ALERTED}
     JOIN variants v ON v.id = b.variant_id AND v.shop_id = b.shop_id
     WHERE b.state = 'planned'
       AND b.ready_date <= ($1::timestamptz AT TIME ZONE s.time_zone)::date + sc.ready_date_alert_days
       AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.shop_id = b.shop_id
                       AND n.key = 'batch_unconfirmed:' || b.id || ':' || b.ready_date::text)`,
    [now],
  );
  for (const row of unconfirmed) {
    raised += await raiseOnce(
      ctx,
      row.shop_id,
      `batch_unconfirmed:${row.id}:${row.ready_date}`,
      event(row.shop_id, 'batch.ready_date_unconfirmed', row.id, {
        campaignId: row.campaign_id,
        sku: row.sku,
        readyDate: row.ready_date,
      }),
    );
  }

  // Pre-orders that reached the customer (not placements nobody paid for), and those cancelled in the window.
  const rates = await ctx.db.query<{
    shop_id: string;
    campaign_id: string;
    cancelled: number;
    placed: number;
    percent: string;
    days: number;
    time_zone: string;
  }>(
    `SELECT p.shop_id, p.campaign_id, s.time_zone, sc.cancellation_alert_percent AS percent,
       sc.cancellation_alert_days AS days,
       count(*) FILTER (WHERE p.state = 'cancelled'
         AND p.updated_at > $1::timestamptz - make_interval(days => sc.cancellation_alert_days))::int AS cancelled,
       count(*)::int AS placed
     FROM preorders p JOIN shops s ON s.id = p.shop_id ${ALERTED}
     WHERE p.state <> 'placed' AND coalesce(p.cancel_reason, '') <> 'abandoned'
     GROUP BY p.shop_id, p.campaign_id, s.time_zone, sc.cancellation_alert_percent, sc.cancellation_alert_days
     HAVING count(*) >= 5`,
    [now],
  );
  for (const row of rates) {
    const percent = Math.round((1000 * row.cancelled) / row.placed) / 10;
    if (row.cancelled === 0 || percent < Number(row.percent)) continue;
    raised += await raiseOnce(
      ctx,
      row.shop_id,
      `cancel_rate:${row.campaign_id}:${shopDate(now, row.time_zone)}`,
      event(row.shop_id, 'campaign.cancellation_rate_high', row.campaign_id, {
        cancelled: row.cancelled,
        placed: row.placed,
        percent,
        windowDays: row.days,
      }),
    );
  }

  const dead = await ctx.db.query<{ shop_id: string; count: number; consumers: string[]; latest: string }>(
    `SELECT f.shop_id, count(*)::int AS count, array_agg(DISTINCT f.consumer) AS consumers, max(f.id) AS latest
     FROM outbox_failures f JOIN shops s ON s.id = f.shop_id ${ALERTED}
     WHERE f.status = 'dead' GROUP BY f.shop_id`,
  );
  for (const row of dead) {
    raised += await raiseOnce(
      ctx,
      row.shop_id,
      `dead_letters:${row.latest}`,
      event(row.shop_id, 'shop.dead_letters', row.shop_id, { count: row.count, consumers: row.consumers }),
    );
  }

  raised += await raiseDigests(ctx, now);
  return raised;
}

async function raiseDigests(ctx: ServiceContext, now: Date): Promise<number> {
  const shops = await ctx.db.query<{ id: string; time_zone: string; currency: string }>(
    `SELECT s.id, s.time_zone, s.currency FROM shops s ${ALERTED}`,
  );
  let raised = 0;
  for (const shop of shops) {
    const today = shopDate(now, shop.time_zone);
    if (now.getTime() < shopDayStart(today, shop.time_zone).getTime() + DIGEST_HOUR * 3_600_000) continue;
    const day = addDays(today, -1);
    const key = `digest:${day}`;
    const [claimedBefore] = await ctx.db.query('SELECT 1 FROM notices WHERE shop_id = $1 AND key = $2', [
      shop.id,
      key,
    ]);
    if (claimedBefore) continue;
    const from = shopDayStart(day, shop.time_zone);
    const to = shopDayStart(today, shop.time_zone);
    const [facts] = await ctx.db.query<{ placed: number; cancelled: number; collected: string; due: string }>(
      `SELECT
         (SELECT count(*)::int FROM preorders WHERE shop_id = $1 AND created_at >= $2 AND created_at < $3
            AND state <> 'placed' AND coalesce(cancel_reason, '') <> 'abandoned') AS placed,
         (SELECT count(*)::int FROM events WHERE shop_id = $1 AND type = 'preorder.cancelled'
            AND created_at >= $2 AND created_at < $3 AND data->>'reason' <> 'abandoned') AS cancelled,
         (SELECT coalesce(sum(CASE kind WHEN 'charge' THEN amount WHEN 'refund' THEN -amount ELSE 0 END), 0)
            FROM ledger_entries WHERE shop_id = $1 AND created_at >= $2 AND created_at < $3) AS collected,
         (SELECT coalesce(sum(p.total_amount - coalesce((SELECT sum(l.amount) FROM ledger_entries l
              WHERE l.preorder_id = p.id AND l.kind = 'charge'), 0)), 0)
            FROM preorders p WHERE p.shop_id = $1 AND p.balance_due_at >= $3
              AND p.balance_due_at < $3::timestamptz + interval '7 days'
              AND p.state IN ('confirmed', 'allocated', 'balance_due')) AS due`,
      [shop.id, from, to],
    );
    if (!facts) continue;
    if (!facts.placed && !facts.cancelled && !Number(facts.collected) && !Number(facts.due)) {
      // A quiet day: nothing to tell, but noticed, so later passes do not count it again.
      await claimNotices(ctx.db, shop.id, [key], now);
      continue;
    }
    const currency = shop.currency.trim();
    raised += await raiseOnce(
      ctx,
      shop.id,
      key,
      event(shop.id, 'shop.digest', shop.id, {
        day,
        placed: facts.placed,
        cancelled: facts.cancelled,
        collected: money(Number(facts.collected), currency),
        dueNextWeek: money(Number(facts.due), currency),
      }),
    );
  }
  return raised;
}
