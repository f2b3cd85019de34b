import { DomainError } from './errors.ts';
import type { TextOverrides } from './offer-wording.ts';
import type { EarlyBirdTier } from './pricing.ts';

export type CampaignMode = 'preorder' | 'backorder';
export const CAMPAIGN_STATUSES = ['draft', 'scheduled', 'open', 'paused', 'closed'] as const;
export type CampaignStatus = (typeof CAMPAIGN_STATUSES)[number];
export type CampaignAction = 'open' | 'pause' | 'close';

export type BalanceTrigger =
  | { kind: 'on_release' }
  | { kind: 'on_date'; date: string }
  | { kind: 'days_before_ship'; days: number };

export type PaymentTerms =
  | { kind: 'full' }
  | { kind: 'deposit'; percent?: number | null; amount?: number | null; balanceDue: BalanceTrigger }
  | { kind: 'later' };

export interface Wording {
  buttonLabel?: string | null;
  message?: string | null;
  /** The storefront's texts replaced for a language (`de`) or a locale (`de-CH`); see offer-wording.ts. */
  locales?: Record<string, TextOverrides> | null;
}

/** The parts of a campaign its rules look at. */
export interface CampaignRules {
  mode: CampaignMode;
  status: CampaignStatus;
  opensAt: Date | null;
  closesAt: Date | null;
  priceAmount: number;
  perCustomerLimit: number | null;
  earlyBird: readonly EarlyBirdTier[];
  paymentTerms: PaymentTerms;
}

/** A variant's counters in a campaign; `cap` null means no cap, 0 means nothing to sell. */
export interface VariantSupply {
  cap: number | null;
  held: number;
  onHand: number;
  /**
   * Units still for sale under the cap and, when the merchant sells only planned supply, the supply limit;
   * null when neither limits it. Defined once, by the database (campaign_variants.units_left), which the
   * reservation checks in the same statement that holds units.
   */
  unitsLeft: number | null;
}

export type OfferState = 'upcoming' | 'open' | 'sold_out' | 'closed';
export type NotOpenReason = 'draft' | 'paused' | 'closed' | 'not_yet_open' | 'window_ended' | 'in_stock';

/** Rules that span several fields, checked after each field's own shape was validated at the edge. */
export function checkCampaignRules(campaign: Omit<CampaignRules, 'status'>): void {
  const refuse = (field: string, message: string) => {
    throw new DomainError('invalid_campaign', message, { field });
  };
  if (campaign.opensAt && campaign.closesAt && campaign.opensAt >= campaign.closesAt) {
    refuse('closesAt', 'closesAt must be after opensAt');
  }
  for (const [index, tier] of campaign.earlyBird.entries()) {
    const field = `earlyBird[${index}]`;
    if (tier.firstUnits == null && tier.until == null)
      refuse(field, 'an early-bird tier needs firstUnits or until');
    if ((tier.unitAmount == null) === (tier.percentOff == null)) {
      refuse(field, 'an early-bird tier has exactly one of unitAmount and percentOff');
    }
    if (tier.unitAmount != null && tier.unitAmount >= campaign.priceAmount) {
      refuse(field, 'an early-bird price must be below the regular price');
    }
  }
  const names = campaign.earlyBird.map((tier) => tier.name);
  if (new Set(names).size !== names.length) refuse('earlyBird', 'early-bird tier names must differ');
  const terms = campaign.paymentTerms;
  if (terms.kind === 'deposit') {
    if ((terms.percent == null) === (terms.amount == null)) {
      refuse('paymentTerms', 'a deposit has exactly one of percent and amount');
    }
    if (terms.amount != null && terms.amount > campaign.priceAmount) {
      refuse('paymentTerms.amount', 'a deposit cannot be more than the price');
    }
  }
}

/** The status after a merchant's action, or `invalid_transition`. Opening before `opensAt` schedules. */
export function nextStatus(
  campaign: Pick<CampaignRules, 'status' | 'opensAt' | 'closesAt'>,
  action: CampaignAction,
  now: Date,
): Exclude<CampaignStatus, 'draft'> {
  const refuse = () => {
    throw new DomainError('invalid_transition', `a ${campaign.status} campaign cannot ${action}`, {
      from: campaign.status,
      action,
    });
  };
  if (campaign.status === 'closed') refuse();
  switch (action) {
    case 'open':
      if (campaign.closesAt && campaign.closesAt <= now) {
        throw new DomainError('window_ended', 'the campaign window has ended; move closesAt to reopen it', {
          closesAt: campaign.closesAt.toISOString(),
        });
      }
      return campaign.opensAt && campaign.opensAt > now ? 'scheduled' : 'open';
    case 'pause':
      if (campaign.status !== 'open' && campaign.status !== 'scheduled') refuse();
      return 'paused';
    case 'close':
      return 'closed';
  }
}

/**
 * Whether a shopper can pre-order this variant now. A scheduled campaign opens by itself at `opensAt`
 * and stops at `closesAt`, so no job has to flip its status on time; a backorder sells only while the
 * variant is out of stock.
 */
export function offerState(
  campaign: Pick<CampaignRules, 'mode' | 'status' | 'opensAt' | 'closesAt'>,
  supply: VariantSupply,
  now: Date,
): { state: OfferState; reason?: NotOpenReason } {
  if (campaign.status === 'draft') return { state: 'closed', reason: 'draft' };
  if (campaign.status === 'closed') return { state: 'closed', reason: 'closed' };
  if (campaign.closesAt && campaign.closesAt <= now) return { state: 'closed', reason: 'window_ended' };
  const upcoming = campaign.opensAt !== null && campaign.opensAt > now;
  // A backorder pauses itself when stock comes in: its variant then sells through the store's own cart,
  // and the shopper is told it is in stock, not that it is unavailable.
  if (campaign.mode === 'backorder' && supply.onHand > 0 && !upcoming) {
    return { state: 'closed', reason: 'in_stock' };
  }
  if (campaign.status === 'paused') return { state: 'closed', reason: 'paused' };
  if (upcoming) return { state: 'upcoming', reason: 'not_yet_open' };
  if (supply.unitsLeft === 0) return { state: 'sold_out' };
  return { state: 'open' };
}

/** Refuses a pre-order the campaign cannot take now, with the code the shopper's client acts on. */
export function assertCanPlace(
  campaign: Pick<CampaignRules, 'mode' | 'status' | 'opensAt' | 'closesAt' | 'perCustomerLimit'>,
  supply: VariantSupply,
  quantity: number,
  now: Date,
): void {
  const { state, reason } = offerState(campaign, supply, now);
  if (state === 'sold_out') throw new DomainError('sold_out', 'this item is sold out', { unitsLeft: 0 });
  if (state !== 'open') {
    throw new DomainError('campaign_not_open', 'this item cannot be pre-ordered right now', {
      state,
      reason,
    });
  }
  if (campaign.perCustomerLimit !== null && quantity > campaign.perCustomerLimit) {
    throw new DomainError(
      'per_customer_limit',
      `at most ${campaign.perCustomerLimit} per customer, not ${quantity}`,
      { limit: campaign.perCustomerLimit },
    );
  }
}

/** A cap may not go below what customers already hold: their units are promised. */
export function assertCapFits(cap: number | null, held: number, variantId: string): void {
  if (cap !== null && cap < held) {
    throw new DomainError('cap_below_held', `the cap cannot go below the ${held} units already held`, {
      variantId,
      held,
      cap,
    });
  }
}
