/**
 * Consent to a delay, in the database: the customer's answer from the portal, the reminders and the deadline. A question is open at
 * most once per pre-order; answering it, or the deadline deciding it, is one conditional change of its
 * row under the campaign's lock, so a second answer or a second job finds nothing left to do and a
 * cancellation (and its refund) happens once.
 */
import type { Queryable } from '../db/database.ts';
import { reminderDue, type Window } from '../domain/delay-consent.ts';
import { DomainError } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import { loadCampaign } from './campaigns.ts';
import { cancelInTx } from './cancellation.ts';
import { DEFAULT_DELAY_CONSENT } from './communication-settings.ts';
import type { ServiceContext } from './context.ts';
import { loadMoneyPreorder, type MoneyPreorder, type Payments } from './payment-operations.ts';
import { getShop } from './shops.ts';
import { inTransaction, type UnitOfWork } from './unit-of-work.ts';

/** Why a pre-order was cancelled, when consent to a delay decided it. */
export const DELAY_DECLINED = 'delay_declined';
export const DELAY_UNANSWERED = 'delay_unanswered';

export interface DelayConsent {
  id: string;
  preorderId: string;
  campaignId: string;
  oldWindow: Window | null;
  newWindow: Window | null;
  status: 'open' | 'kept' | 'cancelled' | 'superseded';
  deadline: Date;
  withoutAnswer: 'keep' | 'cancel';
  requestedAt: Date;
  decidedBy: string | null;
}

interface ConsentRow {
  id: string;
  preorder_id: string;
  campaign_id: string;
  old_from: string | null;
  old_to: string | null;
  new_from: string | null;
  new_to: string | null;
  status: DelayConsent['status'];
  deadline_at: Date;
  requested_at: Date;
  decided_by: string | null;
  reminders_sent: number;
  without_answer: 'keep' | 'cancel' | null;
}

const SELECT_CONSENTS = `SELECT d.id, d.preorder_id, d.campaign_id, d.old_from::text, d.old_to::text,
    d.new_from::text, d.new_to::text, d.status, d.deadline_at, d.requested_at, d.decided_by, d.reminders_sent,
    s.without_answer
  FROM delay_consents d
  LEFT JOIN campaign_delay_consent s ON s.shop_id = d.shop_id AND s.campaign_id = d.campaign_id`;

function consentOf(row: ConsentRow): DelayConsent {
  const windowOf = (from: string | null, to: string | null) => (from && to ? { from, to } : null);
  return {
    id: row.id,
    preorderId: row.preorder_id,
    campaignId: row.campaign_id,
    oldWindow: windowOf(row.old_from, row.old_to),
    newWindow: windowOf(row.new_from, row.new_to),
    status: row.status,
    deadline: row.deadline_at,
    withoutAnswer: row.without_answer ?? DEFAULT_DELAY_CONSENT.withoutAnswer,
    requestedAt: row.requested_at,
    decidedBy: row.decided_by,
  };
}

/** The question waiting for the customer's answer, if any. */
export async function openConsent(db: Queryable, shopId: string, preorderId: string) {
  const [row] = await db.query<ConsentRow>(
    `${SELECT_CONSENTS} WHERE d.shop_id = $1 AND d.preorder_id = $2 AND d.status = 'open'`,
    [shopId, preorderId],
  );
  return row && consentOf(row);
}

/** The question a promise move asked, found by the move's time (it was asked in the same transaction). */
export async function consentAskedAt(db: Queryable, shopId: string, preorderId: string, at: Date) {
  const [row] = await db.query<ConsentRow>(
    `${SELECT_CONSENTS} WHERE d.shop_id = $1 AND d.preorder_id = $2 AND d.requested_at = $3`,
    [shopId, preorderId, at],
  );
  return row && consentOf(row);
}

export type DelayAnswer = 'keep' | 'cancel';

/**
 * The customer's answer to a delay. Keeping records it; cancelling cancels with everything paid refunded.
 * Answers nothing new for a question already decided (`no_open_question`).
 */
export async function answerDelay(
  ctx: ServiceContext,
  payments: Payments,
  shopId: string,
  preorderId: string,
  answer: DelayAnswer,
): Promise<void> {
  const shop = await getShop(ctx, shopId);
  await inTransaction(ctx, async (uow) => {
    const decided = await decide(
      uow,
      payments,
      shop,
      preorderId,
      answer === 'keep' ? 'kept' : 'cancelled',
      'customer',
    );
    if (!decided)
      throw new DomainError('no_open_question', 'this pre-order has no delay waiting for an answer');
  });
}

/**
 * Decides the open question of a pre-order, under the campaign's lock then the pre-order's: false when
 * there is none (already answered, or decided by the deadline). A pre-order that ended some other way
 * closes its question without touching it.
 */
async function decide(
  uow: UnitOfWork,
  payments: Payments,
  shop: Awaited<ReturnType<typeof getShop>>,
  preorderId: string,
  outcome: 'kept' | 'cancelled',
  by: 'customer' | 'deadline',
): Promise<boolean> {
  const [found] = await uow.tx.query<{ campaign_id: string }>(
    'SELECT campaign_id FROM preorders WHERE shop_id = $1 AND id = $2',
    [shop.id, preorderId],
  );
  if (!found) throw new DomainError('not_found', 'no such pre-order', { id: preorderId });
  const campaign = await loadCampaign(uow.tx, shop.id, found.campaign_id, { lock: true });
  const [row] = await uow.tx.query<ConsentRow>(
    `${SELECT_CONSENTS} WHERE d.shop_id = $1 AND d.preorder_id = $2 AND d.status = 'open' FOR UPDATE OF d`,
    [shop.id, preorderId],
  );
  if (!row) return false;
  const preorder = (await loadMoneyPreorder(uow.tx, shop.id, preorderId, { lock: true })) as MoneyPreorder;
  const live = preorder.state !== 'cancelled' && preorder.state !== 'fulfilled';
  const status = live ? outcome : preorder.state === 'cancelled' ? 'cancelled' : 'kept';
  await uow.tx.query(
    `UPDATE delay_consents SET status = $3, decided_by = $4, decided_at = $5 WHERE shop_id = $1 AND id = $2`,
    [shop.id, row.id, status, live ? by : 'system', uow.now],
  );
  if (!live) return true;
  if (outcome === 'kept') {
    uow.record(event(shop.id, 'preorder.kept', preorderId, { consentId: row.id, by }));
  } else {
    const reason = by === 'customer' ? DELAY_DECLINED : DELAY_UNANSWERED;
    await cancelInTx(uow, payments, { shop, campaign, preorder, reason, choice: { kind: 'full', reason } });
  }
  return true;
}

/** The deadline job: every open question past its deadline is decided as its campaign says. */
export async function settleConsentDeadlines(
  ctx: ServiceContext,
  payments: Payments,
  limit = 200,
): Promise<number> {
  const now = ctx.clock();
  const due = await ctx.db.query<ConsentRow & { shop_id: string }>(
    `${SELECT_CONSENTS.replace('SELECT d.id', 'SELECT d.shop_id, d.id')}
     WHERE d.status = 'open' AND d.deadline_at <= $1 ORDER BY d.deadline_at LIMIT $2`,
    [now, limit],
  );
  let decided = 0;
  for (const row of due) {
    const shop = await getShop(ctx, row.shop_id);
    const outcome =
      (row.without_answer ?? DEFAULT_DELAY_CONSENT.withoutAnswer) === 'keep' ? 'kept' : 'cancelled';
    const done = await inTransaction(ctx, (uow) =>
      decide(uow, payments, shop, row.preorder_id, outcome, 'deadline'),
    );
    if (done) decided += 1;
  }
  return decided;
}

/** The reminder job: one reminder per reminder day before the deadline, each claimed once. */
export async function remindOpenConsents(ctx: ServiceContext, limit = 500): Promise<number> {
  const now = ctx.clock();
  const open = await ctx.db.query<ConsentRow & { shop_id: string; reminder_days: number[] | null }>(
    `SELECT d.shop_id, d.id, d.preorder_id, d.deadline_at, d.reminders_sent, s.without_answer, s.reminder_days
     FROM delay_consents d
     LEFT JOIN campaign_delay_consent s ON s.shop_id = d.shop_id AND s.campaign_id = d.campaign_id
     WHERE d.status = 'open' AND d.deadline_at > $1 ORDER BY d.deadline_at LIMIT $2`,
    [now, limit],
  );
  let sent = 0;
  for (const row of open) {
    const days = row.reminder_days ?? DEFAULT_DELAY_CONSENT.reminderDays;
    if (!reminderDue({ deadline: row.deadline_at, sent: row.reminders_sent }, days, now)) continue;
    const claimed = await inTransaction(ctx, async (uow) => {
      const [won] = await uow.tx.query(
        `UPDATE delay_consents SET reminders_sent = reminders_sent + 1
         WHERE shop_id = $1 AND id = $2 AND status = 'open' AND reminders_sent = $3 RETURNING 1`,
        [row.shop_id, row.id, row.reminders_sent],
      );
      if (!won) return false;
      uow.record(
        event(row.shop_id, 'preorder.delay_consent_reminder', row.preorder_id, {
          consentId: row.id,
          deadline: row.deadline_at.toISOString(),
          withoutAnswer: row.without_answer ?? DEFAULT_DELAY_CONSENT.withoutAnswer,
        }),
      );
      return true;
    });
    if (claimed) sent += 1;
  }
  return sent;
}
