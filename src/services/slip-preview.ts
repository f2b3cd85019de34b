/**
 * The delay preview: what slipping a batch to a new ready date would do, computed with the promise engine
 * from the queue as it stands, without changing anything. Applying the slip is the batch change itself
 * (PATCH …/batches/{id} with readyDate and reason).
 */
import type { CalendarDate } from '../domain/calendar.ts';
import { DomainError } from '../domain/errors.ts';
import { repromise } from '../domain/promise.ts';
import { type DelayHistory, type SlipImpact, slipImpact } from '../domain/slip-impact.ts';
import { loadCampaign } from './campaigns.ts';
import type { ServiceContext } from './context.ts';
import type { Shop } from './shops.ts';
import { assertReadyDate, queueAndPlan } from './supply.ts';

export interface SlipRequest {
  readyDate: CalendarDate;
  reason: string;
  /** The cancellation rate to assume while the campaign has no delay of its own to learn from. */
  defaultCancellationRate?: number | undefined;
}

export type SlipPreview = SlipImpact & {
  campaignId: string;
  batchId: string;
  readyDate: { from: CalendarDate; to: CalendarDate };
  reason: string;
  toleranceDays: number;
};

export async function previewSlip(
  ctx: ServiceContext,
  shop: Shop,
  campaignId: string,
  batchId: string,
  request: SlipRequest,
): Promise<SlipPreview> {
  const now = ctx.clock();
  const campaign = await loadCampaign(ctx.db, shop.id, campaignId);
  const [batch] = await ctx.db.query<{ variant_id: string; ready_date: string; state: string }>(
    'SELECT variant_id, ready_date, state FROM supply_batches WHERE shop_id = $1 AND campaign_id = $2 AND id = $3',
    [shop.id, campaignId, batchId],
  );
  if (!batch) throw new DomainError('not_found', 'no such batch in this campaign', { id: batchId });
  if (batch.state === 'received') {
    throw new DomainError('invalid_transition', 'a received batch has arrived; it cannot slip', {
      from: batch.state,
    });
  }
  assertReadyDate(request.readyDate, shop, now);
  const { preorders, plan } = await queueAndPlan(ctx.db, shop, campaign, batch.variant_id, now);
  const slipped = repromise(plan, { kind: 'batch_slipped', batchId, readyDate: request.readyDate }).plan;
  const stored = new Map(preorders.map((row) => [row.id, row]));
  const changed: { id: string; newWindow: { from: string; to: string } | null }[] = [];
  for (const promise of slipped.promises()) {
    const old = stored.get(promise.preorderId);
    const window = promise.status === 'promised' ? promise.window : null;
    if (old?.promise_to === (window?.to ?? null) && old?.promise_from === (window?.from ?? null)) continue;
    changed.push({ id: promise.preorderId, newWindow: window });
  }
  const facts = await factsOf(
    ctx,
    shop.id,
    changed.map((change) => change.id),
  );
  const impact = slipImpact(
    changed.map((change) => {
      const row = stored.get(change.id);
      const fact = facts.get(change.id);
      return {
        preorderId: change.id,
        email: fact?.email ?? change.id,
        oldWindow:
          row?.promise_from && row.promise_to ? { from: row.promise_from, to: row.promise_to } : null,
        newWindow: change.newWindow,
        firstPromise:
          fact?.first_promise_from && fact.first_promise_to
            ? { from: fact.first_promise_from, to: fact.first_promise_to }
            : null,
        paid: fact?.paid ?? 0,
        deposit: fact?.terms_kind === 'deposit',
        outstanding: fact?.outstanding ?? 0,
      };
    }),
    {
      toleranceDays: campaign.promiseSettings.toleranceDays,
      history: await delayHistory(ctx, shop.id, campaignId),
      ...(request.defaultCancellationRate !== undefined
        ? { defaultRate: request.defaultCancellationRate }
        : {}),
    },
  );
  return {
    campaignId,
    batchId,
    readyDate: { from: batch.ready_date, to: request.readyDate },
    reason: request.reason,
    toleranceDays: campaign.promiseSettings.toleranceDays,
    ...impact,
  };
}

interface Facts {
  id: string;
  email: string;
  first_promise_from: string | null;
  first_promise_to: string | null;
  terms_kind: string;
  paid: number;
  outstanding: number;
}

/** Email, first promise and money of the pre-orders that move. */
async function factsOf(
  ctx: ServiceContext,
  shopId: string,
  ids: readonly string[],
): Promise<Map<string, Facts>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.db.query<Facts>(
    `SELECT p.id, p.email, p.first_promise_from, p.first_promise_to, p.payment_terms->>'kind' AS terms_kind,
       (coalesce(m.charged, 0) - coalesce(m.refunded, 0))::bigint AS paid,
       greatest(p.total_amount - coalesce(m.charged, 0), 0)::bigint AS outstanding
     FROM preorders p
     LEFT JOIN LATERAL (
       SELECT sum(l.amount) FILTER (WHERE l.kind = 'charge') AS charged,
              sum(l.amount) FILTER (WHERE l.kind = 'refund') AS refunded
       FROM ledger_entries l WHERE l.shop_id = p.shop_id AND l.preorder_id = p.id
     ) m ON true
     WHERE p.shop_id = $1 AND p.id = ANY($2)`,
    [shopId, ids],
  );
  return new Map(rows.map((row) => [row.id, row]));
}

/**
 * The campaign's own record: customers whose promise was delayed (an announced move to a later window),
 * and how many of them cancelled after their first delay.
 */
async function delayHistory(ctx: ServiceContext, shopId: string, campaignId: string): Promise<DelayHistory> {
  const [row] = await ctx.db.query<DelayHistory>(
    `WITH delayed AS (
       SELECT h.preorder_id, min(h.created_at) AS first_delay FROM promise_history h
       JOIN preorders p ON p.shop_id = h.shop_id AND p.id = h.preorder_id
       WHERE h.shop_id = $1 AND p.campaign_id = $2 AND h.old_to IS NOT NULL AND (h.new_to IS NULL OR h.new_to > h.old_to)
       GROUP BY h.preorder_id
     )
     SELECT count(*)::int AS delayed,
       count(*) FILTER (WHERE p.state = 'cancelled' AND p.updated_at >= d.first_delay)::int AS "cancelledAfter"
     FROM delayed d JOIN preorders p ON p.shop_id = $1 AND p.id = d.preorder_id`,
    [shopId, campaignId],
  );
  return row ?? { delayed: 0, cancelledAfter: 0 };
}
