/**
 * Cancelling many pre-orders at once (customers who did not answer a delay notice by its deadline, a
 * batch that will never come) as a resumable job: each one with the policy's refund (or the merchant's
 * override), its units back on sale, exactly as a single cancel does.
 */
import { DomainError, type Refusal } from '../domain/errors.ts';
import { transition } from '../domain/lifecycle.ts';
import type { RefundChoice } from '../domain/refund-policy.ts';
import { itemRefusal, type Job, type JobHandler, startJob } from './bulk-jobs.ts';
import { loadCampaign } from './campaigns.ts';
import { cancelInTx } from './cancellation.ts';
import type { ServiceContext } from './context.ts';
import { loadMoneyPreorder, type Payments } from './payment-operations.ts';

export const BULK_CANCEL = 'cancel_preorders';

export interface BulkCancelRequest {
  preorderIds: readonly string[];
  reason: string;
  refund: 'policy' | 'full' | 'none';
}

export async function startBulkCancel(
  ctx: ServiceContext,
  shopId: string,
  request: BulkCancelRequest,
): Promise<Job> {
  const ids = [...new Set(request.preorderIds)];
  return startJob(
    ctx,
    shopId,
    BULK_CANCEL,
    ids.map((preorderId) => ({ line: null, payload: { preorderId } })),
    { params: { reason: request.reason, refund: request.refund } },
  );
}

export function bulkCancelHandler(payments: Payments): JobHandler {
  return {
    kind: BULK_CANCEL,
    chunkSize: 50,
    async apply(uow, job, items) {
      const { reason, refund } = job.params as { reason: string; refund: BulkCancelRequest['refund'] };
      const choice: RefundChoice = refund === 'policy' ? { kind: 'policy' } : { kind: refund, reason };
      const { shop } = job;
      const refusals = new Map<number, Refusal>();
      for (const item of items) {
        const { preorderId } = item.payload as { preorderId: string };
        try {
          const found = await loadMoneyPreorder(uow.tx, shop.id, preorderId);
          if (!found) throw new DomainError('not_found', `no pre-order ${preorderId} in this shop`);
          // The campaign first, as every change of a campaign's counters locks it; then the pre-order.
          const campaign = await loadCampaign(uow.tx, shop.id, found.campaignId, { lock: true });
          const preorder = await loadMoneyPreorder(uow.tx, shop.id, preorderId, { lock: true });
          if (!preorder) throw new DomainError('not_found', `no pre-order ${preorderId} in this shop`);
          // Refused before anything is written: a cancelled or fulfilled one stays as it is.
          transition(preorder.state, 'cancel');
          await cancelInTx(uow, payments, { shop, campaign, preorder, reason, choice });
        } catch (error) {
          refusals.set(item.seq, itemRefusal(error));
        }
      }
      return refusals;
    },
  };
}
