/**
 * Balances: charged off session when the plan says they are due (on release, on a date, some days before
 * the promised ship date), tried again on a schedule after a failure. Any number of runners may collect at
 * once: a pre-order is claimed with FOR UPDATE SKIP LOCKED, its try is an operation with a key unique to
 * the try, and the provider never charges one key twice.
 *
 * Which pre-orders to look at comes from `balance_due_at`, which only the domain's rule writes (see
 * `advance` in preorder-changes.ts); the job asks the rule again before it charges.
 */
import { shopDate } from '../domain/calendar.ts';
import { DomainError } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import { due, outstanding } from '../domain/ledger.ts';
import type { Money } from '../domain/money.ts';
import { type Campaign, loadCampaign } from './campaigns.ts';
import type { ServiceContext } from './context.ts';
import {
  findOperations,
  insertOperation,
  loadLedger,
  type MoneyPreorder,
  moneyPreorderOf,
  type Operation,
  type Payments,
  planOf,
} from './payment-operations.ts';
import { runOperations, type Settled } from './payments.ts';
import { advance, countBalanceTry, releaseBalances } from './preorder-changes.ts';
import type { Shop } from './shops.ts';
import { inTransaction, type UnitOfWork } from './unit-of-work.ts';

/** States in which a pre-order may still owe money and has a saved card to take it from. */
const CHARGEABLE_STATES = ['confirmed', 'allocated', 'balance_due'];

/**
 * Collects every balance due now: at most `limit` pre-orders whose plan asks for money by now, that have a
 * saved card, no try running and no retry waiting. Each is claimed, asked the rule again, and charged.
 */
export async function collectBalances(
  ctx: ServiceContext,
  payments: Payments,
  limit = 200,
): Promise<Settled[]> {
  const now = ctx.clock();
  const candidates = await ctx.db.query<{ id: string; shop_id: string }>(
    `SELECT p.id, p.shop_id FROM preorders p
     WHERE p.balance_due_at <= $1 AND p.state = ANY($2) AND p.payment_method_id IS NOT NULL
       AND (p.balance_retry_at IS NULL OR p.balance_retry_at <= $1)
       AND NOT EXISTS (SELECT 1 FROM payment_operations o WHERE o.shop_id = p.shop_id AND o.preorder_id = p.id
                       AND o.purpose = 'balance' AND o.status IN ('pending', 'requires_action'))
     ORDER BY p.balance_due_at
     LIMIT $3`,
    [now, CHARGEABLE_STATES, limit],
  );
  const settled: Settled[] = [];
  for (const candidate of candidates) {
    await inTransaction(ctx, async (uow) => {
      const op = await startBalanceTry(uow, payments, candidate.shop_id, candidate.id, 'due');
      if (op) uow.afterCommit(async () => settled.push(...(await runOperations(ctx, payments, [op]))));
    });
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
  const op = await inTransaction(ctx, (uow) => startBalanceTry(uow, payments, shop.id, id, 'now'));
  if (!op) {
    throw new DomainError('payment_in_progress', 'a charge of this pre-order is running; try again shortly');
  }
  const [settled] = await runOperations(ctx, payments, [op]);
  return settled as Settled;
}

/**
 * Claims the pre-order (or skips it when another runner has it) and writes the try. `due`: only what
 * the plan says is due now, and only once the retry time has come; `now`: everything still owed. A
 * pre-order whose units are in hand moves to `balance_due` as its try starts.
 */
async function startBalanceTry(
  uow: UnitOfWork,
  payments: Payments,
  shopId: string,
  id: string,
  what: 'due' | 'now',
): Promise<Operation | undefined> {
  const { tx, now } = uow;
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
    if (amount.amount === 0) {
      // Not due after all (its promise moved, say): the rule says when to look again.
      await advance(uow, shopId, [id]);
      return undefined;
    }
  } else {
    if (!CHARGEABLE_STATES.includes(preorder.state)) {
      throw new DomainError('invalid_transition', `a ${preorder.state} pre-order has no balance to charge`, {
        from: preorder.state,
      });
    }
    amount = outstanding(ledger, plan, preorder.state);
    if (amount.amount === 0) throw new DomainError('nothing_owed', 'this pre-order is paid in full');
  }
  if (!preorder.customerId || !preorder.paymentMethodId) {
    throw new DomainError('no_saved_card', 'this pre-order has no saved card to charge');
  }
  const state = (await advance(uow, shopId, [id])).get(id) ?? preorder.state;
  const attempt = preorder.balanceAttempts + 1;
  const tried: MoneyPreorder = { ...preorder, state, balanceAttempts: attempt };
  await countBalanceTry(uow, tried, attempt);
  return insertOperation(
    tx,
    payments,
    {
      preorder: tried,
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
  return inTransaction(ctx, async (uow) => {
    const { tx, now } = uow;
    const campaign = await loadCampaign(tx, shop.id, id, { lock: true });
    if (campaign.releasedAt) return campaign;
    if (campaign.status === 'draft') {
      throw new DomainError('invalid_transition', 'a draft campaign cannot be released', { from: 'draft' });
    }
    await tx.query('UPDATE campaigns SET released_at = $3, updated_at = $3 WHERE shop_id = $1 AND id = $2', [
      shop.id,
      id,
      now,
    ]);
    await releaseBalances(uow, shop.id, id);
    uow.record(event(shop.id, 'campaign.released', id, {}));
    return { ...campaign, releasedAt: now, updatedAt: now };
  });
}
