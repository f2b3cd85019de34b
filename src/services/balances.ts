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
import { due, type Ledger, outstanding } from '../domain/ledger.ts';
import type { PreorderState } from '../domain/lifecycle.ts';
import type { Money } from '../domain/money.ts';
import { type Campaign, loadCampaign } from './campaigns.ts';
import type { ServiceContext } from './context.ts';
import {
  findOperations,
  insertOperations,
  loadLedgers,
  type MoneyPreorder,
  moneyPreorderOf,
  type Operation,
  type Payments,
  planOf,
  sendOperation,
} from './payment-operations.ts';
import { type Answer, runOperations, type Settled, settleAll } from './payments.ts';
import { advance, countBalanceTries, releaseBalances } from './preorder-changes.ts';
import { getShop, type Shop } from './shops.ts';
import { inTransaction, type UnitOfWork } from './unit-of-work.ts';

/** States in which a pre-order may still owe money and has a saved card to take it from. */
const CHARGEABLE_STATES = ['confirmed', 'allocated', 'balance_due'];

/**
 * Collects every balance due now: at most `limit` pre-orders whose plan asks for money by now, that have a
 * saved card, no try running and no retry waiting. Per shop, one transaction claims each, asks the rule
 * again and writes its try; the tries are sent one after the other, and one transaction applies their
 * answers: two commits a pass, not two a balance.
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
  const byShop = new Map<string, string[]>();
  for (const { shop_id: shopId, id } of candidates) {
    const ids = byShop.get(shopId) ?? [];
    ids.push(id);
    byShop.set(shopId, ids);
  }
  const settled: Settled[] = [];
  for (const [shopId, ids] of byShop) {
    const tries = await inTransaction(ctx, (uow) => startBalanceTries(uow, payments, shopId, ids, 'due'));
    if (tries.length === 0) continue;
    const answers: Answer[] = [];
    for (const op of tries) {
      answers.push({ op, outcome: await sendOperation(payments.provider, op), source: 'call' });
    }
    settled.push(...(await settleAll(ctx, payments, await getShop(ctx, shopId), answers)));
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
  const [op] = await inTransaction(ctx, (uow) => startBalanceTries(uow, payments, shop.id, [id], 'now'));
  if (!op) {
    throw new DomainError('payment_in_progress', 'a charge of this pre-order is running; try again shortly');
  }
  const [settled] = await runOperations(ctx, payments, [op]);
  return settled as Settled;
}

/**
 * Claims the pre-orders (skipping those another runner has, for `due`) and writes their tries, with one
 * statement for each step whatever their number. `due`: only what each plan says is due now, and only
 * once the retry time has come; `now`: everything still owed. A pre-order whose units are in hand moves to
 * `balance_due` as its try starts.
 */
async function startBalanceTries(
  uow: UnitOfWork,
  payments: Payments,
  shopId: string,
  ids: readonly string[],
  what: 'due' | 'now',
): Promise<Operation[]> {
  const { tx, now } = uow;
  const rows = await tx.query<
    Parameters<typeof moneyPreorderOf>[0] & { time_zone: string; released_at: Date | null }
  >(
    `SELECT p.*, s.time_zone, c.released_at FROM preorders p
     JOIN campaigns c ON c.shop_id = p.shop_id AND c.id = p.campaign_id JOIN shops s ON s.id = p.shop_id
     WHERE p.shop_id = $1 AND p.id = ANY($2) ORDER BY p.id FOR UPDATE OF p ${what === 'due' ? 'SKIP LOCKED' : ''}`,
    [shopId, ids],
  );
  if (what === 'now' && rows.length === 0)
    throw new DomainError('not_found', 'no such pre-order', { id: ids[0] });
  const running = new Set(
    (
      await findOperations(
        tx,
        `o.shop_id = $1 AND o.preorder_id = ANY($2) AND o.purpose = 'balance' AND o.status IN ('pending', 'requires_action')`,
        [shopId, rows.map((row) => row.id)],
      )
    ).map((op) => op.preorderId),
  );
  const claimed = rows.filter((row) => !running.has(row.id));
  const ledgers = await loadLedgers(tx, shopId, claimed.map(moneyPreorderOf));
  /** Pre-orders the rule is asked again about, and those of them charged now, with the amount. */
  const asked: string[] = [];
  const charges: { preorder: MoneyPreorder; amount: Money }[] = [];
  for (const row of claimed) {
    const preorder = moneyPreorderOf(row);
    const ledger = ledgers.get(preorder.id) as Ledger;
    const plan = planOf(preorder);
    let amount: Money;
    if (what === 'due') {
      if (!CHARGEABLE_STATES.includes(preorder.state)) continue;
      if (preorder.balanceRetryAt && preorder.balanceRetryAt > now) continue;
      amount = due(ledger, plan, { today: shopDate(now, row.time_zone), released: row.released_at !== null });
      asked.push(preorder.id);
      // Not due after all (its promise moved, say): the rule says when to look again.
      if (amount.amount === 0) continue;
    } else {
      if (!CHARGEABLE_STATES.includes(preorder.state)) {
        throw new DomainError(
          'invalid_transition',
          `a ${preorder.state} pre-order has no balance to charge`,
          {
            from: preorder.state,
          },
        );
      }
      amount = outstanding(ledger, plan, preorder.state);
      if (amount.amount === 0) throw new DomainError('nothing_owed', 'this pre-order is paid in full');
      asked.push(preorder.id);
    }
    if (!preorder.customerId || !preorder.paymentMethodId) {
      throw new DomainError('no_saved_card', 'this pre-order has no saved card to charge');
    }
    charges.push({ preorder, amount });
  }
  const states = asked.length > 0 ? await advance(uow, shopId, asked) : new Map<string, PreorderState>();
  const tries = charges.map(({ preorder, amount }) => {
    const tried: MoneyPreorder = {
      ...preorder,
      state: states.get(preorder.id) ?? preorder.state,
      balanceAttempts: preorder.balanceAttempts + 1,
    };
    return {
      preorder: tried,
      purpose: 'balance' as const,
      kind: 'charge' as const,
      amount,
      customerId: preorder.customerId,
      paymentMethod: preorder.paymentMethodId,
      idempotencyKey: `${preorder.id}/balance/${tried.balanceAttempts}`,
    };
  });
  await countBalanceTries(
    uow,
    shopId,
    tries.map((t) => ({ id: t.preorder.id, attempt: t.preorder.balanceAttempts })),
  );
  return insertOperations(tx, payments, tries, now);
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
