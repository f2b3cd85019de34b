/**
 * bench/promise: the promise engine in-process. A full recompute of 1,000,000 open pre-orders over
 * 1,000 batches per policy, incremental re-promises, peak memory, and the ratio of each time to sorting
 * 1,000,000 numbers measured in the same run. Fixed work, under a minute, stops by itself.
 * See docs/benchmarks.md.
 *
 *   npm run bench:promise
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { addDays } from '../src/domain/calendar.ts';
import {
  computePromises,
  type FulfilmentPolicy,
  nextOffer,
  type OpenPreorder,
  type PromiseInput,
  promiseChanges,
  repromise,
  type SupplyBatch,
} from '../src/domain/promise.ts';
import { seededRandom } from '../src/simulate/random.ts';

const PREORDERS = 1_000_000;
const BATCHES = 1_000;
const RUNS = 7;
const WARM_UP_RUNS = 3;
const TODAY = '2026-01-05';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;
const random = seededRandom(20260105);

if (process.argv.includes('--memory-probe')) {
  // Alone in its own process: the input, then one full recompute with every policy feature at once.
  const preorders = preordersWith(prioritised);
  const input = fullInput('ship_complete', preorders, supplyBatches(preorders));
  collectGarbage();
  const beforeRss = process.memoryUsage().rss;
  computePromises(input);
  process.send?.({ beforeRss, peakRss: process.resourceUsage().maxRSS * 1024 });
  process.exit(0);
}

collectGarbage();
const baseline = process.memoryUsage();
const plainPreorders = preordersWith(() => 0);
const prioritisedPreorders = preordersWith(prioritised);
const batches = supplyBatches(plainPreorders);
collectGarbage();
const inputs = process.memoryUsage();

const units = (list: readonly { quantity: number }[]) =>
  count(list.reduce((sum, { quantity }) => sum + quantity, 0));
console.log(
  `bench/promise — ${count(PREORDERS)} pre-orders (${units(plainPreorders)} units), ${count(BATCHES)} batches ` +
    `(${units(batches)} units) + 500 on hand; ${RUNS} runs after ${WARM_UP_RUNS} warm-up runs, ` +
    `a full GC before each; node ${process.version}\n`,
);
console.log(`${'what'.padEnd(66)} ${'median'.padStart(9)} ${'best'.padStart(9)}  median / sort`);
let sortTime: number | undefined;
sortTime = measure(
  `baseline: Float64Array sort of ${count(PREORDERS)} random numbers`,
  () => Float64Array.from({ length: PREORDERS }, random),
  (numbers) => numbers.sort(),
);
measureBareTwoPointer();
const scenarios: [string, FulfilmentPolicy, readonly OpenPreorder[]][] = [
  ['full recompute, split', 'split', plainPreorders],
  ['full recompute, ship_complete', 'ship_complete', plainPreorders],
  ['full recompute, split + priorities', 'split', prioritisedPreorders],
  ['full recompute, ship_complete + priorities', 'ship_complete', prioritisedPreorders],
];
for (const [label, policy, preorders] of scenarios) {
  const input = fullInput(policy, preorders, batches);
  measure(label, () => input, computePromises);
}

collectGarbage();
const plan = computePromises(fullInput('split', prioritisedPreorders, batches));
collectGarbage();
const withPlan = process.memoryUsage();

const middleBatch = batches[BATCHES / 2] as SupplyBatch;
const slip = {
  kind: 'batch_slipped',
  batchId: middleBatch.id,
  readyDate: addDays(middleBatch.readyDate, 14),
} as const;
const slipped = repromise(plan, slip);
measure(
  `incremental: one batch slips 14 days (${count(slipped.moved.length)} pre-orders move)`,
  () => plan,
  (before) => repromise(before, slip),
);
measure(
  '  then promiseChanges, tolerance 3 days',
  () => slipped.plan,
  (after) => promiseChanges(plan, after, 3),
);
const firstId = (prioritisedPreorders[0] as OpenPreorder).id;
measure(
  'incremental: the first pre-order cancels',
  () => plan,
  (before) => repromise(before, { kind: 'preorder_cancelled', preorderId: firstId }),
);
measure(
  'incremental: the first pre-order drops to priority 0',
  () => plan,
  (before) => repromise(before, { kind: 'priority_changed', preorderId: firstId, priority: 0 }),
);
measure(
  'next offer for 1 unit',
  () => plan,
  (current) => nextOffer(current, { beyondSupply: 'sold_out' }),
);
measure(
  'reading all 1,000,000 promises as objects',
  () => plan,
  (current) => {
    let promised = 0;
    for (const promise of current.promises()) if (promise.status === 'promised') promised++;
    return promised;
  },
);

const held = (usage: NodeJS.MemoryUsage) => usage.heapUsed + usage.arrayBuffers;
const probe = fork(process.argv[1] as string, ['--memory-probe'], { execArgv: process.execArgv });
const [probed] = (await once(probe, 'message')) as [{ beforeRss: number; peakRss: number }];
console.log(
  '\nmemory, in a process of its own that builds one input and recomputes once (ship_complete + priorities):\n' +
    `  peak RSS ${megabytes(probed.peakRss)}, of which the recompute added ${megabytes(probed.peakRss - probed.beforeRss)}\n` +
    `memory in this run: ${megabytes(held(inputs) - held(baseline))} for the two inputs of ${count(PREORDERS)} ` +
    `objects, ${megabytes(held(withPlan) - held(inputs))} held by one plan`,
);

/** Times `run` on a fresh `prepare()` each round after warm-up rounds for the JIT; prints and returns the median. */
function measure<T>(label: string, prepare: () => T, run: (prepared: T) => unknown): number {
  for (let round = 0; round < WARM_UP_RUNS; round++) run(prepare());
  const times: number[] = [];
  for (let round = 0; round < RUNS; round++) {
    const prepared = prepare();
    collectGarbage();
    const start = performance.now();
    run(prepared);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const median = times[RUNS >> 1] as number;
  const ratio = sortTime === undefined ? '1×' : `${(median / sortTime).toFixed(2)}×`;
  console.log(
    `${label.padEnd(66)} ${ms(median).padStart(9)} ${ms(times[0] as number).padStart(9)}  ${ratio}`,
  );
  return median;
}

/** The floor: cumulative demand against cumulative supply, already in typed arrays, nothing else. */
function measureBareTwoPointer() {
  const lastUnits = new Float64Array(PREORDERS);
  let demand = 0;
  plainPreorders.forEach(({ quantity }, i) => {
    demand += quantity;
    lastUnits[i] = demand;
  });
  const supplyEnds = new Float64Array(BATCHES);
  let supply = 0;
  batches.forEach(({ quantity }, i) => {
    supply += quantity;
    supplyEnds[i] = supply;
  });
  measure(
    'bare two-pointer pass over typed arrays',
    () => new Int32Array(PREORDERS),
    (lotOfPreorder) => {
      let lot = 0;
      for (let i = 0; i < PREORDERS; i++) {
        const lastUnit = lastUnits[i] as number;
        while (lot < BATCHES && (supplyEnds[lot] as number) < lastUnit) lot++;
        lotOfPreorder[i] = lot < BATCHES ? lot : -1;
      }
    },
  );
}

function fullInput(
  policy: FulfilmentPolicy,
  preorders: readonly OpenPreorder[],
  supply: readonly SupplyBatch[],
): PromiseInput {
  return { today: TODAY, policy, preorders, batches: supply, onHand: { quantity: 500, bufferDays: 2 } };
}

/** Everyone at priority 1, 2 % of pre-orders raised by the merchant, 1 % lowered (priorities are 0–1000). */
function prioritised(): number {
  const draw = random();
  return draw < 0.02 ? 2 : draw < 0.03 ? 0 : 1;
}

function preordersWith(priority: () => number): OpenPreorder[] {
  return Array.from({ length: PREORDERS }, (_, i) => ({
    id: `po_${i.toString(36).padStart(8, '0')}`,
    position: i + 1,
    quantity: 1 + Math.floor(random() * random() * 4),
    priority: priority(),
  }));
}

/** A batch every 0.7 days over two years, 5 % of them partly received, together 95 % of the demand. */
function supplyBatches(preorders: readonly OpenPreorder[]): SupplyBatch[] {
  const demand = preorders.reduce((sum, { quantity }) => sum + quantity, 0);
  const perBatch = Math.floor((demand * 0.95) / BATCHES);
  return Array.from({ length: BATCHES }, (_, i) => {
    const received = random() < 0.05;
    return {
      id: `bat_${i.toString().padStart(4, '0')}`,
      readyDate: addDays(TODAY, Math.floor(i * 0.7)),
      quantity: perBatch,
      bufferDays: 3 + Math.floor(random() * 12),
      state: received ? 'received' : i % 2 ? 'confirmed' : 'planned',
      ...(received ? { quantityReceived: Math.ceil(perBatch / 2) } : {}),
    };
  });
}

function count(value: number): string {
  return value.toLocaleString('en');
}

function ms(time: number): string {
  return `${time.toFixed(time < 10 ? 2 : 1)} ms`;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_048_576).toFixed(0)} MB`;
}
