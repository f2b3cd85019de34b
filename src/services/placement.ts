import { createHash } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { assertCanPlace } from '../domain/campaign.ts';
import { DomainError, type Refusal, refusalOf } from '../domain/errors.ts';
import type { ShippingAddress } from '../domain/fulfilment.ts';
import { priceUnits } from '../domain/pricing.ts';
import { newId } from '../ids.ts';
import { failureOf, PaymentError, type PaymentErrorCode } from '../payments/provider.ts';
import { type Campaign, loadOfferingCampaign } from './campaigns.ts';
import type { ServiceContext } from './context.ts';
import { insertOperations, newMoneyPreorder, type Operation, type Payments } from './payment-operations.ts';
import {
  type FirstStepResult,
  firstStepClientSecret,
  firstStepOf,
  type PaymentStatus,
  runFirstStep,
  runFirstSteps,
} from './payments.ts';
import { insertPlacements } from './preorder-changes.ts';
import { cancelledBefore, getPreorder, type Preorder, type PreorderView, preorderView } from './preorders.ts';
import type { Shop } from './shops.ts';
import { promisesForNewPlacements } from './supply.ts';
import { inTransaction, type UnitOfWork } from './unit-of-work.ts';

export interface PlacementRequest {
  sku: string;
  quantity: number;
  /** Already normalised. */
  email: string;
  idempotencyKey: string;
  /** What the shopper pays with, for the first payment step (a test card, a Stripe `pm_…`). */
  paymentMethod?: string | null | undefined;
  /** Where it ships, when the shopper gives it now; it can be set or changed until export. */
  shippingAddress?: ShippingAddress | undefined;
}

/**
 * The outcome of a placement as the client gets it. It is kept under the request's Idempotency-Key once
 * it is final, and a retry with that key gets it again as it was, marked `replayed` (the pre-order's
 * state now is `GET /v1/preorders/{id}`'s to tell). A placement is final once its first payment step was
 * answered; a refusal by the campaign's rules is not kept at all, since it changed nothing and a retry
 * after units free up is judged afresh. The client secret of a payment in progress is never stored: a
 * replay fetches it from the provider again.
 */
export type PlacementAnswer =
  | { placed: PreorderView; payment?: PaymentStatus; replayed?: true }
  | { refused: Refusal; replayed?: true };

/** What a batch gives each placement before its payment step: an answer, or a pre-order to resume. */
type BatchAnswer = PlacementAnswer | { resume: string };

interface Pending {
  shop: Shop;
  request: PlacementRequest;
  digest: string;
  resolve: (answer: PlacementAnswer) => void;
  reject: (error: unknown) => void;
}

/**
 * Places pre-orders. Placements of one sku that arrive together (in one tick) or while a batch is in the
 * database wait and then go together, in arrival order, in one transaction: one lock of the campaign row, one call of the
 * reservation statement, one commit; their first payment steps go to the provider together after it. A
 * hot drop is then bounded by batches per second, not requests.
 */
export class Placements {
  private readonly waiting = new Map<string, Pending[]>();
  private readonly draining = new Set<string>();
  /** shop + key of every placement between arrival and answer, so a concurrent duplicate is told so at once. */
  private readonly keysInFlight = new Set<string>();

  /**
   * `payments`: when given, each placed pre-order runs its first payment step before it is answered.
   * `holdForMs`: without payments, how long a placement keeps its units unless something confirms it (a
   * hold for a store platform's checkout); without either it keeps them until cancelled.
   */
  constructor(
    private readonly ctx: ServiceContext,
    private readonly maxBatch = 256,
    private readonly payments?: Payments,
    private readonly holdForMs?: number,
  ) {}

  async place(shop: Shop, request: PlacementRequest): Promise<PlacementAnswer> {
    const digest = requestDigest(request);
    const flightKey = `${shop.id}\u0000${request.idempotencyKey}`;
    if (this.keysInFlight.has(flightKey)) return { refused: inFlight() };
    this.keysInFlight.add(flightKey);
    try {
      // Queued by sku: the batch finds the sku's campaign, checks a replayed key and every rule itself,
      // so a placement costs the database nothing before it joins its batch.
      const queueKey = `${shop.id}\u0000${request.sku}`;
      return await new Promise<PlacementAnswer>((resolve, reject) => {
        const queue = this.waiting.get(queueKey) ?? [];
        queue.push({ shop, request, digest, resolve, reject });
        this.waiting.set(queueKey, queue);
        // Placements made together (one caller's many, a tick's requests) start their batch together.
        queueMicrotask(() => void this.drain(queueKey));
      });
    } finally {
      this.keysInFlight.delete(flightKey);
    }
  }

  /**
   * A batch that fails is retried one placement at a time, so one request the database refuses cannot
   * fail the others that happened to travel with it.
   */
  private async runBatch(batch: Pending[]) {
    let placed: PlacedBatch;
    try {
      placed = await inTransaction(this.ctx, (uow) => placeBatch(uow, batch, this.payments, this.holdForMs));
    } catch (error) {
      if (batch.length === 1) (batch[0] as Pending).reject(error);
      else for (const pending of batch) await this.runBatch([pending]);
      return;
    }
    // The payment calls go on while the next batch is placed: a slow provider does not slow the queue.
    void this.pay(batch, placed);
  }

  /**
   * Makes the first payment steps a batch wrote, together, then answers each placement of the batch and
   * keeps the answers that are final under their keys.
   */
  private async pay(batch: readonly Pending[], { answers, firstSteps }: PlacedBatch) {
    const shop = (batch[0] as Pending).shop;
    let steps: Map<string, FirstStepResult>;
    try {
      steps =
        this.payments && firstSteps.length > 0
          ? await runFirstSteps(this.ctx, this.payments, shop, firstSteps)
          : new Map<string, FirstStepResult>();
    } catch (error) {
      // A pre-order left `placed` resumes on a retry with its key.
      for (const pending of batch) pending.reject(error);
      return;
    }
    const results = await Promise.all(
      batch.map(async (pending, index) => {
        try {
          return { pending, ...(await this.answer(pending, answers[index] as BatchAnswer, steps)) };
        } catch (error) {
          return { pending, error };
        }
      }),
    );
    // Kept before anyone is answered, so that a retry right after the answer replays it.
    await recordAnswers(
      this.ctx,
      shop,
      results.flatMap((result) =>
        'answer' in result && result.record
          ? [{ key: result.pending.request.idempotencyKey, answer: result.answer }]
          : [],
      ),
    ).catch(() => {
      // The pre-orders stand as they are; a retry without the kept answer resumes and answers from them.
    });
    for (const result of results) {
      if ('answer' in result) result.pending.resolve(result.answer);
      else result.pending.reject(result.error);
    }
  }

  /** The answer a placement gets, and whether it is final news to keep under its key. */
  private async answer(
    pending: Pending,
    batchAnswer: BatchAnswer,
    steps: Map<string, FirstStepResult>,
  ): Promise<{ answer: PlacementAnswer; record: boolean }> {
    if ('resume' in batchAnswer) {
      return { answer: await this.resume(pending, batchAnswer.resume), record: true };
    }
    if ('refused' in batchAnswer || !this.payments) {
      return { answer: await this.withClientSecret(batchAnswer), record: false };
    }
    if (batchAnswer.replayed) return { answer: await this.withClientSecret(batchAnswer), record: false };
    const step = steps.get(batchAnswer.placed.id);
    if (step) return { answer: this.afterFirstStep(batchAnswer, step), record: true };
    return { answer: await this.resume(pending, batchAnswer.placed.id), record: true };
  }

  /**
   * Runs (or, for a retry, resumes) the first payment step of a pre-order its batch did not start: a
   * retried placement whose first answer was never given, or one with nothing to charge.
   */
  private async resume(pending: Pending, preorderId: string): Promise<PlacementAnswer> {
    const payments = this.payments as Payments;
    const step = await runFirstStep(
      this.ctx,
      payments,
      pending.shop,
      preorderId,
      pending.request.paymentMethod ?? null,
    );
    const preorder = await getPreorder(this.ctx, pending.shop.id, preorderId);
    return this.afterFirstStep({ placed: preorderView(preorder, pending.shop, this.ctx.clock()) }, step);
  }

  /**
   * The answer once the first payment step was made: a card that fails cancelled the pre-order and gave
   * its units back, so the answer is the card's refusal.
   */
  private afterFirstStep(answer: { placed: PreorderView }, step: FirstStepResult): PlacementAnswer {
    if (step.payment.status === 'failed' && step.preorderState === 'cancelled') {
      const code = step.payment.code as PaymentErrorCode;
      return { refused: { code, message: failureOf(code).message } };
    }
    if (step.payment.status === 'processing' && step.payment.code === 'provider_unavailable') {
      // The pre-order keeps its units: a retry with the same key sends the same payment call again.
      throw new PaymentError('provider_unavailable');
    }
    const placed =
      step.preorderState === answer.placed.state
        ? answer.placed
        : { ...answer.placed, state: step.preorderState, updatedAt: this.ctx.clock().toISOString() };
    return { placed, payment: step.payment };
  }

  /** A replayed answer whose payment waits for the shopper gets the provider's client secret again. */
  private async withClientSecret(answer: PlacementAnswer): Promise<PlacementAnswer> {
    if (!('placed' in answer) || !answer.payment || !this.payments) return answer;
    if (answer.payment.status !== 'requires_action' && answer.payment.status !== 'requires_payment_method') {
      return answer;
    }
    const clientSecret = await firstStepClientSecret(this.ctx, this.payments, answer.placed.id);
    return { ...answer, payment: { ...answer.payment, clientSecret } };
  }

  private async drain(queueKey: string) {
    if (this.draining.has(queueKey)) return;
    this.draining.add(queueKey);
    try {
      for (;;) {
        const queue = this.waiting.get(queueKey);
        if (!queue || queue.length === 0) break;
        await this.runBatch(queue.splice(0, this.maxBatch));
      }
    } finally {
      this.waiting.delete(queueKey);
      this.draining.delete(queueKey);
    }
  }
}

interface StoredKey {
  key: string;
  request_digest: string;
  outcome: PlacementAnswer | null;
  preorder_id: string | null;
}

/** What a batch wrote: each placement's answer, and the first payment steps to make for its pre-orders. */
interface PlacedBatch {
  answers: BatchAnswer[];
  firstSteps: Operation[];
}

/** One transaction for a batch of placements of one sku; the answers come back in the batch's order. */
async function placeBatch(
  uow: UnitOfWork,
  batch: readonly Pending[],
  payments: Payments | undefined,
  holdForMs: number | undefined,
): Promise<PlacedBatch> {
  const { tx, now } = uow;
  const { shop, request: first } = batch[0] as Pending;
  const answers: (BatchAnswer | undefined)[] = new Array(batch.length);

  // 1. Claim the keys before any unit: a key another process is working on now is answered 409;
  //    a key that finished in the meantime is replayed, one whose answer never came is resumed.
  const keys = batch.map((p) => p.request.idempotencyKey);
  const claims = await tx.query<{ key: string; claimed: boolean }>(
    `SELECT key, pg_try_advisory_xact_lock(hashtextextended($1 || ':' || key, 0)) AS claimed
     FROM unnest($2::text[]) AS key`,
    [shop.id, keys],
  );
  const stored = await tx.query<StoredKey>(
    `SELECT key, request_digest, outcome, preorder_id FROM idempotency_keys WHERE shop_id = $1 AND key = ANY($2)`,
    [shop.id, keys],
  );
  /** Requests whose key this transaction claimed and that no earlier request has used. */
  const fresh = new Set<number>();
  batch.forEach((pending, index) => {
    const key = pending.request.idempotencyKey;
    const previous = stored.find((s) => s.key === key);
    if (!claims.find((c) => c.key === key)?.claimed) answers[index] = { refused: inFlight() };
    else if (previous) answers[index] = replayOf(previous, pending.digest);
    else fresh.add(index);
  });

  // 2. Lock the campaign that sells the sku and refuse, by the domain's rules, what it cannot take now.
  const campaign =
    fresh.size > 0 ? await loadOfferingCampaign(tx, shop.id, first.sku, { lock: true }) : undefined;
  if (!campaign) {
    const nothing = new DomainError('not_found', 'nothing is on offer for that sku', { sku: first.sku });
    for (const index of fresh) answers[index] = { refused: refusalOf(nothing) };
    return { answers: answers as BatchAnswer[], firstSteps: [] };
  }
  const campaignId = campaign.id;
  const toReserve: number[] = [];
  const variantIds: string[] = [];
  batch.forEach((pending, index) => {
    if (!fresh.has(index)) return;
    try {
      const variant = variantOf(campaign, pending.request.sku);
      assertCanPlace(campaign, variant, pending.request.quantity, now);
      toReserve.push(index);
      variantIds[index] = variant.variantId;
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      answers[index] = { refused: refusalOf(error) };
    }
  });

  // 3. Hold the units: the conditional statements, in arrival order, in one round trip.
  const reserved = await tx.query<{
    request: number;
    outcome: string;
    units_before: number;
    variant_units_before: number;
    queue_position: number;
    units_left: number | null;
  }>('SELECT * FROM presell_reserve($1, $2, $3, $4, $5)', [
    campaignId,
    campaign.perCustomerLimit,
    toReserve.map((i) => variantIds[i]),
    toReserve.map((i) => batch[i]?.request.email),
    toReserve.map((i) => batch[i]?.request.quantity),
  ]);

  // 4. Price each held pre-order by its place in the campaign's count and promise it the supply its place
  //    in the variant's queue reaches; then write pre-orders, events and keys.
  const preorders: Preorder[] = [];
  const held: { index: number; unitsAhead: number }[] = [];
  const holdsOf = await customerHolds(
    tx,
    shop.id,
    campaignId,
    reserved.flatMap((row) =>
      row.outcome === 'per_customer_limit'
        ? [batch[toReserve[row.request - 1] as number]?.request.email ?? '']
        : [],
    ),
  );
  const ahead = await cancelledAhead(
    tx,
    shop.id,
    campaignId,
    reserved.find((row) => row.outcome === 'held')?.queue_position,
  );
  for (const row of reserved) {
    const index = toReserve[row.request - 1] as number;
    const { request } = batch[index] as Pending;
    const variantId = variantIds[index] as string;
    if (row.outcome !== 'held') {
      const customer = { asked: request.quantity, held: holdsOf.get(request.email) ?? 0 };
      answers[index] = { refused: refusalOf(refusalFor(row.outcome, campaign, row.units_left, customer)) };
      continue;
    }
    const price = priceUnits(campaign, row.units_before, request.quantity, now);
    preorders.push({
      id: newId('preorder', now.getTime()),
      shopId: shop.id,
      campaignId,
      variantId,
      sku: request.sku,
      mode: campaign.mode,
      email: request.email,
      quantity: request.quantity,
      queuePosition: row.queue_position,
      placeInQueue: row.queue_position - ahead,
      priority: 0,
      unitAmount: price.unitAmount,
      totalAmount: price.totalAmount,
      currency: campaign.currency,
      priceLines: price.lines,
      state: 'placed',
      // The first payment step comes after the placement.
      paymentStatus: 'unpaid',
      idempotencyKey: request.idempotencyKey,
      promise: null,
      shipment: null,
      shippingAddress: request.shippingAddress ?? null,
      unitsShipped: 0,
      exportedAt: null,
      createdAt: now,
      updatedAt: now,
    });
    held.push({ index, unitsAhead: row.variant_units_before });
  }
  const promises = await promisesForNewPlacements(
    tx,
    shop,
    campaign,
    preorders.map((p, i) => ({
      preorderId: p.id,
      variantId: p.variantId,
      unitsAhead: held[i]?.unitsAhead ?? 0,
      quantity: p.quantity,
    })),
    now,
  );
  preorders.forEach((preorder, i) => {
    preorder.promise = promises[i] ?? null;
    answers[held[i]?.index as number] = { placed: preorderView(preorder, shop, now) };
  });
  // An unpaid placement holds its units only until the payment timeout (or the hold's end).
  const holdMs = payments ? payments.settings.placementTimeoutMs : holdForMs;
  const expiresAt = holdMs === undefined ? null : new Date(now.getTime() + holdMs);
  await insertPlacements(uow, preorders, { expiresAt, paymentTerms: campaign.paymentTerms });
  // Without a payment step the answer is final now; with one, it is kept once the step was answered.
  await insertKeys(
    uow,
    shop.id,
    held.map(({ index }, i) => {
      const { request, digest } = batch[index] as Pending;
      const answer = answers[index] as PlacementAnswer;
      return {
        key: request.idempotencyKey,
        digest,
        preorderId: (preorders[i] as Preorder).id,
        outcome: payments ? null : answer,
      };
    }),
  );
  const firstSteps = payments
    ? await insertOperations(
        tx,
        payments,
        preorders.flatMap((preorder, i) => {
          const { request } = batch[(held[i] as { index: number }).index] as Pending;
          const step = firstStepOf(
            newMoneyPreorder(preorder, campaign.paymentTerms),
            request.paymentMethod ?? null,
          );
          return step ? [step] : [];
        }),
        now,
      )
    : [];
  return { answers: answers as BatchAnswer[], firstSteps };
}

async function insertKeys(
  uow: UnitOfWork,
  shopId: string,
  keys: { key: string; digest: string; preorderId: string; outcome: PlacementAnswer | null }[],
) {
  if (keys.length === 0) return;
  await uow.tx.query(
    `INSERT INTO idempotency_keys (shop_id, key, request_digest, preorder_id, outcome, created_at)
     SELECT $1, k.key, k.digest, k.preorder_id, k.outcome, $2
     FROM jsonb_to_recordset($3::jsonb) AS k(key text, digest text, preorder_id text, outcome jsonb)`,
    [shopId, uow.now, JSON.stringify(keys.map((k) => ({ ...k, preorder_id: k.preorderId })))],
  );
}

/**
 * Keeps each final answer under its key, once: the first answer given is the one a retry replays. The
 * client secret is left out (it is fetched again for a replay).
 */
async function recordAnswers(
  ctx: ServiceContext,
  shop: Shop,
  answers: readonly { key: string; answer: PlacementAnswer }[],
) {
  if (answers.length === 0) return;
  const rows = answers.map(({ key, answer }) => ({
    key,
    outcome:
      'placed' in answer && answer.payment
        ? { ...answer, payment: { ...answer.payment, clientSecret: null } }
        : answer,
  }));
  await ctx.db.query(
    `UPDATE idempotency_keys k SET outcome = a.outcome
     FROM jsonb_to_recordset($2::jsonb) AS a(key text, outcome jsonb)
     WHERE k.shop_id = $1 AND k.key = ANY($3) AND k.key = a.key AND k.outcome IS NULL`,
    [shop.id, JSON.stringify(rows), rows.map((row) => row.key)],
  );
}

/**
 * How many cancelled pre-orders are ahead of a batch's new positions, which each customer's shown place
 * leaves out. The positions follow each other and none is cancelled yet, so the first one's count (one
 * small index scan) is every one's.
 */
async function cancelledAhead(
  tx: Queryable,
  shopId: string,
  campaignId: string,
  firstPosition: number | undefined,
): Promise<number> {
  if (firstPosition === undefined) return 0;
  const [row] = await tx.query<{ ahead: number }>(
    `SELECT ${cancelledBefore('$1', '$2', '$3::bigint')}::int AS ahead`,
    [shopId, campaignId, firstPosition],
  );
  return (row as { ahead: number }).ahead;
}

/** Units each of these customers holds in the campaign now (live pre-orders only: a cancellation gives them back). */
async function customerHolds(
  tx: Queryable,
  shopId: string,
  campaignId: string,
  emails: readonly string[],
): Promise<Map<string, number>> {
  if (emails.length === 0) return new Map();
  const rows = await tx.query<{ email: string; units: number }>(
    'SELECT email, units FROM customer_holds WHERE shop_id = $1 AND campaign_id = $2 AND email = ANY($3)',
    [shopId, campaignId, [...new Set(emails)]],
  );
  return new Map(rows.map((row) => [row.email, row.units]));
}

function variantOf(campaign: Campaign, sku: string) {
  const variant = campaign.variants.find((v) => v.sku === sku);
  if (!variant) throw new DomainError('not_found', 'nothing is on offer for that sku', { sku });
  return variant;
}

function refusalFor(
  outcome: string,
  campaign: Campaign,
  unitsLeft: number | null,
  customer: { asked: number; held: number },
): DomainError {
  if (outcome === 'per_customer_limit') {
    const limit = campaign.perCustomerLimit ?? 0;
    const left = Math.max(0, limit - customer.held);
    const already = customer.held > 0 ? ` and this customer holds ${customer.held} already` : '';
    const more = left > 0 ? `: ${left} more can be pre-ordered` : ': no more can be pre-ordered';
    return new DomainError(
      'per_customer_limit',
      `at most ${limit} per customer${already}${more}, not ${customer.asked}`,
      { limit, held: customer.held, left },
    );
  }
  // A shopper who asked for more than is left is told how many are, to ask again for those.
  return unitsLeft
    ? new DomainError('sold_out', `only ${unitsLeft} left`, { unitsLeft })
    : new DomainError('sold_out', 'this item is sold out', { unitsLeft: 0 });
}

function inFlight(): Refusal {
  return {
    code: 'idempotency_key_in_use',
    message: 'a request with this Idempotency-Key is still being processed; retry shortly',
  };
}

function replayOf(stored: StoredKey, digest: string): BatchAnswer {
  if (stored.request_digest !== digest) {
    return {
      refused: {
        code: 'idempotency_key_reused',
        message: 'this Idempotency-Key was already used with a different request',
      },
    };
  }
  if (stored.outcome) return { ...stored.outcome, replayed: true };
  return { resume: stored.preorder_id as string };
}

/**
 * Two requests are the same placement when sku, quantity, (normalised) email and payment method are the
 * same. Without a payment method the digest is what it was before payments existed, so stored keys still match.
 */
function requestDigest(request: PlacementRequest): string {
  const fields: unknown[] = [request.sku, request.quantity, request.email];
  if (request.paymentMethod) fields.push(request.paymentMethod);
  if (request.shippingAddress) fields.push(request.shippingAddress);
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}
