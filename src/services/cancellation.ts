import type { Queryable } from '../db/database.ts';
import { shopDate } from '../domain/calendar.ts';
import { DomainError } from '../domain/errors.ts';
import { splitRefund } from '../domain/ledger.ts';
import type { Money } from '../domain/money.ts';
import { cancellationRefund, type RefundChoice, type RefundDecision } from '../domain/refund-policy.ts';
import { type Campaign, loadCampaign } from './campaigns.ts';
import type { ServiceContext } from './context.ts';
import { appendEvents } from './events.ts';
import {
  findOperations,
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
import type { Shop } from './shops.ts';
import { repromiseVariant } from './supply.ts';

export type CancellationReason = string;

export interface CancelInput {
  shop: Shop;
  /** Locked by the caller before the pre-order: every change of a campaign's counters locks it first. */
  campaign: Campaign;
  /** Locked by the caller. */
  preorder: MoneyPreorder;
  /** Why, in the words of whoever cancelled: `payment_failed`, `abandoned`, or the merchant's own. */
  reason: CancellationReason;
  choice: RefundChoice;
  now: Date;
}

export interface Cancellation {
  decision: RefundDecision;
  /** The refunds written, to send once the transaction committed. */
  refunds: Operation[];
}

/**
 * Cancels a pre-order inside the caller's transaction: the policy's refund (one refund per payment that
 * took money, each with its own key, so it happens once), its units back on sale, the variant's queue
 * re-promised, and the event. Refuses a pre-order that can no longer be cancelled (lifecycle).
 */
export async function cancelInTx(
  tx: Queryable,
  payments: Payments,
  input: CancelInput,
): Promise<Cancellation> {
  const { shop, campaign, preorder, now } = input;
  const ledger = await loadLedger(tx, preorder);
  const decision = cancellationRefund({
    policy: campaign.cancellationPolicy,
    plan: planOf(preorder),
    ledger,
    state: preorder.state,
    today: shopDate(now, shop.timeZone),
    choice: input.choice,
  });
  const refunds = await insertOperations(
    tx,
    payments,
    splitRefund(ledger, decision.refund).map((part) =>
      refundOf(
        preorder,
        part.amount,
        part.paymentReference,
        `${preorder.id}/cancel/${part.paymentReference}`,
      ),
    ),
    now,
  );
  await tx.query(
    `UPDATE preorders SET state = 'cancelled', cancel_reason = $2, placed_expires_at = NULL,
       balance_retry_at = NULL, updated_at = $3
     WHERE id = $1`,
    [preorder.id, input.reason, now],
  );
  await releaseUnits(tx, preorder);
  await appendEvents(
    tx,
    [
      {
        shopId: shop.id,
        type: 'preorder.cancelled',
        subjectId: preorder.id,
        data: {
          reason: input.reason,
          refund: decision.refund,
          kept: decision.kept,
          basis: decision.basis,
          campaignId: campaign.id,
        },
      },
    ],
    now,
  );
  await repromiseVariant(tx, shop, campaign, preorder.variantId, 'preorder_cancelled', now);
  return { decision, refunds };
}

/** Gives a pre-order's units back to the campaign, its variant and its customer's per-customer count. */
async function releaseUnits(tx: Queryable, preorder: MoneyPreorder) {
  await tx.query(
    `WITH variant AS (
       UPDATE campaign_variants SET held = held - $3 WHERE campaign_id = $1 AND variant_id = $2 RETURNING 1
     ), customer AS (
       UPDATE customer_holds SET units = units - $3 WHERE campaign_id = $1 AND email = $4 RETURNING 1
     )
     UPDATE campaigns SET units_held = units_held - $3 WHERE id = $1`,
    [preorder.campaignId, preorder.variantId, preorder.quantity, preorder.email],
  );
}

export interface CancelRequest {
  reason: string;
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
  const now = ctx.clock();
  const found = await loadMoneyPreorder(ctx.db, shop.id, id);
  if (!found) throw new DomainError('not_found', 'no such pre-order', { id });
  const choice: RefundChoice =
    request.refund === 'policy' ? { kind: 'policy' } : { kind: request.refund, reason: request.reason };
  const { basis, refunds } = await ctx.db.transaction(async (tx) => {
    const campaign = await loadCampaign(tx, shop.id, found.campaignId, { lock: true });
    const preorder = (await loadMoneyPreorder(tx, shop.id, id, { lock: true })) as MoneyPreorder;
    if (preorder.state === 'cancelled') {
      const waiting = (await refundsOf(tx, id)).map((op) => op.id);
      return { basis: null, refunds: await leaseOperations(tx, payments, waiting, now) };
    }
    const cancellation = await cancelInTx(tx, payments, {
      shop,
      campaign,
      preorder,
      reason: request.reason,
      choice,
      now,
    });
    return { basis: cancellation.decision.basis, refunds: cancellation.refunds };
  });
  await runOperations(ctx, payments, refunds);
  return {
    preorderId: id,
    basis,
    refunds: (await refundsOf(ctx.db, id)).map((op) => ({ amount: op.amount, status: op.status })),
  };
}

function refundsOf(db: Queryable, preorderId: string): Promise<Operation[]> {
  return findOperations(db, `o.preorder_id = $1 AND o.purpose = 'refund'`, [preorderId]);
}
