/**
 * The API's shapes. The same schemas validate requests and produce the OpenAPI document, so the two
 * cannot drift.
 */
import { z } from 'zod';
import { EARLIEST_DATE, LATEST_DATE } from '../domain/calendar.ts';
import { CAMPAIGN_STATUSES } from '../domain/campaign.ts';
import { isCountry } from '../domain/countries.ts';
import { normaliseEmail } from '../domain/customer.ts';
import { PAYMENT_STATUSES } from '../domain/ledger.ts';
import { PREORDER_STATES } from '../domain/lifecycle.ts';
import { isCurrency } from '../domain/money.ts';
import { canonicalLocale } from '../domain/shop.ts';

/** Largest quantity one pre-order can ask for: more is a typo or an attack, never a customer. */
export const MAX_QUANTITY = 10_000;
/** Largest unit price: MAX_QUANTITY units of it still total an exact integer (below 2^53). */
const MAX_AMOUNT = 900_000_000_000;
const MAX_TOTAL = MAX_AMOUNT * MAX_QUANTITY;
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}\p{Cs}]*$/u;

/** Free text a person typed: trimmed, bounded, and no control characters (they are never meant). */
export const text = (max: number) =>
  z.string().trim().min(1).max(max).regex(NO_CONTROL_CHARACTERS, 'text without control characters');

export const sku = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[^\p{Cc}\p{Cs}\s]+$/u, 'a sku without spaces or control characters')
  .describe('The merchant’s stock-keeping unit');

export const id = (prefix: string) =>
  z
    .string()
    .max(64)
    .regex(new RegExp(`^${prefix}_[0-9a-z]+$`), `an id starting with ${prefix}_`);

export const currency = z
  .string()
  .length(3)
  .refine(isCurrency, 'an ISO 4217 currency code such as EUR')
  .describe('ISO 4217 currency code');

export const money = z
  .strictObject({
    amount: z.number().int().min(0).max(MAX_AMOUNT).describe('In the currency’s minor units (cents, yen)'),
    currency,
  })
  .meta({ id: 'Money' });

/** What several units cost together: above one unit's bound, so a large pre-order can still be shown. */
const total = z.object({
  amount: z.number().int().min(0).max(MAX_TOTAL).describe('In the currency’s minor units'),
  currency,
});

export const email = z
  .string()
  .max(320)
  .regex(NO_CONTROL_CHARACTERS, 'text without control characters')
  .transform((raw, ctx) => {
    try {
      return normaliseEmail(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'an email address such as ana@example.com' });
      return z.NEVER;
    }
  })
  .describe('The customer’s email; compared case-insensitively');

const dateRange = `from ${EARLIEST_DATE} to ${LATEST_DATE}`;
export const instant = z.iso
  .datetime({ offset: true })
  .refine((value) => {
    const time = Date.parse(value);
    return Number.isNaN(time) || inDateRange(new Date(time).toISOString().slice(0, 10));
  }, `a moment ${dateRange}`)
  .describe(`ISO 8601 date-time, ${dateRange}`);
export const isoDate = z.iso
  .date()
  .refine(inDateRange, `a date ${dateRange}`)
  .describe(`Calendar date YYYY-MM-DD, ${dateRange}`);

function inDateRange(date: string): boolean {
  return date >= EARLIEST_DATE && date <= LATEST_DATE;
}

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  after: z
    .string()
    .max(64)
    .regex(/^[a-z]+_[0-9a-z]+$/, 'a nextCursor from a previous page')
    .optional()
    .describe('The `nextCursor` of the previous page'),
});

export const tierPerk = z
  .strictObject({
    sku: sku.nullish().describe('A bonus item, not charged'),
    quantity: z
      .number()
      .int()
      .min(1)
      .max(100)
      .nullish()
      .describe('Of the bonus item, per unit bought in the tier'),
    note: text(200).nullish().describe('e.g. "Signed by the designer"'),
  })
  .refine(
    (perk) => (perk.sku == null) === (perk.quantity == null),
    'a bonus item needs both sku and quantity',
  )
  .refine(
    (perk) => perk.sku != null || perk.note != null,
    'a perk is a bonus item (sku and quantity) or a note',
  )
  .meta({ id: 'TierPerk' });

export const earlyBirdTier = z
  .strictObject({
    name: text(80),
    firstUnits: z
      .number()
      .int()
      .min(1)
      .max(10_000_000)
      .nullish()
      .describe('The first N units of the campaign'),
    until: instant.nullish().describe('Units placed before this instant'),
    unitAmount: z.number().int().min(0).max(MAX_AMOUNT).nullish().describe('Early-bird price in minor units'),
    percentOff: z.number().gt(0).lt(100).multipleOf(0.01).nullish(),
    perk: tierPerk
      .nullish()
      .describe('A bonus for each unit sold in this tier; kept by the pre-orders that got it'),
  })
  .meta({ id: 'EarlyBirdTier' });

const balanceTrigger = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('on_release') }),
  z.strictObject({ kind: z.literal('on_date'), date: isoDate }),
  z.strictObject({ kind: z.literal('days_before_ship'), days: z.number().int().min(0).max(365) }),
]);

export const paymentTerms = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('full') }),
    z.strictObject({
      kind: z.literal('deposit'),
      percent: z.number().gt(0).lt(100).multipleOf(0.01).nullish(),
      amount: z.number().int().min(1).max(MAX_AMOUNT).nullish(),
      balanceDue: balanceTrigger.default({ kind: 'on_release' }),
    }),
    z.strictObject({ kind: z.literal('later') }),
  ])
  .meta({ id: 'PaymentTerms' });

const textOverrides = z.strictObject({
  buttonLabel: text(40).nullish(),
  headline: text(200).nullish(),
  paymentTerms: text(200).nullish(),
  earlyBird: text(200).nullish().describe('{count}: units left at the early-bird price'),
  unitsLeft: text(200).nullish().describe('{count}: units left'),
  countdown: text(200)
    .regex(/\{time\}/, 'text with {time} where the time left goes')
    .nullish()
    .describe('e.g. "Doors open in {time}"'),
  message: text(500).nullish(),
});

const localeTag = z
  .string()
  .max(35)
  .refine(
    (tag) => canonicalLocale(tag) === tag,
    'a BCP 47 language or locale in its canonical spelling (de, de-CH)',
  );

export const wording = z
  .strictObject({
    buttonLabel: text(40).nullish().describe('The button while the offer is open, in every language'),
    message: text(500).nullish(),
    locales: z
      .record(localeTag, textOverrides)
      .nullish()
      .describe('The storefront’s texts replaced per language or locale; the most specific one wins'),
  })
  .meta({ id: 'Wording' });

const cap = z
  .number()
  .int()
  .min(0)
  .max(10_000_000)
  .nullable()
  .describe('Units for sale; null means no cap and 0 means nothing to sell');

/** How promises are made for a campaign's customers (see the Promise schema). */
export const promiseSettings = z
  .strictObject({
    bufferDays: z.number().int().min(0).max(365).describe('Default buffer days of new batches'),
    policy: z
      .enum(['split', 'ship_complete'])
      .describe(
        'split: units ship as their batch arrives; ship_complete: a pre-order waits for its last unit',
      ),
    toleranceDays: z
      .number()
      .int()
      .min(0)
      .max(365)
      .describe('Promise moves up to this many days are not announced'),
    beyondSupply: z
      .enum(['sold_out', 'to_be_confirmed'])
      .describe('Once planned supply is spoken for: stop selling, or sell with the date to be confirmed'),
  })
  .meta({ id: 'PromiseSettings' });

export const cancellationPolicy = z
  .strictObject({
    fullRefundUntil: z
      .discriminatedUnion('kind', [
        z.strictObject({ kind: z.literal('date'), date: isoDate }),
        z.strictObject({ kind: z.literal('state'), state: z.enum(PREORDER_STATES) }),
      ])
      .nullable()
      .describe(
        'Everything paid is refunded on this shop-local date and before, or while the pre-order is in a state ' +
          'before this one; after it the deposit is kept. null: always a full refund.',
      ),
  })
  .describe('Default: a full refund until the pre-order is allocated (its units are in hand)')
  .meta({ id: 'CancellationPolicy' });

export const oversellPolicy = z
  .enum(['cancel', 'accept'])
  .describe(
    'An order a store platform (Shopify) took beyond the cap without a hold: cancel and refund its line with an ' +
      'apology (default), or accept it at the end of the queue, the cap growing by its units',
  );

export const campaignVariantInput = z.union([
  z.strictObject({ variantId: id('var'), cap }),
  z.strictObject({ sku, cap }),
]);

export const createCampaignBody = z.strictObject({
  name: text(200),
  mode: z.enum(['preorder', 'backorder']),
  opensAt: instant.nullish(),
  closesAt: instant.nullish(),
  perCustomerLimit: z.number().int().min(1).max(MAX_QUANTITY).nullish(),
  price: money,
  earlyBird: z.array(earlyBirdTier).max(10).optional(),
  paymentTerms: paymentTerms.optional(),
  wording: wording.optional(),
  promiseSettings: promiseSettings.partial().optional(),
  cancellationPolicy: cancellationPolicy.optional(),
  oversellPolicy: oversellPolicy.optional(),
  variants: z.array(campaignVariantInput).max(100),
});

export const updateCampaignBody = createCampaignBody.omit({ mode: true }).partial();

export const campaignVariant = z.object({
  variantId: z.string(),
  sku: z.string(),
  cap: z.number().nullable(),
  held: z.number(),
  unitsLeft: z.number().nullable(),
});

export const campaign = z
  .object({
    id: z.string(),
    object: z.literal('campaign'),
    name: z.string(),
    mode: z.enum(['preorder', 'backorder']),
    status: z.enum(CAMPAIGN_STATUSES),
    opensAt: z.string().nullable(),
    closesAt: z.string().nullable(),
    perCustomerLimit: z.number().nullable(),
    price: money,
    earlyBird: z.array(earlyBirdTier),
    paymentTerms,
    wording,
    promiseSettings,
    cancellationPolicy,
    oversellPolicy,
    releasedAt: z
      .string()
      .nullable()
      .describe('When the product was released; balances due on release then fall due'),
    archivedAt: z.string().nullable().describe('When it was archived: out of the default lists and reports'),
    unitsHeld: z.number(),
    variants: z.array(campaignVariant),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Campaign' });

export const createVariantBody = z.strictObject({
  sku,
  name: text(200),
  externalId: text(200).nullish().describe('The id of this variant on a store platform'),
  onHand: z.number().int().min(0).max(10_000_000).optional().describe('Units in stock now'),
});

export const variant = z
  .object({
    id: z.string(),
    object: z.literal('variant'),
    sku: z.string(),
    name: z.string(),
    externalId: z.string().nullable(),
    onHand: z.number(),
    archivedAt: z.string().nullable().describe('When it was archived: out of the default list'),
    createdAt: z.string(),
  })
  .meta({ id: 'Variant' });

export const updateVariantBody = createVariantBody
  .omit({ sku: true })
  .partial()
  .extend({
    onHand: createVariantBody.shape.onHand.describe(
      'Units in stock now; units that came in serve waiting backorders first',
    ),
  });

/** A yes/no query parameter, written as the words true and false. */
const flag = z.enum(['true', 'false']).transform((value) => value === 'true');

export const variantQuery = pageQuery.extend({
  sku: sku.optional(),
  archived: flag.optional().describe('true: only archived variants; by default only the others'),
});

export const campaignQuery = pageQuery.extend({
  status: z.enum(CAMPAIGN_STATUSES).optional(),
  mode: z.enum(['preorder', 'backorder']).optional(),
  archived: flag.optional().describe('true: only archived campaigns; by default only the others'),
});

export const shipWindow = z
  .object({ from: z.string(), to: z.string() })
  .describe('Calendar dates (YYYY-MM-DD) in the shop’s time zone');

export const promise = z
  .object({
    status: z
      .enum(['promised', 'unpromised'])
      .describe('unpromised: planned supply does not reach this pre-order yet'),
    window: shipWindow.nullable(),
    placeInLine: z.number().nullable().describe('Among customers waiting for supply not yet planned'),
    message: z.string().describe('Worded in the shop’s locale, e.g. "Ships the week of 14 December"'),
    batches: z.array(
      z.object({
        batchId: z.string(),
        units: z.number(),
        inStock: z.boolean(),
        ships: shipWindow
          .nullish()
          .describe('When these units ship: under the split policy each batch’s when it is ready'),
      }),
    ),
  })
  .meta({ id: 'Promise' });

/** Where a pre-order ships: the same fields the hosted checkout collects. */
export const shippingAddressInput = z
  .strictObject({
    name: text(200).describe('Who receives the parcel'),
    line1: text(200),
    line2: text(200).nullish(),
    postalCode: text(20),
    city: text(100),
    region: text(100).nullish().describe('State, province or county, where the country uses one'),
    country: z
      .string()
      .length(2)
      .refine(isCountry, 'an ISO 3166-1 alpha-2 country code in capitals, such as DE')
      .describe('ISO 3166-1 alpha-2'),
    phone: z
      .string()
      .max(40)
      .regex(/^\+?[0-9][0-9 ()./-]{2,39}$/, 'a phone number: digits, spaces, + ( ) . / -')
      .nullish()
      .describe('For the carrier'),
  })
  .meta({ id: 'NewShippingAddress' });

export const shippingAddress = z
  .object({
    name: z.string(),
    line1: z.string(),
    line2: z.string().nullable(),
    postalCode: z.string(),
    city: z.string(),
    region: z.string().nullable(),
    country: z.string(),
    phone: z.string().nullable(),
  })
  .meta({ id: 'ShippingAddress' });

export const shipment = z
  .object({
    carrier: z.string().nullable(),
    trackingNumber: z.string().nullable(),
    trackingUrl: z.string().nullable(),
    shippedAt: z.string(),
  })
  .meta({ id: 'Shipment' });

const priceLine = z.object({
  tier: z.string().nullable(),
  quantity: z.number(),
  unitPrice: money,
  perk: tierPerk.optional().describe('What the tier granted with this price; never taken away'),
});

const PAYMENT_STATUS_MEANING =
  'Where its money stands: unpaid (nothing charged yet), deposit_paid (part charged, the balance not yet), ' +
  'failed (a balance charge failed; a retry is scheduled), paid (the whole total charged), ' +
  'refunded (some or all of what was paid given back)';

export const preorder = z
  .object({
    id: z.string(),
    object: z.literal('preorder'),
    campaignId: z.string(),
    variantId: z.string(),
    sku: z.string(),
    email: z.string(),
    quantity: z.number(),
    queuePosition: z
      .number()
      .describe(
        'The customer’s place among the campaign’s pre-orders still waiting or shipped (cancelled ones are not counted); it moves up when someone ahead cancels',
      ),
    priority: z.number().describe('Merchant priority: higher is served first, then queue position'),
    unitPrice: money,
    total,
    priceLines: z.array(priceLine).describe('Units at each price, when a pre-order spans an early-bird tier'),
    state: z.enum(PREORDER_STATES),
    paymentStatus: z.enum(PAYMENT_STATUSES).describe(PAYMENT_STATUS_MEANING),
    promise: promise.nullable().describe('The ship window this customer was promised'),
    shipment: shipment.nullable().describe('Carrier and tracking of the last parcel, once fulfilled'),
    shippingAddress: shippingAddress.nullable().describe('Required before the pre-order can be exported'),
    unitsShipped: z.number().describe('Units in parcels so far; fulfilled once all have shipped'),
    exportedAt: z.string().nullable().describe('When an export handed it to fulfilment'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Preorder' });

export const preorderEmail = z
  .object({
    messageId: z.string().describe('The Message-ID header; the same on every try of one message'),
    kind: z.string().describe('Which message, e.g. confirmation, ship_date_changed, balance_charged'),
    language: z.string().nullable().describe('The language it was written in (en, de, fr, ja)'),
    subject: z.string(),
    to: z.string(),
    status: z.enum(['sent', 'failed']).describe('failed: the last try was refused; the relay tries again'),
    at: z.string().describe('When it was handed to the mail server, or when the last try failed'),
    error: z.string().nullable().describe('What the mail server answered to a failed try'),
  })
  .meta({ id: 'PreorderEmail' });

export const fulfilBody = z
  .strictObject({
    quantity: z
      .number()
      .int()
      .min(1)
      .max(MAX_QUANTITY)
      .optional()
      .describe(
        'Units in this parcel; every unit left when left out. Only a split-policy campaign ships in parts',
      ),
    carrier: text(100).nullish().describe('e.g. DHL, UPS, Royal Mail'),
    trackingNumber: text(100).nullish(),
    trackingUrl: z
      .url({ protocol: /^https?$/, error: 'an http or https URL' })
      .max(2000)
      .nullish()
      .describe('Where the customer follows the parcel'),
    shippedAt: instant.optional().describe('When it left; now when left out'),
  })
  .optional();

export const preorderQuery = pageQuery.extend({
  campaign: id('cmp').optional(),
  state: z.enum(PREORDER_STATES).optional(),
  email: email.optional(),
  batch: id('bat').optional().describe('Only pre-orders whose promise draws units from this batch'),
  paymentStatus: z.enum(PAYMENT_STATUSES).optional().describe(PAYMENT_STATUS_MEANING),
});

export const placePreorderBody = z.strictObject({
  sku,
  quantity: z.number().int().min(1).max(MAX_QUANTITY),
  email,
  shippingAddress: shippingAddressInput
    .optional()
    .describe('Optional now; required before the pre-order is exported, changeable until then'),
});

export const idempotencyHeaders = z.object({
  'idempotency-key': z
    .string()
    .min(1)
    .max(255)
    .regex(/^[\x21-\x7e]+$/, 'printable ASCII without spaces')
    .describe('A unique key per request; a retry with the same key returns the first answer'),
});

export const offerPromise = z
  .object({
    status: z.enum(['promised', 'to_be_confirmed', 'sold_out']),
    window: shipWindow.nullable(),
    message: z.string().describe('e.g. "Order now — ships the week of 14 December"'),
    firstShipment: z
      .object({ unitsLeft: z.number(), message: z.string().nullable() })
      .nullable()
      .describe('Room left in the earliest batch that has some: "Only 12 left in the first shipment"'),
  })
  .meta({ id: 'OfferPromise' });

export const offerTexts = z
  .object({
    display: z
      .enum(['order', 'upcoming', 'sold_out', 'unavailable', 'in_stock'])
      .describe('in_stock: the store’s own button sells it; the others replace it'),
    buttonLabel: z.string(),
    headline: z.string().nullable(),
    price: z.string(),
    regularPrice: z.string().nullable().describe('Shown struck through while an early-bird price is lower'),
    paymentTerms: z.string().nullable(),
    earlyBird: z.string().nullable(),
    unitsLeft: z.string().nullable(),
    countdown: z
      .object({ until: z.string(), message: z.string().describe('{time} is where the time left goes') })
      .nullable(),
    message: z.string().nullable(),
  })
  .describe('What the storefront shows, worded for the offer’s state and locale')
  .meta({ id: 'OfferTexts' });

/** What is paid now and what later, and when: from the payment plan, for one unit or for a pre-order. */
export const dueTerms = z
  .object({
    now: total.describe('Charged when it is ordered'),
    later: total.describe('Charged later: the balance, or everything when nothing is paid now'),
    laterDue: z
      .discriminatedUnion('kind', [
        z.object({ kind: z.literal('on_release') }),
        z.object({ kind: z.literal('on_date'), date: isoDate }),
        z.object({ kind: z.literal('before_ship') }),
      ])
      .nullable()
      .describe('When the later part falls due; null when nothing is left to pay later'),
    message: z.string().nullable().describe('e.g. "Pay €20 now, €80 when it ships"'),
  })
  .meta({ id: 'DueTerms' });

export const offer = z
  .object({
    object: z.literal('offer'),
    sku: z.string(),
    variantId: z.string(),
    campaignId: z.string(),
    mode: z.enum(['preorder', 'backorder']),
    state: z.enum(['upcoming', 'open', 'sold_out', 'closed']),
    reason: z.string().nullable().describe('Why it is not open: paused, window_ended, in_stock, …'),
    price: money.describe('What the next unit costs now'),
    regularPrice: money,
    earlyBird: z
      .object({
        name: z.string(),
        unitsLeft: z.number().nullable(),
        endsAt: z.string().nullable(),
        perk: tierPerk
          .nullable()
          .describe('"First 50 get the walnut stand free": shown while the tier has room'),
      })
      .nullable(),
    unitsLeft: z.number().nullable().describe('Units left under the cap; null when there is no cap'),
    perCustomerLimit: z.number().nullable(),
    window: z.object({ opensAt: z.string().nullable(), closesAt: z.string().nullable() }),
    locale: z.string().describe('The language the texts are in'),
    buttonLabel: z.string(),
    message: z.string().nullable(),
    promise: offerPromise,
    payment: dueTerms.describe('One unit’s payment terms at today’s price'),
    texts: offerTexts,
    availability: z
      .object({
        kind: z.enum(['in_stock', 'backorder', 'preorder']),
        message: z
          .string()
          .describe(
            '"In stock", "Backorder — ships by 12 December", "Pre-order — ships the week of 14 December"',
          ),
      })
      .describe('What the shopper gets: the shelf, a backorder or a pre-order, in the shop’s language'),
  })
  .meta({ id: 'Offer' });

export const page = <T extends z.ZodType>(item: T) =>
  z.object({ data: z.array(item), nextCursor: z.string().nullable() });
