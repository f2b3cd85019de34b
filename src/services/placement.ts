import { createHash } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { assertCanPlace, type PaymentTerms } from '../domain/campaign.ts';
import { DomainError } from '../domain/errors.ts';
import { priceUnits } from '../domain/pricing.ts';
import { newId } from '../ids.ts';
import { failureOf, PaymentError, type PaymentErrorCode } from '../payments/provider.ts';
import { type Campaign, loadOfferingCampaign } from './campaigns.ts';
import type { ServiceContext } from './context.ts';
import { eventRows } from './events.ts';
import { insertOperations, newMoneyPreorder, type Operation, type Payments } from './payment-operations.ts';
import {
  type FirstStepResult,
  firstStepOf,
  type PaymentStatus,
  runFirstStep,
  runFirstSteps,
} from './payments.ts';
import { type Preorder, type PreorderView, preorderView } from './preorders.ts';
import type { Shop } from './shops.ts';
import { promisesForNewPlacements } from './supply.ts';

export interface PlacementRequest {
  sku: string;
  quantity: number;
  /** Already normalised. */
  email: string;
  idempotencyKey: string;
  /** What the shopper pays with, for the first payment step (a test card, a Stripe `pm_…`). */
  paymentMethod?: string | null | undefined;
}

export interface Refusal {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

/**
 * The outcome of a placement as the client gets it, and as it is replayed for a retry with the same key.
 * A placement is stored under its key, and so is a refusal of its payment (the pre-order exists, cancelled);
 * a refusal by the campaign's rules is not, since it changed nothing. `payment` is
 * where the first payment step stands; it is never stored (it may carry a client secret).
 */
export type PlacementAnswer = { placed: PreorderView; payment?: PaymentStatus } | { refused: Refusal };

interface Pending {
  shop: Shop;
  request: PlacementRequest;
  digest: string;
  resolve: (answer: PlacementAnswer) => void;
  reject: (error: unknown) => void;
}

/**
 * Places pre-orders. Placements of one sku that arrive while a batch is in the database wait and then go
 * together, in arrival order, in one transaction: one lock of the campaign row, one call of the
 * reservation statement, one commit; their first payment steps go to the provider together after it. A
 * hot drop is then bounded by batches per second, not requests.
 */
export class Placements {
  private readonly waiting = new Map<string, Pending[]>();
  private readonly draining = new Set<string>();
  /** shop + key of every placement between arrival and answer, so a concurrent duplicate is told so at once. */
  private readonly keysInFlight = new Set<string>();

  /** `payments`: when given, each placed pre-order runs its first payment step before it is answered. */
  constructor(
    private readonly ctx: ServiceContext,
    private readonly maxBatch = 256,
    private readonly payments?: Payments,
  ) {}

  async place(shop: Shop, request: PlacementRequest): Promise<PlacementAnswer> {
    const digest = requestDigest(request);
    const flightKey = `${shop.id}\u0000${request.idempotencyKey}`;
    if (this.keysInFlight.has(flightKey)) return inFlightAnswer();
    this.keysInFlight.add(flightKey);
    try {
      // Queued by sku: the batch finds the sku's campaign, checks a replayed key and every rule itself,
      // so a placement costs the database nothing before it joins its batch.
      const queueKey = `${shop.id}\u0000${request.sku}`;
      return await new Promise<PlacementAnswer>((resolve, reject) => {
        const queue = this.waiting.get(queueKey) ?? [];
        queue.push({ shop, request, digest, resolve, reject });
        this.waiting.set(queueKey, queue);
        void this.drain(queueKey);
      });
    } finally {
      this.keysInFlight.delete(flightKey);
    }
  }

  /**
   * Runs (or, for a retry, resumes) the first payment step of a pre-order still `placed` that its batch
   * did not start: a replayed placement, or one with nothing to charge.
   */
  private async payFirstStep(
    shop: Shop,
    answer: PlacementAnswer,
    paymentMethod: string | null,
  ): Promise<PlacementAnswer> {
    if (!this.payments || !('placed' in answer) || answer.placed.state !== 'placed') return answer;
    return this.afterFirstStep(
      answer,
      await runFirstStep(this.ctx, this.payments, shop, answer.placed.id, paymentMethod),
    );
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

  /**
   * A batch that fails is retried one placement at a time, so one request the database refuses cannot
   * fail the others that happened to travel with it.
   */
  private async runBatch(batch: Pending[]) {
    let placed: PlacedBatch;
    try {
      const now = this.ctx.clock();
      placed = await this.ctx.db.transaction((tx) => placeBatch(tx, batch, now, this.payments));
    } catch (error) {
      if (batch.length === 1) (batch[0] as Pending).reject(error);
      else for (const pending of batch) await this.runBatch([pending]);
      return;
    }
    // The payment calls go on while the next batch is placed: a slow provider does not slow the queue.
    void this.pay(batch, placed);
  }

  /** Makes the first payment steps a batch wrote, together, then answers each placement of the batch. */
  private async pay(batch: readonly Pending[], { answers, firstSteps }: PlacedBatch) {
    try {
      const shop = (batch[0] as Pending).shop;
      const steps =
        this.payments && firstSteps.length > 0
          ? await runFirstSteps(this.ctx, this.payments, shop, firstSteps)
          : new Map<string, FirstStepResult>();
      await Promise.all(
        batch.map(async (pending, index) => {
          const answer = answers[index] as PlacementAnswer;
          const step = 'placed' in answer ? steps.get(answer.placed.id) : undefined;
          try {
            pending.resolve(
              step && 'placed' in answer
                ? this.afterFirstStep(answer, step)
                : await this.payFirstStep(pending.shop, answer, pending.request.paymentMethod ?? null),
            );
          } catch (error) {
            pending.reject(error);
          }
        }),
      );
    } catch (error) {
      // A pre-order left `placed` resumes on a retry with its key.
      for (const pending of batch) pending.reject(error);
    }
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
  outcome: PlacementAnswer;
}

/** One transaction for a batch of placements of one sku; the answers come back in the batch's order. */
/** What a batch wrote: each placement's answer, and the first payment steps to make for its pre-orders. */
interface PlacedBatch {
  answers: PlacementAnswer[];
  firstSteps: Operation[];
}

async function placeBatch(
  tx: Queryable,
  batch: readonly Pending[],
  now: Date,
  payments: Payments | undefined,
): Promise<PlacedBatch> {
  const { shop, request: first } = batch[0] as Pending;
  const answers: (PlacementAnswer | undefined)[] = new Array(batch.length);

  // 1. Claim the keys before any unit: a key another process is working on now is answered 409;
  //    a key that finished in the meantime is replayed.
  const keys = batch.map((p) => p.request.idempotencyKey);
  const claims = await tx.query<{ key: string; claimed: boolean }>(
    `SELECT key, pg_try_advisory_xact_lock(hashtextextended($1 || ':' || key, 0)) AS claimed
     FROM unnest($2::text[]) AS key`,
    [shop.id, keys],
  );
  const stored = await tx.query<StoredKey>(
    'SELECT key, request_digest, outcome FROM idempotency_keys WHERE shop_id = $1 AND key = ANY($2)',
    [shop.id, keys],
  );
  /** Requests whose key this transaction claimed and that no earlier request has used. */
  const fresh = new Set<number>();
  batch.forEach((pending, index) => {
    const key = pending.request.idempotencyKey;
    const previous = stored.find((s) => s.key === key);
    if (!claims.find((c) => c.key === key)?.claimed) answers[index] = inFlightAnswer();
    else if (previous) answers[index] = replayOf(previous, pending.digest);
    else fresh.add(index);
  });

  // 2. Lock the campaign that sells the sku and refuse, by the domain's rules, what it cannot take now.
  const campaign =
    fresh.size > 0 ? await loadOfferingCampaign(tx, shop.id, first.sku, { lock: true }) : undefined;
  if (!campaign) {
    const nothing = new DomainError('not_found', 'nothing is on offer for that sku', { sku: first.sku });
    for (const index of fresh) answers[index] = refusal(nothing);
    return { answers: answers as PlacementAnswer[], firstSteps: [] };
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
      answers[index] = refusal(error);
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
  //    in the variant's queue reaches; then write pre-orders, events and keys in one statement.
  const preorders: Preorder[] = [];
  const held: { index: number; unitsAhead: number }[] = [];
  for (const row of reserved) {
    const index = toReserve[row.request - 1] as number;
    const { request } = batch[index] as Pending;
    const variantId = variantIds[index] as string;
    if (row.outcome !== 'held') {
      answers[index] = refusal(refusalFor(row.outcome, campaign, row.units_left));
      continue;
    }
    const price = priceUnits(campaign, row.units_before, request.quantity, now);
    const preorder: Preorder = {
      id: newId('preorder', now.getTime()),
      shopId: shop.id,
      campaignId,
      variantId,
      sku: request.sku,
      mode: campaign.mode,
      email: request.email,
      quantity: request.quantity,
      queuePosition: row.queue_position,
      priority: 0,
      unitAmount: price.unitAmount,
      totalAmount: price.totalAmount,
      currency: campaign.currency,
      priceLines: price.lines,
      state: 'placed',
      idempotencyKey: request.idempotencyKey,
      promise: null,
      createdAt: now,
      updatedAt: now,
    };
    preorders.push(preorder);
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
  // Only a placement is kept under its key: a refusal by the rules writes nothing, so a retry after the
  // campaign opens, or after units free up, is judged afresh.
  const keyRows = held.map(({ index }) => {
    const { request, digest } = batch[index] as Pending;
    return { key: request.idempotencyKey, digest, outcome: answers[index] as PlacementAnswer };
  });
  // An unpaid placement holds its units only until the payment timeout.
  const expiresAt = payments ? new Date(now.getTime() + payments.settings.placementTimeoutMs) : null;
  await writePlacements(tx, shop.id, preorders, keyRows, {
    now,
    expiresAt,
    paymentTerms: campaign.paymentTerms,
  });
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
  return { answers: answers as PlacementAnswer[], firstSteps };
}

async function writePlacements(
  tx: Queryable,
  shopId: string,
  preorders: Preorder[],
  keys: { key: string; digest: string; outcome: PlacementAnswer }[],
  at: { now: Date; expiresAt: Date | null; paymentTerms: PaymentTerms },
) {
  const { now } = at;
  const events = eventRows(
    preorders.map((p) => ({
      shopId,
      type: 'preorder.placed',
      subjectId: p.id,
      data: {
        campaignId: p.campaignId,
        variantId: p.variantId,
        quantity: p.quantity,
        queuePosition: p.queuePosition,
        totalAmount: p.totalAmount,
        currency: p.currency,
      },
    })),
    now,
  );
  await tx.query(
    `WITH new_preorders AS (
       INSERT INTO preorders (id, shop_id, campaign_id, variant_id, email, quantity, queue_position, unit_amount,
         total_amount, currency, price_lines, state, idempotency_key, promise_from, promise_to,
         promise_place_in_line, promise_batches, payment_terms, placed_expires_at, created_at, updated_at)
       SELECT p.id, $1, p.campaign_id, p.variant_id, p.email, p.quantity, p.queue_position, p.unit_amount,
         p.total_amount, p.currency, p.price_lines, 'placed', p.idempotency_key, p.promise_from, p.promise_to,
         p.promise_place_in_line, p.promise_batches, $6, $7, $5, $5
       FROM jsonb_to_recordset($2::jsonb) AS p(id text, campaign_id text, variant_id text, email text, quantity int,
         queue_position bigint, unit_amount bigint, total_amount bigint, currency text, price_lines jsonb,
         idempotency_key text, promise_from date, promise_to date, promise_place_in_line int, promise_batches jsonb)
       RETURNING 1
     ), new_events AS (
       INSERT INTO events (id, shop_id, type, subject_id, data, created_at)
       SELECT e.id, e.shop_id, e.type, e.subject_id, e.data, $5
       FROM jsonb_to_recordset($3::jsonb) AS e(id text, shop_id text, type text, subject_id text, data jsonb)
       RETURNING 1
     )
     INSERT INTO idempotency_keys (shop_id, key, request_digest, outcome, created_at)
     SELECT $1, k.key, k.digest, k.outcome, $5
     FROM jsonb_to_recordset($4::jsonb) AS k(key text, digest text, outcome jsonb)`,
    [
      shopId,
      JSON.stringify(
        preorders.map((p) => ({
          id: p.id,
          campaign_id: p.campaignId,
          variant_id: p.variantId,
          email: p.email,
          quantity: p.quantity,
          queue_position: p.queuePosition,
          unit_amount: p.unitAmount,
          total_amount: p.totalAmount,
          currency: p.currency,
          price_lines: p.priceLines,
          idempotency_key: p.idempotencyKey,
          promise_from: p.promise?.from ?? null,
          promise_to: p.promise?.to ?? null,
          promise_place_in_line: p.promise?.placeInLine ?? null,
          promise_batches: p.promise?.batches ?? [],
        })),
      ),
      JSON.stringify(events),
      JSON.stringify(keys),
      now,
      JSON.stringify(at.paymentTerms),
      at.expiresAt,
    ],
  );
}

function variantOf(campaign: Campaign, sku: string) {
  const variant = campaign.variants.find((v) => v.sku === sku);
  if (!variant) throw new DomainError('not_found', 'nothing is on offer for that sku', { sku });
  return variant;
}

function refusalFor(outcome: string, campaign: Campaign, unitsLeft: number | null): DomainError {
  if (outcome === 'per_customer_limit') {
    return new DomainError('per_customer_limit', `at most ${campaign.perCustomerLimit} per customer`, {
      limit: campaign.perCustomerLimit,
    });
  }
  // A shopper who asked for more than is left is told how many are, to ask again for those.
  return unitsLeft
    ? new DomainError('sold_out', `only ${unitsLeft} left`, { unitsLeft })
    : new DomainError('sold_out', 'this item is sold out', { unitsLeft: 0 });
}

function refusal(error: DomainError): PlacementAnswer {
  return {
    refused: {
      code: error.code,
      message: error.message,
      ...(error.details ? { details: error.details } : {}),
    },
  };
}

function inFlightAnswer(): PlacementAnswer {
  return {
    refused: {
      code: 'idempotency_key_in_use',
      message: 'a request with this Idempotency-Key is still being processed; retry shortly',
    },
  };
}

function replayOf(stored: StoredKey, digest: string): PlacementAnswer {
  if (stored.request_digest !== digest) {
    return {
      refused: {
        code: 'idempotency_key_reused',
        message: 'this Idempotency-Key was already used with a different request',
      },
    };
  }
  return stored.outcome;
}

/**
 * Two requests are the same placement when sku, quantity, (normalised) email and payment method are the
 * same. Without a payment method the digest is what it was before payments existed, so stored keys still match.
 */
function requestDigest(request: PlacementRequest): string {
  const fields = [request.sku, request.quantity, request.email];
  if (request.paymentMethod) fields.push(request.paymentMethod);
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}
