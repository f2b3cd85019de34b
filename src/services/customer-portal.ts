/**
 * What the customer portal shows and lets a customer do, for one customer (email) of one shop: every
 * pre-order of theirs, cancel (with the policy's refund, or everything back when declining a delay),
 * keep after a delay, and a new card. A pre-order of another customer is not found, whatever its id.
 */
import { shopDate } from '../domain/calendar.ts';
import { DomainError } from '../domain/errors.ts';
import { charged, netPaid, outstanding } from '../domain/ledger.ts';
import type { PreorderState } from '../domain/lifecycle.ts';
import type { Money } from '../domain/money.ts';
import { type NextDue, nextDue } from '../domain/payment-plan.ts';
import { cancellationRefund } from '../domain/refund-policy.ts';
import { loadCampaign } from './campaigns.ts';
import { type CancelResult, cancelPreorder } from './cancellation.ts';
import type { ServiceContext } from './context.ts';
import { answerDelay, type DelayConsent, openConsent } from './delay-consent.ts';
import {
  loadLedger,
  loadMoneyPreorder,
  type MoneyPreorder,
  type Payments,
  planOf,
} from './payment-operations.ts';
import { replaceCard } from './preorder-changes.ts';
import { getPreorder, type Preorder } from './preorders.ts';
import type { Shop } from './shops.ts';
import { type PromiseHistoryEntry, promiseHistory } from './supply.ts';
import { inTransaction } from './unit-of-work.ts';

/** The reason a cancellation from the portal records. */
export const CUSTOMER_REQUEST = 'customer_request';

export interface PortalPreorder {
  preorder: Preorder;
  productName: string;
  campaignName: string;
  history: PromiseHistoryEntry[];
  total: Money;
  paid: Money;
  outstanding: Money;
  nextDue: NextDue | null;
  /** A delay waiting for the customer's answer. */
  question: DelayConsent | null;
  canCancel: boolean;
  canUpdateCard: boolean;
}

const LIVE: readonly PreorderState[] = ['placed', 'confirmed', 'allocated', 'balance_due', 'ready'];
const CHARGEABLE: readonly PreorderState[] = ['confirmed', 'allocated', 'balance_due'];

/** Every pre-order of this customer in this shop, newest first. */
export async function customerPreorders(
  ctx: ServiceContext,
  shop: Shop,
  email: string,
): Promise<PortalPreorder[]> {
  const rows = await ctx.db.query<{ id: string }>(
    'SELECT id FROM preorders WHERE shop_id = $1 AND lower(email) = lower($2) ORDER BY id DESC LIMIT 100',
    [shop.id, email],
  );
  return Promise.all(rows.map((row) => portalPreorder(ctx, shop, row.id)));
}

async function portalPreorder(ctx: ServiceContext, shop: Shop, id: string): Promise<PortalPreorder> {
  const [preorder, money, history, question] = await Promise.all([
    getPreorder(ctx, shop.id, id),
    loadMoneyPreorder(ctx.db, shop.id, id),
    promiseHistory(ctx.db, shop.id, id),
    openConsent(ctx.db, shop.id, id),
  ]);
  const [names] = await ctx.db.query<{ product: string; campaign: string; released_at: Date | null }>(
    `SELECT v.name AS product, c.name AS campaign, c.released_at FROM variants v
     JOIN campaigns c ON c.shop_id = v.shop_id AND c.id = $3 WHERE v.shop_id = $1 AND v.id = $2`,
    [shop.id, preorder.variantId, preorder.campaignId],
  );
  const ledger = await loadLedger(ctx.db, money as MoneyPreorder);
  const plan = planOf(money as MoneyPreorder);
  const owed = outstanding(ledger, plan, preorder.state);
  const releasedOn = names?.released_at ? shopDate(names.released_at, shop.timeZone) : null;
  return {
    preorder,
    productName: names?.product ?? preorder.sku,
    campaignName: names?.campaign ?? '',
    history,
    total: plan.total,
    paid: netPaid(ledger),
    outstanding: owed,
    nextDue: LIVE.includes(preorder.state) ? nextDue(plan, charged(ledger), releasedOn) : null,
    question: question ?? null,
    canCancel: LIVE.includes(preorder.state) && preorder.state !== 'placed',
    canUpdateCard: CHARGEABLE.includes(preorder.state) && owed.amount > 0 && money?.paymentMethodId != null,
  };
}

/** One pre-order of this customer, or not_found (also for another customer's). */
export async function customerPreorder(ctx: ServiceContext, shop: Shop, email: string, id: string) {
  await customerPreorderState(ctx, shop, email, id);
  return portalPreorder(ctx, shop, id);
}

/**
 * The state of one pre-order of this customer, or not_found (also for another customer's): what a button
 * needs before it acts, without the rest of the portal's view.
 */
async function customerPreorderState(
  ctx: ServiceContext,
  shop: Shop,
  email: string,
  id: string,
): Promise<PreorderState> {
  const [row] = await ctx.db.query<{ state: PreorderState }>(
    'SELECT state FROM preorders WHERE shop_id = $1 AND id = $2 AND lower(email) = lower($3)',
    [shop.id, id, email],
  );
  if (!row) throw new DomainError('not_found', 'no such pre-order', { id });
  return row.state;
}

/** What cancelling now would give back: everything when declining a delay, else the policy's refund. */
export async function cancellationQuote(ctx: ServiceContext, shop: Shop, view: PortalPreorder) {
  const money = (await loadMoneyPreorder(ctx.db, shop.id, view.preorder.id)) as MoneyPreorder;
  const campaign = await loadCampaign(ctx.db, shop.id, view.preorder.campaignId);
  const ledger = await loadLedger(ctx.db, money);
  return cancellationRefund({
    policy: campaign.cancellationPolicy,
    plan: planOf(money),
    ledger,
    state: money.state,
    today: shopDate(ctx.clock(), shop.timeZone),
    choice: view.question ? { kind: 'full', reason: 'delay declined' } : { kind: 'policy' },
  });
}

/**
 * The customer cancels: declining an open delay refunds everything, otherwise the policy decides. Pressing
 * it again refunds nothing more (it only resends a refund still waiting for the provider).
 */
export async function cancelAsCustomer(
  ctx: ServiceContext,
  payments: Payments,
  shop: Shop,
  email: string,
  id: string,
): Promise<CancelResult | null> {
  const state = await customerPreorderState(ctx, shop, email, id);
  if (LIVE.includes(state) && (await openConsent(ctx.db, shop.id, id))) {
    await answerDelay(ctx, payments, shop.id, id, 'cancel').catch(ignoreAnswered);
    return null;
  }
  return cancelPreorder(ctx, payments, shop, id, { reason: CUSTOMER_REQUEST, refund: 'policy' });
}

export async function keepAsCustomer(
  ctx: ServiceContext,
  payments: Payments,
  shop: Shop,
  email: string,
  id: string,
) {
  await customerPreorderState(ctx, shop, email, id);
  await answerDelay(ctx, payments, shop.id, id, 'keep');
}

/** A second press of a button whose question was already answered is not an error to the customer. */
function ignoreAnswered(error: unknown) {
  if (error instanceof DomainError && error.code === 'no_open_question') return;
  throw error;
}

/**
 * The customer gives a new card through the provider (the test provider takes a test card number): what
 * the pre-order owes is charged to it from now on, at once if a failed charge was waiting to be retried.
 */
export async function replaceCardAsCustomer(
  ctx: ServiceContext,
  payments: Payments,
  shop: Shop,
  email: string,
  id: string,
  paymentMethod: string,
  attemptKey: string,
): Promise<void> {
  const view = await customerPreorder(ctx, shop, email, id);
  if (!view.canUpdateCard) {
    throw new DomainError(
      'invalid_transition',
      `a ${view.preorder.state} pre-order has nothing to charge to a new card`,
      {
        from: view.preorder.state,
      },
    );
  }
  const current = (await loadMoneyPreorder(ctx.db, shop.id, id)) as MoneyPreorder;
  const setup = await payments.provider.savePaymentMethod({
    idempotencyKey: `${id}/card/${attemptKey}`,
    customerId: current.customerId,
    email: current.email,
    paymentMethod,
    metadata: { preorderId: id },
  });
  if (setup.status !== 'succeeded' || !setup.paymentMethodId) {
    throw new DomainError(
      'authentication_required',
      'your bank asks you to confirm this card; please try another',
    );
  }
  await inTransaction(ctx, async (uow) => {
    const locked = (await loadMoneyPreorder(uow.tx, shop.id, id, { lock: true })) as MoneyPreorder;
    await replaceCard(uow, locked, {
      paymentCustomerId: setup.customerId,
      paymentMethodId: setup.paymentMethodId as string,
    });
  });
}
