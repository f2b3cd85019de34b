/** Shapes of the demand forecast and production advice, for validation and the OpenAPI document. */
import { z } from 'zod';
import { isoDate, money, sku } from './schemas.ts';

const horizon = isoDate.describe(
  'The last shop-local day to forecast to; default the campaign’s closesAt (required when it has none)',
);

export const forecastQuery = z.strictObject({
  sku: sku.optional().describe('One variant of the campaign; default all of its variants together'),
  horizon: horizon.optional(),
});

const units = z.number().describe('Units');
const fallbackReason = z.enum(['no_placements', 'too_few_days', 'too_few_units', 'curve_not_bent']);

export const forecast = z
  .object({
    object: z.literal('forecast'),
    campaignId: z.string(),
    sku: z.string().nullable(),
    timeZone: z.string().describe('Dates are days of this time zone'),
    asOf: z.string(),
    startDate: z.string().describe('The day demand started: the campaign’s opening'),
    horizon: z.object({ date: z.string(), source: z.enum(['closes_at', 'query']) }),
    method: z
      .enum(['bass', 'run_rate'])
      .describe('bass: a Bass diffusion curve fitted by least squares; run_rate: the fallback estimate'),
    fallback: z
      .object({ reason: fallbackReason, message: z.string() })
      .nullable()
      .describe('Why there was too little to fit a curve; null when one was fitted'),
    unitsSoFar: units.describe('Units of live pre-orders placed so far (cancelled ones are not demand)'),
    cancelledUnits: units.describe('Units of pre-orders since cancelled, for reference'),
    cap: z.number().nullable().describe('Placements stop here; null when uncapped'),
    finalDemand: z
      .object({ expected: units, low: units, high: units, confidence: z.number() })
      .describe(
        'Units expected by the end of the horizon, and the interval holding `confidence` of outcomes',
      ),
    parameters: z.discriminatedUnion('kind', [
      z.object({
        kind: z.literal('bass'),
        p: z.number().describe('Innovation, per day'),
        q: z.number().describe('Imitation, per day'),
        m: z.number().describe('Market size, units'),
      }),
      z.object({ kind: z.literal('run_rate'), unitsPerDay: z.number() }),
    ]),
    interval: z.discriminatedUnion('method', [
      z.object({ method: z.literal('residual_bootstrap'), replicates: z.number(), seed: z.number() }),
      z.object({ method: z.literal('normal_approximation') }),
    ]),
    byDate: z
      .array(
        z.object({
          date: z.string(),
          actual: z.number().nullable().describe('Units placed by the end of the day; null after today'),
          fitted: z.number().describe('The fitted curve (or run-rate line), running total; today: by now'),
          expected: z.number().nullable().describe('Forecast running total from today on'),
          low: z.number().nullable(),
          high: z.number().nullable(),
        }),
      )
      .describe('Running totals per shop-local day from the opening to the horizon'),
    message: z.string(),
  })
  .meta({ id: 'Forecast' });

const strictMoney = money.strict();

export const productionAdviceBody = z.strictObject({
  unitCost: strictMoney.describe('What one unit costs to produce'),
  salvageValue: strictMoney
    .optional()
    .describe('What a unit left over fetches afterwards; default nothing. Must be below unitCost'),
  unitPrice: strictMoney.optional().describe('What a unit sells for; default the campaign’s regular price'),
  shortageCost: strictMoney
    .optional()
    .describe('Goodwill lost per unit a customer cannot get, on top of the margin; default nothing'),
  sku: sku.optional().describe('The variant to produce; required when the campaign sells several'),
  horizon: horizon.optional(),
  demand: z
    .strictObject({
      mean: z.number().min(0).max(1e9),
      standardDeviation: z.number().min(0).max(1e9),
    })
    .optional()
    .describe('Your own estimate of final demand in units (a normal distribution) instead of the forecast'),
});

const signedMoney = z.object({ amount: z.number().int(), currency: z.string() });

export const productionAdvice = z
  .object({
    object: z.literal('production_advice'),
    campaignId: z.string(),
    variantId: z.string(),
    sku: z.string(),
    unitsToProduce: units.describe('Units to produce on top of those the supply plan already brings'),
    targetUnits: units.describe('Units there should be in all: the critical ratio’s quantile of demand'),
    unitsCovered: z
      .object({ units, batches: z.number(), onHand: units })
      .describe('Units the supply plan brings: every batch at its quantity (or units received, if more)'),
    unitsInAll: units.describe('Covered plus produced'),
    criticalRatio: z
      .number()
      .describe('Cu / (Cu + Co): the probability that demand stays within targetUnits'),
    expected: z.object({
      sold: units,
      leftOver: units,
      short: units.describe(
        'Units pre-ordered that there is no unit for (demand beyond the cap is not counted)',
      ),
      profit: signedMoney.describe(
        'Revenue and salvage less the cost of every unit in all and the goodwill lost',
      ),
    }),
    prices: z.object({ unitPrice: money, unitCost: money, salvageValue: money, shortageCost: money }),
    cap: z.number().nullable(),
    demand: z.object({
      source: z.enum(['forecast', 'given']),
      method: z.enum(['bass', 'run_rate', 'normal']),
      fallback: z.object({ reason: fallbackReason, message: z.string() }).nullable(),
      expected: units,
      low: units.nullable(),
      high: units.nullable(),
    }),
    message: z.string(),
  })
  .meta({ id: 'ProductionAdvice' });
