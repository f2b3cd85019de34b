/**
 * The figures of a campaign's launch dashboard, each one a SQL aggregate (grouped by shop-local day), so
 * that a campaign with 100,000 pre-orders answers as fast as one with ten: units held against the cap,
 * placements per day, demand against supply by date, cancellations per day with the alert threshold, and
 * the customers by the week their promise starts. Cash is GET /v1/reports/cash.
 */
import { allowLargeAggregates } from '../db/database.ts';
import { type CalendarDate, compareDates, firstDayOfWeek } from '../domain/calendar.ts';
import { type CampaignVariant, campaignVariantBySku, loadCampaign } from './campaigns.ts';
import { getCommunicationSettings } from './communication-settings.ts';
import type { ServiceContext } from './context.ts';
import type { Shop } from './shops.ts';

export interface DashboardDay {
  date: CalendarDate;
  /** Pre-orders placed that day (later cancelled ones included: they were demand that day). */
  placed: number;
  units: number;
  /** Pre-orders cancelled that day (abandoned checkouts are not cancellations a customer chose). */
  cancelled: number;
}

export interface SupplyStep {
  date: CalendarDate;
  batchId: string;
  /** A received batch counts what came; the others what is planned. */
  units: number;
  state: 'planned' | 'confirmed' | 'received';
}

export interface ShipWeek {
  /** The first day of the week (the shop's locale says which day that is). */
  week: CalendarDate;
  customers: number;
  units: number;
}

export interface LaunchDashboard {
  campaignId: string;
  currency: string;
  timeZone: string;
  sku: string | null;
  variants: Pick<CampaignVariant, 'variantId' | 'sku' | 'cap' | 'held'>[];
  unitsHeld: number;
  /** Null when a variant has no cap. */
  cap: number | null;
  onHand: number;
  days: DashboardDay[];
  supply: SupplyStep[];
  /** Units of live pre-orders that no supply covers yet (no promise). */
  unpromisedUnits: number;
  shipWeeks: ShipWeek[];
  cancellationAlert: { percent: number; windowDays: number };
}

const NOT_ABANDONED = `coalesce(cancel_reason, '') <> 'abandoned'`;

export async function launchDashboard(
  ctx: ServiceContext,
  shop: Shop,
  campaignId: string,
  query: { sku?: string | undefined },
): Promise<LaunchDashboard> {
  return ctx.db.transaction(async (tx) => {
    const campaign = await loadCampaign(tx, shop.id, campaignId);
    const variants =
      query.sku === undefined ? campaign.variants : [campaignVariantBySku(campaign, query.sku)];
    const variantId = query.sku === undefined ? null : (variants[0]?.variantId ?? null);
    const scope = [shop.id, campaign.id, variantId];
    const filter = `shop_id = $1 AND campaign_id = $2 AND ($3::text IS NULL OR variant_id = $3)`;
    await allowLargeAggregates(tx);
    // One after another: a transaction's connection runs one statement at a time. Dates come as YYYY-MM-DD.
    // Placements and cancellations per day in one scan: a grouping set each.
    const dayRows = await tx.query<{ placed: boolean; date: string; preorders: number; units: number }>(
      `SELECT grouping(placed_on) = 0 AS placed, coalesce(placed_on, cancelled_on) AS date,
           count(*)::int AS preorders, sum(quantity)::int AS units
         FROM (SELECT (created_at AT TIME ZONE $4)::date AS placed_on,
             -- The row's last change is its cancellation: a cancelled pre-order changes no more.
             CASE WHEN state = 'cancelled' THEN (updated_at AT TIME ZONE $4)::date END AS cancelled_on, quantity
           FROM preorders WHERE ${filter} AND ${NOT_ABANDONED}) AS p
         GROUP BY GROUPING SETS ((placed_on), (cancelled_on))
         HAVING grouping(placed_on) = 0 OR cancelled_on IS NOT NULL`,
      [...scope, shop.timeZone],
    );
    const supplyRows = await tx.query<{
      id: string;
      date: string;
      units: number;
      state: SupplyStep['state'];
    }>(
      `SELECT id, ready_date AS date, state,
           CASE WHEN state = 'received' THEN quantity_received ELSE quantity END AS units
         FROM supply_batches WHERE ${filter} ORDER BY ready_date, id`,
      scope,
    );
    const promiseRows = await tx.query<{ week: string | null; customers: number; units: number }>(
      // The first day of the promise's week: back from its ISO weekday to the locale's first day ($4).
      `SELECT promise_from - (extract(isodow FROM promise_from)::int - $4 + 7) % 7 AS week,
           count(DISTINCT email)::int AS customers, sum(quantity)::int AS units
         FROM preorders WHERE ${filter} AND state NOT IN ('cancelled', 'fulfilled')
         GROUP BY 1 ORDER BY 1`,
      [...scope, firstDayOfWeek(shop.locale)],
    );
    const settings = await getCommunicationSettings(tx, shop.id, ctx.clock());
    return {
      campaignId: campaign.id,
      currency: campaign.currency,
      timeZone: shop.timeZone,
      sku: query.sku ?? null,
      variants: variants.map(({ variantId, sku, cap, held }) => ({ variantId, sku, cap, held })),
      unitsHeld: variants.reduce((sum, v) => sum + v.held, 0),
      cap: variants.some((v) => v.cap === null) ? null : variants.reduce((sum, v) => sum + (v.cap ?? 0), 0),
      onHand: variants.reduce((sum, v) => sum + v.onHand, 0),
      days: daysOf(dayRows),
      supply: supplyRows.map((row) => ({
        date: row.date,
        batchId: row.id,
        units: row.units,
        state: row.state,
      })),
      unpromisedUnits: promiseRows.find((row) => row.week === null)?.units ?? 0,
      shipWeeks: promiseRows.flatMap(({ week, ...row }) => (week === null ? [] : [{ week, ...row }])),
      cancellationAlert: settings.cancellationAlert,
    };
  });
}

function daysOf(rows: { placed: boolean; date: string; preorders: number; units: number }[]): DashboardDay[] {
  const days = new Map<string, DashboardDay>();
  for (const row of rows) {
    const day = days.get(row.date) ?? { date: row.date, placed: 0, units: 0, cancelled: 0 };
    days.set(
      row.date,
      row.placed ? { ...day, placed: row.preorders, units: row.units } : { ...day, cancelled: row.preorders },
    );
  }
  return [...days.values()].sort((a, b) => compareDates(a.date, b.date));
}
