/**
 * A campaign's terms as a Shopify selling plan group of category PRE_ORDER, in the Admin GraphQL API's
 * input shape (SellingPlanGroupInput, SellingPlanInput). Pure: the caller passes the promise and the clock.
 *
 * - Checkout charge: everything for `full`, the deposit for `deposit` (PERCENTAGE of the price, or a PRICE
 *   per unit), nothing for `later`.
 * - Remaining balance: NO_REMAINING_BALANCE when paid in full; otherwise EXACT_TIME when Presell can name
 *   the day (a balance on a date; N days before the promised ship date; on release, the promised ship
 *   date). Shopify needs a time even when no date is known yet: then TIME_AFTER_CHECKOUT of a year, which
 *   Presell replaces as soon as the supply plan gives a date. Presell itself collects the balance when its
 *   own rules say it is due (orderCreateMandatePayment), whatever the plan shows.
 * - Delivery: EXACT_TIME at the first day of the window the next shopper is promised, UNKNOWN without one.
 * - Inventory is reserved on sale: Presell's cap decides what can be sold, not stock on hand.
 */
import { createHash } from 'node:crypto';
import { addDays, type CalendarDate, shopDayStart } from '../domain/calendar.ts';
import type { PaymentTerms } from '../domain/campaign.ts';
import { toDecimalAmount } from '../domain/decimal-money.ts';
import type { PromiseWindow } from '../domain/promise.ts';

export interface CampaignSellingTerms {
  campaignId: string;
  terms: PaymentTerms;
  currency: string;
  /** The window the next shopper would be promised; null while no date can be given. */
  window: PromiseWindow | null;
  timeZone: string;
  /** Buyer-facing, in the shop's language: "Pre-order" and "Ships the week of 14 December". */
  name: string;
  description: string;
}

type CheckoutCharge =
  | { type: 'PERCENTAGE'; value: { percentage: number } }
  | { type: 'PRICE'; value: { fixedValue: string } };

export interface SellingPlanInput {
  name: string;
  description: string;
  options: string[];
  category: 'PRE_ORDER';
  billingPolicy: {
    fixed: {
      checkoutCharge: CheckoutCharge;
      remainingBalanceChargeTrigger: 'NO_REMAINING_BALANCE' | 'EXACT_TIME' | 'TIME_AFTER_CHECKOUT';
      remainingBalanceChargeExactTime?: string;
      remainingBalanceChargeTimeAfterCheckout?: string;
    };
  };
  deliveryPolicy: {
    fixed: { fulfillmentTrigger: 'EXACT_TIME' | 'UNKNOWN'; fulfillmentExactTime?: string };
  };
  inventoryPolicy: { reserve: 'ON_SALE' };
}

export interface SellingPlanGroupInput {
  name: string;
  merchantCode: string;
  description: string;
  options: string[];
}

/** What Shopify shows when no balance date is known yet; replaced once the supply plan names a day. */
const BALANCE_WITHOUT_DATE = 'P1Y';

export function sellingPlanInput(campaign: CampaignSellingTerms): SellingPlanInput {
  const { window, timeZone } = campaign;
  return {
    name: campaign.name,
    description: campaign.description,
    options: [campaign.name],
    category: 'PRE_ORDER',
    billingPolicy: { fixed: billingOf(campaign) },
    deliveryPolicy: {
      fixed: window
        ? { fulfillmentTrigger: 'EXACT_TIME', fulfillmentExactTime: dayStart(window.from, timeZone) }
        : { fulfillmentTrigger: 'UNKNOWN' },
    },
    inventoryPolicy: { reserve: 'ON_SALE' },
  };
}

export function sellingPlanGroupInput(campaign: CampaignSellingTerms): SellingPlanGroupInput {
  return {
    name: campaign.name,
    merchantCode: `presell-${campaign.campaignId}`,
    description: `Presell campaign ${campaign.campaignId}`,
    options: [campaign.name],
  };
}

/** Changes whenever what Shopify should show changes: the group is updated only then. */
export function sellingPlanDigest(group: SellingPlanGroupInput, plan: SellingPlanInput): string {
  return createHash('sha256')
    .update(JSON.stringify([group, plan]))
    .digest('hex');
}

function billingOf(campaign: CampaignSellingTerms): SellingPlanInput['billingPolicy']['fixed'] {
  const { terms } = campaign;
  if (terms.kind === 'full') {
    return {
      checkoutCharge: { type: 'PERCENTAGE', value: { percentage: 100 } },
      remainingBalanceChargeTrigger: 'NO_REMAINING_BALANCE',
    };
  }
  const checkoutCharge: CheckoutCharge =
    terms.kind === 'later'
      ? { type: 'PERCENTAGE', value: { percentage: 0 } }
      : terms.percent != null
        ? { type: 'PERCENTAGE', value: { percentage: terms.percent } }
        : {
            type: 'PRICE',
            value: {
              fixedValue: toDecimalAmount({ amount: terms.amount ?? 0, currency: campaign.currency }),
            },
          };
  const day = balanceDay(campaign);
  return day
    ? {
        checkoutCharge,
        remainingBalanceChargeTrigger: 'EXACT_TIME',
        remainingBalanceChargeExactTime: dayStart(day, campaign.timeZone),
      }
    : {
        checkoutCharge,
        remainingBalanceChargeTrigger: 'TIME_AFTER_CHECKOUT',
        remainingBalanceChargeTimeAfterCheckout: BALANCE_WITHOUT_DATE,
      };
}

/** The shop-local day the balance falls due for the next shopper, when Presell can name it. */
function balanceDay({ terms, window }: CampaignSellingTerms): CalendarDate | null {
  if (terms.kind !== 'deposit') return window?.to ?? null;
  switch (terms.balanceDue.kind) {
    case 'on_date':
      return terms.balanceDue.date;
    case 'days_before_ship':
      return window ? addDays(window.to, -terms.balanceDue.days) : null;
    case 'on_release':
      return window?.to ?? null;
  }
}

function dayStart(date: CalendarDate, timeZone: string): string {
  return shopDayStart(date, timeZone).toISOString();
}
