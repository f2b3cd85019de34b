import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { minorUnitDigits } from '../domain/money.ts';
import { CliError, type Command, type Env, parseOptions, printHelp, UsageError } from './args.ts';
import { table } from './chart.ts';

/** The cash collected is shown once a week. */
const CASH_EVERY_DAYS = 7;

export const simulateCommand: Command = {
  name: 'simulate',
  summary: 'Simulate a launch under two policies and compare how well promises are kept',
  help: `Usage: presell simulate [--scenario FILE] [--seed N] [--json] [--chart FILE]

Plays a whole launch in simulated time through Presell's own services on an in-memory database: demand
by a Bass curve, batches that slip or come short, customers who cancel, cards that fail. Twice, on the
same draws: with Presell's per-customer promises (buffer, notices, keep-or-cancel questions) and with
one date for everyone moved by hand. Prints the figures of each and writes a chart of promised against
actual ship dates. The same seed gives the same output.

Options:
      --scenario FILE  a JSON scenario; fields left out keep the defaults (see docs/simulation.md)
      --seed N         the seed of every random draw, a whole number (default 1)
      --json           print the figures as one JSON object
      --chart FILE     where to write the SVG chart (default ./presell-simulation.svg)
  -h, --help           show this help`,

  async run(argv: string[], _env: Env) {
    const options = parseOptions(this, argv, {
      scenario: { type: 'string' },
      seed: { type: 'string' },
      json: { type: 'boolean' },
      chart: { type: 'string' },
    });
    if (options.help) return printHelp(this);
    const seed = options.seed ?? '1';
    if (!/^\d{1,9}$/.test(seed)) throw new UsageError(`--seed must be a whole number, not "${seed}"`, this);
    const { scenarioOf, DEFAULT_SCENARIO } = await import('../simulate/scenario.ts');
    let scenario = DEFAULT_SCENARIO;
    if (options.scenario !== undefined) {
      const read = scenarioOf(readScenario(options.scenario, this));
      if ('problem' in read) throw new UsageError(`--scenario ${options.scenario}: ${read.problem}`, this);
      scenario = read.scenario;
    }
    const { simulateLaunch } = await import('../launch-simulator.ts');
    const { launchChartSvg } = await import('../simulate/launch-chart.ts');
    const simulation = await simulateLaunch(scenario, Number(seed));
    const chartPath = resolve(options.chart ?? 'presell-simulation.svg');
    const chart = launchChartSvg(
      simulation.runs.map((run) => ({ title: run.policy, outcomes: run.outcomes })),
      `Promised against actual ship dates, seed ${seed}`,
    );
    try {
      writeFileSync(chartPath, chart);
    } catch (error) {
      throw new CliError(`cannot write the chart to ${chartPath}: ${(error as Error).message}`);
    }
    process.stdout.write(
      options.json ? `${JSON.stringify(summaryOf(simulation))}\n` : report(simulation, chartPath),
    );
    return 0;
  },
};

function readScenario(path: string, command: Command): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(
      `--scenario ${path}: cannot read it (${(error as NodeJS.ErrnoException).code})`,
      command,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`--scenario ${path}: not JSON (${(error as Error).message})`, command);
  }
}

type Simulation = Awaited<ReturnType<typeof import('../launch-simulator.ts').simulateLaunch>>;

/** The figures without the per-customer outcomes; cash once a week and on the last day. */
function summaryOf(simulation: Simulation) {
  return {
    seed: simulation.seed,
    scenario: simulation.scenario,
    batches: simulation.draws.batches,
    preordersDrawn: simulation.draws.orders.length,
    policies: simulation.runs.map((run) => ({
      policy: run.policy,
      refusedSoldOut: run.refusedSoldOut,
      lastDay: run.lastDay,
      ...run.figures,
      cash: run.figures.cash.filter(
        (point, index, all) => point.day % CASH_EVERY_DAYS === 0 || index === all.length - 1,
      ),
    })),
  };
}

function report(simulation: Simulation, chartPath: string): string {
  const { scenario, draws } = simulation;
  const summary = summaryOf(simulation);
  const runs = summary.policies;
  const currency = scenario.price.currency;
  const amount = (minor: number) =>
    new Intl.NumberFormat('en-GB', { style: 'currency', currency, maximumFractionDigits: 0 }).format(
      minor / 10 ** minorUnitDigits(currency),
    );
  const percent = (share: number) => `${(share * 100).toFixed(1)} %`;
  const row = (label: string, value: (run: (typeof runs)[number]) => string | number) => [
    label,
    ...runs.map(value),
  ];
  const supply = draws.batches.map((batch) => {
    const slip =
      batch.arrivalDay > batch.plannedDay
        ? `came day ${batch.arrivalDay}, ${batch.arrivalDay - batch.plannedDay} days late (heard of on day ${batch.slipKnownDay})`
        : 'came on time';
    const short =
      batch.shortUnits > 0 ? `; ${batch.shortUnits} units short, they came on day ${batch.restDay}` : '';
    return `  batch ${batch.index + 1}: ${batch.quantity} units planned for day ${batch.plannedDay}, ${slip}${short}`;
  });
  const days = [...new Set(runs.flatMap((run) => run.cash.map((point) => point.day)))].sort((a, b) => a - b);
  const cashAt = (run: (typeof runs)[number], day: number) =>
    amount(run.cash.filter((point) => point.day <= day).at(-1)?.collected ?? 0);
  return `${[
    `Launch simulation, seed ${simulation.seed}: ${draws.orders.length} pre-orders drawn over ${scenario.windowDays} days from ${scenario.opensOn} (days below count from the opening).`,
    'Supply as it happened:',
    ...supply,
    '',
    table(
      ['', ...runs.map((run) => run.policy)],
      [
        row('pre-orders placed', (run) => run.preorders),
        row('refused, sold out', (run) => run.refusedSoldOut),
        row('shipped inside the first window promised', (run) => percent(run.shippedInFirstWindow)),
        row('customers whose date moved later', (run) => run.moved),
        row('  of them told before their window ended', (run) => percent(run.toldBeforeWindowEnded)),
        row(
          'cancelled',
          (run) => `${run.cancelled} (${percent(run.cancelled / Math.max(run.preorders, 1))})`,
        ),
        row('refunds', (run) => `${run.refunds.count}, ${amount(run.refunds.amount)}`),
        row('shipped', (run) => run.shipped),
        row('still waiting at the end', (run) => run.waiting),
        row('days waited, median', (run) => run.daysWaited.median),
        row('days waited, 90th percentile', (run) => run.daysWaited.p90),
      ],
    ),
    '',
    'Cash collected (charged less refunded), by day:',
    table(
      ['day', ...runs.map((run) => run.policy)],
      days.map((day) => [day, ...runs.map((run) => cashAt(run, day))]),
    ),
    '',
    `Chart of promised against actual ship dates: ${chartPath}`,
  ].join('\n')}\n`;
}
