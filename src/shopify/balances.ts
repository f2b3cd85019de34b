/**
 * Balances of pre-orders sold on Shopify fall due by Presell's own rules (the plan's `balance_due_at`, the
 * same rule as for card pre-orders) and are collected from the customer's vaulted payment method with
 * `orderCreateMandatePayment`. Each try is written before it is sent, under an idempotency key unique to
 * the try; a try left pending by a crash or an unreachable Shopify is sent again with the same key, Shopify
 * answers as the first time, and the ledger books the charge once (its key is the try's). Any number of
 * runners may collect at once: a pre-order is claimed with FOR UPDATE SKIP LOCKED.
 */
import { shopDate } from '../domain/calendar.ts';
import { toDecimalAmount } from '../domain/decimal-money.ts';
import { DomainError } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import { due } from '../domain/ledger.ts';
import { money } from '../domain/money.ts';
import { balanceRetryAt } from '../domain/payment-plan.ts';
import { newId } from '../ids.ts';
import {
  book,
  loadLedger,
  loadMoneyPreorder,
  type MoneyPreorder,
  moneyPreorderOf,
  planOf,
} from '../services/payment-operations.ts';
import { advance, countBalanceTries, scheduleBalanceRetry } from '../services/preorder-changes.ts';
import { inTransaction } from '../services/unit-of-work.ts';
import { createMandatePayment } from './admin-operations.ts';
import { SHOPIFY_PROVIDER } from './orders.ts';
import type { Shopify } from './shopify.ts';

const CHARGEABLE_STATES = ['confirmed', 'allocated', 'balance_due'];

interface BalanceTry {
  shop_id: string;
  id: string;
  preorder_id: string;
  amount: number;
  currency: string;
  idempotency_key: string;
}

/** One pass: tries left pending are sent again, then every balance due now is tried. */
export async function collectShopifyBalances(shopify: Shopify, limit = 100): Promise<{ tries: number }> {
  const { ctx } = shopify;
  const now = ctx.clock();
  const pending = await ctx.db.query<BalanceTry>(
    `SELECT * FROM shopify_mandate_payments WHERE status = 'pending' ORDER BY created_at LIMIT $1`,
    [limit],
  );
  const due = await ctx.db.query<{ id: string; shop_id: string }>(
    `SELECT p.id, p.shop_id FROM preorders p
     JOIN shopify_order_lines l ON l.shop_id = p.shop_id AND l.preorder_id = p.id
     WHERE p.balance_due_at <= $1 AND p.state = ANY($2) AND l.mandate_id IS NOT NULL
       AND (p.balance_retry_at IS NULL OR p.balance_retry_at <= $1) AND p.balance_attempts <= $4
       AND NOT EXISTS (SELECT 1 FROM shopify_mandate_payments m
                       WHERE m.shop_id = p.shop_id AND m.preorder_id = p.id AND m.status = 'pending')
     ORDER BY p.balance_due_at LIMIT $3`,
    [now, CHARGEABLE_STATES, limit, shopify.paymentSettings.balanceRetryDays.length],
  );
  const started: BalanceTry[] = [];
  for (const candidate of due) {
    const made = await startTry(shopify, candidate.shop_id, candidate.id);
    if (made) started.push(made);
  }
  for (const attempt of [...pending, ...started]) await sendTry(shopify, attempt);
  return { tries: pending.length + started.length };
}

/** Claims the pre-order, asks the plan what is due now, and writes the try (none when nothing is due). */
async function startTry(
  shopify: Shopify,
  shopId: string,
  preorderId: string,
): Promise<BalanceTry | undefined> {
  return inTransaction(shopify.ctx, async (uow) => {
    const [row] = await uow.tx.query<
      Parameters<typeof moneyPreorderOf>[0] & { time_zone: string; released_at: Date | null }
    >(
      `SELECT p.*, s.time_zone, c.released_at FROM preorders p
       JOIN campaigns c ON c.id = p.campaign_id JOIN shops s ON s.id = p.shop_id
       WHERE p.shop_id = $1 AND p.id = $2 FOR UPDATE OF p SKIP LOCKED`,
      [shopId, preorderId],
    );
    if (!row) return undefined;
    const preorder = moneyPreorderOf(row);
    const [open] = await uow.tx.query(
      `SELECT 1 FROM shopify_mandate_payments WHERE shop_id = $1 AND preorder_id = $2 AND status = 'pending'`,
      [shopId, preorderId],
    );
    if (open || !CHARGEABLE_STATES.includes(preorder.state)) return undefined;
    const ledger = await loadLedger(uow.tx, preorder);
    const amount = due(ledger, planOf(preorder), {
      today: shopDate(uow.now, row.time_zone),
      released: row.released_at !== null,
    });
    if (amount.amount === 0) {
      await advance(uow, shopId, [preorderId]);
      return undefined;
    }
    const attempt = preorder.balanceAttempts + 1;
    await advance(uow, shopId, [preorderId]);
    await countBalanceTries(uow, preorder.shopId, [{ id: preorder.id, attempt }]);
    const made: BalanceTry = {
      shop_id: shopId,
      id: newId('shopifyBalance', uow.now.getTime()),
      preorder_id: preorderId,
      amount: amount.amount,
      currency: amount.currency,
      idempotency_key: `${preorderId}/balance/${attempt}`,
    };
    await uow.tx.query(
      `INSERT INTO shopify_mandate_payments (shop_id, id, preorder_id, amount, currency, idempotency_key, status,
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'pending', $7, $7)`,
      [shopId, made.id, preorderId, made.amount, made.currency, made.idempotency_key, uow.now],
    );
    return made;
  });
}

/** Sends a try and applies Shopify's answer; a Shopify out of reach leaves it pending for the next pass. */
async function sendTry(shopify: Shopify, attempt: BalanceTry) {
  const [line] = await shopify.ctx.db.query<{ order_id: string; mandate_id: string }>(
    'SELECT order_id, mandate_id FROM shopify_order_lines WHERE shop_id = $1 AND preorder_id = $2',
    [attempt.shop_id, attempt.preorder_id],
  );
  if (!line) return;
  const amount = money(attempt.amount, attempt.currency.trim());
  let answer: Awaited<ReturnType<typeof createMandatePayment>>;
  try {
    const { api } = await shopify.connected(attempt.shop_id);
    answer = await createMandatePayment(api, {
      orderId: line.order_id,
      mandateId: line.mandate_id,
      idempotencyKey: attempt.idempotency_key,
      amount: { amount: toDecimalAmount(amount), currencyCode: amount.currency },
    });
  } catch (error) {
    if (error instanceof DomainError && error.code === 'store_unavailable') return;
    throw error;
  }
  await inTransaction(shopify.ctx, async (uow) => {
    const preorder = (await loadMoneyPreorder(uow.tx, attempt.shop_id, attempt.preorder_id, {
      lock: true,
    })) as MoneyPreorder;
    const [current] = await uow.tx.query<{ status: string }>(
      'SELECT status FROM shopify_mandate_payments WHERE shop_id = $1 AND id = $2 FOR UPDATE',
      [attempt.shop_id, attempt.id],
    );
    if (current?.status !== 'pending') return;
    const reference = answer.paymentReferenceId;
    if (answer.userErrors.length > 0 || !reference) {
      const reason = answer.userErrors.map((error) => error.message).join('; ') || 'no payment reference';
      await uow.tx.query(
        `UPDATE shopify_mandate_payments SET status = 'failed', last_error = $3, updated_at = $4
         WHERE shop_id = $1 AND id = $2`,
        [attempt.shop_id, attempt.id, reason, uow.now],
      );
      // Tried again on the card path's schedule (PRESELL_BALANCE_RETRY_DAYS); after the last try the
      // merchant is alerted and decides (cancelling a Shopify order, and refunding it, happen in Shopify).
      const retryAt = balanceRetryAt(
        shopify.paymentSettings.balanceRetryDays,
        preorder.balanceAttempts,
        uow.now,
      );
      if (retryAt) await scheduleBalanceRetry(uow, preorder, retryAt);
      uow.record(
        event(attempt.shop_id, 'preorder.payment_failed', preorder.id, {
          amount,
          code: 'store_refused',
          attempt: preorder.balanceAttempts,
          retryAt: retryAt?.toISOString() ?? null,
        }),
      );
      return;
    }
    await book(
      uow.tx,
      preorder,
      {
        kind: 'charge',
        amount,
        provider: SHOPIFY_PROVIDER,
        paymentReference: reference,
        idempotencyKey: attempt.idempotency_key,
      },
      uow.now,
    );
    await uow.tx.query(
      `UPDATE shopify_mandate_payments SET status = 'succeeded', payment_reference = $3, updated_at = $4
       WHERE shop_id = $1 AND id = $2`,
      [attempt.shop_id, attempt.id, reference, uow.now],
    );
    await scheduleBalanceRetry(uow, preorder, null);
    uow.record(
      event(attempt.shop_id, 'preorder.balance_charged', preorder.id, {
        amount,
        attempt: preorder.balanceAttempts,
      }),
    );
    await advance(uow, attempt.shop_id, [preorder.id]);
  });
}
