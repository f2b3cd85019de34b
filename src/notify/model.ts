/**
 * The variables a customer message is rendered with, from the pre-order as it stands. Every value a
 * customer reads is worded here by the code that words it elsewhere: the promise by the ship-window
 * wording, money by `format`, days by Intl in the shop's locale and time zone.
 *
 * Variables (for merchants writing templates): shop.{name (the brand name customers see), accentColor,
 * onAccent, logoUrl}, customer.email, preorder.{id, quantity,
 * queuePosition, state}, product.{name, sku}, campaign.name, promise.{message, window, from, to},
 * money.{total, paid, balance, hasBalance, balanceWhen, balanceDate}, terms.cancellation, links.{portal,
 * updateCard, unsubscribe}, language; and per message: previous.message and change.{direction, reason}
 * (ship date changed), consent.{deadline, withoutAnswer, keepUrl, cancelUrl}, missed.message (late),
 * payment.{amount, dueDate, retryDate}, refund.{amount, kept, hasRefund, hasKept, live}, cancel.{by, reason},
 * kept.by, shipment.{carrier, trackingNumber, trackingUrl, partial, quantity, unitsLeft}, update.{subject, paragraphs}, link.days.
 */

import type { Queryable } from '../db/database.ts';
import { type CalendarDate, shopDate, utcMidnight } from '../domain/calendar.ts';
import { languageOf } from '../domain/languages.ts';
import { charged, netPaid, outstanding } from '../domain/ledger.ts';
import { format, type Money } from '../domain/money.ts';
import { type NextDue, nextDue } from '../domain/payment-plan.ts';
import type { PromiseWindow } from '../domain/promise.ts';
import type { CancellationPolicy } from '../domain/refund-policy.ts';
import { wordingLocale } from '../domain/ship-window-wording.ts';
import { shownBranding } from '../domain/shop.ts';
import { expiryAfter, signLink } from '../portal/link.ts';
import type { ServiceContext } from '../services/context.ts';
import { loadLedger, loadMoneyPreorder, planOf } from '../services/payment-operations.ts';
import type { StoredPromise } from '../services/preorder-changes.ts';
import { getPreorder, type Preorder } from '../services/preorders.ts';
import { promiseView, wordingFor } from '../services/promise-view.ts';
import { getShop, type Shop } from '../services/shops.ts';
import { COPY, renderPhrase } from './templates.ts';

/** What a message about a pre-order may say about it. */
export interface PreorderFacts {
  shop: Shop;
  preorder: Preorder;
  productName: string;
  campaignName: string;
  policy: CancellationPolicy;
  total: Money;
  paid: Money;
  outstanding: Money;
  nextDue: NextDue | null;
}

export async function loadPreorderFacts(
  ctx: ServiceContext,
  shopId: string,
  preorderId: string,
): Promise<PreorderFacts> {
  const [shop, preorder, money] = await Promise.all([
    getShop(ctx, shopId),
    getPreorder(ctx, shopId, preorderId),
    loadMoneyPreorder(ctx.db, shopId, preorderId),
  ]);
  const [names] = await ctx.db.query<{
    product: string;
    campaign: string;
    policy: CancellationPolicy;
    released_at: Date | null;
  }>(
    `SELECT v.name AS product, c.name AS campaign, c.cancellation_policy AS policy, c.released_at
     FROM variants v JOIN campaigns c ON c.shop_id = v.shop_id AND c.id = $3
     WHERE v.shop_id = $1 AND v.id = $2`,
    [shopId, preorder.variantId, preorder.campaignId],
  );
  if (!names || !money) throw new Error(`pre-order ${preorderId} has no variant or campaign`);
  const ledger = await loadLedger(ctx.db, money);
  const plan = planOf(money);
  const releasedOn = names.released_at ? shopDate(names.released_at, shop.timeZone) : null;
  return {
    shop,
    preorder,
    productName: names.product,
    campaignName: names.campaign,
    policy: names.policy,
    total: money.total,
    paid: netPaid(ledger),
    outstanding: outstanding(ledger, plan, money.state),
    nextDue: preorder.state === 'cancelled' ? null : nextDue(plan, charged(ledger), releasedOn),
  };
}

/** Links a message carries, signed for this shop and customer. */
export interface LinkSigner {
  publicUrl: string;
  secret: string;
  linkDays: number;
  now: Date;
}

export function customerLinks(signer: LinkSigner, shopId: string, email: string) {
  const token = signLink(
    { shopId, email, purpose: 'portal', expiresAt: expiryAfter(signer.now, signer.linkDays) },
    signer.secret,
  );
  const unsubscribe = signLink({ shopId, email, purpose: 'unsubscribe', expiresAt: null }, signer.secret);
  return {
    portal: `${signer.publicUrl}${portalPath(token)}`,
    unsubscribe: `${signer.publicUrl}/unsubscribe?t=${unsubscribe}`,
    /** A page about one pre-order: `keep`, `cancel` or `card`. */
    action: (preorderId: string, action: PortalAction) =>
      `${signer.publicUrl}${portalPath(token, preorderId, action)}`,
  };
}

export type PortalAction = 'keep' | 'cancel' | 'card';

/**
 * Where a portal page is, for a link's token. The token travels in the query string, which request logs
 * leave out: it is as good as a password to the customer's pre-orders until it expires.
 */
export function portalPath(token: string, preorderId?: string, action?: PortalAction | 'link'): string {
  const page = preorderId
    ? `/preorders/${encodeURIComponent(preorderId)}/${action}`
    : action
      ? `/${action}`
      : '';
  return `/portal${page}?t=${token}`;
}

/** The variables every message about a pre-order has. */
export function preorderModel(facts: PreorderFacts, signer: LinkSigner) {
  const { shop, preorder } = facts;
  const language = languageOf(shop.locale);
  const copy = COPY[language];
  const links = customerLinks(signer, shop.id, preorder.email);
  const window =
    preorder.promise?.from && preorder.promise.to
      ? { from: preorder.promise.from, to: preorder.promise.to }
      : null;
  const due = facts.nextDue;
  const model = {
    language,
    shop: shownBranding(shop),
    customer: { email: preorder.email },
    preorder: {
      id: preorder.id,
      quantity: preorder.quantity,
      queuePosition: preorder.placeInQueue,
      state: preorder.state,
    },
    product: { name: facts.productName, sku: preorder.sku },
    campaign: { name: facts.campaignName },
    promise: {
      message: promiseMessage(shop, preorder, window, signer.now, preorder.promise?.batches),
      window,
      ...window,
    },
    money: {
      total: format(facts.total, wordingLocale(shop.locale)),
      paid: format(facts.paid, wordingLocale(shop.locale)),
      balance: format(facts.outstanding, wordingLocale(shop.locale)),
      hasBalance: facts.outstanding.amount > 0,
      balanceDate: due?.kind === 'date' ? formatDay(due.date, wordingLocale(shop.locale)) : null,
      balanceWhen: '',
    },
    terms: { cancellation: '', until: cutoffDay(facts.policy, wordingLocale(shop.locale)) },
    links: {
      portal: links.portal,
      unsubscribe: links.unsubscribe,
      updateCard: links.action(preorder.id, 'card'),
      keep: links.action(preorder.id, 'keep'),
      cancel: links.action(preorder.id, 'cancel'),
    },
  };
  model.money.balanceWhen =
    due === null
      ? ''
      : renderPhrase(due.kind === 'release' ? copy.balanceWhen.release : copy.balanceWhen.date, model);
  model.terms.cancellation = renderPhrase(termsPhrase(facts.policy, copy.terms), model);
  return model;
}

/**
 * A promise window as the customer reads it ("Ships the week of 14 December"), or "to be confirmed"; with
 * the batches of the current promise, each part when its units ship at different times.
 */
export function promiseMessage(
  shop: Shop,
  preorder: Pick<Preorder, 'mode'>,
  window: PromiseWindow | null,
  now: Date,
  batches: StoredPromise['batches'] = [],
) {
  const stored = {
    preorderId: '',
    from: window?.from ?? null,
    to: window?.to ?? null,
    placeInLine: null,
    batches,
  };
  return promiseView(stored, wordingFor(shop, now, preorder.mode)).message;
}

function termsPhrase(policy: CancellationPolicy, terms: (typeof COPY)['en']['terms']): string {
  const cutoff = policy.fullRefundUntil;
  if (cutoff === null) return terms.fullRefund;
  return cutoff.kind === 'date' ? terms.fullRefundUntilDate : terms.fullRefundUntilState;
}

function cutoffDay(policy: CancellationPolicy, locale: string): string | null {
  const cutoff = policy.fullRefundUntil;
  return cutoff?.kind === 'date' ? formatDay(cutoff.date, locale) : null;
}

/** A calendar day in the shop's language: "14 December 2026", "14. Dezember 2026", "2026年12月14日". */
export function formatDay(date: CalendarDate, locale: string): string {
  let format = dayFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' });
    dayFormats.set(locale, format);
  }
  return format.format(utcMidnight(date));
}

const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** An instant as a day in the shop's calendar and language. */
export function formatInstant(instant: Date, shop: Pick<Shop, 'locale' | 'timeZone'>): string {
  return formatDay(shopDate(instant, shop.timeZone), wordingLocale(shop.locale));
}

/**
 * Why a pre-order's date moved, in the merchant's words: the note on the batch the merchant changed in the
 * same transaction (its `updated_at` is the moment of the change), else on a batch that serves it now.
 */
export async function reasonGiven(
  db: Queryable,
  shopId: string,
  preorder: Preorder,
  changedAt: Date,
): Promise<string | null> {
  const serving = (preorder.promise?.batches ?? []).map((batch) => batch.batchId);
  const [row] = await db.query<{ note: string }>(
    `SELECT note FROM supply_batches
     WHERE shop_id = $1 AND note IS NOT NULL AND note <> ''
       AND ((campaign_id = $2 AND variant_id = $3 AND updated_at = $4) OR id = ANY($5))
     ORDER BY (updated_at = $4) DESC, updated_at DESC LIMIT 1`,
    [shopId, preorder.campaignId, preorder.variantId, changedAt, serving],
  );
  return row?.note ?? null;
}
/**
 * The variables of a progress update, per customer: the merchant's text, split into paragraphs, is worked
 * out once for the update; each customer's model adds only their own links.
 */
export function progressModels(
  shop: Shop,
  campaignName: string,
  update: { subject: string; body: string },
  signer: LinkSigner,
) {
  const language = languageOf(shop.locale);
  const brand = shownBranding(shop);
  const content = {
    subject: update.subject,
    paragraphs: update.body
      .split(/\n\s*\n/)
      .map((paragraph) => paragraph.trim())
      .filter(Boolean),
  };
  return (email: string) => {
    const links = customerLinks(signer, shop.id, email);
    return {
      language,
      shop: brand,
      customer: { email },
      campaign: { name: campaignName },
      update: content,
      links: { portal: links.portal, unsubscribe: links.unsubscribe },
    };
  };
}
