/**
 * The launch simulator's driver: plays a drawn launch (src/simulate/launch-draws.ts) day by day through
 * the real services — placement, promises, payments with the built-in test provider, delay notices and
 * consent, cancellations, release, balances, fulfilment — on an in-memory embedded database whose clock
 * is the simulated day, never the wall clock. Once per policy, each on a database of its own, on the
 * same draws. What chance decides lives in the draws; what the merchant decides in launch-policies.ts;
 * this module only carries it out and watches what customers are told.
 */

import { Worker } from 'node:worker_threads';
import { openDatabase } from './db/database.ts';
import { migrate } from './db/migrate.ts';
import { addDays, type CalendarDate, dayNumber } from './domain/calendar.ts';
import type { PaymentTerms } from './domain/campaign.ts';
import { DomainError } from './domain/errors.ts';
import { runDueJobs } from './jobs.ts';
import { TestPaymentProvider } from './payments/test-provider.ts';
import { releaseCampaign } from './services/balances.ts';
import { createCampaign, moveCampaign, updateCampaign } from './services/campaigns.ts';
import { setDelayConsentSettings } from './services/communication-settings.ts';
import type { ServiceContext } from './services/context.ts';
import { cancelAsCustomer, replaceCardAsCustomer } from './services/customer-portal.ts';
import { shipAll } from './services/fulfilment.ts';
import { DEFAULT_PAYMENT_SETTINGS, type Payments } from './services/payment-operations.ts';
import { Placements } from './services/placement.ts';
import { createShop, type Shop } from './services/shops.ts';
import { addBatch, updateBatch } from './services/supply.ts';
import { inTransaction } from './services/unit-of-work.ts';
import { createVariant } from './services/variants.ts';
import { irritationOf } from './simulate/launch-customers.ts';
import { type DrawnOrder, drawLaunch, type LaunchDraws } from './simulate/launch-draws.ts';
import {
  type CashPoint,
  type CustomerOutcome,
  type LaunchFigures,
  launchFigures,
} from './simulate/launch-metrics.ts';
import {
  type BatchEntry,
  type BatchKnowledge,
  merchantEntries,
  POLICIES,
  type PolicyName,
} from './simulate/launch-policies.ts';
import type { PaymentOption, Scenario } from './simulate/scenario.ts';

const DAY = 86_400_000;
/** Each simulated day's business happens at 10:00 in the shop's time zone (UTC). */
const BUSINESS_HOUR = 10 * 3_600_000;
const SKU = 'SIM-1';
const GOOD_CARD = '4242424242424242';
const DECLINING_CARD = '4000000000000002';
/** A run ends this many days after the last batch is due, whoever still waits. */
const DAYS_AFTER_LAST_BATCH = 120;
const AWAITING = new Set(['confirmed', 'allocated', 'balance_due', 'ready']);
const ENDED = new Set(['fulfilled', 'cancelled']);

export interface PolicyRun {
  policy: PolicyName;
  figures: LaunchFigures;
  outcomes: CustomerOutcome[];
  /** Pre-orders refused because the cap (the whole supply plan) was reached. */
  refusedSoldOut: number;
  /** The day the run ended, since the opening. */
  lastDay: number;
}

export interface Simulation {
  seed: number;
  scenario: Scenario;
  draws: LaunchDraws;
  runs: PolicyRun[];
}

/** What a policy's worker is given: the launch drawn once, for every policy alike. */
export interface PolicyInput {
  scenario: Scenario;
  draws: LaunchDraws;
  policy: PolicyName;
}

/** A policy's worker says the day it could stop, then, told the day every policy can, its figures. */
export type FromPolicyWorker = { stoppedOn: number } | { run: PolicyRun };
export type ToPolicyWorker = { playUntil: number };

/**
 * The worker's module is TypeScript: the worker loads tsx's API itself (a worker does not inherit loader
 * hooks registered in code, as bin/presell.js does) and imports the module through it.
 */
const WORKER_MODULE = new URL('./launch-policy-worker.ts', import.meta.url).href;
const WORKER_BOOTSTRAP = new URL(
  `data:text/javascript,${encodeURIComponent(
    `import { tsImport } from ${JSON.stringify(import.meta.resolve('tsx/esm/api'))};
     await tsImport(${JSON.stringify(WORKER_MODULE)}, ${JSON.stringify(WORKER_MODULE)});`,
  )}`,
);

/**
 * Plays the launch under every policy, side by side: each policy in a worker thread of its own, on an
 * in-memory database of its own that the worker makes and migrates itself (making one is most of a run's
 * fixed cost, so each core makes its own), on the same draws, so that each core plays one. Every policy
 * plays until the last day any of them needs (what happens after a policy's last customer has shipped is
 * still part of its cash figures), as if they shared one calendar.
 */
export async function simulateLaunch(scenario: Scenario, seed: number): Promise<Simulation> {
  const draws = drawLaunch(scenario, seed);
  const workers = POLICIES.map((policy) => startPolicyWorker({ scenario, draws, policy }));
  try {
    const stops = await Promise.all(workers.map((worker) => worker.receive('stoppedOn')));
    for (const worker of workers) worker.post({ playUntil: Math.max(...stops) });
    const runs = await Promise.all(workers.map((worker) => worker.receive('run')));
    return { seed, scenario, draws, runs };
  } finally {
    await Promise.all(workers.map((worker) => worker.stop()));
  }
}

/**
 * A policy's worker thread, read one message at a time. An error in the worker, or its ending before it
 * sends its figures, rejects the message awaited, so that a failing policy ends the run instead of
 * leaving it waiting.
 */
function startPolicyWorker(input: PolicyInput) {
  const worker = new Worker(WORKER_BOOTSTRAP, { workerData: input });
  const inbox: FromPolicyWorker[] = [];
  let failure: Error | undefined;
  let waiting: { resolve(message: FromPolicyWorker): void; reject(error: Error): void } | undefined;
  const fail = (error: Error) => {
    failure ??= error;
    waiting?.reject(failure);
    waiting = undefined;
  };
  worker.on('message', (message: FromPolicyWorker) => {
    if (waiting) waiting.resolve(message);
    else inbox.push(message);
    waiting = undefined;
  });
  worker.on('error', fail);
  worker.on('exit', (code) =>
    fail(new Error(`the ${input.policy} policy's simulation ended (exit code ${code}) before its figures`)),
  );
  const next = (): Promise<FromPolicyWorker> => {
    const message = inbox.shift();
    if (message) return Promise.resolve(message);
    if (failure) return Promise.reject(failure);
    return new Promise((resolve, reject) => {
      waiting = { resolve, reject };
    });
  };
  return {
    /** The next message, which must carry `key`. */
    async receive<K extends 'stoppedOn' | 'run'>(key: K) {
      const message = await next();
      if (!(key in message)) {
        throw new Error(`the ${input.policy} policy's worker sent ${Object.keys(message)} instead of ${key}`);
      }
      return (message as Extract<FromPolicyWorker, Record<K, unknown>>)[key];
    },
    post(message: ToPolicyWorker) {
      worker.postMessage(message);
    },
    async stop() {
      await worker.terminate();
    },
  };
}

/**
 * Plays one policy's launch on an in-memory database of its own, made and migrated here, day by day,
 * until every batch has come and every customer has shipped or cancelled (or the run's last day); then
 * asks `lastDayOfAll` until which day every policy plays, and plays on to it.
 */
export async function playPolicy(
  { scenario, draws, policy }: PolicyInput,
  lastDayOfAll: (stoppedOn: number) => Promise<number>,
): Promise<PolicyRun> {
  const db = await openDatabase();
  try {
    await migrate(db);
    const opening = dayNumber(scenario.opensOn);
    let now = opening * DAY + BUSINESS_HOUR;
    const clock = () => new Date(now);
    const ctx: ServiceContext = { db, clock };
    const provider = new TestPaymentProvider({ now: clock });
    const payments: Payments = { provider, settings: DEFAULT_PAYMENT_SETTINGS };
    const launch = await startLaunch(ctx, payments, provider, scenario, draws, policy);
    const playDay = async (day: number) => {
      now = (opening + day) * DAY + BUSINESS_HOUR;
      await launch.morning(day);
      await runJobs(ctx, payments);
      await launch.evening(day);
    };
    const lastDay = Math.max(...draws.batches.map((b) => b.restDay)) + DAYS_AFTER_LAST_BATCH;
    let day = 0;
    for (; day <= lastDay; day++) {
      await playDay(day);
      // Finished stays finished once the window has closed: nobody new comes.
      if (day >= scenario.windowDays && launch.finished()) break;
    }
    const end = Math.min(await lastDayOfAll(day), lastDay);
    while (day < end) await playDay(++day);
    return await launch.result(end);
  } finally {
    await db.close();
  }
}

/** One policy's launch, in its own shop: what happens each morning and evening of a simulated day. */
interface PolicyLaunch {
  morning(day: number): Promise<void>;
  evening(day: number): Promise<void>;
  /** Every batch came and every customer has shipped or cancelled. */
  finished(): boolean;
  result(lastDay: number): Promise<PolicyRun>;
}

/** One customer as the driver follows them. */
interface Follow {
  order: DrawnOrder;
  email: string;
  preorderId: string;
  outcome: CustomerOutcome & { moves: CustomerOutcome['moves'][number][] };
  /** The state of their pre-order when last read. */
  state: string;
  windowEnd: number | null;
  irritation: number;
  cardFailedDay: number | null;
}

async function startLaunch(
  ctx: ServiceContext,
  payments: Payments,
  provider: TestPaymentProvider,
  scenario: Scenario,
  draws: LaunchDraws,
  policy: PolicyName,
): Promise<PolicyLaunch> {
  const opening = dayNumber(scenario.opensOn);
  const dateOf = (day: number): CalendarDate => addDays(scenario.opensOn, day);
  const { shop } = await createShop(ctx, {
    name: `Simulated shop (${policy})`,
    currency: scenario.price.currency,
    timeZone: 'UTC',
    locale: 'en-GB',
  });
  await createVariant(ctx, shop.id, { sku: SKU, name: 'Simulated product' });
  const campaign = await createCampaign(ctx, shop, {
    name: `Simulated launch (${policy})`,
    mode: 'preorder',
    opensAt: new Date(opening * DAY),
    closesAt: new Date((opening + scenario.windowDays) * DAY),
    price: scenario.price,
    promiseSettings: { bufferDays: policy === 'presell' ? scenario.bufferDays : 0, toleranceDays: 0 },
    // The cap is the supply plan: nobody is sold a unit that no batch brings.
    variants: [{ sku: SKU, cap: draws.batches.reduce((total, batch) => total + batch.quantity, 0) }],
  });
  // Keep-or-cancel questions are Presell's; a one-date shop announces the new date and that is all.
  if (policy === 'one-date') await setDelayConsentSettings(ctx, shop.id, campaign.id, { enabled: false });

  const knowledge: BatchKnowledge[] = draws.batches.map((batch) => ({
    expectedDay: batch.plannedDay,
    complete: false,
  }));
  const received = draws.batches.map(() => 0);
  let entered = merchantEntries(policy, knowledge, scenario.bufferDays);
  const batchIds: string[] = [];
  for (const [index, batch] of draws.batches.entries()) {
    const entry = entered[index] as BatchEntry;
    const added = await addBatch(ctx, shop, campaign.id, {
      sku: SKU,
      quantity: batch.quantity,
      readyDate: dateOf(entry.readyDay),
      bufferDays: entry.bufferDays,
      state: 'confirmed',
    });
    batchIds.push(added.id);
  }
  await moveCampaign(ctx, shop.id, campaign.id, 'open');

  const placements = new Placements(ctx, 256, payments);
  const followed: Follow[] = [];
  const byId = new Map<string, Follow>();
  let refusedSoldOut = 0;
  let released = false;
  const cash: CashPoint[] = [];
  /** When the customers last read their pre-orders: what changed since then is all there is to read. */
  let lastObserved = new Date(0);
  /** Cash collected so far, and when it was last added up: each evening adds what was booked since. */
  let collected = 0;
  let countedUntil = new Date(0);

  return {
    async morning(day) {
      // What the supplier does today, and what the merchant hears of.
      for (const [index, batch] of draws.batches.entries()) {
        const known = knowledge[index] as BatchKnowledge;
        if (batch.slipKnownDay === day) known.expectedDay = batch.arrivalDay;
        const arriving =
          (batch.arrivalDay === day ? batch.quantity - batch.shortUnits : 0) +
          (batch.shortUnits > 0 && batch.restDay === day ? batch.shortUnits : 0);
        if (arriving === 0) continue;
        received[index] = (received[index] as number) + arriving;
        known.complete = received[index] === batch.quantity;
        if (!known.complete) known.expectedDay = batch.restDay;
        await updateBatch(ctx, shop, campaign.id, batchIds[index] as string, {
          quantityReceived: received[index],
        });
        if (!released) {
          await releaseCampaign(ctx, shop, campaign.id);
          released = true;
        }
      }
      const entries = merchantEntries(policy, knowledge, scenario.bufferDays);
      // Dates only ever move later here, so the merchant edits the last batch first: at every step the
      // batches keep their serving order, and no promise draws on a batch only until the next edit.
      for (let index = entries.length - 1; index >= 0; index--) {
        const entry = entries[index];
        const before = entered[index];
        if (
          !entry ||
          (before && before.readyDay === entry.readyDay && before.bufferDays === entry.bufferDays)
        )
          continue;
        await updateBatch(ctx, shop, campaign.id, batchIds[index] as string, {
          readyDate: dateOf(entry.readyDay),
          bufferDays: entry.bufferDays,
          reason: 'The supplier gave a new date',
        });
      }
      entered = entries;
      if (day >= scenario.windowDays) return;
      const placed = await placeDay(
        ctx,
        placements,
        shop,
        campaign.id,
        draws.orders.filter((order) => order.day === day),
      );
      refusedSoldOut += placed.refused;
      for (const follow of placed.followed) {
        followed.push(follow);
        byId.set(follow.preorderId, follow);
        // The world: some cards stop working before their balance is charged.
        if (follow.order.balanceFails) {
          provider.updateCard(placed.paymentMethods.get(follow.preorderId) as string, DECLINING_CARD);
        }
      }
    },
    async evening(day) {
      await shipReady(ctx, shop, campaign.id);
      await recoverCards(ctx, payments, shop, byId, day, scenario.cards.recoveryDays);
      const waiting = await observe(ctx, shop, campaign.id, { byId, followed }, day, opening, lastObserved);
      lastObserved = ctx.clock();
      await customersDecide(ctx, payments, shop, waiting, day, scenario.customers);
      collected += await collectedSince(ctx, shop, campaign.id, countedUntil);
      countedUntil = ctx.clock();
      cash.push({ day, collected });
    },
    finished: () =>
      knowledge.every((k) => k.complete) &&
      followed.every((f) => f.outcome.shippedDay !== null || f.outcome.cancelledDay !== null),
    async result(lastDay) {
      const [refunds] = await ctx.db.query<{ count: number; amount: number }>(
        `SELECT count(*)::int AS count, coalesce(sum(amount), 0)::bigint AS amount FROM ledger_entries
         WHERE shop_id = $1 AND kind = 'refund'`,
        [shop.id],
      );
      const outcomes = followed.map((f) => f.outcome);
      return {
        policy,
        figures: launchFigures(outcomes, refunds ?? { count: 0, amount: 0 }, cash),
        outcomes,
        refusedSoldOut,
        lastDay,
      };
    },
  };
}

function termsOf(option: PaymentOption): PaymentTerms {
  if (option.kind === 'deposit') {
    return { kind: 'deposit', percent: option.percent, balanceDue: { kind: 'on_release' } };
  }
  return { kind: option.kind };
}

/**
 * The day's pre-orders, placed together as a storefront's requests would arrive. Checkout offers the
 * scenario's payment terms; a campaign has one set at a time, so the day's customers are grouped by the
 * terms they chose and the campaign offers each set in turn.
 */
async function placeDay(
  ctx: ServiceContext,
  placements: Placements,
  shop: Shop,
  campaignId: string,
  orders: readonly DrawnOrder[],
) {
  const followed: Follow[] = [];
  let refused = 0;
  const kinds = [...new Set(orders.map((order) => JSON.stringify(termsOf(order.terms))))];
  for (const kind of kinds) {
    await updateCampaign(ctx, shop, campaignId, { paymentTerms: JSON.parse(kind) as PaymentTerms });
    const group = orders.filter((order) => JSON.stringify(termsOf(order.terms)) === kind);
    const answers = await Promise.all(
      group.map((order) =>
        placements.place(shop, {
          sku: SKU,
          quantity: order.units,
          email: `customer${order.index}@example.com`,
          idempotencyKey: `order-${order.index}`,
          paymentMethod: GOOD_CARD,
        }),
      ),
    );
    for (const [index, answer] of answers.entries()) {
      const order = group[index] as DrawnOrder;
      if ('refused' in answer) {
        if (answer.refused.code !== 'sold_out')
          throw new Error(`placement ${order.index} refused: ${answer.refused.message}`);
        refused += 1;
        continue;
      }
      followed.push({
        order,
        email: `customer${order.index}@example.com`,
        preorderId: answer.placed.id,
        outcome: {
          placedDay: order.day,
          firstWindowEnd: null,
          moves: [],
          shippedDay: null,
          cancelledDay: null,
        },
        state: 'placed',
        windowEnd: null,
        irritation: 0,
        cardFailedDay: null,
      });
    }
  }
  followed.sort((a, b) => a.order.index - b.order.index);
  const paymentMethods = new Map(
    (
      await ctx.db.query<{ id: string; payment_method_id: string }>(
        'SELECT id, payment_method_id FROM preorders WHERE shop_id = $1 AND id = ANY($2)',
        [shop.id, followed.map((f) => f.preorderId)],
      )
    ).map((row) => [row.id, row.payment_method_id]),
  );
  return { followed, refused, paymentMethods };
}

/** The server's jobs, run until they find nothing more to do today (each pass takes a bounded number). */
async function runJobs(ctx: ServiceContext, payments: Payments) {
  for (let pass = 0; pass < 50; pass++) {
    const report = await runDueJobs(ctx, payments);
    const work =
      report.balanceTries +
      report.operationsRetried +
      report.bulkItems +
      report.abandonedReleased +
      report.communication.late +
      report.communication.consentDeadlines;
    if (work === 0) return;
  }
}

/** The merchant ships every pre-order that is paid and has its units, the day it is. */
async function shipReady(ctx: ServiceContext, shop: Shop, campaignId: string) {
  const ready = await ctx.db.query<{ id: string }>(
    `SELECT id FROM preorders WHERE shop_id = $1 AND campaign_id = $2 AND state = 'ready' ORDER BY id`,
    [shop.id, campaignId],
  );
  if (ready.length === 0) return;
  await inTransaction(ctx, (uow) =>
    shipAll(
      uow,
      shop.id,
      ready.map((row, key) => ({ key, preorderId: row.id })),
    ),
  );
}

/**
 * Customers whose balance failed and who will fix it give a new card recoveryDays after the failure. Only
 * the cards the world made decline can fail, so only their pre-orders are looked at.
 */
async function recoverCards(
  ctx: ServiceContext,
  payments: Payments,
  shop: Shop,
  byId: Map<string, Follow>,
  day: number,
  recoveryDays: number,
) {
  const declining = [...byId.values()]
    .filter((follow) => follow.order.balanceFails && !ENDED.has(follow.state))
    .map((follow) => follow.preorderId);
  if (declining.length === 0) return;
  const failed = await ctx.db.query<{ preorder_id: string }>(
    `SELECT DISTINCT o.preorder_id FROM payment_operations o JOIN preorders p ON p.shop_id = o.shop_id AND p.id = o.preorder_id
     WHERE o.shop_id = $1 AND o.preorder_id = ANY($2) AND o.purpose = 'balance' AND o.status = 'failed'
       AND p.state IN ('allocated', 'balance_due')`,
    [shop.id, declining],
  );
  for (const { preorder_id: id } of failed) {
    const follow = byId.get(id);
    if (!follow) continue;
    follow.cardFailedDay ??= day;
    if (!follow.order.recovers || day !== follow.cardFailedDay + recoveryDays) continue;
    await replaceCardAsCustomer(ctx, payments, shop, follow.email, id, GOOD_CARD, `recover-${id}`);
  }
}

/**
 * Reads the pre-orders that changed since the customers last looked, as the portal would show them, and
 * notes what changed: a window moved later (they were told: the promise change is what the notice says),
 * shipped, cancelled. Every service stamps a change with the clock, the simulated day, so the rows changed
 * since the last reading are all there is to read. Returns every customer still waiting, with what
 * today brought them.
 */
async function observe(
  ctx: ServiceContext,
  shop: Shop,
  campaignId: string,
  customers: { byId: Map<string, Follow>; followed: readonly Follow[] },
  day: number,
  opening: number,
  since: Date,
) {
  const rows = await ctx.db.query<{ id: string; state: string; promise_to: string | null }>(
    'SELECT id, state, promise_to FROM preorders WHERE shop_id = $1 AND campaign_id = $2 AND updated_at >= $3',
    [shop.id, campaignId, since],
  );
  const delays = new Map<Follow, number>();
  for (const row of rows) {
    const follow = customers.byId.get(row.id);
    if (!follow) continue;
    const { outcome } = follow;
    follow.state = row.state;
    if (row.state === 'fulfilled') outcome.shippedDay ??= day;
    if (row.state === 'cancelled') outcome.cancelledDay ??= day;
    if (!AWAITING.has(row.state)) continue;
    const end = row.promise_to === null ? null : dayNumber(row.promise_to) - opening;
    if (end === null) continue;
    outcome.firstWindowEnd ??= end;
    if (follow.windowEnd !== null && end > follow.windowEnd) {
      outcome.moves.push({ day, oldEnd: follow.windowEnd, newEnd: end });
      delays.set(follow, end - follow.windowEnd);
    }
    follow.windowEnd = end;
  }
  // In the order they pre-ordered: whose cancellation frees units first must not depend on row order.
  return customers.followed
    .filter((follow) => AWAITING.has(follow.state))
    .map((follow) => ({ follow, delayDays: delays.get(follow) ?? 0 }))
    .sort((a, b) => a.follow.order.index - b.follow.order.index);
}

/** Each waiting customer takes in the day; those whose patience ran out cancel from the portal. */
async function customersDecide(
  ctx: ServiceContext,
  payments: Payments,
  shop: Shop,
  waiting: readonly { follow: Follow; delayDays: number }[],
  day: number,
  customers: Scenario['customers'],
) {
  for (const { follow, delayDays } of waiting) {
    follow.irritation += irritationOf({ kind: 'waiting_day' }, customers);
    if (delayDays > 0) follow.irritation += irritationOf({ kind: 'delay_told', days: delayDays }, customers);
    else if (follow.windowEnd !== null && day > follow.windowEnd)
      follow.irritation += irritationOf({ kind: 'silent_day' }, customers);
    if (follow.irritation < follow.order.patience) continue;
    try {
      await cancelAsCustomer(ctx, payments, shop, follow.email, follow.preorderId);
      follow.outcome.cancelledDay = day;
    } catch (error) {
      // Shipped or cancelled by the system in the meantime: too late to cancel, nothing to do.
      if (!(error instanceof DomainError)) throw error;
    }
  }
}

/** Charged less refunded, booked after `since` (the ledger only ever grows). */
async function collectedSince(
  ctx: ServiceContext,
  shop: Shop,
  campaignId: string,
  since: Date,
): Promise<number> {
  const [row] = await ctx.db.query<{ net: number }>(
    `SELECT (coalesce(sum(amount) FILTER (WHERE kind = 'charge'), 0)
       - coalesce(sum(amount) FILTER (WHERE kind = 'refund'), 0))::bigint AS net
     FROM ledger_entries WHERE shop_id = $1 AND campaign_id = $2 AND created_at > $3`,
    [shop.id, campaignId, since],
  );
  return Number(row?.net ?? 0);
}
