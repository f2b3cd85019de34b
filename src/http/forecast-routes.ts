import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ServiceContext } from '../services/context.ts';
import {
  type CampaignForecast,
  type CampaignProductionAdvice,
  campaignForecast,
  productionAdvice,
} from '../services/forecast.ts';
import type { KeyAuthenticator } from '../services/shops.ts';
import { CONFIDENCE, FALLBACK_MESSAGES, type FallbackReason } from '../simulate/forecast.ts';
import { authenticateAdmin } from './admin-routes.ts';
import { ADMIN_CODES, errorResponses } from './errors.ts';
import {
  forecastQuery,
  forecast as forecastSchema,
  productionAdviceBody,
  productionAdvice as productionAdviceSchema,
} from './forecast-schemas.ts';
import { id } from './schemas.ts';

const security = [{ adminKey: [] }];
const campaignParams = z.object({ id: id('cmp') });

/** What the placements so far say about final demand, and how many units to produce for it. */
export function forecastRoutes(ctx: ServiceContext, keys: KeyAuthenticator): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', authenticateAdmin(keys));

    app.get(
      '/v1/campaigns/:id/forecast',
      {
        schema: {
          operationId: 'getForecast',
          tags: ['forecast'],
          summary: 'Forecast final demand from the daily placements so far, with an interval',
          description:
            'Fits a Bass diffusion curve to the units placed per shop-local day (live pre-orders; cancelled ' +
            'ones are not demand) by least squares, with a 90 % interval from a residual bootstrap. With too ' +
            'little data it says so and gives the run rate so far carried to the horizon instead. A campaign ' +
            'without closesAt needs `horizon`.',
          security,
          params: campaignParams,
          querystring: forecastQuery,
          response: {
            200: forecastSchema,
            ...errorResponses(
              ADMIN_CODES,
              'not_found',
              'unknown_variant',
              'variant_required',
              'horizon_required',
              'horizon_in_past',
              'horizon_too_far',
            ),
          },
        },
      },
      async (request) =>
        forecastView(await campaignForecast(ctx, request.shop, request.params.id, request.query)),
    );

    app.post(
      '/v1/campaigns/:id/production-advice',
      {
        schema: {
          operationId: 'adviseProduction',
          tags: ['forecast'],
          summary: 'How many units to produce: the newsvendor rule on the demand forecast',
          description:
            'Produces up to the critical ratio Cu / (Cu + Co) of final demand, where a unit short costs its ' +
            'margin plus shortageCost (Cu = unitPrice − unitCost + shortageCost) and a unit left over its cost ' +
            'less salvageValue (Co). Units the supply plan already brings (every batch of the variant, and ' +
            'stock on hand for a backorder) count first: the advice is what to produce on top of them. ' +
            'Reads only; nothing is stored.',
          security,
          params: campaignParams,
          body: productionAdviceBody,
          response: {
            200: productionAdviceSchema,
            ...errorResponses(
              ADMIN_CODES,
              'not_found',
              'unknown_variant',
              'variant_required',
              'horizon_required',
              'horizon_in_past',
              'horizon_too_far',
              'no_demand_yet',
              'currency_mismatch',
              'salvage_not_below_cost',
            ),
          },
        },
      },
      async (request) =>
        adviceView(await productionAdvice(ctx, request.shop, request.params.id, request.body)),
    );
  };
}

/** The forecast as the API and `presell forecast --json` show it. */
export function forecastView(f: CampaignForecast) {
  return {
    object: 'forecast' as const,
    campaignId: f.campaignId,
    sku: f.sku,
    timeZone: f.timeZone,
    asOf: f.asOf.toISOString(),
    startDate: f.startDate,
    horizon: f.horizon,
    method: f.method,
    fallback: fallbackView(f.fallbackReason),
    unitsSoFar: f.unitsSoFar,
    cancelledUnits: f.cancelledUnits,
    cap: f.cap,
    finalDemand: { ...f.final, confidence: CONFIDENCE },
    parameters:
      f.parameters.kind === 'bass'
        ? {
            kind: 'bass' as const,
            p: significant(f.parameters.p),
            q: significant(f.parameters.q),
            m: Math.round(f.parameters.m),
          }
        : { kind: 'run_rate' as const, unitsPerDay: significant(f.parameters.unitsPerDay) },
    interval: f.interval,
    byDate: f.byDate,
    message: f.message,
  };
}

function adviceView(a: CampaignProductionAdvice) {
  const currency = a.prices.unitCost.currency;
  return {
    object: 'production_advice' as const,
    campaignId: a.campaignId,
    variantId: a.variantId,
    sku: a.sku,
    unitsToProduce: a.unitsToProduce,
    targetUnits: a.targetUnits,
    unitsCovered: a.covered,
    unitsInAll: a.unitsInAll,
    criticalRatio: significant(a.criticalRatio),
    expected: {
      sold: tenths(a.expectedSold),
      leftOver: tenths(a.expectedLeftOver),
      short: tenths(a.expectedShort),
      profit: { amount: Math.round(a.expectedProfit), currency },
    },
    prices: a.prices,
    cap: a.cap,
    demand:
      a.demand.source === 'given'
        ? {
            source: 'given' as const,
            method: 'normal' as const,
            fallback: null,
            expected: a.demand.mean,
            low: null,
            high: null,
          }
        : {
            source: 'forecast' as const,
            method: a.demand.forecast.method,
            fallback: fallbackView(a.demand.forecast.fallbackReason),
            ...a.demand.forecast.final,
          },
    message: a.message,
  };
}

function fallbackView(reason: FallbackReason | null) {
  return reason ? { reason, message: FALLBACK_MESSAGES[reason] } : null;
}

function significant(value: number): number {
  return Number(value.toPrecision(4));
}

function tenths(value: number): number {
  return Math.round(value * 10) / 10;
}
