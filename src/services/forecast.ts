/**
 * The demand forecast of a campaign and the production advice that follows from it: the placements are
 * read in one transaction, the curve is fitted outside it (src/simulate holds the arithmetic).
 */
import type { Queryable } from '../db/database.ts';
import {
  addDays,
  type CalendarDate,
  calendarDate,
  compareDates,
  dayNumber,
  shopDate,
  shopDayPosition,
} from '../domain/calendar.ts';
import { DomainError } from '../domain/errors.ts';
import type { Money } from '../domain/money.ts';
import {
  CONFIDENCE,
  type DailyDemand,
  type DemandDistribution,
  FALLBACK_MESSAGES,
  type Forecast,
  forecastDemand,
} from '../simulate/forecast.ts';
import { newsvendor, type ProductionAdvice } from '../simulate/newsvendor.ts';
import { type Campaign, type CampaignVariant, campaignVariantBySku, loadCampaign } from './campaigns.ts';
import type { ServiceContext } from './context.ts';
import type { Shop } from './shops.ts';
import { plannedSupply } from './supply.ts';

/** A forecast further out than this is a guess about another season, not this launch. */
const MAX_HORIZON_DAYS = 730;

export interface ForecastQuery {
  /** One variant of the campaign; without it, the campaign's units in all. */
  sku?: string | undefined;
  /** The last shop-local day to forecast to; without it, the campaign's close. */
  horizon?: CalendarDate | undefined;
}

export interface CampaignForecast extends Forecast {
  campaignId: string;
  sku: string | null;
  timeZone: string;
  asOf: Date;
  /** The shop-local date demand started: the campaign's opening. */
  startDate: CalendarDate;
  horizon: { date: CalendarDate; source: 'closes_at' | 'query' };
  /** Units of pre-orders since cancelled: not demand, shown for reference. */
  cancelledUnits: number;
  /** Placements stop at this many units; null when uncapped. */
  cap: number | null;
  message: string;
}

export async function campaignForecast(
  ctx: ServiceContext,
  shop: Shop,
  campaignId: string,
  query: ForecastQuery,
): Promise<CampaignForecast> {
  const now = ctx.clock();
  const read = await ctx.db.transaction(async (tx) => {
    const campaign = await loadCampaign(tx, shop.id, campaignId);
    const variants =
      query.sku === undefined ? campaign.variants : [campaignVariantBySku(campaign, query.sku)];
    return { campaign, variants, demand: await demandOf(tx, shop, campaign, variants, now, query.horizon) };
  });
  return forecastOf(shop, read.campaign, read.variants, read.demand, now, query.sku ?? null);
}

/** Fits the curve (or falls back) outside the transaction that read the placements. */
function forecastOf(
  shop: Shop,
  campaign: Campaign,
  variants: readonly CampaignVariant[],
  demand: Awaited<ReturnType<typeof demandOf>>,
  now: Date,
  sku: string | null,
): CampaignForecast {
  const { horizon, start, daily, cancelledUnits } = demand;
  const forecast = forecastDemand(
    { start, now: shopDayPosition(now, shop.timeZone), daily },
    { horizon: horizon.position },
  );
  const horizonDate = calendarDate(Math.ceil(horizon.position) - 1);
  return {
    campaignId: campaign.id,
    sku,
    timeZone: shop.timeZone,
    asOf: now,
    startDate: calendarDate(Math.floor(start)),
    horizon: { date: horizonDate, source: horizon.source },
    cancelledUnits,
    cap: capOf(variants),
    ...forecast,
    message: describe(forecast, horizonDate),
  };
}

export interface ProductionAdviceInput {
  unitCost: Money;
  salvageValue?: Money | undefined;
  unitPrice?: Money | undefined;
  shortageCost?: Money | undefined;
  sku?: string | undefined;
  horizon?: CalendarDate | undefined;
  /** The merchant's own estimate of final demand, instead of the forecast. */
  demand?: { mean: number; standardDeviation: number } | undefined;
}

export interface CampaignProductionAdvice extends ProductionAdvice {
  campaignId: string;
  variantId: string;
  sku: string;
  prices: { unitPrice: Money; unitCost: Money; salvageValue: Money; shortageCost: Money };
  demand:
    | { source: 'given'; mean: number; standardDeviation: number }
    | { source: 'forecast'; forecast: CampaignForecast };
  covered: { units: number; batches: number; onHand: number };
  cap: number | null;
  message: string;
}

/**
 * How many units of one variant to produce: the newsvendor rule on the forecast (or the merchant's own
 * estimate) of final demand, topping up what the supply plan already brings.
 */
export async function productionAdvice(
  ctx: ServiceContext,
  shop: Shop,
  campaignId: string,
  input: ProductionAdviceInput,
): Promise<CampaignProductionAdvice> {
  const now = ctx.clock();
  const { campaign, variant, covered, estimate } = await ctx.db.transaction(async (tx) => {
    const campaign = await loadCampaign(tx, shop.id, campaignId);
    const variant = onlyVariant(campaign, input.sku);
    return {
      campaign,
      variant,
      covered: await plannedSupply(tx, campaign, variant.variantId),
      estimate: input.demand
        ? ({ source: 'given', ...input.demand } as const)
        : ({
            source: 'placements',
            placed: await demandOf(tx, shop, campaign, [variant], now, input.horizon),
          } as const),
    };
  });
  const currency = shop.currency;
  const prices = {
    unitPrice: inShopCurrency(
      shop,
      'unitPrice',
      input.unitPrice ?? { amount: campaign.priceAmount, currency },
    ),
    unitCost: inShopCurrency(shop, 'unitCost', input.unitCost),
    salvageValue: inShopCurrency(shop, 'salvageValue', input.salvageValue ?? { amount: 0, currency }),
    shortageCost: inShopCurrency(shop, 'shortageCost', input.shortageCost ?? { amount: 0, currency }),
  };
  let demand: CampaignProductionAdvice['demand'];
  let distribution: DemandDistribution;
  if (estimate.source === 'given') {
    demand = estimate;
    distribution = { kind: 'normal', mean: estimate.mean, standardDeviation: estimate.standardDeviation };
  } else {
    const forecast = forecastOf(shop, campaign, [variant], estimate.placed, now, variant.sku);
    if (forecast.fallbackReason === 'no_placements') {
      throw new DomainError(
        'no_demand_yet',
        'this variant has no pre-orders yet to forecast from: send demand {mean, standardDeviation} with your own estimate',
        { field: 'demand', sku: variant.sku },
      );
    }
    demand = { source: 'forecast', forecast };
    distribution = forecast.distribution;
  }
  const advice = newsvendor({
    demand: distribution,
    economics: {
      unitPrice: prices.unitPrice.amount,
      unitCost: prices.unitCost.amount,
      salvageValue: prices.salvageValue.amount,
      shortageCost: prices.shortageCost.amount,
    },
    unitsCovered: covered.units,
    cap: variant.cap,
  });
  return {
    campaignId: campaign.id,
    variantId: variant.variantId,
    sku: variant.sku,
    prices,
    demand,
    covered,
    cap: variant.cap,
    ...advice,
    message: describeAdvice(advice, covered.units),
  };
}

/** The moment to forecast to: the end of the day asked for, else the campaign's close. */
function horizonOf(
  campaign: Campaign,
  shop: Shop,
  now: Date,
  asked: CalendarDate | undefined,
): { position: number; source: 'closes_at' | 'query' } {
  const today = shopDate(now, shop.timeZone);
  if (asked !== undefined) {
    if (compareDates(asked, today) < 0) {
      throw new DomainError('horizon_in_past', `the horizon is before today (${today} in ${shop.timeZone})`, {
        field: 'horizon',
        expected: `a date from ${today}`,
        received: asked,
      });
    }
    const latest = addDays(today, MAX_HORIZON_DAYS);
    if (compareDates(asked, latest) > 0) {
      throw new DomainError('horizon_too_far', `the horizon is more than ${MAX_HORIZON_DAYS} days away`, {
        field: 'horizon',
        expected: `a date up to ${latest}`,
        received: asked,
      });
    }
    return { position: dayNumber(asked) + 1, source: 'query' };
  }
  if (!campaign.closesAt) {
    throw new DomainError(
      'horizon_required',
      'this campaign has no closesAt, so there is no close to forecast to: send horizon (YYYY-MM-DD), the last day to count',
      { field: 'horizon', expected: `a date from ${today}` },
    );
  }
  return { position: shopDayPosition(campaign.closesAt, shop.timeZone), source: 'closes_at' };
}

/**
 * Units placed per shop-local day by pre-orders still live. Cancelled pre-orders are left out: production
 * serves the units that will ship, and a placement abandoned unpaid was never demand.
 */
async function demandOf(
  tx: Queryable,
  shop: Shop,
  campaign: Campaign,
  variants: readonly CampaignVariant[],
  now: Date,
  askedHorizon: CalendarDate | undefined,
) {
  const horizon = horizonOf(campaign, shop, now, askedHorizon);
  const rows = await tx.query<{
    date: string;
    units: number;
    orders: number;
    units_squared: number;
    cancelled_units: number;
    first_at: Date;
  }>(
    `SELECT to_char(created_at AT TIME ZONE $3, 'YYYY-MM-DD') AS date,
       coalesce(sum(quantity) FILTER (WHERE state <> 'cancelled'), 0)::int AS units,
       count(*) FILTER (WHERE state <> 'cancelled')::int AS orders,
       coalesce(sum(quantity * quantity) FILTER (WHERE state <> 'cancelled'), 0)::float8 AS units_squared,
       coalesce(sum(quantity) FILTER (WHERE state = 'cancelled'), 0)::int AS cancelled_units,
       min(created_at) AS first_at
     FROM preorders
     WHERE shop_id = $1 AND campaign_id = $2 AND variant_id = ANY($4::text[]) AND created_at <= $5
     GROUP BY 1 ORDER BY 1`,
    [shop.id, campaign.id, shop.timeZone, variants.map((v) => v.variantId), now],
  );
  const [opened] = await tx.query<{ at: Date | null }>(
    `SELECT min(created_at) AS at FROM events
     WHERE shop_id = $1 AND subject_id = $2 AND type = 'campaign.opened'`,
    [shop.id, campaign.id],
  );
  const daily: DailyDemand[] = rows
    .filter((row) => row.orders > 0)
    .map((row) => ({
      date: row.date,
      units: row.units,
      orders: row.orders,
      unitsSquared: row.units_squared,
    }));
  return {
    horizon,
    start: startOf(campaign, opened?.at ?? null, rows[0]?.first_at ?? null, now, shop.timeZone),
    daily,
    cancelledUnits: rows.reduce((total, row) => total + row.cancelled_units, 0),
  };
}

/**
 * When demand could start: the later of the planned opening and the merchant's first opening (a campaign
 * opened early waits for its opensAt; one opened late starts then), never after the first placement.
 */
function startOf(
  campaign: Campaign,
  openedAt: Date | null,
  firstPlacement: Date | null,
  now: Date,
  timeZone: string,
): number {
  const opened = [campaign.opensAt, openedAt].filter((at): at is Date => at !== null);
  const candidates = [opened.length > 0 ? Math.max(...opened.map(Number)) : now.getTime()];
  if (firstPlacement) candidates.push(firstPlacement.getTime());
  return shopDayPosition(Math.min(...candidates, now.getTime()), timeZone);
}

/** Production is per variant: a campaign of several needs to be told which. */
function onlyVariant(campaign: Campaign, sku: string | undefined) {
  if (sku !== undefined) return campaignVariantBySku(campaign, sku);
  const [only, ...others] = campaign.variants;
  if (!only || others.length > 0) {
    throw new DomainError('variant_required', 'this campaign sells several variants: name one with sku', {
      field: 'sku',
      expected: campaign.variants.map((v) => v.sku),
    });
  }
  return only;
}

function capOf(variants: readonly { cap: number | null }[]): number | null {
  let total = 0;
  for (const { cap } of variants) {
    if (cap === null) return null;
    total += cap;
  }
  return total;
}

function inShopCurrency(shop: Shop, field: string, value: Money): Money {
  if (value.currency !== shop.currency) {
    throw new DomainError('currency_mismatch', `this shop sells in ${shop.currency}`, {
      field: `${field}.currency`,
      expected: shop.currency,
      received: value.currency,
    });
  }
  return value;
}

/** One sentence that says what the numbers are and how much to trust them. */
function describe(forecast: Forecast, horizonDate: CalendarDate): string {
  const { expected, low, high } = forecast.final;
  const range = `${Math.round(CONFIDENCE * 100)} % interval ${low}–${high}`;
  if (forecast.method === 'bass') {
    return `Expected ${expected} units by the end of ${horizonDate} (${range}), from a Bass demand curve fitted to the placements so far.`;
  }
  const reason = FALLBACK_MESSAGES[forecast.fallbackReason ?? 'no_placements'];
  return `Fallback estimate, not a fitted curve (${reason}): the run rate so far carried to the end of ${horizonDate} gives ${expected} units (${range}).`;
}

function describeAdvice(advice: ProductionAdvice, covered: number): string {
  const target = `the target of ${advice.targetUnits} units (demand stays within it with probability ${advice.criticalRatio.toFixed(2)}, the critical ratio)`;
  if (advice.unitsToProduce === 0) {
    return covered > advice.targetUnits
      ? `Produce nothing more: the supply plan already brings ${covered} units, ${covered - advice.targetUnits} more than ${target}.`
      : `Produce nothing more: the supply plan already brings ${target}.`;
  }
  return `Produce ${advice.unitsToProduce} more units: with the ${covered} the supply plan already brings, that makes ${target}.`;
}
