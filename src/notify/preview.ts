/**
 * Messages rendered without being sent: a template with sample data or a real pre-order (the admin's
 * preview, and the check when a shop saves its own template), and the message an event would make for a
 * pre-order (for previews elsewhere, such as the slip preview of a supply change).
 */

import { addDays, shopDate } from '../domain/calendar.ts';
import { languageOf } from '../domain/languages.ts';
import { format, money } from '../domain/money.ts';
import { wordingLocale } from '../domain/ship-window-wording.ts';
import { DEFAULT_CANCELLATION_POLICY } from '../services/campaigns.ts';
import { getCommunicationSettings, portalSecret } from '../services/communication-settings.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Shop } from '../services/shops.ts';
import { type ComposedMessage, composeMessages, type EventFacts } from './compose.ts';
import type { CustomerMessage } from './kinds.ts';
import {
  formatDay,
  type LinkSigner,
  loadPreorderFacts,
  type PreorderFacts,
  preorderModel,
  promiseMessage,
} from './model.ts';
import {
  COPY as LANGUAGE_COPY,
  type RenderedMessage,
  renderTemplate,
  type TemplateSource,
} from './templates.ts';

/** The message an event would make for its pre-order's customer, rendered and not sent; undefined if none. */
export async function renderCustomerMessage(
  ctx: ServiceContext,
  publicUrl: string,
  event: EventFacts,
): Promise<ComposedMessage | undefined> {
  const { messages } = await composeMessages(ctx, publicUrl, event);
  return messages.find((message) => message.audience === 'customer');
}

async function signerFor(ctx: ServiceContext, shop: Shop, publicUrl: string): Promise<LinkSigner> {
  const now = ctx.clock();
  const settings = await getCommunicationSettings(ctx.db, shop.id, now);
  return {
    publicUrl,
    secret: await portalSecret(ctx.db, shop.id, now),
    linkDays: settings.portalLinkDays,
    now,
  };
}

/** A made-up pre-order of the shop, for previews without a real one. */
function sampleFacts(shop: Shop, now: Date): PreorderFacts {
  const today = shopDate(now, shop.timeZone);
  const currency = shop.currency.trim();
  return {
    shop,
    preorder: {
      id: 'po_sample',
      shopId: shop.id,
      campaignId: 'cmp_sample',
      variantId: 'var_sample',
      sku: 'SAMPLE-1',
      mode: 'preorder',
      email: 'customer@example.com',
      quantity: 1,
      queuePosition: 42,
      placeInQueue: 42,
      priority: 0,
      unitAmount: 12_900,
      totalAmount: 12_900,
      currency,
      priceLines: [],
      state: 'confirmed',
      paymentStatus: 'paid',
      idempotencyKey: null,
      promise: {
        preorderId: 'po_sample',
        from: addDays(today, 28),
        to: addDays(today, 34),
        placeInLine: null,
        batches: [],
        promisedOn: today,
      },
      shipment: null,
      shippingAddress: null,
      unitsShipped: 0,
      exportedAt: null,
      createdAt: now,
      updatedAt: now,
    },
    productName: 'Aurora desk lamp',
    campaignName: 'Aurora launch',
    policy: DEFAULT_CANCELLATION_POLICY,
    total: money(12_900, currency),
    paid: money(2_580, currency),
    outstanding: money(10_320, currency),
    nextDue: { kind: 'release' },
  };
}

/** What each message adds to the pre-order's variables, with believable values. */
function sampleExtras(
  kind: CustomerMessage,
  facts: PreorderFacts,
  signer: LinkSigner,
): Record<string, unknown> {
  const { shop, preorder } = facts;
  const language = languageOf(shop.locale);
  const today = shopDate(signer.now, shop.timeZone);
  const later = { from: addDays(today, 42), to: addDays(today, 48) };
  const earlier =
    preorder.promise?.from && preorder.promise.to
      ? { from: preorder.promise.from, to: preorder.promise.to }
      : later;
  const base = preorderModel(facts, signer);
  const day = (offset: number) => formatDay(addDays(today, offset), wordingLocale(shop.locale));
  const consent = {
    deadline: day(14),
    withoutAnswer: LANGUAGE_COPY[language].withoutAnswer.keep,
    keepUrl: base.links.keep,
    cancelUrl: base.links.cancel,
  };
  const laterPromise = { message: promiseMessage(shop, preorder, later, signer.now), window: later };
  switch (kind) {
    case 'ship_date_changed':
      return {
        previous: { message: promiseMessage(shop, preorder, earlier, signer.now) },
        promise: laterPromise,
        change: { direction: 'later', reason: 'The factory needs two more weeks for the final finish.' },
        consent,
      };
    case 'late':
      return {
        missed: { message: promiseMessage(shop, preorder, earlier, signer.now) },
        promise: laterPromise,
        change: { direction: 'later' },
        consent,
      };
    case 'consent_reminder':
      return { consent };
    case 'delay_kept':
      return { kept: { by: 'customer' } };
    case 'balance_upcoming':
      return { payment: { amount: base.money.balance, dueDate: day(3) } };
    case 'balance_charged':
      return { payment: { amount: base.money.balance } };
    case 'payment_failed':
      return { payment: { amount: base.money.balance, retryDate: day(1) } };
    case 'cancelled':
    case 'cancelled_nonpayment':
      return {
        refund: {
          amount: base.money.paid,
          kept: format(money(0, facts.total.currency), wordingLocale(shop.locale)),
          hasRefund: true,
          hasKept: false,
        },
        cancel: { by: 'customer', reason: null },
      };
    case 'refunded':
      return { refund: { amount: base.money.paid, live: true } };
    case 'shipped':
      return {
        shipment: {
          carrier: 'DHL',
          trackingNumber: '00340434161234567890',
          trackingUrl: 'https://example.com/track/00340434161234567890',
        },
      };
    case 'progress_update':
      return {
        update: {
          subject: 'The first lamps are off the line',
          paragraphs: ['We saw the first finished lamps today.', 'They ship on the dates you were given.'],
        },
      };
    case 'portal_link':
      return { link: { days: 30 } };
    default:
      return {};
  }
}

/** The variables a template is previewed (or checked) with: a real pre-order's when given, else a sample. */
export async function previewModel(
  ctx: ServiceContext,
  shop: Shop,
  publicUrl: string,
  kind: CustomerMessage,
  preorderId?: string,
): Promise<object> {
  const facts = preorderId
    ? await loadPreorderFacts(ctx, shop.id, preorderId)
    : sampleFacts(shop, ctx.clock());
  const signer = await signerFor(ctx, shop, publicUrl);
  return modelWithExtras(kind, facts, signer);
}

/** A message's variables for a made-up pre-order of the shop: no database needed. */
export function sampleModel(shop: Shop, kind: CustomerMessage, signer: LinkSigner): object {
  return modelWithExtras(kind, sampleFacts(shop, signer.now), signer);
}

function modelWithExtras(kind: CustomerMessage, facts: PreorderFacts, signer: LinkSigner): object {
  return { ...preorderModel(facts, signer), ...sampleExtras(kind, facts, signer) };
}

export async function previewTemplate(
  ctx: ServiceContext,
  shop: Shop,
  publicUrl: string,
  kind: CustomerMessage,
  template: TemplateSource,
  preorderId?: string,
): Promise<RenderedMessage> {
  return renderTemplate(template, await previewModel(ctx, shop, publicUrl, kind, preorderId));
}
