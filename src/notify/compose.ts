/**
 * What an event says to whom: the customer's message (in the shop's language, from the shop's template or
 * the default) and the merchant's alert, rendered and ready to send. Nothing here sends: the email
 * consumer sends what this composes, and a preview (the admin's template preview, the slip preview of
 * operations) shows it.
 */

import type { Queryable } from '../db/database.ts';
import type { EventData, EventType } from '../domain/events.ts';
import { type Language, languageOf } from '../domain/languages.ts';
import { format, type Money } from '../domain/money.ts';
import { wordingLocale } from '../domain/ship-window-wording.ts';
import { shownBranding } from '../domain/shop.ts';
import { MERCHANT_REQUEST } from '../services/cancellation.ts';
import {
  type CommunicationSettings,
  getCommunicationSettings,
  portalSecret,
} from '../services/communication-settings.ts';
import type { ServiceContext } from '../services/context.ts';
import { CUSTOMER_REQUEST } from '../services/customer-portal.ts';
import { consentAskedAt, DELAY_DECLINED, DELAY_UNANSWERED, openConsent } from '../services/delay-consent.ts';
import { getShop, type Shop } from '../services/shops.ts';
import { type AlertContent, renderAlert } from './alert-messages.ts';
import type { CustomerMessage, MerchantAlert, MessageKind } from './kinds.ts';
import {
  formatInstant,
  type LinkSigner,
  loadPreorderFacts,
  type PreorderFacts,
  preorderModel,
  promiseMessage,
  reasonGiven,
} from './model.ts';
import {
  COPY,
  defaultTemplate,
  type RenderedMessage,
  renderTemplate,
  type TemplateSource,
} from './templates.ts';

/** An event as composing needs it: what happened, to what, when. */
export interface EventFacts {
  id: string;
  shopId: string;
  type: EventType;
  subjectId: string;
  data: Record<string, unknown>;
  createdAt: Date;
}

export interface ComposedMessage {
  kind: MessageKind;
  to: string[];
  rendered: RenderedMessage;
  audience: 'customer' | 'merchant';
  /** The customer's messages are in the shop's language; the merchant's alerts in English. */
  language: Language;
}

/** Cancellations that never reached the customer as an order: nothing to tell them. */
const SILENT_CANCELS = new Set(['abandoned']);

/** The event types that make a message. */
export const MESSAGE_EVENTS = [
  'preorder.confirmed',
  'preorder.promise_changed',
  'preorder.delay_consent_reminder',
  'preorder.kept',
  'preorder.balance_upcoming',
  'preorder.balance_charged',
  'preorder.payment_failed',
  'preorder.cancelled',
  'preorder.refund_issued',
  'preorder.ready',
  'preorder.fulfilled',
  'preorder.partly_shipped',
  'preorder.late',
  'campaign.cap_reached',
  'campaign.cancellation_rate_high',
  'campaign.preorders_late',
  'batch.ready_date_unconfirmed',
  'shop.digest',
  'shop.dead_letters',
] as const satisfies readonly EventType[];

/** Who the shop's messages come from, by its settings: the display name, and where customers reply. */
export interface Sender {
  name: string;
  replyTo: string | null;
}

export function senderOf(
  shop: Shop,
  settings: Pick<CommunicationSettings, 'senderName' | 'replyTo'>,
): Sender {
  return { name: settings.senderName ?? shownBranding(shop).name, replyTo: settings.replyTo };
}

/** Everything one event says, to the customer and to the merchant, and who says it. */
export async function composeMessages(
  ctx: ServiceContext,
  publicUrl: string,
  event: EventFacts,
): Promise<{ messages: ComposedMessage[]; sender: Sender }> {
  const shop = await getShop(ctx, event.shopId);
  const now = ctx.clock();
  const settings = await getCommunicationSettings(ctx.db, shop.id, now);
  const signer: LinkSigner = {
    publicUrl,
    secret: await portalSecret(ctx.db, shop.id, now),
    linkDays: settings.portalLinkDays,
    now,
  };
  const messages: ComposedMessage[] = [];
  if (event.type.startsWith('preorder.')) {
    const customer = await customerMessage(ctx, shop, signer, event);
    if (customer) messages.push(customer);
  }
  const alert = await alertFor(ctx.db, shop, event);
  if (alert && settings.alertEmails.length > 0) {
    messages.push({
      kind: alert.kind,
      to: settings.alertEmails,
      rendered: renderAlert(shop.name, alert.kind, alert.content),
      audience: 'merchant',
      language: 'en',
    });
  }
  return { messages, sender: senderOf(shop, settings) };
}

async function customerMessage(
  ctx: ServiceContext,
  shop: Shop,
  signer: LinkSigner,
  event: EventFacts,
): Promise<ComposedMessage | undefined> {
  const facts = await loadPreorderFacts(ctx, shop.id, event.subjectId);
  const chosen = await chooseMessage(ctx, facts, signer, event);
  if (!chosen) return undefined;
  const model = { ...preorderModel(facts, signer), ...chosen.extra };
  const language = languageOf(shop.locale);
  const template = await templateFor(ctx.db, shop.id, chosen.kind, language);
  return {
    kind: chosen.kind,
    to: [facts.preorder.email],
    rendered: renderTemplate(template, model),
    audience: 'customer',
    language,
  };
}

type Chosen = { kind: CustomerMessage; extra: Record<string, unknown> } | undefined;

/** Which message an event makes for the customer, and what it adds to the pre-order's variables. */
async function chooseMessage(
  ctx: ServiceContext,
  facts: PreorderFacts,
  signer: LinkSigner,
  event: EventFacts,
): Promise<Chosen> {
  const { shop, preorder } = facts;
  const money = (value: Money) => format(value, wordingLocale(shop.locale));
  const ended = preorder.state === 'cancelled' || preorder.state === 'fulfilled';
  const language = languageOf(shop.locale);
  const consentLinks = (consent: { deadline: Date; withoutAnswer: 'keep' | 'cancel' } | undefined) => {
    if (!consent) return null;
    const { links } = preorderModel(facts, signer);
    return {
      deadline: formatInstant(consent.deadline, shop),
      withoutAnswer: COPY[language].withoutAnswer[consent.withoutAnswer],
      keepUrl: links.keep,
      cancelUrl: links.cancel,
    };
  };
  switch (event.type) {
    case 'preorder.confirmed':
      return { kind: 'confirmation', extra: {} };
    case 'preorder.promise_changed': {
      const data = event.data as EventData<'preorder.promise_changed'>;
      // A promise that passed is told by the late notice, which carries the new one.
      if (data.cause === 'window_passed' || ended) return undefined;
      const consent = await consentAskedAt(ctx.db, shop.id, preorder.id, event.createdAt);
      const direction = directionOf(data.oldWindow, data.newWindow);
      return {
        kind: 'ship_date_changed',
        extra: {
          previous: { message: promiseMessage(shop, preorder, data.oldWindow, signer.now) },
          promise: {
            message: promiseMessage(shop, preorder, data.newWindow, signer.now),
            window: data.newWindow,
          },
          change: {
            direction,
            reason:
              direction === 'earlier' ? null : await reasonGiven(ctx.db, shop.id, preorder, event.createdAt),
          },
          consent: consent?.status === 'open' ? consentLinks(consent) : null,
        },
      };
    }
    case 'preorder.late': {
      if (ended) return undefined;
      const data = event.data as EventData<'preorder.late'>;
      const consent = await consentAskedAt(ctx.db, shop.id, preorder.id, event.createdAt);
      return {
        kind: 'late',
        extra: {
          missed: { message: promiseMessage(shop, preorder, data.missedWindow, signer.now) },
          promise: {
            message: promiseMessage(shop, preorder, data.newWindow, signer.now),
            window: data.newWindow,
          },
          change: {
            direction: 'later',
            reason: await reasonGiven(ctx.db, shop.id, preorder, event.createdAt),
          },
          consent: consent?.status === 'open' ? consentLinks(consent) : null,
        },
      };
    }
    case 'preorder.delay_consent_reminder': {
      const consent = await openConsent(ctx.db, shop.id, preorder.id);
      if (!consent || ended) return undefined;
      return { kind: 'consent_reminder', extra: { consent: consentLinks(consent) } };
    }
    case 'preorder.kept':
      return { kind: 'delay_kept', extra: { kept: { by: (event.data as EventData<'preorder.kept'>).by } } };
    case 'preorder.balance_upcoming': {
      if (ended) return undefined;
      const data = event.data as EventData<'preorder.balance_upcoming'>;
      return {
        kind: 'balance_upcoming',
        extra: {
          payment: { amount: money(data.amount), dueDate: formatInstant(new Date(data.dueAt), shop) },
        },
      };
    }
    case 'preorder.balance_charged':
      return {
        kind: 'balance_charged',
        extra: { payment: { amount: money((event.data as EventData<'preorder.balance_charged'>).amount) } },
      };
    case 'preorder.payment_failed': {
      const data = event.data as EventData<'preorder.payment_failed'>;
      return {
        kind: 'payment_failed',
        extra: {
          payment: {
            amount: money(data.amount),
            retryDate: data.retryAt ? formatInstant(new Date(data.retryAt), shop) : null,
          },
        },
      };
    }
    case 'preorder.cancelled': {
      const data = event.data as EventData<'preorder.cancelled'>;
      if (SILENT_CANCELS.has(data.reason)) return undefined;
      const refund = {
        amount: money(data.refund),
        kept: money(data.kept),
        hasRefund: data.refund.amount > 0,
        hasKept: data.kept.amount > 0,
      };
      if (data.reason === 'payment_failed') return { kind: 'cancelled_nonpayment', extra: { refund } };
      const by = cancelledBy(data.reason);
      return {
        kind: 'cancelled',
        extra: {
          refund,
          cancel: { by, reason: by === 'merchant' && data.reason !== MERCHANT_REQUEST ? data.reason : null },
        },
      };
    }
    case 'preorder.refund_issued': {
      const data = event.data as EventData<'preorder.refund_issued'>;
      return {
        kind: 'refunded',
        extra: { refund: { amount: money(data.amount), live: preorder.state !== 'cancelled' } },
      };
    }
    case 'preorder.ready':
      return { kind: 'ready_to_ship', extra: {} };
    case 'preorder.partly_shipped':
    case 'preorder.fulfilled': {
      const data = event.data as EventData<'preorder.partly_shipped' | 'preorder.fulfilled'>;
      // A parcel with some of the units says how many it holds and how many follow.
      const part =
        event.type === 'preorder.partly_shipped' ? (data as EventData<'preorder.partly_shipped'>) : undefined;
      return {
        kind: 'shipped',
        extra: {
          shipment: {
            carrier: data.carrier,
            trackingNumber: data.trackingNumber,
            trackingUrl: data.trackingUrl,
            partial: part !== undefined,
            quantity: part?.quantity ?? null,
            unitsLeft: part?.unitsLeft ?? null,
          },
        },
      };
    }
    default:
      return undefined;
  }
}

/** Why a pre-order was cancelled, as who did it: the customer, the merchant, or the system's own rules. */
function cancelledBy(reason: string): 'customer' | 'delay_declined' | 'deadline' | 'merchant' | 'system' {
  if (reason === CUSTOMER_REQUEST) return 'customer';
  if (reason === DELAY_DECLINED) return 'delay_declined';
  if (reason === DELAY_UNANSWERED) return 'deadline';
  if (reason === 'payment_failed' || reason === 'abandoned') return 'system';
  return 'merchant';
}

function directionOf(
  oldWindow: { to: string } | null,
  newWindow: { to: string } | null,
): 'later' | 'earlier' | 'lost' {
  if (!newWindow) return 'lost';
  if (!oldWindow) return 'earlier';
  return newWindow.to > oldWindow.to ? 'later' : 'earlier';
}

/** The shop's own template of a message in a language, or the default. */
export async function templateFor(
  db: Queryable,
  shopId: string,
  kind: CustomerMessage,
  language: Language,
): Promise<TemplateSource> {
  const [row] = await db.query<TemplateSource>(
    'SELECT subject, html, text FROM email_templates WHERE shop_id = $1 AND kind = $2 AND language = $3',
    [shopId, kind, language],
  );
  return row ?? defaultTemplate(kind, language);
}

// ——— merchant alerts ———

async function alertFor(
  db: Queryable,
  shop: Shop,
  event: EventFacts,
): Promise<{ kind: MerchantAlert; content: AlertContent } | undefined> {
  const money = (value: Money) => format(value, wordingLocale(shop.locale));
  const campaignName = async (id: string) =>
    (
      await db.query<{ name: string }>('SELECT name FROM campaigns WHERE shop_id = $1 AND id = $2', [
        shop.id,
        id,
      ])
    )[0]?.name ?? id;
  switch (event.type) {
    case 'preorder.payment_failed': {
      const data = event.data as EventData<'preorder.payment_failed'>;
      return {
        kind: 'balance_failed',
        content: {
          title: `A balance charge failed (${data.code})`,
          lines: [
            data.retryAt
              ? `Presell tries again on ${formatInstant(new Date(data.retryAt), shop)}; the customer was asked to update their card.`
              : 'That was the last try: the pre-order is cancelled by the campaign’s policy.',
          ],
          facts: [
            ['Pre-order', event.subjectId],
            ['Amount', money(data.amount)],
            ['Try', String(data.attempt)],
          ],
        },
      };
    }
    case 'campaign.preorders_late': {
      const data = event.data as EventData<'campaign.preorders_late'>;
      return {
        kind: 'late_preorders',
        content: {
          title: `${data.count} pre-order${data.count === 1 ? '' : 's'} missed the promised ship date`,
          lines: [
            'Their promised window passed and they have not shipped. Each customer was told, with the new date.',
            'Ship them, or update the supply plan so that the new dates are right.',
          ],
          facts: [
            ['Campaign', await campaignName(event.subjectId)],
            ['Pre-orders', data.preorderIds.slice(0, 20).join(', ') + (data.count > 20 ? ', …' : '')],
          ],
        },
      };
    }
    case 'campaign.cap_reached': {
      const data = event.data as EventData<'campaign.cap_reached'>;
      return {
        kind: 'cap_reached',
        content: {
          title: `${data.sku} sold out its cap of ${data.cap}`,
          lines: ['No more pre-orders are taken for it. Raise the cap if the supply plan allows.'],
          facts: [
            ['Campaign', await campaignName(event.subjectId)],
            ['Variant', data.sku],
          ],
        },
      };
    }
    case 'campaign.cancellation_rate_high': {
      const data = event.data as EventData<'campaign.cancellation_rate_high'>;
      return {
        kind: 'cancellation_rate',
        content: {
          title: `Cancellations at ${data.percent} % over ${data.windowDays} days`,
          lines: ['Customers are cancelling more than your alert threshold. Delays are the usual cause.'],
          facts: [
            ['Campaign', await campaignName(event.subjectId)],
            ['Cancelled', String(data.cancelled)],
            ['Pre-orders', String(data.placed)],
          ],
        },
      };
    }
    case 'batch.ready_date_unconfirmed': {
      const data = event.data as EventData<'batch.ready_date_unconfirmed'>;
      return {
        kind: 'batch_unconfirmed',
        content: {
          title: `The ${data.sku} batch of ${data.readyDate} is not confirmed yet`,
          lines: [
            'Its ready date is near and the supplier has not confirmed it. Confirm it, or slip it so customers hear in time.',
          ],
          facts: [
            ['Campaign', await campaignName(data.campaignId)],
            ['Batch', event.subjectId],
          ],
        },
      };
    }
    case 'shop.digest': {
      const data = event.data as EventData<'shop.digest'>;
      return {
        kind: 'digest',
        content: {
          title: `Your day at ${shop.name}: ${data.day}`,
          lines: [],
          facts: [
            ['New pre-orders', String(data.placed)],
            ['Cancellations', String(data.cancelled)],
            ['Cash collected', money(data.collected)],
            ['Balances due in the next 7 days', money(data.dueNextWeek)],
          ],
        },
      };
    }
    case 'shop.dead_letters': {
      const data = event.data as EventData<'shop.dead_letters'>;
      return {
        kind: 'dead_letters',
        content: {
          title: `${data.count} deliver${data.count === 1 ? 'y' : 'ies'} failed every retry`,
          lines: ['See GET /v1/dead-letters and retry them once the receiver works again.'],
          facts: [['Consumers', data.consumers.join(', ')]],
        },
      };
    }
    default:
      return undefined;
  }
}
