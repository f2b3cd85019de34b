import { type Command, type Env, parseCommandLine, printHelp, resolveDatabase, UsageError } from './args.ts';
import { groupedBarChart, table } from './chart.ts';
import { withCampaign } from './database.ts';

export const promiseCommand: Command = {
  name: 'promise',
  summary: 'Print a campaign’s promise plan and chart demand against supply',
  help: `Usage: presell promise CAMPAIGN [--json] [--data DIR]

Prints, for each variant of the campaign, the supply batches with their ship windows, the units and
customers each serves, the customers still waiting for supply, and a chart of cumulative demand
(units ordered) against cumulative supply (units arriving) over time.

Options:
      --json       print the report as one JSON object
      --data DIR   folder of the embedded database (env PRESELL_DATA; default ./.presell)
  -h, --help       show this help

Environment:
  DATABASE_URL     postgres://user:password@host:5432/db — read the campaign from this server`,

  async run(argv: string[], env: Env) {
    const { values: options, positionals } = parseCommandLine(this, argv, {
      json: { type: 'boolean' },
      data: { type: 'string' },
    });
    if (options.help) return printHelp(this);
    const [campaignId, ...extra] = positionals;
    if (!campaignId || extra.length > 0) throw new UsageError('name one campaign id (cmp_…)', this);
    const target = resolveDatabase(options.data, env);
    const { promiseReport } = await import('../services/supply.ts');
    const { wordingFor } = await import('../services/promise-view.ts');
    const { wordShipWindow } = await import('../domain/ship-window-wording.ts');
    const { report, shop } = await withCampaign(target, campaignId, this, async (ctx, shop) => ({
      report: await promiseReport(ctx, shop, campaignId),
      shop,
    }));
    if (options.json) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return 0;
    }
    const wording = wordingFor(shop, new Date(), report.mode);
    const out: string[] = [`Promise plan of ${report.campaignId} (${shop.name}, dates in ${shop.timeZone})`];
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
            wordShipWindow(b.window, wording).message,
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
