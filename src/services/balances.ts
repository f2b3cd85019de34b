/**
 * Balances: charged off session when the plan says they are due (on release, on a date, some days before
 * the promised ship date), tried again on a schedule after a failure. Any number of runners may collect at
 * once: a pre-order is claimed with FOR UPDATE SKIP LOCKED, its try is an operation with a key unique to
 * the try, and the provider never charges one key twice.
 */
import { shopDate } from '../domain/calendar.ts';
import { DomainError } from '../domain/errors.ts';
import { due, outstanding } from '../domain/ledger.ts';
import type { Money } from '../domain/money.ts';
import { type Campaign, loadCampaign } from './campaigns.ts';
import type { ServiceContext } from './context.ts';
import { appendEvents } from './events.ts';
import {
  findOperations,
  insertOperation,
  loadLedger,
  moneyPreorderOf,
  type Operation,
  type Payments,
  planOf,
} from './payment-operations.ts';
import { runOperations, type Settled } from './payments.ts';
import type { Shop } from './shops.ts';

/** States in which a pre-order may still owe money and has a saved card to take it from. */
const CHARGEABLE_STATES = ['confirmed', 'allocated', 'balance_due'];

/**
 * A pre-order whose balance may have fallen due by `$2` in its shop's calendar, by its locked terms: a
 * cheap filter in front of the plan's own rule (isStepDue), so a pass does not read every pre-order that
 * waits for a release or a date still ahead. A balance due days before a ship date not yet promised falls
 * due on release, as the plan says.
 */
const MAY_BE_DUE = `(
  CASE p.payment_terms->>'kind'
    WHEN 'later' THEN c.released_at IS NOT NULL
    WHEN 'deposit' THEN CASE p.payment_terms->'balanceDue'->>'kind'
      WHEN 'on_date' THEN (p.payment_terms->'balanceDue'->>'date')::date <= ($2 AT TIME ZONE s.time_zone)::date
      WHEN 'days_before_ship' THEN CASE WHEN p.promise_to IS NULL THEN c.released_at IS NOT NULL
        ELSE p.promise_to - (p.payment_terms->'balanceDue'->>'days')::int <= ($2 AT TIME ZONE s.time_zone)::date END
      ELSE c.released_at IS NOT NULL END
    ELSE true
  END)`;

/**
 * Collects every balance due now. Candidates come from one query (live, a saved card, less charged than
 * the total, no try running, the retry time passed); whether a balance is due is the domain's rule.
 */
export async function collectBalances(
  ctx: ServiceContext,
  payments: Payments,
  limit = 200,
): Promise<Settled[]> {
  const now = ctx.clock();
  const candidates = await ctx.db.query<
    Parameters<typeof moneyPreorderOf>[0] & { time_zone: string; released_at: Date | null }
  >(
    `SELECT p.*, s.time_zone, c.released_at FROM preorders p
     JOIN campaigns c ON c.id = p.campaign_id JOIN shops s ON s.id = p.shop_id
     WHERE p.state = ANY($1) AND p.payment_method_id IS NOT NULL
       AND (p.balance_retry_at IS NULL OR p.balance_retry_at <= $2)
       AND p.total_amount > (SELECT coalesce(sum(amount), 0) FROM ledger_entries l
                             WHERE l.preorder_id = p.id AND l.kind = 'charge')
       AND NOT EXISTS (SELECT 1 FROM payment_operations o WHERE o.preorder_id = p.id
                       AND o.purpose = 'balance' AND o.status IN ('pending', 'requires_action'))
       AND ${MAY_BE_DUE}
     ORDER BY p.id
     LIMIT $3`,
    [CHARGEABLE_STATES, now, limit],
  );
  const settled: Settled[] = [];
  for (const row of candidates) {
    const today = shopDate(now, row.time_zone);
    const preorder = moneyPreorderOf(row);
    const ledger = await loadLedger(ctx.db, preorder);
    const owed = due(ledger, planOf(preorder), { today, released: row.released_at !== null });
    if (owed.amount === 0) continue;
    const op = await ctx.db.transaction((tx) =>
      startBalanceTry(tx, payments, row.shop_id, preorder.id, now, 'due'),
    );
    if (op) settled.push(...(await runOperations(ctx, payments, [op])));
  }
  return settled;
}

/**
 * The merchant's "charge the balance now": one more try, counted like a scheduled one, for everything the
 * pre-order still owes whatever its plan's dates say.
 */
export async function chargeBalanceNow(
  ctx: ServiceContext,
  payments: Payments,
  shop: Shop,
  id: string,
): Promise<Settled> {
  const now = ctx.clock();
  const op = await ctx.db.transaction((tx) => startBalanceTry(tx, payments, shop.id, id, now, 'now'));
  if (!op)
    throw new DomainError('payment_in_progress', 'a charge of this pre-order is running; try again shortly');
  const [settled] = await runOperations(ctx, payments, [op]);
  return settled as Settled;
}

/**
 * Claims the pre-order (or skips it when another runner has it) and writes the try. `due`: only what
 * the plan says is due now, and only once the retry time has come; `now`: everything still owed.
 */
async function startBalanceTry(
  tx: Parameters<typeof insertOperation>[0],
  payments: Payments,
  shopId: string,
  id: string,
  now: Date,
  what: 'due' | 'now',
): Promise<Operation | undefined> {
  const [row] = await tx.query<
    Parameters<typeof moneyPreorderOf>[0] & { time_zone: string; released_at: Date | null }
  >(
    `SELECT p.*, s.time_zone, c.released_at FROM preorders p
     JOIN campaigns c ON c.id = p.campaign_id JOIN shops s ON s.id = p.shop_id
     WHERE p.shop_id = $1 AND p.id = $2 FOR UPDATE OF p ${what === 'due' ? 'SKIP LOCKED' : ''}`,
    [shopId, id],
  );
  if (!row) {
    if (what === 'due') return undefined;
    throw new DomainError('not_found', 'no such pre-order', { id });
  }
  const preorder = moneyPreorderOf(row);
  const running = await findOperations(
    tx,
    `o.preorder_id = $1 AND o.purpose = 'balance' AND o.status IN ('pending', 'requires_action')`,
    [id],
  );
  if (running.length > 0) return undefined;
  const ledger = await loadLedger(tx, preorder);
  const plan = planOf(preorder);
  let amount: Money;
  if (what === 'due') {
    if (!CHARGEABLE_STATES.includes(preorder.state)) return undefined;
    if (preorder.balanceRetryAt && preorder.balanceRetryAt > now) return undefined;
    amount = due(ledger, plan, { today: shopDate(now, row.time_zone), released: row.released_at !== null });
    if (amount.amount === 0) return undefined;
  } else {
    if (!CHARGEABLE_STATES.includes(preorder.state)) {
      throw new DomainError('invalid_transition', `a ${preorder.state} pre-order has no balance to charge`, {
        state: preorder.state,
      });
    }
    amount = outstanding(ledger, plan);
    if (amount.amount === 0) throw new DomainError('nothing_owed', 'this pre-order is paid in full');
  }
  if (!preorder.customerId || !preorder.paymentMethodId) {
    throw new DomainError('no_saved_card', 'this pre-order has no saved card to charge');
  }
  const attempt = preorder.balanceAttempts + 1;
  await tx.query('UPDATE preorders SET balance_attempts = $2, updated_at = $3 WHERE id = $1', [
    id,
    attempt,
    now,
  ]);
  return insertOperation(
    tx,
    payments,
    {
      preorder: { ...preorder, balanceAttempts: attempt },
      purpose: 'balance',
      kind: 'charge',
      amount,
      customerId: preorder.customerId,
      paymentMethod: preorder.paymentMethodId,
      idempotencyKey: `${id}/balance/${attempt}`,
    },
    now,
  );
}

/** The product is out: balances due on release, and pay-later charges, fall due. Releasing twice changes nothing. */
export async function releaseCampaign(ctx: ServiceContext, shop: Shop, id: string): Promise<Campaign> {
  const now = ctx.clock();
  return ctx.db.transaction(async (tx) => {
    const campaign = await loadCampaign(tx, shop.id, id, { lock: true });
    if (campaign.releasedAt) return campaign;
    if (campaign.status === 'draft') {
      throw new DomainError('invalid_transition', 'a draft campaign cannot be released', { from: 'draft' });
    }
    await tx.query('UPDATE campaigns SET released_at = $2, updated_at = $2 WHERE id = $1', [id, now]);
    await appendEvents(tx, [{ shopId: shop.id, type: 'campaign.released', subjectId: id, data: {} }], now);
    return { ...campaign, releasedAt: now, updatedAt: now };
  });
}
