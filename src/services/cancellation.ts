import type { Queryable } from '../db/database.ts';
import { shopDate } from '../domain/calendar.ts';
import { DomainError } from '../domain/errors.ts';
import { splitRefund } from '../domain/ledger.ts';
import { format, type Money } from '../domain/money.ts';
import { cancellationRefund, type RefundChoice, type RefundDecision } from '../domain/refund-policy.ts';
import { type Campaign, loadCampaign } from './campaigns.ts';
import type { ServiceContext } from './context.ts';
import {
  insertOperations,
  leaseOperations,
  loadLedger,
  loadMoneyPreorder,
  type MoneyPreorder,
  type Operation,
  type Payments,
  planOf,
  refundOf,
} from './payment-operations.ts';
import { runOperations } from './payments.ts';
import { movePreorder } from './preorder-changes.ts';
import { refundableHere, refundableNow, refundsOf } from './refunds.ts';
import type { Shop } from './shops.ts';
import { repromiseVariant } from './supply.ts';
import { inTransaction, type UnitOfWork } from './unit-of-work.ts';

export interface CancelInput {
  shop: Shop;
  /** Locked by the caller before the pre-order: every change of a campaign's counters locks it first. */
  campaign: Campaign;
  /** Locked by the caller. */
  preorder: MoneyPreorder;
  /** Why, in the words of whoever cancelled: `payment_failed`, `abandoned`, or the merchant's own. */
  reason: string;
  choice: RefundChoice;
}

/**
 * Cancels a pre-order inside the caller's unit of work: the policy's refund (one refund per payment that
 * took money, each with its own key, so it happens once; sent after the commit), its units back on sale,
 * the variant's queue re-promised, and the event. Refuses a pre-order that can no longer be cancelled.
 */
export async function cancelInTx(
  uow: UnitOfWork,
  payments: Payments,
  input: CancelInput,
): Promise<RefundDecision> {
  const { shop, campaign, preorder } = input;
  const ledger = await loadLedger(uow.tx, preorder);
  const decision = cancellationRefund({
    policy: campaign.cancellationPolicy,
    plan: planOf(preorder),
    ledger,
    state: preorder.state,
    today: shopDate(uow.now, shop.timeZone),
    choice: input.choice,
  });
  const refunds = await insertOperations(
    uow.tx,
    payments,
    refundableHere(splitRefund(ledger, decision.refund), payments).map((part) =>
      refundOf(
        preorder,
        part.amount,
        part.paymentReference,
        `${cancelKeyPrefix(preorder.id)}${part.paymentReference}`,
      ),
    ),
    uow.now,
  );
  await movePreorder(
    uow,
    preorder,
    'cancel',
    {
      reason: input.reason,
      refund: decision.refund,
      kept: decision.kept,
      basis: decision.basis,
      campaignId: campaign.id,
    },
    { reason: input.reason },
  );
  await releaseUnits(uow.tx, preorder);
  await repromiseVariant(uow, shop, campaign, preorder.variantId, {
    kind: 'preorder_cancelled',
    preorderId: preorder.id,
  });
  uow.afterCommit(() => runOperations(uow.ctx, payments, refunds));
  return decision;
}

/** Gives a pre-order's units back to the campaign, its variant and its customer's per-customer count. */
async function releaseUnits(tx: Queryable, preorder: MoneyPreorder) {
  await tx.query(
    `WITH variant AS (
       UPDATE campaign_variants SET held = held - $4
       WHERE shop_id = $1 AND campaign_id = $2 AND variant_id = $3 RETURNING 1
     ), customer AS (
       UPDATE customer_holds SET units = units - $4 WHERE shop_id = $1 AND campaign_id = $2 AND email = $5 RETURNING 1
     )
     UPDATE campaigns SET units_held = units_held - $4 WHERE shop_id = $1 AND id = $2`,
    [preorder.shopId, preorder.campaignId, preorder.variantId, preorder.quantity, preorder.email],
  );
}

/** The reason a merchant's cancel carries when the merchant gave none (only the policy's refund needs none). */
export const MERCHANT_REQUEST = 'merchant_request';

export interface CancelRequest {
  /** Required for an override of the policy (`full` or `none`). */
  reason?: string;
  refund: 'policy' | 'full' | 'none';
}

export interface CancelResult {
  preorderId: string;
  /** Why the refund is what it is; null when the pre-order had been cancelled before this request. */
  basis: RefundDecision['basis'] | null;
  /** The refunds of the cancellation and where each stands. */
  refunds: { amount: Money; status: Operation['status'] }[];
}

/**
 * The merchant's cancel: refund and units back in one step. Cancelling again refunds nothing more; it
 * only sends the first cancel's refunds again if they are still waiting for the provider.
 */
export async function cancelPreorder(
  ctx: ServiceContext,
  payments: Payments,
  shop: Shop,
  id: string,
  request: CancelRequest,
): Promise<CancelResult> {
  const found = await loadMoneyPreorder(ctx.db, shop.id, id);
  if (!found) throw new DomainError('not_found', 'no such pre-order', { id });
  const choice: RefundChoice =
    request.refund === 'policy' ? { kind: 'policy' } : { kind: request.refund, reason: request.reason ?? '' };
  const basis = await inTransaction(ctx, async (uow) => {
    const campaign = await loadCampaign(uow.tx, shop.id, found.campaignId, { lock: true });
    const preorder = (await loadMoneyPreorder(uow.tx, shop.id, id, { lock: true })) as MoneyPreorder;
    if (preorder.state === 'cancelled') {
      await assertSameRefund(uow.tx, preorder, request.refund);
      const waiting = (await refundsOf(uow.tx, preorder))
        .filter((op) => op.idempotencyKey.startsWith(cancelKeyPrefix(id)))
        .map((op) => op.id);
      const leased = await leaseOperations(uow.tx, payments, waiting, uow.now);
      uow.afterCommit(() => runOperations(ctx, payments, leased));
      return null;
    }
    const decision = await cancelInTx(uow, payments, {
      shop,
      campaign,
      preorder,
      reason: request.reason ?? MERCHANT_REQUEST,
      choice,
    });
    return decision.basis;
  });
  return {
    preorderId: id,
    basis,
    refunds: (await refundsOf(ctx.db, { id, shopId: shop.id }))
      .filter((op) => op.idempotencyKey.startsWith(cancelKeyPrefix(id)))
      .map((op) => ({ amount: op.amount, status: op.status })),
  };
}

/**
 * A cancel sent again for a cancelled pre-order changes nothing; it is answered as done only when it asks
 * for what already happened. Asking for more money back, or for none after a refund, is refused with the
 * way to get it: refunds after a cancellation go through the refunds route.
 */
async function assertSameRefund(tx: Queryable, preorder: MoneyPreorder, refund: CancelRequest['refund']) {
  if (refund === 'policy') return;
  const operations = await refundsOf(tx, preorder);
  const stillRefundable = refundableNow(await loadLedger(tx, preorder), operations);
  const given = operations.some((op) => op.status !== 'failed');
  const same = refund === 'full' ? stillRefundable.amount === 0 : !given;
  if (same) return;
  throw new DomainError(
    'already_cancelled',
    refund === 'full'
      ? `the pre-order is already cancelled; ${format(stillRefundable, 'en')} of what it paid is not refunded: ` +
          `send POST /v1/preorders/${preorder.id}/refunds to refund it`
      : 'the pre-order is already cancelled and its refund was sent; a refund cannot be taken back',
    { refundable: stillRefundable.amount, currency: stillRefundable.currency },
  );
}

/** The cancellation's refunds carry keys under this prefix; the merchant's later refunds have their own. */
function cancelKeyPrefix(preorderId: string): string {
  return `${preorderId}/cancel/`;
}
