import type { PromisePlanView } from '../http/supply-routes.ts';
import { type Command, type Env, parseCommandLine, printHelp, UsageError } from './args.ts';
import { groupedBarChart, table } from './chart.ts';
import { withCampaign } from './database.ts';
import { describeSource, findReadSource, readThroughApi } from './read-source.ts';

export const promiseCommand: Command = {
  name: 'promise',
  summary: 'Print a campaign’s promise plan and chart demand against supply',
  help: `Usage: presell promise CAMPAIGN [--json] [--data DIR]

Prints, for each variant of the campaign, the supply batches with their ship windows, the units and
customers each serves, the customers still waiting for supply, and a chart of cumulative demand
(units ordered) against cumulative supply (units arriving) over time.

It reads the database and never creates one. Without --data it looks in ./.presell, then in the demo's
./.presell/demo. Beside a running serve or demo, which holds that folder, it asks that process's API
(with the demo's key, or PRESELL_ADMIN_KEY).

Options:
      --json       print the plan as one JSON object, as GET /v1/campaigns/{id}/promise answers
      --data DIR   folder of the embedded database (env PRESELL_DATA)
  -h, --help       show this help

Environment:
  DATABASE_URL       postgres://user:password@host:5432/db — read the campaign from this server
  PRESELL_ADMIN_KEY  the shop's secret key, to read through a running serve that holds the folder`,

  async run(argv: string[], env: Env) {
    const { values: options, positionals } = parseCommandLine(this, argv, {
      json: { type: 'boolean' },
      data: { type: 'string' },
    });
    if (options.help) return printHelp(this);
    const [campaignId, ...extra] = positionals;
    if (!campaignId || extra.length > 0) throw new UsageError('name one campaign id (cmp_…)', this);
    const source = findReadSource(options.data, env);
    const report: PromisePlanView =
      source.kind === 'api'
        ? await readThroughApi(
            source,
            `/v1/campaigns/${encodeURIComponent(campaignId)}/promise`,
            this,
            `no campaign ${campaignId} in the shop of that key`,
          )
        : await withCampaign(source.target, campaignId, this, async (ctx, shop) => {
            const { promiseReport } = await import('../services/supply.ts');
            const { promisePlanView } = await import('../http/supply-routes.ts');
            return promisePlanView(await promiseReport(ctx, shop, campaignId), shop, ctx.clock());
          });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    const out: string[] = [
      `Promise plan of ${report.campaignId}, ${describeSource(source)} (dates in the shop's time zone)`,
    ];
    for (const variant of report.variants) {
      out.push('', `${variant.sku}`);
      out.push(
        table(
          ['batch', 'ships', 'quantity', 'served', 'customers', 'promise'],
          variant.batches.map((b) => [
            b.batchId,
            `${b.window.from} – ${b.window.to}`,
            b.quantity,
            b.unitsServed,
            b.customers,
            b.message,
          ]),
        ),
      );
      out.push(
        variant.unpromised.units > 0
          ? `Waiting for supply not yet planned: ${count(variant.unpromised.units, 'unit')}, ${count(variant.unpromised.customers, 'customer')}`
          : 'Every unit ordered is promised.',
      );
      if (variant.timeline.length > 0) {
        out.push('', 'Cumulative demand against supply:');
        out.push(
          groupedBarChart(
            variant.timeline.map((point) => ({
              label: point.date,
              values: [point.cumulativeDemand, point.cumulativeSupply],
            })),
            [
              { label: 'demand', glyph: '█' },
              { label: 'supply', glyph: '░' },
            ],
          ),
        );
      }
    }
    process.stdout.write(`${out.join('\n')}\n`);
    return 0;
  },
};

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
