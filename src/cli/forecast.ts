import type { forecastView } from '../http/forecast-routes.ts';
import { type Command, type Env, parseCommandLine, printHelp, UsageError } from './args.ts';
import { groupedBarChart, table } from './chart.ts';
import { withCampaign } from './database.ts';
import { describeSource, findReadSource, readThroughApi } from './read-source.ts';

/** Refusals said in the command's own words (its options), the same whichever way it read the data. */
const REFUSALS: Readonly<Record<string, string>> = {
  horizon_required:
    'the campaign has no closesAt: name the last day to forecast to with --horizon YYYY-MM-DD',
};

/** Rows a chart or table shows at most: a long horizon is thinned to every few days. */
const MAX_ROWS = 20;

export const forecastCommand: Command = {
  name: 'forecast',
  summary: 'Forecast a campaign’s final demand and chart actual against fitted demand',
  help: `Usage: presell forecast CAMPAIGN [--horizon YYYY-MM-DD] [--sku SKU] [--json] [--data DIR]

Forecasts the units the campaign will have been pre-ordered by its close, with a 90 % interval, from the
units placed each day so far (live pre-orders; cancelled ones are not demand). It fits a Bass diffusion
curve by least squares, or, with too little to fit, says so and carries the run rate so far to the close.
Prints a chart of the units placed against the fitted curve, day by day, and the forecast by date.

Options:
      --horizon DATE  the last day to forecast to (needed when the campaign has no closesAt)
      --sku SKU       one variant of the campaign (default: all of them together)
      --json          print the forecast as one JSON object, as GET /v1/campaigns/{id}/forecast answers
      --data DIR      folder of the embedded database (env PRESELL_DATA)
  -h, --help          show this help

It finds the data as presell promise does: never creating a database, in ./.presell then ./.presell/demo,
through the API of a running serve or demo that holds the folder.

Environment:
  DATABASE_URL        postgres://user:password@host:5432/db — read the campaign from this server
  PRESELL_ADMIN_KEY   the shop's secret key, to read through a running serve that holds the folder`,

  async run(argv: string[], env: Env) {
    const { values: options, positionals } = parseCommandLine(this, argv, {
      json: { type: 'boolean' },
      data: { type: 'string' },
      horizon: { type: 'string' },
      sku: { type: 'string' },
    });
    if (options.help) return printHelp(this);
    const [campaignId, ...extra] = positionals;
    if (!campaignId || extra.length > 0) throw new UsageError('name one campaign id (cmp_…)', this);
    if (options.horizon !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.horizon)) {
      throw new UsageError(`--horizon must be a date YYYY-MM-DD, not "${options.horizon}"`, this);
    }
    const source = findReadSource(options.data, env);
    const query = { sku: options.sku, horizon: options.horizon };
    const forecast: ReturnType<typeof forecastView> =
      source.kind === 'api'
        ? await readThroughApi(
            source,
            `/v1/campaigns/${encodeURIComponent(campaignId)}/forecast?${new URLSearchParams(
              Object.entries(query).filter((entry): entry is [string, string] => entry[1] !== undefined),
            )}`,
            this,
            `no campaign ${campaignId}${options.sku ? ` or variant ${options.sku}` : ''} in the shop of that key`,
            REFUSALS,
          )
        : await withCampaign(source.target, campaignId, this, async (ctx, shop) => {
            const { campaignForecast } = await import('../services/forecast.ts');
            const { forecastView } = await import('../http/forecast-routes.ts');
            const { DomainError } = await import('../domain/errors.ts');
            try {
              return forecastView(await campaignForecast(ctx, shop, campaignId, query));
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
              throw new UsageError(REFUSALS[error.code] ?? error.message, this);
            }
          });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(forecast)}\n`);
      return 0;
    }
    const { finalDemand: final, parameters } = forecast;
    const out = [
      `Forecast of ${forecast.campaignId}${forecast.sku ? ` (${forecast.sku})` : ''}, ${describeSource(source)}, dates in ${forecast.timeZone}`,
      forecast.message,
      forecast.method === 'bass' && parameters.kind === 'bass'
        ? `Bass curve: innovation p ${parameters.p}, imitation q ${parameters.q} a day, market m ${parameters.m} units; interval from a residual bootstrap.`
        : `Run rate: ${parameters.kind === 'run_rate' ? parameters.unitsPerDay : 0} units a day; interval from a normal approximation.`,
      `Placed so far: ${forecast.unitsSoFar} units (${forecast.cancelledUnits} more were cancelled and are not counted)${forecast.cap === null ? '' : `; the cap is ${forecast.cap}`}.`,
      `Final demand by ${forecast.horizon.date}: ${final.expected} (${final.low}–${final.high}).`,
    ];
    const past = forecast.byDate.filter((point) => point.actual !== null);
    if (past.length > 0) {
      out.push(
        '',
        `Units placed against the ${forecast.method === 'bass' ? 'fitted curve' : 'run rate'}, running totals:`,
      );
      out.push(
        groupedBarChart(
          thinned(past).map((point) => ({ label: point.date, values: [point.actual ?? 0, point.fitted] })),
          [
            { label: 'placed', glyph: '█' },
            { label: 'fitted', glyph: '░' },
          ],
        ),
      );
    }
    const ahead = forecast.byDate.filter((point) => point.expected !== null);
    if (ahead.length > 0) {
      out.push('', 'Forecast running totals:');
      out.push(
        table(
          ['date', 'expected', 'low', 'high'],
          thinned(ahead).map((point) => [point.date, point.expected ?? 0, point.low ?? 0, point.high ?? 0]),
        ),
      );
    }
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  },
};

/** At most MAX_ROWS points, evenly spaced, always with the last one. */
function thinned<T>(points: readonly T[]): T[] {
  const step = Math.ceil(points.length / MAX_ROWS);
  return points.filter((_, index) => (points.length - 1 - index) % step === 0);
}
