/**
 * Pre-orders left `placed` past their deadline (the shopper never finished paying) give their units back.
 * The provider is asked first: a payment the shopper did finish confirms the pre-order instead, and an
 * unfinished one is cancelled at the provider so that it cannot be paid afterwards. Should money still
 * arrive for the cancelled pre-order, it is refunded (see payments.ts).
 */
import { PaymentError } from '../payments/provider.ts';
import { loadCampaign } from './campaigns.ts';
import { cancelInTx } from './cancellation.ts';
import type { ServiceContext } from './context.ts';
import {
  findOperations,
  loadMoneyPreorder,
  type MoneyPreorder,
  type Payments,
  refreshOperation,
} from './payment-operations.ts';
import { settle } from './payments.ts';
import { getShop } from './shops.ts';
import { inTransaction } from './unit-of-work.ts';

export async function releaseAbandonedPlacements(
  ctx: ServiceContext,
  payments: Payments,
  limit = 100,
): Promise<{ released: number }> {
  const now = ctx.clock();
  const expired = await ctx.db.query<{ id: string; shop_id: string }>(
    `SELECT id, shop_id FROM preorders WHERE state = 'placed' AND placed_expires_at <= $1
     ORDER BY placed_expires_at LIMIT $2`,
    [now, limit],
  );
  let released = 0;
  for (const { id, shop_id: shopId } of expired) {
    if (!(await settledAtProvider(ctx, payments, id))) continue;
    const shop = await getShop(ctx, shopId);
    const cancelled = await inTransaction(ctx, async (uow) => {
      const known = (await loadMoneyPreorder(uow.tx, shopId, id)) as MoneyPreorder;
      const campaign = await loadCampaign(uow.tx, shopId, known.campaignId, { lock: true });
      const preorder = (await loadMoneyPreorder(uow.tx, shopId, id, { lock: true })) as MoneyPreorder;
      // Another runner, or the shopper's payment, got here first.
      if (preorder.state !== 'placed') return false;
      await cancelInTx(uow, payments, {
        shop,
        campaign,
        preorder,
        reason: 'abandoned',
        choice: { kind: 'policy' },
      });
      return true;
    });
    if (cancelled) released += 1;
  }
  return { released };
}

/**
 * Brings the pre-order's first step up to date and stops it at the provider if it is unfinished. False
 * when the provider cannot be reached: the pre-order is left for the next run rather than cancelled
 * while its payment may be going through.
 */
async function settledAtProvider(
  ctx: ServiceContext,
  payments: Payments,
  preorderId: string,
): Promise<boolean> {
  const ops = await findOperations(
    ctx.db,
    `o.preorder_id = $1 AND o.purpose = 'first_step' AND o.status IN ('pending', 'requires_action')`,
    [preorderId],
  );
  for (const op of ops) {
    const outcome = await refreshOperation(payments.provider, op);
    if (outcome.kind === 'unavailable') return false;
    const settled = await settle(ctx, payments, op, outcome, 'report');
    if (settled.operation.status !== 'requires_action' || !settled.operation.providerRef) continue;
    if (op.kind !== 'charge') continue;
    try {
      await payments.provider.cancelAuthorisation({
        paymentId: settled.operation.providerRef,
        idempotencyKey: `${op.idempotencyKey}/cancel`,
        metadata: { preorderId, operationId: op.id },
      });
    } catch (error) {
      if (!(error instanceof PaymentError)) throw error;
      if (error.code === 'provider_unavailable' || error.code === 'rate_limited') return false;
      // invalid_state: it succeeded meanwhile; its webhook (or the next run) books it and refunds it.
    }
  }
  return true;
}
