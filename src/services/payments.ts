/**
 * What a provider's answer does to a pre-order: one transaction per answer, whoever brings it (the call
 * itself, a job sending it again, a webhook, the shopper's confirm). An answer is applied once: the
 * operation's row is locked and a settled operation is left alone, and the ledger's keys are unique.
 * Calls an answer makes necessary (a refund of money that arrived too late) are sent after its commit.
 */
import type { Queryable } from '../db/database.ts';
import { type RowColumn, rowsAs } from '../db/rows.ts';
import { DomainError } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import {
  charged,
  type Ledger,
  type LedgerEntry,
  netPaid,
  outstanding,
  refundable,
  refunded,
} from '../domain/ledger.ts';
import type { PreorderState } from '../domain/lifecycle.ts';
import type { Money } from '../domain/money.ts';
import { balanceRetryAt, chargedAtOrder } from '../domain/payment-plan.ts';
import type { PaymentErrorCode } from '../payments/provider.ts';
import { type Campaign, loadCampaign } from './campaigns.ts';
import { cancelInTx } from './cancellation.ts';
import type { ServiceContext } from './context.ts';
import {
  type Booking,
  bookAll,
  claimPendingOperations,
  findOperations,
  insertOperation,
  loadLedger,
  loadMoneyPreorder,
  lockForAnswers,
  type MoneyPreorder,
  type NewOperation,
  type Operation,
  type Outcome,
  operationOf,
  type Payments,
  planOf,
  refreshOperation,
  refundOf,
  retryAfterUnavailable,
  SELECT_OPERATIONS,
  sendOperation,
} from './payment-operations.ts';
import { advance, type Move, movePreorder, movePreorders, scheduleBalanceRetry } from './preorder-changes.ts';
import { getShop, type Shop } from './shops.ts';
import { inTransaction, type UnitOfWork } from './unit-of-work.ts';

/** Where a pre-order's payment stands after an answer was applied. */
export interface Settled {
  operation: Operation;
  preorderState: PreorderState;
}

/** How the answer came: from our own call, or as a report of where a call stands (webhook, confirm). */
export type AnswerSource = 'call' | 'report';

/** Sends each operation (already leased to us) and applies its answer. */
export async function runOperations(
  ctx: ServiceContext,
  payments: Payments,
  operations: readonly Operation[],
): Promise<Settled[]> {
  const settled: Settled[] = [];
  for (const op of operations) {
    settled.push(await settle(ctx, payments, op, await sendOperation(payments.provider, op), 'call'));
  }
  return settled;
}

/** Applies one answer of the provider about `op`, in a transaction of its own. */
export async function settle(
  ctx: ServiceContext,
  payments: Payments,
  op: Operation,
  outcome: Outcome,
  source: AnswerSource,
): Promise<Settled> {
  const shop = await getShop(ctx, op.shopId);
  return inTransaction(ctx, (uow) => settleInTx(uow, payments, shop, { op, outcome, source }));
}

export interface Answer {
  op: Operation;
  outcome: Outcome;
  source: AnswerSource;
}

/**
 * Applies the answers about many operations of one shop in one transaction: one commit for a batch of
 * placements or a pass of balances. Campaigns an answer may free units of are locked first, in id order,
 * as every change of a campaign's counters does. The answers that cannot free units, each about a
 * pre-order of its own, are applied together: their rows read at once, their writes made at once. Those
 * that may (a refusal can cancel, which moves other pre-orders' promises) follow one at a time, each
 * reading what is current. The moves money made possible (ready, allocated) are made once for all the
 * pre-orders it moved, in serving order, after every answer was applied.
 */
export async function settleAll(
  ctx: ServiceContext,
  payments: Payments,
  shop: Shop,
  answers: readonly Answer[],
): Promise<Settled[]> {
  if (answers.length === 0) return [];
  return inTransaction(ctx, async (uow) => {
    const { tx, now } = uow;
    const cancelling = answers.filter((answer) => mayCancel(answer.outcome, answer.op));
    if (cancelling.length > 0) {
      await tx.query(
        `SELECT 1 FROM campaigns WHERE id IN (SELECT campaign_id FROM preorders WHERE id = ANY($1))
         ORDER BY id FOR UPDATE`,
        [cancelling.map((answer) => answer.op.preorderId)],
      );
    }
    // Waiting is the common answer to a batch of placements (the shopper still has to pay): one statement.
    const waiting = await markWaiting(
      tx,
      answers.filter((answer) => answer.outcome.kind === 'waiting'),
      now,
    );
    const paid = new Set<string>();
    const advanceLater: AfterMoney = async (preorder) => {
      paid.add(preorder.id);
      return preorder.state;
    };
    const settled = new Map<Answer, Settled>();
    const rest = answers.filter((answer) => !waiting.has(answer.op.id));
    const together = rest.filter((answer) => !mayCancel(answer.outcome, answer.op));
    const preorderIds = rest.map((answer) => answer.op.preorderId);
    if (together.length > 0 && new Set(preorderIds).size === preorderIds.length) {
      const locked = await lockForAnswers(
        tx,
        shop.id,
        together.map((answer) => answer.op),
      );
      const writes = noWrites();
      for (const answer of together) {
        const read = {
          preorder: locked.preorders.get(answer.op.preorderId) as MoneyPreorder,
          op: locked.operations.get(answer.op.id) as Operation,
          ledger: locked.ledgers.get(answer.op.preorderId) as Ledger,
          writes,
        };
        settled.set(answer, await settleInTx(uow, payments, shop, answer, advanceLater, read));
      }
      await write(uow, writes);
    }
    for (const answer of rest) {
      if (!settled.has(answer))
        settled.set(answer, await settleInTx(uow, payments, shop, answer, advanceLater));
    }
    const results = answers.map((answer) => waiting.get(answer.op.id) ?? (settled.get(answer) as Settled));
    if (paid.size === 0) return results;
    const states = await advance(uow, shop.id, [...paid]);
    return results.map((result) => {
      const state = states.get(result.operation.preorderId);
      return state ? { ...result, preorderState: state } : result;
    });
  });
}

/**
 * The writes of answers applied together, made once every one of them was decided: each answer's rows
 * were read before any was written, and no answer reads what another writes.
 */
interface AnswerWrites {
  bookings: Booking[];
  operations: OperationChange[];
  moves: Move[];
}

function noWrites(): AnswerWrites {
  return { bookings: [], operations: [], moves: [] };
}

async function write(uow: UnitOfWork, writes: AnswerWrites) {
  await bookAll(uow.tx, writes.bookings, uow.now);
  await updateOperations(uow.tx, writes.operations, uow.now);
  await movePreorders(uow, writes.moves);
}

/**
 * The provider waits, for the shopper (a client secret is out) or for itself: each operation says so and
 * keeps the provider's reference, unless it has settled already. Keyed by operation id.
 */
async function markWaiting(
  tx: Queryable,
  answers: readonly Answer[],
  now: Date,
): Promise<Map<string, Settled>> {
  if (answers.length === 0) return new Map();
  const rows = await tx.query<{
    id: string;
    status: Operation['status'];
    provider_ref: string | null;
    state: PreorderState;
  }>(
    `WITH marked AS (
       UPDATE payment_operations o SET
         status = CASE WHEN o.status IN ('succeeded', 'failed') THEN o.status ELSE 'requires_action' END,
         provider_ref = CASE WHEN o.status IN ('succeeded', 'failed') THEN o.provider_ref ELSE w.ref END,
         updated_at = $2
       FROM jsonb_to_recordset($1::jsonb) AS w(id text, ref text)
       WHERE o.id = ANY($3) AND o.id = w.id
       RETURNING o.id, o.status, o.provider_ref, o.preorder_id
     )
     SELECT m.id, m.status, m.provider_ref, p.state FROM marked m JOIN preorders p ON p.id = m.preorder_id`,
    [
      JSON.stringify(
        answers.map(({ op, outcome }) => ({
          id: op.id,
          ref: outcome.kind === 'waiting' ? outcome.ref : null,
        })),
      ),
      now,
      answers.map(({ op }) => op.id),
    ],
  );
  const byId = new Map(answers.map((answer) => [answer.op.id, answer.op]));
  return new Map(
    rows.map((row) => [
      row.id,
      {
        operation: { ...(byId.get(row.id) as Operation), status: row.status, providerRef: row.provider_ref },
        preorderState: row.state,
      },
    ]),
  );
}

/** A refusal of anything but a refund may cancel the pre-order and give its units back. */
function mayCancel(outcome: Outcome, op: Operation): boolean {
  return (outcome.kind === 'declined' || outcome.kind === 'refused') && op.purpose !== 'refund';
}

/**
 * What follows money that came in: the pre-order's automatic moves (see `advance`); returns its state.
 * Made at once for one answer, or gathered and made together for a batch of them.
 */
type AfterMoney = (preorder: MoneyPreorder) => Promise<PreorderState>;

async function settleInTx(
  uow: UnitOfWork,
  payments: Payments,
  shop: Shop,
  { op, outcome, source }: Answer,
  afterMoney: AfterMoney = (preorder) => stateAfterMoney(uow, preorder),
  read?: { preorder: MoneyPreorder; op: Operation; ledger: Ledger; writes: AnswerWrites },
): Promise<Settled> {
  const { tx, now } = uow;
  // A failure may cancel the pre-order and free units: the campaign row is locked first, as always.
  const campaign = mayCancel(outcome, op)
    ? await loadCampaign(
        tx,
        op.shopId,
        ((await loadMoneyPreorder(tx, op.shopId, op.preorderId)) as MoneyPreorder).campaignId,
        { lock: true },
      )
    : undefined;
  const preorder =
    read?.preorder ??
    ((await loadMoneyPreorder(tx, op.shopId, op.preorderId, { lock: true })) as MoneyPreorder);
  const current = read?.op ?? (await lockOperation(tx, op));
  const unchanged: Settled = { operation: current, preorderState: preorder.state };
  if (current.status === 'succeeded') return unchanged;
  const step: Step = {
    uow,
    payments,
    shop,
    preorder,
    op: current,
    afterMoney,
    ledger: read?.ledger,
    writes: read?.writes,
  };
  switch (outcome.kind) {
    case 'succeeded':
      return succeeded(step, outcome);
    case 'waiting':
      return (await markWaiting(tx, [{ op: current, outcome, source }], now)).get(current.id) as Settled;
    case 'unavailable':
      if (current.status !== 'pending') return unchanged;
      await updateOperation(step, {
        status: 'pending',
        attempts: current.attempts + 1,
        nextAttemptAt: retryAfterUnavailable(current.attempts, now),
        lastErrorCode: outcome.code,
      });
      return {
        ...unchanged,
        operation: { ...current, attempts: current.attempts + 1, lastErrorCode: outcome.code },
      };
    case 'declined':
    case 'refused': {
      if (current.status === 'failed') return unchanged;
      const shopperMayRetry =
        source === 'report' && current.purpose === 'first_step' && current.status === 'requires_action';
      if (shopperMayRetry) {
        // The shopper is still on the payment page and can try another card; the timeout ends it if not.
        await updateOperation(step, {
          status: 'requires_action',
          lastErrorCode: outcome.code,
        });
        return unchanged;
      }
      if (current.purpose === 'refund') return refundFailed(step, outcome.code);
      if (!campaign) throw new Error('a failure is applied under the campaign lock');
      return failed({ ...step, campaign }, outcome.code);
    }
  }
}

interface Step {
  uow: UnitOfWork;
  payments: Payments;
  shop: Shop;
  preorder: MoneyPreorder;
  op: Operation;
  afterMoney: AfterMoney;
  /** The pre-order's ledger when it was read with its lock; read when needed otherwise. */
  ledger?: Ledger | undefined;
  /** Where the writes go when answers are applied together; made at once otherwise. */
  writes?: AnswerWrites | undefined;
}

async function succeeded(step: Step, outcome: Extract<Outcome, { kind: 'succeeded' }>): Promise<Settled> {
  const { uow, payments, shop, preorder, op, afterMoney } = step;
  const { tx, now } = uow;
  const moved = outcome.amount ?? op.amount;
  const entry = {
    provider: op.provider,
    amount: moved,
    idempotencyKey: op.idempotencyKey,
  };
  if (op.kind === 'refund') {
    await book(step, {
      ...entry,
      kind: 'refund',
      paymentReference: op.refundsPayment as string,
      refundReference: outcome.ref,
    });
  } else if (op.kind === 'charge') {
    await book(step, { ...entry, kind: 'charge', paymentReference: outcome.ref });
  }
  await updateOperation(step, { status: 'succeeded', providerRef: outcome.ref, lastErrorCode: null });
  const operation: Operation = { ...op, status: 'succeeded', providerRef: outcome.ref };
  let state = preorder.state;

  if (op.kind === 'charge' && preorder.state === 'cancelled') {
    // The money arrived after the pre-order ended (the shopper paid as it expired): give it back.
    const refund = await insertOperation(
      tx,
      payments,
      refundOf(preorder, moved, outcome.ref, `${op.idempotencyKey}/refund`),
      now,
    );
    if (refund) uow.afterCommit(() => runOperations(uow.ctx, payments, [refund]));
    uow.record(event(shop.id, 'preorder.late_payment_refunded', preorder.id, { amount: moved }));
  } else if (op.purpose === 'first_step' && preorder.state === 'placed') {
    const cardSaved = op.saveCard || op.kind === 'save';
    await move(step, {
      preorder,
      move: 'confirm',
      data: { charged: op.kind === 'charge' ? moved : null, cardSaved },
      columns: {
        paymentCustomerId: cardSaved ? outcome.customerId : null,
        paymentMethodId: cardSaved ? outcome.paymentMethodId : null,
      },
    });
    state = await afterMoney(preorder);
  } else if (op.purpose === 'balance') {
    // A retry waiting after an earlier failure is not needed any more.
    if (preorder.balanceRetryAt !== null) await scheduleBalanceRetry(uow, preorder, null);
    uow.record(
      event(shop.id, 'preorder.balance_charged', preorder.id, {
        amount: moved,
        attempt: preorder.balanceAttempts,
      }),
    );
    state = await afterMoney(preorder);
  } else if (op.purpose === 'refund') {
    uow.record(event(shop.id, 'preorder.refunded', preorder.id, { amount: moved }));
  }
  return { operation, preorderState: state };
}

/** The moves money made possible (ready once paid, allocated when its units are in hand). */
async function stateAfterMoney(uow: UnitOfWork, preorder: MoneyPreorder): Promise<PreorderState> {
  const states = await advance(uow, preorder.shopId, [preorder.id]);
  return states.get(preorder.id) as PreorderState;
}

/** A refund the provider refused: the merchant is told; the pre-order and its units stay as they are. */
async function refundFailed(step: Step, code: PaymentErrorCode): Promise<Settled> {
  const { uow, preorder, op, shop } = step;
  await updateOperation(step, { status: 'failed', lastErrorCode: code });
  uow.record(event(shop.id, 'preorder.refund_failed', preorder.id, { amount: op.amount, code }));
  return { operation: { ...op, status: 'failed', lastErrorCode: code }, preorderState: preorder.state };
}

async function failed(step: Step & { campaign: Campaign }, code: PaymentErrorCode): Promise<Settled> {
  const { uow, payments, shop, preorder, op, campaign } = step;
  const { now } = uow;
  await updateOperation(step, { status: 'failed', lastErrorCode: code });
  const operation: Operation = { ...op, status: 'failed', lastErrorCode: code };
  const cancel = async (reason: string): Promise<Settled> => {
    await cancelInTx(uow, payments, { shop, campaign, preorder, reason, choice: { kind: 'policy' } });
    return { operation, preorderState: 'cancelled' };
  };

  if (op.purpose === 'first_step') {
    if (preorder.state !== 'placed') return { operation, preorderState: preorder.state };
    return cancel('payment_failed');
  }
  // A balance: try again on the schedule; after the last try, cancel by the campaign's policy.
  if (preorder.state === 'cancelled') return { operation, preorderState: preorder.state };
  const attempt = preorder.balanceAttempts;
  const retryAt = balanceRetryAt(payments.settings.balanceRetryDays, attempt, now);
  uow.record(
    event(shop.id, 'preorder.payment_failed', preorder.id, {
      amount: op.amount,
      code,
      attempt,
      retryAt: retryAt?.toISOString() ?? null,
    }),
  );
  if (retryAt === null) return cancel('payment_failed');
  await scheduleBalanceRetry(uow, preorder, retryAt);
  return { operation, preorderState: preorder.state };
}

async function book(step: Step, entry: Booking['entry']) {
  const booking = { preorder: step.preorder, entry, ledger: step.ledger };
  if (step.writes) step.writes.bookings.push(booking);
  else await bookAll(step.uow.tx, [booking], step.uow.now);
}

async function move(step: Step, preorderMove: Move) {
  if (step.writes) step.writes.moves.push(preorderMove);
  else await movePreorders(step.uow, [preorderMove]);
}

async function updateOperation(step: Step, changes: OperationChange['changes']) {
  const change = { op: step.op, changes };
  if (step.writes) step.writes.operations.push(change);
  else await updateOperations(step.uow.tx, [change], step.uow.now);
}

async function lockOperation(tx: Queryable, op: Pick<Operation, 'id' | 'shopId'>): Promise<Operation> {
  const [row] = await tx.query<Parameters<typeof operationOf>[0]>(
    `${SELECT_OPERATIONS} WHERE o.shop_id = $1 AND o.id = $2 FOR UPDATE OF o`,
    [op.shopId, op.id],
  );
  if (!row) throw new Error(`no payment operation ${op.id}`);
  return operationOf(row);
}

/** What an answer changes in its operation's row; left out: as it was. */
interface OperationChange {
  op: Pick<Operation, 'id' | 'shopId'>;
  changes: {
    status: Operation['status'];
    providerRef?: string;
    attempts?: number;
    nextAttemptAt?: Date;
    lastErrorCode?: string | null;
  };
}

const OPERATION_CHANGE: RowColumn[] = [
  ['id', 'text'],
  ['status', 'text'],
  ['provider_ref', 'text'],
  ['attempts', 'int'],
  ['next_attempt_at', 'timestamptz'],
  ['sets_error', 'boolean'],
  ['last_error_code', 'text'],
];

/** Writes answers' changes to their operations (of one shop), in one statement. */
async function updateOperations(tx: Queryable, changes: readonly OperationChange[], now: Date) {
  if (changes.length === 0) return;
  const rows = changes.map(({ op, changes: change }) => ({
    id: op.id,
    status: change.status,
    provider_ref: change.providerRef ?? null,
    attempts: change.attempts ?? null,
    next_attempt_at: change.nextAttemptAt ?? null,
    sets_error: change.lastErrorCode !== undefined,
    last_error_code: change.lastErrorCode ?? null,
  }));
  const params: unknown[] = [(changes[0] as OperationChange).op.shopId, now, rows.map((row) => row.id)];
  const changed = rowsAs('c', OPERATION_CHANGE, rows, params);
  await tx.query(
    `UPDATE payment_operations o SET status = c.status, provider_ref = coalesce(c.provider_ref, o.provider_ref),
       attempts = coalesce(c.attempts, o.attempts), next_attempt_at = coalesce(c.next_attempt_at, o.next_attempt_at),
       last_error_code = CASE WHEN c.sets_error THEN c.last_error_code ELSE o.last_error_code END, updated_at = $2
     FROM ${changed} WHERE o.shop_id = $1 AND o.id = ANY($3) AND o.id = c.id`,
    params,
  );
}

/** What the shopper's side needs to know about the first payment step. */
export interface PaymentStatus {
  status: 'succeeded' | 'requires_action' | 'requires_payment_method' | 'processing' | 'failed' | 'none';
  /** For the provider's client library (Stripe.js) while the shopper has to act; never logged or stored. */
  clientSecret: string | null;
  code: string | null;
}

export interface FirstStepResult {
  preorderState: PreorderState;
  payment: PaymentStatus;
}

/**
 * The call that starts a placed pre-order's plan: charge it in full, take the deposit and save the card,
 * or only save the card; null when there is nothing to charge or save now.
 */
export function firstStepOf(preorder: MoneyPreorder, paymentMethod: string | null): NewOperation | null {
  const plan = planOf(preorder);
  const amount = chargedAtOrder(plan);
  if (amount.amount === 0 && !plan.saveCard) return null;
  return {
    preorder,
    purpose: 'first_step',
    kind: amount.amount > 0 ? 'charge' : 'save',
    amount,
    saveCard: plan.saveCard,
    paymentMethod,
    idempotencyKey: firstStepKey(preorder.id),
  };
}

function firstStepKey(preorderId: string): string {
  return `${preorderId}/first-step`;
}

/**
 * Sends the first steps a batch of placements wrote, all at once, and applies their answers in one
 * transaction. Keyed by pre-order id.
 */
export async function runFirstSteps(
  ctx: ServiceContext,
  payments: Payments,
  shop: Shop,
  operations: readonly Operation[],
): Promise<Map<string, FirstStepResult>> {
  const outcomes = await Promise.all(operations.map((op) => sendOperation(payments.provider, op)));
  const settled = await settleAll(
    ctx,
    payments,
    shop,
    operations.map((op, index) => ({ op, outcome: outcomes[index] as Outcome, source: 'call' as const })),
  );
  return new Map(
    settled.map((result, index) => {
      const outcome = outcomes[index] as Outcome;
      return [
        result.operation.preorderId,
        {
          preorderState: result.preorderState,
          payment: statusOf(result.operation, outcome.kind === 'waiting' ? outcome : null),
        },
      ];
    }),
  );
}

/**
 * The first step of a placed pre-order's plan: charge it in full, take the deposit and save the card, or
 * only save the card. With a payment method the step completes (or fails) now; without one the answer
 * carries a client secret for the shopper, and a webhook or the confirm call completes it. A pre-order
 * that owes nothing now and saves no card is confirmed at once.
 */
export async function runFirstStep(
  ctx: ServiceContext,
  payments: Payments,
  shop: Shop,
  preorderId: string,
  paymentMethod: string | null,
): Promise<FirstStepResult> {
  const start = await inTransaction(ctx, async (uow) => {
    const { tx, now } = uow;
    const preorder = (await loadMoneyPreorder(tx, shop.id, preorderId, { lock: true })) as MoneyPreorder;
    const [existing] = await findOperations(tx, 'o.idempotency_key = $1', [firstStepKey(preorder.id)]);
    if (preorder.state !== 'placed') return { state: preorder.state, done: existing };
    if (existing) return { state: preorder.state, existing };
    const step = firstStepOf(preorder, paymentMethod);
    if (!step) {
      const confirm = { charged: null, cardSaved: false };
      await movePreorder(uow, preorder, 'confirm', confirm, {
        paymentCustomerId: null,
        paymentMethodId: null,
      });
      return { state: await stateAfterMoney(uow, preorder) };
    }
    const created = await insertOperation(tx, payments, step, now);
    return { state: preorder.state, created };
  });
  if ('done' in start) {
    return { preorderState: start.state, payment: start.done ? statusOf(start.done, null) : noPayment };
  }
  if (!('created' in start || 'existing' in start)) return { preorderState: start.state, payment: noPayment };
  const op = 'created' in start ? start.created : start.existing;
  if (!op) throw new Error('a first step without its operation');
  return bringUpToDate(ctx, payments, op);
}

/** Brings the first step up to date with the provider (the shopper's confirm) and reports where it is. */
export async function confirmFirstStep(
  ctx: ServiceContext,
  payments: Payments,
  shop: Shop,
  preorderId: string,
): Promise<FirstStepResult> {
  const preorder = await loadMoneyPreorder(ctx.db, shop.id, preorderId);
  if (!preorder) throw new DomainError('not_found', 'no such pre-order', { id: preorderId });
  const [op] = await findOperations(
    ctx.db,
    `o.shop_id = $1 AND o.preorder_id = $2 AND o.purpose = 'first_step'`,
    [shop.id, preorderId],
  );
  if (!op) return { preorderState: preorder.state, payment: noPayment };
  return bringUpToDate(ctx, payments, op);
}

const noPayment: PaymentStatus = { status: 'none', clientSecret: null, code: null };

/** The client secret of a first step that waits for the shopper, asked of the provider (it is never stored). */
export async function firstStepClientSecret(
  ctx: ServiceContext,
  payments: Payments,
  preorderId: string,
): Promise<string | null> {
  const [op] = await findOperations(ctx.db, `o.preorder_id = $1 AND o.purpose = 'first_step'`, [preorderId]);
  if (!op?.providerRef || op.status !== 'requires_action') return null;
  const outcome = await refreshOperation(payments.provider, op);
  return outcome.kind === 'waiting' ? outcome.clientSecret : null;
}

/** Sends a first step not answered yet, or asks the provider where one the shopper had to act on stands. */
async function bringUpToDate(
  ctx: ServiceContext,
  payments: Payments,
  op: Operation,
): Promise<FirstStepResult> {
  if (op.status === 'succeeded' || op.status === 'failed') {
    const preorder = (await loadMoneyPreorder(ctx.db, op.shopId, op.preorderId)) as MoneyPreorder;
    return { preorderState: preorder.state, payment: statusOf(op, null) };
  }
  const outcome =
    op.status === 'requires_action'
      ? await refreshOperation(payments.provider, op)
      : await sendOperation(payments.provider, op);
  const settled = await settle(
    ctx,
    payments,
    op,
    outcome,
    op.status === 'requires_action' ? 'report' : 'call',
  );
  return {
    preorderState: settled.preorderState,
    payment: statusOf(settled.operation, outcome.kind === 'waiting' ? outcome : null),
  };
}

function statusOf(op: Operation, waiting: Extract<Outcome, { kind: 'waiting' }> | null): PaymentStatus {
  if (op.status === 'succeeded') return { status: 'succeeded', clientSecret: null, code: null };
  if (op.status === 'failed') return { status: 'failed', clientSecret: null, code: op.lastErrorCode };
  if (waiting) {
    const status =
      waiting.status === 'requires_payment_method' || waiting.status === 'processing'
        ? waiting.status
        : 'requires_action';
    return { status, clientSecret: waiting.clientSecret, code: op.lastErrorCode };
  }
  // The provider could not be reached: the step is still to be made.
  return { status: 'processing', clientSecret: null, code: op.lastErrorCode };
}

export interface PreorderLedger {
  preorderId: string;
  entries: readonly LedgerEntry[];
  charged: Money;
  refunded: Money;
  netPaid: Money;
  refundable: Money;
  outstanding: Money;
}

/** A pre-order's money movements and what follows from them. */
export async function preorderLedger(ctx: ServiceContext, shop: Shop, id: string): Promise<PreorderLedger> {
  const preorder = await loadMoneyPreorder(ctx.db, shop.id, id);
  if (!preorder) throw new DomainError('not_found', 'no such pre-order', { id });
  const ledger = await loadLedger(ctx.db, preorder);
  return {
    preorderId: id,
    entries: ledger.entries,
    charged: charged(ledger),
    refunded: refunded(ledger),
    netPaid: netPaid(ledger),
    refundable: refundable(ledger),
    outstanding: outstanding(ledger, planOf(preorder), preorder.state),
  };
}

/** Sends again the calls that never got an answer (a crash, a timeout), each with its own key. */
export async function retryPendingOperations(
  ctx: ServiceContext,
  payments: Payments,
  limit = 50,
): Promise<Settled[]> {
  const now = ctx.clock();
  const claimed = await ctx.db.transaction((tx) => claimPendingOperations(tx, payments, now, limit));
  return runOperations(ctx, payments, claimed);
}
