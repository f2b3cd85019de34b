/**
 * Where the money stands, per campaign and by week: what was collected and refunded (the ledger), the
 * balances still to collect by the week they fall due, what is at risk (balances failing and being
 * retried), and what cancelling everyone now would refund under each campaign's policy.
 */
import { csvField } from '../csv.ts';
import { allowLargeAggregates } from '../db/database.ts';
import { type CalendarDate, compareDates, shopDate, weekStart } from '../domain/calendar.ts';
import type { PaymentTerms } from '../domain/campaign.ts';
import { DomainError } from '../domain/errors.ts';
import { charged, type Ledger, type LedgerEntry, ledgerOf, outstanding } from '../domain/ledger.ts';
import type { PreorderState } from '../domain/lifecycle.ts';
import { add, type Money, zero } from '../domain/money.ts';
import type { CancellationPolicy } from '../domain/refund-policy.ts';
import { cancellationRefund } from '../domain/refund-policy.ts';
import type { ServiceContext } from './context.ts';
import { type MoneyPreorder, planOf } from './payment-operations.ts';
import type { Shop } from './shops.ts';

export interface CashReportQuery {
  campaignId?: string | undefined;
  /** Shop-local dates, both included. */
  from?: CalendarDate | undefined;
  to?: CalendarDate | undefined;
}

export interface CashFigures {
  collected: Money;
  refunded: Money;
  /** Collected − refunded. */
  net: Money;
  /** Balances still to collect by the first day of the week they are due; `week` null: due on release. */
  scheduled: { week: CalendarDate | null; amount: Money }[];
  /** Owed by pre-orders whose balance failed and is being tried again. */
  atRisk: Money;
  /** What cancelling every live pre-order now would refund under its campaign's policy. */
  refundableIfAllCancelled: Money;
  /** Collected and refunded by week. */
  weekly: { week: CalendarDate; collected: Money; refunded: Money }[];
}

export interface CashReport {
  currency: string;
  from: CalendarDate | null;
  to: CalendarDate | null;
  total: CashFigures;
  campaigns: ({ campaignId: string; name: string } & CashFigures)[];
}

interface CampaignRow {
  id: string;
  name: string;
  cancellation_policy: CancellationPolicy;
}

interface AlikeRow {
  campaign_id: string;
  total_amount: number;
  currency: string;
  quantity: number;
  state: PreorderState;
  payment_terms: PaymentTerms;
  promise_to: CalendarDate | null;
  retrying: boolean;
  released: boolean;
  charged: number;
  refunded: number;
  preorders: number;
}

/** The figures read a ledger only through what it charged and refunded: these sums stand for its entries. */
function ledgerOfSums(currency: string, chargedAmount: number, refundedAmount: number): Ledger {
  const entry = (kind: 'charge' | 'refund', amount: number): LedgerEntry => ({
    kind,
    amount: { amount, currency },
    provider: 'sum',
    paymentReference: 'sum',
    idempotencyKey: kind,
    createdAt: new Date(0),
  });
  return ledgerOf(currency, [
    ...(chargedAmount > 0 ? [entry('charge', chargedAmount)] : []),
    ...(refundedAmount > 0 ? [entry('refund', refundedAmount)] : []),
  ]);
}

export async function cashReport(
  ctx: ServiceContext,
  shop: Shop,
  query: CashReportQuery,
): Promise<CashReport> {
  const { from = null, to = null } = query;
  if (from && to && compareDates(from, to) > 0) {
    throw new DomainError('invalid_range', 'from must not be after to', { from, to });
  }
  const today = shopDate(ctx.clock(), shop.timeZone);
  const scope = [shop.id, query.campaignId ?? null];
  // One snapshot for the campaigns and their money.
  const { campaigns, moves, alike } = await ctx.db.transaction(async (tx) => {
    const campaigns = await tx.query<CampaignRow>(
      `SELECT id, name, cancellation_policy FROM campaigns
       WHERE shop_id = $1 AND (id = $2 OR ($2::text IS NULL AND archived_at IS NULL)) ORDER BY id`,
      scope,
    );
    if (query.campaignId && campaigns.length === 0) {
      throw new DomainError('not_found', 'no such campaign', { id: query.campaignId });
    }
    await allowLargeAggregates(tx);
    // Money moved per campaign and shop-local day: a few rows a day, however many pre-orders there are.
    const moves = await tx.query<{
      campaign_id: string;
      kind: 'charge' | 'refund';
      date: CalendarDate;
      amount: number;
      currency: string;
    }>(
      `SELECT campaign_id, kind, (created_at AT TIME ZONE $3)::date AS date,
       sum(amount)::bigint AS amount, currency
     FROM ledger_entries WHERE shop_id = $1 AND ($2::text IS NULL OR campaign_id = $2) AND kind <> 'authorisation'
     GROUP BY 1, 2, 3, 5`,
      [...scope, shop.timeZone],
    );
    // Live pre-orders alike in everything the figures read (the plan's inputs, the state, what was charged and
    // refunded: the ledger's sums each pre-order keeps, whether a balance is being retried), counted: the
    // figures of one, times the count.
    const alike = await tx.query<AlikeRow>(
      `SELECT p.campaign_id, p.total_amount, p.currency, p.quantity, p.state, p.payment_terms, p.promise_to,
         p.balance_retry_at IS NOT NULL AS retrying, c.released_at IS NOT NULL AS released,
         p.charged_amount AS charged, p.refunded_amount AS refunded, count(*)::int AS preorders
       FROM preorders p
       JOIN campaigns c ON c.shop_id = p.shop_id AND c.id = p.campaign_id
       WHERE p.shop_id = $1 AND ($2::text IS NULL OR p.campaign_id = $2) AND p.state <> 'cancelled'
       GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`,
      scope,
    );
    return { campaigns, moves, alike };
  });
  const inRange = (date: CalendarDate) =>
    (!from || compareDates(date, from) >= 0) && (!to || compareDates(date, to) <= 0);

  const perCampaign = campaigns.map((campaign) => {
    const figures = new Figures(shop, today);
    for (const row of moves) {
      if (row.campaign_id !== campaign.id || !inRange(row.date)) continue;
      figures.move(row.kind, { amount: row.amount, currency: row.currency.trim() }, row.date);
    }
    for (const row of alike) {
      if (row.campaign_id !== campaign.id) continue;
      const currency = row.currency.trim();
      figures.owe(
        {
          total: { amount: row.total_amount, currency },
          quantity: row.quantity,
          terms: row.payment_terms,
          promisedShipDate: row.promise_to,
          state: row.state,
          retrying: row.retrying,
        },
        ledgerOfSums(currency, row.charged, row.refunded),
        campaign.cancellation_policy,
        row.released,
        inRange,
        row.preorders,
      );
    }
    return { campaignId: campaign.id, name: campaign.name, ...figures.result() };
  });
  const total = new Figures(shop, today);
  for (const campaign of perCampaign) total.absorb(campaign);
  return { currency: shop.currency, from, to, total: total.result(), campaigns: perCampaign };
}

class Figures {
  collected: Money;
  refunded: Money;
  atRisk: Money;
  refundable: Money;
  readonly scheduled = new Map<CalendarDate | null, Money>();
  readonly weekly = new Map<CalendarDate, { collected: Money; refunded: Money }>();

  constructor(
    private readonly shop: Shop,
    private readonly today: CalendarDate,
  ) {
    const nothing = zero(shop.currency);
    this.collected = nothing;
    this.refunded = nothing;
    this.atRisk = nothing;
    this.refundable = nothing;
  }

  move(kind: LedgerEntry['kind'], amount: Money, date: CalendarDate) {
    if (kind === 'authorisation') return;
    const week = this.week(weekStart(date, this.shop.locale));
    if (kind === 'charge') {
      this.collected = add(this.collected, amount);
      week.collected = add(week.collected, amount);
    } else {
      this.refunded = add(this.refunded, amount);
      week.refunded = add(week.refunded, amount);
    }
  }

  /** What `count` live pre-orders alike still owe, by due week, and what cancelling them now would refund. */
  owe(
    preorder: Pick<MoneyPreorder, 'total' | 'quantity' | 'terms' | 'promisedShipDate' | 'state'> & {
      retrying: boolean;
    },
    ledger: Ledger,
    policy: CancellationPolicy,
    released: boolean,
    inRange: (date: CalendarDate) => boolean,
    count: number,
  ) {
    const times = (value: Money) => ({ amount: value.amount * count, currency: value.currency });
    const plan = planOf(preorder);
    if (preorder.retrying) this.atRisk = add(this.atRisk, times(outstanding(ledger, plan, preorder.state)));
    if (preorder.state !== 'fulfilled') {
      const decision = cancellationRefund({
        policy,
        plan,
        ledger,
        state: preorder.state,
        today: this.today,
        choice: { kind: 'policy' },
      });
      this.refundable = add(this.refundable, times(decision.refund));
    }
    if (preorder.state === 'placed') return;
    // Charges pay the plan's steps in order; what a step still lacks is scheduled for its due week.
    let paid = charged(ledger).amount;
    for (const step of plan.steps) {
      const covered = Math.min(paid, step.amount.amount);
      paid -= covered;
      const left = step.amount.amount - covered;
      if (left === 0) continue;
      const due = step.due;
      const date =
        due.kind === 'on_date' || due.kind === 'days_before_ship'
          ? due.date
          : due.kind === 'on_release' && !released
            ? null
            : this.today;
      const week = date === null ? null : weekStart(date, this.shop.locale);
      if (week !== null && !inRange(week) && !inRange(date as CalendarDate)) continue;
      this.schedule(week, times({ amount: left, currency: preorder.total.currency }));
    }
  }

  absorb(other: CashFigures) {
    this.collected = add(this.collected, other.collected);
    this.refunded = add(this.refunded, other.refunded);
    this.atRisk = add(this.atRisk, other.atRisk);
    this.refundable = add(this.refundable, other.refundableIfAllCancelled);
    for (const { week, amount } of other.scheduled) this.schedule(week, amount);
    for (const { week, collected, refunded } of other.weekly) {
      const mine = this.week(week);
      mine.collected = add(mine.collected, collected);
      mine.refunded = add(mine.refunded, refunded);
    }
  }

  result(): CashFigures {
    const byWeek = (a: CalendarDate | null, b: CalendarDate | null) =>
      a === null ? 1 : b === null ? -1 : compareDates(a, b);
    return {
      collected: this.collected,
      refunded: this.refunded,
      net: { amount: this.collected.amount - this.refunded.amount, currency: this.collected.currency },
      scheduled: [...this.scheduled.entries()]
        .sort(([a], [b]) => byWeek(a, b))
        .map(([week, amount]) => ({ week, amount })),
      atRisk: this.atRisk,
      refundableIfAllCancelled: this.refundable,
      weekly: [...this.weekly.entries()]
        .sort(([a], [b]) => compareDates(a, b))
        .map(([week, figures]) => ({ week, ...figures })),
    };
  }

  private schedule(week: CalendarDate | null, amount: Money) {
    this.scheduled.set(week, add(this.scheduled.get(week) ?? zero(amount.currency), amount));
  }

  private week(week: CalendarDate) {
    let figures = this.weekly.get(week);
    if (!figures) {
      figures = { collected: zero(this.shop.currency), refunded: zero(this.shop.currency) };
      this.weekly.set(week, figures);
    }
    return figures;
  }
}

/** The report as CSV: one row per figure, amounts in minor units. */
export function cashReportCsv(report: CashReport): string {
  const rows: string[][] = [['campaign_id', 'campaign_name', 'figure', 'week', 'amount_minor', 'currency']];
  const add = (id: string, name: string, figures: CashFigures) => {
    const row = (figure: string, week: string, amount: Money) =>
      rows.push([id, name, figure, week, String(amount.amount), amount.currency]);
    row('collected', '', figures.collected);
    row('refunded', '', figures.refunded);
    row('net', '', figures.net);
    row('at_risk', '', figures.atRisk);
    row('refundable_if_all_cancelled', '', figures.refundableIfAllCancelled);
    for (const { week, amount } of figures.scheduled) row('scheduled', week ?? 'on_release', amount);
    for (const { week, collected, refunded } of figures.weekly) {
      row('collected', week, collected);
      row('refunded', week, refunded);
    }
  };
  for (const campaign of report.campaigns) add(campaign.campaignId, campaign.name, campaign);
  add('all', 'All campaigns', report.total);
  return `${rows.map((row) => row.map(csvField).join(',')).join('\r\n')}\r\n`;
}
