import type { Queryable } from '../db/database.ts';
import { DomainError } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import { append, type Ledger, type RefundablePayment, refundable, splitRefund } from '../domain/ledger.ts';
import { format, type Money, money, sum } from '../domain/money.ts';
import type { ServiceContext } from './context.ts';
import {
  findOperations,
  insertOperations,
  loadLedger,
  loadMoneyPreorder,
  type MoneyPreorder,
  type Operation,
  type Payments,
  refundOf,
} from './payment-operations.ts';
import { runOperations } from './payments.ts';
import type { Shop } from './shops.ts';
import { inTransaction } from './unit-of-work.ts';

export interface RefundRequest {
  /** Minor units of the pre-order's currency; all that is still refundable when left out. */
  amount?: number;
  reason: string;
  /** The caller's key: the same key and amount answer the first refund again and move no more money. */
  idempotencyKey: string;
}

export interface RefundResult {
  preorderId: string;
  /** What this request gives back in all (across the payments that took the money). */
  amount: Money;
  reason: string;
  /** False when the key had already made this refund: nothing more was sent. */
  created: boolean;
  /** The provider refunds of this request and where each stands. */
  refunds: { amount: Money; status: Operation['status'] }[];
}

/**
 * A refund outside a cancellation: goodwill on a live pre-order, or the rest of a cancelled one whose
 * cancellation refunded less. It gives back at most what was paid and is not already on its way back;
 * the pre-order's state and what it owes are unchanged (a refund lowers what the customer paid, not the
 * price). One provider refund per payment that took the money, each under a key derived from the caller's,
 * sent after the commit.
 */
export async function refundPreorder(
  ctx: ServiceContext,
  payments: Payments,
  shop: Shop,
  id: string,
  request: RefundRequest,
): Promise<RefundResult> {
  const keyPrefix = `${id}/refund/${request.idempotencyKey}/`;
  const result = await inTransaction(ctx, async (uow) => {
    const preorder = await loadMoneyPreorder(uow.tx, shop.id, id, { lock: true });
    if (!preorder) throw new DomainError('not_found', 'no such pre-order', { id });
    const operations = await refundsOf(uow.tx, preorder);
    const earlier = operations.filter((op) => op.idempotencyKey.startsWith(keyPrefix));
    if (earlier.length > 0) {
      const amount = sum(
        preorder.total.currency,
        earlier.map((op) => op.amount),
      );
      if (request.amount !== undefined && request.amount !== amount.amount) {
        throw new DomainError(
          'idempotency_conflict',
          `this Idempotency-Key already refunded ${format(amount, 'en')}; use a new key for another refund`,
          { amount: amount.amount, requested: request.amount },
        );
      }
      return { amount, created: false };
    }
    const ledger = pendingAsBooked(await loadLedger(uow.tx, preorder), operations);
    const available = refundable(ledger);
    const amount = request.amount === undefined ? available : money(request.amount, preorder.total.currency);
    assertRefundable(preorder, amount, available);
    const created = await insertOperations(
      uow.tx,
      payments,
      refundableHere(splitRefund(ledger, amount), payments).map((part) =>
        refundOf(preorder, part.amount, part.paymentReference, `${keyPrefix}${part.paymentReference}`),
      ),
      uow.now,
    );
    uow.record(event(shop.id, 'preorder.refund_issued', preorder.id, { amount, reason: request.reason }));
    uow.afterCommit(() => runOperations(uow.ctx, payments, created));
    return { amount, created: true };
  });
  const mine = (await refundsOf(ctx.db, { id, shopId: shop.id })).filter((op) =>
    op.idempotencyKey.startsWith(keyPrefix),
  );
  return {
    preorderId: id,
    amount: result.amount,
    reason: request.reason,
    created: result.created,
    refunds: mine.map((op) => ({ amount: op.amount, status: op.status })),
  };
}

/**
 * The parts of a refund, when this server's card provider took every one of them. Money taken through a
 * store's own checkout (Shopify) is refunded in that store: a call to our provider could only fail.
 */
export function refundableHere(
  parts: readonly RefundablePayment[],
  payments: Payments,
): readonly RefundablePayment[] {
  const elsewhere = parts.filter((part) => part.provider !== payments.provider.name);
  const [first] = elsewhere;
  if (!first) return parts;
  const amount = sum(
    first.amount.currency,
    elsewhere.map((part) => part.amount),
  );
  const channel = first.provider;
  throw new DomainError(
    'refund_elsewhere',
    `${format(amount, 'en')} of this refund was paid through ${channel}: refund it in ${channel} ` +
      '(Presell books it from there), or cancel here with refund "none"',
    { provider: channel, amount: amount.amount, currency: amount.currency },
  );
}

/** Every refund operation of a pre-order: its cancellation's and the merchant's own. */
export function refundsOf(db: Queryable, preorder: { id: string; shopId: string }): Promise<Operation[]> {
  return findOperations(db, `o.shop_id = $1 AND o.preorder_id = $2 AND o.purpose = 'refund'`, [
    preorder.shopId,
    preorder.id,
  ]);
}

/** What can still be given back: paid and not refunded, less the refunds sent and not yet confirmed. */
export function refundableNow(ledger: Ledger, operations: readonly Operation[]): Money {
  return refundable(pendingAsBooked(ledger, operations));
}

/** The ledger as it will be once the refunds on their way are confirmed. */
function pendingAsBooked(ledger: Ledger, operations: readonly Operation[]): Ledger {
  return operations
    .filter((op) => op.kind === 'refund' && (op.status === 'pending' || op.status === 'requires_action'))
    .reduce(
      (booked, op) =>
        append(booked, {
          kind: 'refund',
          amount: op.amount,
          provider: op.provider,
          paymentReference: op.refundsPayment as string,
          idempotencyKey: op.idempotencyKey,
          createdAt: new Date(0),
        }),
      ledger,
    );
}

function assertRefundable(preorder: MoneyPreorder, amount: Money, available: Money) {
  if (available.amount === 0) {
    throw new DomainError(
      'nothing_refundable',
      'nothing of this pre-order is left to refund: what it paid is refunded or on its way back',
      { refundable: 0, currency: available.currency },
    );
  }
  if (amount.amount === 0 || amount.amount > available.amount) {
    throw new DomainError(
      'refund_exceeds_payment',
      `amount must be from 1 to ${available.amount} (${format(available, 'en')} is left to refund), not ${amount.amount}`,
      { refundable: available.amount, requested: amount.amount, currency: preorder.total.currency },
    );
  }
}
