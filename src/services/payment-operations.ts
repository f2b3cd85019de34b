/**
 * Provider calls as rows. Every call that moves money (or saves a card) is first written to
 * `payment_operations` with its idempotency key, then sent, then its answer is recorded in its own
 * transaction. A process that dies in between leaves the row `pending`; sending it again with the same
 * key gets the provider's first answer, and the ledger books the movement once (its key is unique).
 */
import type { Queryable } from '../db/database.ts';
import { type RowColumn, rowsAs } from '../db/rows.ts';
import type { PaymentTerms } from '../domain/campaign.ts';
import { append, type Ledger, type LedgerEntry, ledgerOf } from '../domain/ledger.ts';
import type { PreorderState } from '../domain/lifecycle.ts';
import { type Money, money } from '../domain/money.ts';
import { type PaymentPlan, paymentPlan } from '../domain/payment-plan.ts';
import { newId } from '../ids.ts';
import {
  type Payment,
  PaymentError,
  type PaymentErrorCode,
  type PaymentMethodSetup,
  type PaymentProvider,
  type Refund,
} from '../payments/provider.ts';
import { addToLedgerSums } from './preorder-changes.ts';
import type { Preorder } from './preorders.ts';

export interface PaymentSettings {
  /** How long a `placed` pre-order waits for its first payment step before its units go back on sale. */
  placementTimeoutMs: number;
  /** Days from each failed balance try to the next; when the last has failed, the pre-order is cancelled. */
  balanceRetryDays: readonly number[];
  /** How long a provider call stays with the process that made it before a job may send it again. */
  leaseMs: number;
}

export const DEFAULT_PAYMENT_SETTINGS: PaymentSettings = {
  placementTimeoutMs: 30 * 60_000,
  balanceRetryDays: [1, 3, 7],
  leaseMs: 60_000,
};

/** The provider the shop's money moves through, and the timings of the money jobs. */
export interface Payments {
  provider: PaymentProvider;
  settings: PaymentSettings;
}

export type OperationPurpose = 'first_step' | 'balance' | 'refund';
export type OperationStatus = 'pending' | 'requires_action' | 'succeeded' | 'failed';

export interface Operation {
  id: string;
  shopId: string;
  preorderId: string;
  purpose: OperationPurpose;
  kind: 'charge' | 'refund' | 'save';
  amount: Money;
  saveCard: boolean;
  paymentMethod: string | null;
  customerId: string | null;
  refundsPayment: string | null;
  idempotencyKey: string;
  status: OperationStatus;
  attempts: number;
  lastErrorCode: string | null;
  provider: string;
  providerRef: string | null;
  /** The customer's email, to create the provider's customer with. */
  email: string;
}

/** What a provider call came to, in the words the services act on. */
export type Outcome =
  | {
      kind: 'succeeded';
      ref: string;
      /** What moved; null for a saved card. */
      amount: Money | null;
      customerId: string | null;
      paymentMethodId: string | null;
    }
  /** The provider waits: for the shopper (a client secret is out) or for itself (processing). */
  | { kind: 'waiting'; ref: string; status: string; clientSecret: string | null }
  /** The card (or its bank) said no. */
  | { kind: 'declined'; code: PaymentErrorCode; ref: string | null }
  /** The provider could not be asked; the same key may be sent again. */
  | { kind: 'unavailable'; code: PaymentErrorCode }
  /** The provider refused the request itself; sending it again will not help. */
  | { kind: 'refused'; code: PaymentErrorCode };

const declineCodes: ReadonlySet<PaymentErrorCode> = new Set([
  'card_declined',
  'insufficient_funds',
  'expired_card',
  'authentication_required',
  'authentication_failed',
  'processing_error',
]);

/** The fields of a pre-order the money services read, from `SELECT_MONEY_PREORDER`. */
export interface MoneyPreorder {
  id: string;
  shopId: string;
  campaignId: string;
  variantId: string;
  email: string;
  quantity: number;
  total: Money;
  state: PreorderState;
  terms: PaymentTerms;
  promisedShipDate: string | null;
  customerId: string | null;
  paymentMethodId: string | null;
  idempotencyKey: string | null;
  balanceAttempts: number;
  balanceRetryAt: Date | null;
}

interface MoneyPreorderRow {
  id: string;
  shop_id: string;
  campaign_id: string;
  variant_id: string;
  email: string;
  quantity: number;
  total_amount: number;
  currency: string;
  state: PreorderState;
  payment_terms: PaymentTerms;
  promise_to: string | null;
  payment_customer_id: string | null;
  payment_method_id: string | null;
  idempotency_key: string | null;
  balance_attempts: number;
  balance_retry_at: Date | null;
}

/**
 * Locks the pre-orders and then the operations that a batch of answers is about, each in id order (the
 * lock order of every service), and reads them with the pre-orders' ledgers: three statements for the batch.
 */
export async function lockForAnswers(
  tx: Queryable,
  shopId: string,
  operations: readonly Pick<Operation, 'id' | 'preorderId'>[],
): Promise<{
  preorders: Map<string, MoneyPreorder>;
  operations: Map<string, Operation>;
  ledgers: Map<string, Ledger>;
}> {
  const preorders = (
    await tx.query<MoneyPreorderRow>(
      'SELECT * FROM preorders WHERE shop_id = $1 AND id = ANY($2) ORDER BY id FOR UPDATE',
      [shopId, operations.map((op) => op.preorderId)],
    )
  ).map(moneyPreorderOf);
  const locked = (
    await tx.query<OperationRow>(
      `${SELECT_OPERATIONS} WHERE o.shop_id = $1 AND o.id = ANY($2) ORDER BY o.id FOR UPDATE OF o`,
      [shopId, operations.map((op) => op.id)],
    )
  ).map(operationOf);
  return {
    preorders: new Map(preorders.map((preorder) => [preorder.id, preorder])),
    operations: new Map(locked.map((op) => [op.id, op])),
    ledgers: await loadLedgers(tx, shopId, preorders),
  };
}

export async function loadMoneyPreorder(
  tx: Queryable,
  shopId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<MoneyPreorder | undefined> {
  const [row] = await tx.query<MoneyPreorderRow>(
    `SELECT * FROM preorders WHERE shop_id = $1 AND id = $2 ${options.lock ? 'FOR UPDATE' : ''}`,
    [shopId, id],
  );
  return row && moneyPreorderOf(row);
}

export function moneyPreorderOf(row: MoneyPreorderRow): MoneyPreorder {
  return {
    id: row.id,
    shopId: row.shop_id,
    campaignId: row.campaign_id,
    variantId: row.variant_id,
    email: row.email,
    quantity: row.quantity,
    total: money(row.total_amount, row.currency.trim()),
    state: row.state,
    terms: row.payment_terms,
    promisedShipDate: row.promise_to,
    customerId: row.payment_customer_id,
    paymentMethodId: row.payment_method_id,
    idempotencyKey: row.idempotency_key,
    balanceAttempts: row.balance_attempts,
    balanceRetryAt: row.balance_retry_at,
  };
}

/** A pre-order just placed, as the money code sees it: nothing paid, no card yet, the campaign's terms. */
export function newMoneyPreorder(preorder: Preorder, terms: PaymentTerms): MoneyPreorder {
  return {
    id: preorder.id,
    shopId: preorder.shopId,
    campaignId: preorder.campaignId,
    variantId: preorder.variantId,
    email: preorder.email,
    quantity: preorder.quantity,
    total: { amount: preorder.totalAmount, currency: preorder.currency },
    state: preorder.state,
    terms,
    promisedShipDate: preorder.promise?.to ?? null,
    customerId: null,
    paymentMethodId: null,
    idempotencyKey: preorder.idempotencyKey,
    balanceAttempts: 0,
    balanceRetryAt: null,
  };
}

/** The pre-order's payment plan: its locked total and terms, and the promise it holds now. */
export function planOf(
  preorder: Pick<MoneyPreorder, 'total' | 'quantity' | 'terms' | 'promisedShipDate'>,
): PaymentPlan {
  return paymentPlan({
    total: preorder.total,
    quantity: preorder.quantity,
    terms: preorder.terms,
    promisedShipDate: preorder.promisedShipDate,
  });
}

interface LedgerRow {
  kind: LedgerEntry['kind'];
  amount: number;
  currency: string;
  provider: string;
  payment_reference: string;
  refund_reference: string | null;
  idempotency_key: string;
  created_at: Date;
}

type LedgerOwner = { id: string; shopId: string; total: Money };

export async function loadLedger(tx: Queryable, preorder: LedgerOwner): Promise<Ledger> {
  return (await loadLedgers(tx, preorder.shopId, [preorder])).get(preorder.id) as Ledger;
}

/** The ledgers of many pre-orders of one shop in one statement, by pre-order id. */
export async function loadLedgers(
  tx: Queryable,
  shopId: string,
  preorders: readonly LedgerOwner[],
): Promise<Map<string, Ledger>> {
  const rows =
    preorders.length === 0
      ? []
      : await tx.query<LedgerRow & { preorder_id: string }>(
          'SELECT * FROM ledger_entries WHERE shop_id = $1 AND preorder_id = ANY($2) ORDER BY created_at, id',
          [shopId, preorders.map((preorder) => preorder.id)],
        );
  const entries = new Map<string, LedgerEntry[]>(preorders.map((preorder) => [preorder.id, []]));
  for (const row of rows) entries.get(row.preorder_id)?.push(entryOf(row));
  return new Map(
    preorders.map((preorder) => [
      preorder.id,
      ledgerOf(preorder.total.currency, entries.get(preorder.id) ?? []),
    ]),
  );
}

function entryOf(row: LedgerRow): LedgerEntry {
  return {
    kind: row.kind,
    amount: money(row.amount, row.currency.trim()),
    provider: row.provider,
    paymentReference: row.payment_reference,
    refundReference: row.refund_reference,
    idempotencyKey: row.idempotency_key,
    createdAt: row.created_at,
  };
}

/**
 * Books a movement, checked by the domain against what the ledger holds (no refund beyond its payment).
 * The key is unique: a movement already booked under it is left as it is. True when it was booked now.
 */
export async function book(
  tx: Queryable,
  preorder: MoneyPreorder,
  entry: Omit<LedgerEntry, 'createdAt'>,
  now: Date,
  ledger?: Ledger,
): Promise<boolean> {
  const [booked] = await bookAll(tx, [{ preorder, entry, ledger }], now);
  return booked as boolean;
}

/** A movement to book for a pre-order, and its ledger as read under its lock (read here if not given). */
export interface Booking {
  preorder: MoneyPreorder;
  entry: Omit<LedgerEntry, 'createdAt'>;
  ledger?: Ledger | undefined;
}

const LEDGER_ROW: RowColumn[] = [
  ['id', 'text'],
  ['shop_id', 'text'],
  ['campaign_id', 'text'],
  ['preorder_id', 'text'],
  ['kind', 'text'],
  ['amount', 'bigint'],
  ['currency', 'text'],
  ['provider', 'text'],
  ['payment_reference', 'text'],
  ['refund_reference', 'text'],
  ['idempotency_key', 'text'],
];

/**
 * Books movements as `book` does, each checked against its pre-order's ledger with the bookings before it,
 * in one statement for the entries and one for the pre-orders' sums. Whether each was booked now, in order.
 */
export async function bookAll(tx: Queryable, bookings: readonly Booking[], now: Date): Promise<boolean[]> {
  const ledgers = new Map<string, Ledger>();
  for (const { preorder, ledger } of bookings) if (ledger) ledgers.set(preorder.id, ledger);
  const unread = bookings.map((b) => b.preorder).filter((preorder) => !ledgers.has(preorder.id));
  for (const shopId of new Set(unread.map((preorder) => preorder.shopId))) {
    const read = await loadLedgers(
      tx,
      shopId,
      unread.filter((preorder) => preorder.shopId === shopId),
    );
    for (const [id, ledger] of read) ledgers.set(id, ledger);
  }
  // Each booking's row, or null when its ledger holds the movement already.
  const made = bookings.map(({ preorder, entry }) => {
    const ledger = ledgers.get(preorder.id) as Ledger;
    const next = append(ledger, { ...entry, createdAt: now });
    if (next === ledger) return null;
    ledgers.set(preorder.id, next);
    return {
      id: newId('ledgerEntry', now.getTime()),
      shop_id: preorder.shopId,
      campaign_id: preorder.campaignId,
      preorder_id: preorder.id,
      kind: entry.kind,
      amount: entry.amount.amount,
      currency: entry.amount.currency,
      provider: entry.provider,
      payment_reference: entry.paymentReference,
      refund_reference: entry.refundReference ?? null,
      idempotency_key: entry.idempotencyKey,
    };
  });
  const rows = made.filter((row) => row !== null);
  const params: unknown[] = [now];
  const inserted =
    rows.length === 0
      ? []
      : await tx.query<{ idempotency_key: string }>(
          `INSERT INTO ledger_entries (id, shop_id, campaign_id, preorder_id, kind, amount, currency, provider,
             payment_reference, refund_reference, idempotency_key, created_at)
           SELECT e.id, e.shop_id, e.campaign_id, e.preorder_id, e.kind, e.amount, e.currency, e.provider,
             e.payment_reference, e.refund_reference, e.idempotency_key, $1
           FROM ${rowsAs('e', LEDGER_ROW, rows, params)}
           ORDER BY e.id
           ON CONFLICT (idempotency_key) DO NOTHING RETURNING idempotency_key`,
          params,
        );
  const booked = new Set(inserted.map((row) => row.idempotency_key));
  const written = rows.filter((row) => booked.has(row.idempotency_key));
  for (const shopId of new Set(written.map((row) => row.shop_id))) {
    await addToLedgerSums(
      tx,
      shopId,
      written
        .filter((row) => row.shop_id === shopId)
        .map((row) => ({ preorderId: row.preorder_id, kind: row.kind, amount: row.amount })),
    );
  }
  return made.map((row) => row !== null && booked.has(row.idempotency_key));
}

export interface NewOperation {
  preorder: MoneyPreorder;
  purpose: OperationPurpose;
  kind: Operation['kind'];
  amount: Money;
  idempotencyKey: string;
  saveCard?: boolean;
  paymentMethod?: string | null;
  customerId?: string | null;
  refundsPayment?: string | null;
}

/** A refund of `amount` of one payment, sent under `idempotencyKey`. */
export function refundOf(
  preorder: MoneyPreorder,
  amount: Money,
  payment: string,
  idempotencyKey: string,
): NewOperation {
  return { preorder, purpose: 'refund', kind: 'refund', amount, refundsPayment: payment, idempotencyKey };
}

/**
 * Writes the call we are about to make, leased to the caller for `leaseMs`. Returns undefined when an
 * operation with this key exists already: someone else is making (or made) this call.
 */
export async function insertOperation(
  tx: Queryable,
  payments: Payments,
  input: NewOperation,
  now: Date,
): Promise<Operation | undefined> {
  return (await insertOperations(tx, payments, [input], now))[0];
}

const NEW_OPERATION_ROW: RowColumn[] = [
  ['id', 'text'],
  ['shop_id', 'text'],
  ['preorder_id', 'text'],
  ['purpose', 'text'],
  ['kind', 'text'],
  ['amount', 'bigint'],
  ['currency', 'text'],
  ['save_card', 'boolean'],
  ['payment_method', 'text'],
  ['customer_id', 'text'],
  ['refunds_payment', 'text'],
  ['idempotency_key', 'text'],
];

/** Writes many calls in one statement; returns the ones written (a key that exists already is skipped). */
export async function insertOperations(
  tx: Queryable,
  payments: Payments,
  inputs: readonly NewOperation[],
  now: Date,
): Promise<Operation[]> {
  if (inputs.length === 0) return [];
  const operations: Operation[] = inputs.map((input) => ({
    id: newId('paymentOperation', now.getTime()),
    shopId: input.preorder.shopId,
    preorderId: input.preorder.id,
    purpose: input.purpose,
    kind: input.kind,
    amount: input.amount,
    saveCard: input.saveCard ?? false,
    paymentMethod: input.paymentMethod ?? null,
    customerId: input.customerId ?? null,
    refundsPayment: input.refundsPayment ?? null,
    idempotencyKey: input.idempotencyKey,
    status: 'pending',
    attempts: 0,
    lastErrorCode: null,
    provider: payments.provider.name,
    providerRef: null,
    email: input.preorder.email,
  }));
  const params: unknown[] = [
    new Date(now.getTime() + payments.settings.leaseMs),
    payments.provider.name,
    now,
  ];
  const rows = rowsAs(
    'o',
    NEW_OPERATION_ROW,
    operations.map((op) => ({
      id: op.id,
      shop_id: op.shopId,
      preorder_id: op.preorderId,
      purpose: op.purpose,
      kind: op.kind,
      amount: op.amount.amount,
      currency: op.amount.currency,
      save_card: op.saveCard,
      payment_method: op.paymentMethod,
      customer_id: op.customerId,
      refunds_payment: op.refundsPayment,
      idempotency_key: op.idempotencyKey,
    })),
    params,
  );
  const written = await tx.query<{ id: string }>(
    `INSERT INTO payment_operations (id, shop_id, preorder_id, purpose, kind, amount, currency, save_card,
       payment_method, customer_id, refunds_payment, idempotency_key, status, attempts, next_attempt_at,
       provider, created_at, updated_at)
     SELECT o.id, o.shop_id, o.preorder_id, o.purpose, o.kind, o.amount, o.currency, o.save_card,
       o.payment_method, o.customer_id, o.refunds_payment, o.idempotency_key, 'pending', 0, $1, $2, $3, $3
     FROM ${rows}
     ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    params,
  );
  const ids = new Set(written.map((row) => row.id));
  return operations.filter((op) => ids.has(op.id));
}

interface OperationRow {
  id: string;
  shop_id: string;
  preorder_id: string;
  purpose: OperationPurpose;
  kind: Operation['kind'];
  amount: number;
  currency: string;
  save_card: boolean;
  payment_method: string | null;
  customer_id: string | null;
  refunds_payment: string | null;
  idempotency_key: string;
  status: OperationStatus;
  attempts: number;
  last_error_code: string | null;
  provider: string;
  provider_ref: string | null;
  email: string;
}

export const SELECT_OPERATIONS =
  'SELECT o.*, p.email FROM payment_operations o JOIN preorders p ON p.id = o.preorder_id';

export function operationOf(row: OperationRow): Operation {
  return {
    id: row.id,
    shopId: row.shop_id,
    preorderId: row.preorder_id,
    purpose: row.purpose,
    kind: row.kind,
    amount: money(row.amount, row.currency.trim()),
    saveCard: row.save_card,
    paymentMethod: row.payment_method,
    customerId: row.customer_id,
    refundsPayment: row.refunds_payment,
    idempotencyKey: row.idempotency_key,
    status: row.status,
    attempts: row.attempts,
    lastErrorCode: row.last_error_code,
    provider: row.provider,
    providerRef: row.provider_ref,
    email: row.email,
  };
}

export async function findOperations(tx: Queryable, where: string, params: unknown[]): Promise<Operation[]> {
  const rows = await tx.query<OperationRow>(`${SELECT_OPERATIONS} WHERE ${where} ORDER BY o.id`, params);
  return rows.map(operationOf);
}

/**
 * Leases up to `limit` pending operations whose time has come to this runner: another runner skips
 * them while we hold their rows and, once we commit, until the lease runs out.
 */
export async function claimPendingOperations(
  tx: Queryable,
  payments: Payments,
  now: Date,
  limit: number,
): Promise<Operation[]> {
  const rows = await tx.query<OperationRow>(
    `WITH due AS (
       SELECT id FROM payment_operations WHERE status = 'pending' AND next_attempt_at <= $1
       ORDER BY next_attempt_at LIMIT $2 FOR UPDATE SKIP LOCKED
     ), leased AS (
       UPDATE payment_operations o SET next_attempt_at = $3, updated_at = $1
       FROM due WHERE o.id = due.id RETURNING o.*
     )
     SELECT leased.*, p.email FROM leased JOIN preorders p ON p.id = leased.preorder_id ORDER BY leased.id`,
    [now, limit, new Date(now.getTime() + payments.settings.leaseMs)],
  );
  return rows.map(operationOf);
}

/** Leases the named pending operations whose time has come, as claimPendingOperations does. */
export async function leaseOperations(
  tx: Queryable,
  payments: Payments,
  ids: readonly string[],
  now: Date,
): Promise<Operation[]> {
  const leased = await tx.query<{ id: string }>(
    `UPDATE payment_operations SET next_attempt_at = $3, updated_at = $2
     WHERE id = ANY($1) AND status = 'pending' AND next_attempt_at <= $2 RETURNING id`,
    [ids, now, new Date(now.getTime() + payments.settings.leaseMs)],
  );
  if (leased.length === 0) return [];
  return findOperations(tx, 'o.id = ANY($1)', [leased.map((row) => row.id)]);
}

/** Sends the operation's call with its key: a second send is answered like the first. */
export async function sendOperation(provider: PaymentProvider, op: Operation): Promise<Outcome> {
  const metadata = { preorderId: op.preorderId, operationId: op.id };
  const base = { idempotencyKey: op.idempotencyKey, metadata };
  try {
    if (op.kind === 'refund') {
      if (!op.refundsPayment) throw new Error(`refund ${op.id} names no payment`);
      return outcomeOfRefund(
        await provider.refund({ ...base, paymentId: op.refundsPayment, amount: op.amount }),
      );
    }
    if (op.kind === 'save') {
      return outcomeOfSetup(
        await provider.savePaymentMethod({ ...base, paymentMethod: op.paymentMethod, email: op.email }),
      );
    }
    if (op.purpose === 'balance') {
      if (!op.customerId || !op.paymentMethod) throw new Error(`balance ${op.id} has no saved card`);
      return outcomeOfPayment(
        await provider.chargeOffSession({
          ...base,
          amount: op.amount,
          customerId: op.customerId,
          paymentMethodId: op.paymentMethod,
        }),
      );
    }
    return outcomeOfPayment(
      await provider.chargeOnSession({
        ...base,
        amount: op.amount,
        paymentMethod: op.paymentMethod,
        saveForOffSession: op.saveCard,
        email: op.email,
      }),
    );
  } catch (error) {
    if (!(error instanceof PaymentError)) throw error;
    return outcomeOfError(error);
  }
}

/** Asks the provider where a call it answered earlier stands now, e.g. after the shopper authenticated. */
export async function refreshOperation(provider: PaymentProvider, op: Operation): Promise<Outcome> {
  if (!op.providerRef || op.kind === 'refund') return sendOperation(provider, op);
  try {
    return op.kind === 'save'
      ? outcomeOfSetup(await provider.retrieveSetup(op.providerRef))
      : outcomeOfPayment(await provider.retrievePayment(op.providerRef));
  } catch (error) {
    if (!(error instanceof PaymentError)) throw error;
    return outcomeOfError(error);
  }
}

export function outcomeOfPayment(payment: Payment): Outcome {
  switch (payment.status) {
    case 'succeeded':
      return {
        kind: 'succeeded',
        ref: payment.paymentId,
        amount: payment.amountReceived,
        customerId: payment.customerId,
        paymentMethodId: payment.paymentMethodId,
      };
    case 'canceled':
      return { kind: 'refused', code: 'invalid_state' };
    default:
      return {
        kind: 'waiting',
        ref: payment.paymentId,
        status: payment.status,
        clientSecret: payment.clientSecret,
      };
  }
}

export function outcomeOfSetup(setup: PaymentMethodSetup): Outcome {
  if (setup.status === 'succeeded') {
    return {
      kind: 'succeeded',
      ref: setup.setupId,
      amount: null,
      customerId: setup.customerId,
      paymentMethodId: setup.paymentMethodId,
    };
  }
  if (setup.status === 'canceled') return { kind: 'refused', code: 'invalid_state' };
  return { kind: 'waiting', ref: setup.setupId, status: setup.status, clientSecret: setup.clientSecret };
}

export function outcomeOfRefund(refund: Refund): Outcome {
  if (refund.status === 'succeeded') {
    return {
      kind: 'succeeded',
      ref: refund.refundId,
      amount: refund.amount,
      customerId: null,
      paymentMethodId: null,
    };
  }
  if (refund.status === 'pending') {
    return { kind: 'waiting', ref: refund.refundId, status: 'pending', clientSecret: null };
  }
  return { kind: 'refused', code: 'invalid_state' };
}

function outcomeOfError(error: PaymentError): Outcome {
  if (declineCodes.has(error.code)) {
    return { kind: 'declined', code: error.code, ref: error.paymentId ?? error.setupId };
  }
  // Our calls under one key are always the same, so a conflict means the same call is still running there.
  if (
    error.code === 'provider_unavailable' ||
    error.code === 'rate_limited' ||
    error.code === 'idempotency_conflict'
  ) {
    return { kind: 'unavailable', code: error.code };
  }
  return { kind: 'refused', code: error.code };
}

/** When to send a call again after the provider could not be reached: doubling from 30 s, at most an hour. */
export function retryAfterUnavailable(attempts: number, now: Date): Date {
  const delay = Math.min(30_000 * 2 ** Math.min(attempts, 7), 3_600_000);
  return new Date(now.getTime() + delay);
}
