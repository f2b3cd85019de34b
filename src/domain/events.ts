/**
 * The event catalogue: every kind of event Presell writes, declared once with the shape of its `data`, a
 * version and one sentence of meaning. Services write events only through these types (a typo does not
 * compile), the outbox relay hands them to consumers (emails, webhooks, store platforms), `GET /v1/events`
 * lists them, and docs/events.md is generated from this file (`npm run docs:events`).
 *
 * A version changes when a field is removed or changes meaning; adding an optional field does not.
 */
import { z } from 'zod';
import { CAMPAIGN_STATUSES } from './campaign.ts';

const money = z.object({ amount: z.number().int(), currency: z.string().length(3) });
const window = z.object({ from: z.string(), to: z.string() }).nullable();
const subjects = ['shop', 'variant', 'campaign', 'batch', 'preorder', 'webhook_endpoint'] as const;
export type EventSubject = (typeof subjects)[number];

interface Declaration<Data extends z.ZodObject> {
  /** What the event's `subjectId` names. */
  readonly subject: EventSubject;
  readonly version: number;
  readonly meaning: string;
  readonly data: Data;
}

const declare = <Data extends z.ZodObject>(
  subject: EventSubject,
  meaning: string,
  data: Data,
  version = 1,
): Declaration<Data> => ({ subject, meaning, data, version });

const statusChange = z.object({
  from: z.enum(CAMPAIGN_STATUSES),
  to: z.enum(CAMPAIGN_STATUSES),
  /** `stock`: a backorder campaign opened or paused itself as its variant's stock ran out or came back. */
  cause: z.enum(['stock']).optional(),
});
const shipment = {
  carrier: z.string().nullable(),
  trackingNumber: z.string().nullable(),
  trackingUrl: z.string().nullable(),
  shippedAt: z.string(),
};
/** A bonus an early-bird tier granted: an item (sku and quantity, not charged) or a note. */
const perk = z.object({
  tier: z.string(),
  sku: z.string().optional(),
  quantity: z.number().int().optional(),
  note: z.string().optional(),
});

export const EVENTS = {
  'shop.created': declare('shop', 'A shop was created with its keys.', z.object({ name: z.string() })),
  'shop.updated': declare(
    'shop',
    'The merchant changed the shop’s settings (name, currency, time zone, locale or branding).',
    z.object({ changed: z.array(z.string()) }),
  ),
  'variant.created': declare(
    'variant',
    'A variant (a sellable sku) was created.',
    z.object({ sku: z.string() }),
  ),
  'variant.stock_changed': declare(
    'variant',
    'The merchant set the units on hand; `toBackorders` of the units that came in went to waiting backorders first.',
    z.object({ onHand: z.number().int(), previousOnHand: z.number().int(), toBackorders: z.number().int() }),
  ),
  'variant.updated': declare(
    'variant',
    'The merchant changed a variant’s name or external id; `fields` names what changed.',
    z.object({ fields: z.array(z.string()) }),
  ),
  'variant.archived': declare(
    'variant',
    'The variant was archived: it leaves the default lists and no campaign can add it.',
    z.object({}),
  ),
  'variant.unarchived': declare('variant', 'The variant is back in the lists.', z.object({})),
  'campaign.created': declare(
    'campaign',
    'A campaign was created as a draft.',
    z.object({ name: z.string() }),
  ),
  'campaign.updated': declare(
    'campaign',
    'The merchant changed a campaign; `fields` names what the request changed.',
    z.object({ fields: z.array(z.string()) }),
  ),
  'campaign.scheduled': declare('campaign', 'A campaign will open by itself at its opensAt.', statusChange),
  'campaign.opened': declare('campaign', 'A campaign opened: shoppers can pre-order.', statusChange),
  'campaign.paused': declare(
    'campaign',
    'A campaign was paused: no new pre-orders until it opens again.',
    statusChange,
  ),
  'campaign.closed': declare('campaign', 'A campaign closed for good.', statusChange),
  'campaign.released': declare(
    'campaign',
    'The product was released: balances due on release and pay-later charges fall due.',
    z.object({}),
  ),
  'campaign.archived': declare(
    'campaign',
    'A finished (or never opened) campaign was archived: it leaves the default lists and reports.',
    z.object({}),
  ),
  'campaign.unarchived': declare('campaign', 'An archived campaign is back in the lists.', z.object({})),
  'campaign.deleted': declare(
    'campaign',
    'A draft campaign was deleted with its variants’ caps and its supply plan; no one had pre-ordered.',
    z.object({ name: z.string() }),
  ),
  'batch.deleted': declare(
    'batch',
    'A supply batch that served no one was taken out of the plan.',
    z.object({ campaignId: z.string() }),
  ),
  'batch.created': declare(
    'batch',
    'A supply batch was planned for a campaign variant.',
    z.object({
      campaignId: z.string(),
      variantId: z.string().optional(),
      quantity: z.number().int().optional(),
      readyDate: z.string().optional(),
    }),
  ),
  'batch.updated': declare(
    'batch',
    'A supply batch changed (date, quantity, buffer, state or units received); `fields` names what changed.',
    z.object({
      fields: z.array(z.string()),
      campaignId: z.string().optional(),
      reason: z.string().optional().describe('Why, in the merchant’s words (a slip’s reason)'),
    }),
  ),
  'preorder.placed': declare(
    'preorder',
    'A shopper placed a pre-order: its units are held and it waits for its first payment step.',
    z.object({
      campaignId: z.string(),
      variantId: z.string(),
      quantity: z.number().int(),
      queuePosition: z
        .number()
        .int()
        .describe('Its place among the campaign’s live pre-orders when placed, as the customer was told'),
      totalAmount: z.number().int(),
      currency: z.string(),
      perks: z.array(perk).optional(),
    }),
  ),
  'preorder.confirmed': declare(
    'preorder',
    'The first payment step succeeded (paid in full, deposit paid, or card saved).',
    z.object({ charged: money.nullable(), cardSaved: z.boolean() }),
  ),
  'preorder.allocated': declare(
    'preorder',
    'Received stock now holds every unit of the pre-order, in queue order.',
    z.object({ campaignId: z.string(), variantId: z.string(), quantity: z.number().int() }),
  ),
  'preorder.balance_due': declare(
    'preorder',
    'The units are in hand and the balance has fallen due; it is being charged.',
    z.object({ amount: money }),
  ),
  'preorder.ready': declare('preorder', 'Fully paid with its units in hand: it can ship.', z.object({})),
  'preorder.fulfilled': declare(
    'preorder',
    'Every unit has shipped; the tracking is that of the last parcel.',
    z.object({ ...shipment, shipmentId: z.string().optional(), quantity: z.number().int().optional() }),
  ),
  'preorder.partly_shipped': declare(
    'preorder',
    'A parcel with some of the units left (split policy); `unitsLeft` still to ship.',
    z.object({
      ...shipment,
      shipmentId: z.string(),
      quantity: z.number().int(),
      unitsShipped: z.number().int(),
      unitsLeft: z.number().int(),
    }),
  ),
  'preorder.address_changed': declare(
    'preorder',
    'The shipping address of the pre-order was set or changed before its export.',
    z.object({}),
  ),
  'preorder.cancelled': declare(
    'preorder',
    'The pre-order was cancelled and its units went back on sale; `refund` is what the policy (or the merchant) gives back.',
    z.object({
      reason: z.string(),
      refund: money,
      kept: money,
      basis: z.enum([
        'policy_before_cutoff',
        'policy_after_cutoff',
        'merchant_full_refund',
        'merchant_no_refund',
      ]),
      campaignId: z.string(),
    }),
  ),
  'preorder.promise_changed': declare(
    'preorder',
    'The ship window the customer was told moved by more than the campaign’s tolerance (or was gained or lost).',
    z.object({
      oldWindow: window,
      newWindow: window,
      cause: z.string(),
      campaignId: z.string(),
      reason: z.string().optional().describe('Why, in the merchant’s words (a slip’s reason)'),
    }),
  ),
  'preorder.priority_changed': declare(
    'preorder',
    'The merchant changed the pre-order’s priority in the queue.',
    z.object({ from: z.number().int(), to: z.number().int() }),
  ),
  'preorder.balance_charged': declare(
    'preorder',
    'A balance charge succeeded.',
    z.object({ amount: money, attempt: z.number().int() }),
  ),
  'preorder.payment_failed': declare(
    'preorder',
    'A balance charge failed; `retryAt` is the next try, null when this was the last.',
    z.object({ amount: money, code: z.string(), attempt: z.number().int(), retryAt: z.string().nullable() }),
  ),
  'preorder.refund_issued': declare(
    'preorder',
    'The merchant refunded money outside a cancellation (goodwill, or the rest of a cancelled pre-order); `preorder.refunded` follows once the provider confirms.',
    z.object({ amount: money, reason: z.string() }),
  ),
  'preorder.refunded': declare('preorder', 'A refund reached the customer.', z.object({ amount: money })),
  'preorder.refund_failed': declare(
    'preorder',
    'The payment provider refused a refund; the merchant has to settle it by hand.',
    z.object({ amount: money, code: z.string() }),
  ),
  'preorder.late_payment_refunded': declare(
    'preorder',
    'Money arrived for a pre-order that had already ended; it is being given back.',
    z.object({ amount: money }),
  ),
  'campaign.oversold': declare(
    'campaign',
    'A store platform sold units beyond the cap and the campaign’s oversell policy accepted them: the cap grew by them.',
    z.object({
      variantId: z.string(),
      quantity: z.number().int(),
      cap: z.number().int(),
      orderId: z.string(),
    }),
  ),
  'shopify.connected': declare(
    'shop',
    'A Shopify store was connected, by the app’s install flow or a custom app’s admin token.',
    z.object({ domain: z.string(), method: z.enum(['oauth', 'custom_app']) }),
  ),
  'shopify.disconnected': declare(
    'shop',
    'The Shopify store uninstalled the app, or asked for its data to be erased; its token is gone.',
    z.object({ domain: z.string(), reason: z.enum(['uninstalled', 'shop_redacted']) }),
  ),
  'shopify.webhook_received': declare(
    'shop',
    'A verified Shopify webhook arrived for the first time; the Shopify adapter handles it from the outbox.',
    z.object({ topic: z.string(), webhookId: z.string() }),
  ),
  'shopify.import_finished': declare(
    'shop',
    'A catalogue import from Shopify read its last page.',
    z.object({ importId: z.string(), variants: z.number().int(), pages: z.number().int() }),
  ),
  'shopify.line_refused': declare(
    'campaign',
    'A Shopify order line came past the cap without a hold: it was cancelled and refunded with an apology.',
    z.object({
      orderId: z.string(),
      lineItemId: z.string(),
      variantId: z.string(),
      quantity: z.number().int(),
      refunded: money.nullable(),
    }),
  ),
  'shopify.customer_data_requested': declare(
    'shop',
    'Shopify relayed a customer’s request for their data; `preorderIds` are the pre-orders Presell holds for them.',
    z.object({ email: z.string().nullable(), preorderIds: z.array(z.string()) }),
  ),
  'webhook_endpoint.disabled': declare(
    'webhook_endpoint',
    'A webhook endpoint was disabled: it answered 410 Gone, or the merchant disabled it.',
    z.object({ url: z.string(), reason: z.string() }),
  ),
  'preorder.late': declare(
    'preorder',
    'The promised window passed and the pre-order has not shipped; `newWindow` is the promise made now.',
    z.object({ missedWindow: window, newWindow: window, campaignId: z.string() }),
  ),
  'preorder.delay_consent_requested': declare(
    'preorder',
    'A delay past the first promised window asks the customer to keep the pre-order or cancel it with a refund, by `deadline`.',
    z.object({
      consentId: z.string(),
      oldWindow: window,
      newWindow: window,
      deadline: z.string(),
      withoutAnswer: z.enum(['keep', 'cancel']),
      campaignId: z.string(),
    }),
  ),
  'preorder.delay_consent_reminder': declare(
    'preorder',
    'The customer has not answered whether to keep a delayed pre-order; the deadline is near.',
    z.object({ consentId: z.string(), deadline: z.string(), withoutAnswer: z.enum(['keep', 'cancel']) }),
  ),
  'preorder.kept': declare(
    'preorder',
    'The pre-order stays after a delay: the customer said so, or the deadline passed and the campaign keeps it.',
    z.object({ consentId: z.string(), by: z.enum(['customer', 'deadline']) }),
  ),
  'preorder.balance_upcoming': declare(
    'preorder',
    'The balance will be charged to the saved card soon (the shop’s reminder days before it falls due).',
    z.object({ amount: money, dueAt: z.string() }),
  ),
  'preorder.card_updated': declare(
    'preorder',
    'The customer gave a new card for what the pre-order still owes.',
    z.object({}),
  ),
  'campaign.update_scheduled': declare(
    'campaign',
    'The merchant scheduled a progress update to the campaign’s customers (or one batch’s).',
    z.object({ updateId: z.string(), sendAt: z.string(), batchId: z.string().nullable() }),
  ),
  'campaign.update_sent': declare(
    'campaign',
    'A progress update went out to every customer it was for; `failed` could not be sent.',
    z.object({ updateId: z.string(), sent: z.number().int(), failed: z.number().int() }),
  ),
  'campaign.cap_reached': declare(
    'campaign',
    'A variant of the campaign sold every unit its cap allows.',
    z.object({ variantId: z.string(), sku: z.string(), cap: z.number().int() }),
  ),
  'campaign.cancellation_rate_high': declare(
    'campaign',
    'Cancellations over the shop’s window passed its alert threshold.',
    z.object({
      cancelled: z.number().int(),
      placed: z.number().int(),
      percent: z.number(),
      windowDays: z.number().int(),
    }),
  ),
  'campaign.preorders_late': declare(
    'campaign',
    'Pre-orders of the campaign passed their promised window without shipping; their customers were told.',
    z.object({ count: z.number().int(), preorderIds: z.array(z.string()) }),
  ),
  'batch.ready_date_unconfirmed': declare(
    'batch',
    'A batch’s ready date is near and the supplier has not confirmed it.',
    z.object({ campaignId: z.string(), sku: z.string(), readyDate: z.string() }),
  ),
  'shop.digest': declare(
    'shop',
    'The day’s summary for the merchant: new pre-orders, cancellations, cash collected, what is due.',
    z.object({
      day: z.string(),
      placed: z.number().int(),
      cancelled: z.number().int(),
      collected: money,
      dueNextWeek: money,
    }),
  ),
  'shop.dead_letters': declare(
    'shop',
    'Deliveries (emails, webhooks) failed every retry and wait as dead letters.',
    z.object({ count: z.number().int(), consumers: z.array(z.string()) }),
  ),
} as const;

export type EventType = keyof typeof EVENTS;
export type EventData<T extends EventType> = z.infer<(typeof EVENTS)[T]['data']>;
export const EVENT_TYPES = Object.keys(EVENTS) as EventType[];

/** An event about to be written: its type from the catalogue and data of that type's shape. */
export type NewEvent = {
  [T in EventType]: { shopId: string; type: T; subjectId: string; data: EventData<T> };
}[EventType];

/** A typed event, for writers that know their type: `event(shopId, 'preorder.ready', id, {})`. */
export function event<T extends EventType>(
  shopId: string,
  type: T,
  subjectId: string,
  data: EventData<T>,
): NewEvent {
  return { shopId, type, subjectId, data } as NewEvent;
}

/** Each type's data schema refusing unknown keys, made once: zod compiles a schema on its first parse. */
const STRICT_DATA = new Map(EVENT_TYPES.map((type) => [type, EVENTS[type].data.strict()]));

/** Refuses data that does not have its type's shape: what consumers read is what the catalogue says. */
export function checkEvent(candidate: NewEvent): void {
  const result = (STRICT_DATA.get(candidate.type) as z.ZodType).safeParse(candidate.data);
  if (!result.success) {
    throw new Error(`event ${candidate.type} does not match the catalogue: ${result.error.message}`);
  }
}

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(EVENTS, type);
}

export { subjects as EVENT_SUBJECTS };
