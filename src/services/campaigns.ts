import type { Queryable } from '../db/database.ts';
import {
  assertCapFits,
  type CampaignAction,
  type CampaignMode,
  type CampaignStatus,
  checkCampaignRules,
  nextStatus,
  type OfferState,
  offerState,
  type PaymentTerms,
  type Wording,
} from '../domain/campaign.ts';
import { DomainError } from '../domain/errors.ts';
import { type EventType, event } from '../domain/events.ts';
import type { Money } from '../domain/money.ts';
import { type EarlyBirdTier, type PriceNow, priceNow } from '../domain/pricing.ts';
import type { FulfilmentPolicy, NextOffer } from '../domain/promise.ts';
import type { CancellationPolicy } from '../domain/refund-policy.ts';
import { buttonLabel } from '../domain/ship-window-wording.ts';
import { newId } from '../ids.ts';
import type { ServiceContext } from './context.ts';
import { type Page, type PageRequest, toPage } from './pagination.ts';
import type { Shop } from './shops.ts';
import { nextOfferFor, repromiseVariant } from './supply.ts';
import { inTransaction } from './unit-of-work.ts';
import { archivedError } from './variants.ts';

export interface CampaignVariant {
  variantId: string;
  sku: string;
  cap: number | null;
  held: number;
  onHand: number;
  /** Under the cap and, when selling only planned supply, the plan (campaign_variants.units_left). */
  unitsLeft: number | null;
}

/** How promises are made for this campaign's customers. */
export interface PromiseSettings {
  /** Days added to a batch's ready date unless the batch says otherwise. */
  bufferDays: number;
  policy: FulfilmentPolicy;
  /** A promise that moves by this many days or fewer is not announced to the customer. */
  toleranceDays: number;
  /** What a shopper gets once planned supply is spoken for. */
  beyondSupply: 'sold_out' | 'to_be_confirmed';
}

export const DEFAULT_PROMISE_SETTINGS: PromiseSettings = {
  bufferDays: 7,
  policy: 'split',
  toleranceDays: 0,
  beyondSupply: 'to_be_confirmed',
};

export interface Campaign {
  id: string;
  shopId: string;
  name: string;
  mode: CampaignMode;
  status: CampaignStatus;
  opensAt: Date | null;
  closesAt: Date | null;
  perCustomerLimit: number | null;
  priceAmount: number;
  currency: string;
  earlyBird: EarlyBirdTier[];
  paymentTerms: PaymentTerms;
  wording: Wording;
  promiseSettings: PromiseSettings;
  /** What a cancellation refunds; see DEFAULT_CANCELLATION_POLICY. */
  cancellationPolicy: CancellationPolicy;
  /** What a store platform's order beyond the cap gets: cancelled and refunded, or accepted (the cap grows). */
  oversellPolicy: OversellPolicy;
  /** When the merchant released the product: balances due on release fall due. */
  releasedAt: Date | null;
  /** When the merchant archived it: out of the default lists and reports, and no longer changed. */
  archivedAt: Date | null;
  unitsHeld: number;
  variants: CampaignVariant[];
  createdAt: Date;
  updatedAt: Date;
}

/** A variant named by the merchant either by our id or by its sku. */
export type VariantRef = { variantId: string } | { sku: string };

export interface NewCampaign {
  name: string;
  mode: CampaignMode;
  opensAt?: Date | null | undefined;
  closesAt?: Date | null | undefined;
  perCustomerLimit?: number | null | undefined;
  price: Money;
  earlyBird?: EarlyBirdTier[] | undefined;
  paymentTerms?: PaymentTerms | undefined;
  wording?: Wording | undefined;
  promiseSettings?: Partial<PromiseSettings> | undefined;
  cancellationPolicy?: CancellationPolicy | undefined;
  oversellPolicy?: OversellPolicy | undefined;
  variants: (VariantRef & { cap: number | null })[];
}

export type OversellPolicy = 'cancel' | 'accept';

/** Everything paid comes back until the pre-order's units are in hand; after that the deposit is kept. */
export const DEFAULT_CANCELLATION_POLICY: CancellationPolicy = {
  fullRefundUntil: { kind: 'state', state: 'allocated' },
};

export type CampaignChanges = Partial<Omit<NewCampaign, 'mode'>>;

export interface Offer {
  sku: string;
  variantId: string;
  campaignId: string;
  mode: CampaignMode;
  state: OfferState;
  reason: string | null;
  price: Money;
  regularPrice: Money;
  earlyBird: PriceNow['tier'];
  unitsLeft: number | null;
  perCustomerLimit: number | null;
  window: { opensAt: Date | null; closesAt: Date | null };
  buttonLabel: string;
  message: string | null;
  /** What the next unit would be promised; null while there is no supply plan. */
  promise: NextOffer | null;
  /** The campaign's terms and wording, from which the storefront's texts are made. */
  paymentTerms: PaymentTerms;
  wording: Wording;
  /** The shelf has the sku (no pre-order needed), or what the campaign sells. */
  availability: 'in_stock' | CampaignMode;
}

const LIVE_STATUSES: CampaignStatus[] = ['scheduled', 'open', 'paused'];
const STATUS_EVENTS = {
  scheduled: 'campaign.scheduled',
  open: 'campaign.opened',
  paused: 'campaign.paused',
  closed: 'campaign.closed',
} as const satisfies Record<Exclude<CampaignStatus, 'draft'>, EventType>;

export async function createCampaign(ctx: ServiceContext, shop: Shop, input: NewCampaign): Promise<Campaign> {
  assertShopCurrency(shop, input.price);
  const rules = {
    mode: input.mode,
    opensAt: input.opensAt ?? null,
    closesAt: input.closesAt ?? null,
    priceAmount: input.price.amount,
    perCustomerLimit: input.perCustomerLimit ?? null,
    earlyBird: input.earlyBird ?? [],
    paymentTerms: input.paymentTerms ?? { kind: 'full' as const },
  };
  checkCampaignRules(rules);
  return inTransaction(ctx, async ({ tx, now, record }) => {
    const id = newId('campaign', now.getTime());
    const variantIds = await resolveVariants(tx, shop.id, input.variants);
    await tx.query(
      `INSERT INTO campaigns (id, shop_id, name, mode, status, opens_at, closes_at, per_customer_limit, price_amount,
         currency, early_bird, payment_terms, wording, buffer_days, fulfilment_policy, promise_tolerance_days,
         beyond_supply, cancellation_policy, oversell_policy, created_at, updated_at)
       VALUES ($1, $2, $3, $4, 'draft', $5, $6, $7, $8, $9, $10, $11, $12, $14, $15, $16, $17, $18, $19, $13, $13)`,
      [
        id,
        shop.id,
        input.name,
        input.mode,
        rules.opensAt,
        rules.closesAt,
        rules.perCustomerLimit,
        rules.priceAmount,
        input.price.currency,
        JSON.stringify(rules.earlyBird),
        JSON.stringify(rules.paymentTerms),
        JSON.stringify(input.wording ?? {}),
        now,
        ...settingsColumns({ ...DEFAULT_PROMISE_SETTINGS, ...input.promiseSettings }),
        JSON.stringify(input.cancellationPolicy ?? DEFAULT_CANCELLATION_POLICY),
        input.oversellPolicy ?? 'cancel',
      ],
    );
    await upsertCaps(tx, shop.id, id, variantIds, input.variants);
    record(event(shop.id, 'campaign.created', id, { name: input.name }));
    return loadCampaign(tx, shop.id, id);
  });
}

export async function getCampaign(ctx: ServiceContext, shopId: string, id: string): Promise<Campaign> {
  return loadCampaign(ctx.db, shopId, id);
}

/**
 * Changes a campaign. Caps are changed under the campaign's lock, the same lock placements take, so a cap
 * can never be set below the units held at that moment.
 */
export async function updateCampaign(
  ctx: ServiceContext,
  shop: Shop,
  id: string,
  changes: CampaignChanges,
): Promise<Campaign> {
  if (changes.price) assertShopCurrency(shop, changes.price);
  return inTransaction(ctx, async (uow) => {
    const { tx, now } = uow;
    const current = await loadCampaign(tx, shop.id, id, { lock: true });
    if (current.archivedAt) throw archivedError('campaign', id);
    if (current.status === 'closed') {
      throw new DomainError('campaign_closed', 'a closed campaign cannot be changed');
    }
    const next = {
      mode: current.mode,
      opensAt: changes.opensAt !== undefined ? changes.opensAt : current.opensAt,
      closesAt: changes.closesAt !== undefined ? changes.closesAt : current.closesAt,
      priceAmount: changes.price?.amount ?? current.priceAmount,
      perCustomerLimit:
        changes.perCustomerLimit !== undefined ? changes.perCustomerLimit : current.perCustomerLimit,
      earlyBird: changes.earlyBird ?? current.earlyBird,
      paymentTerms: changes.paymentTerms ?? current.paymentTerms,
    };
    checkCampaignRules(next);
    if (changes.variants) {
      const variantIds = await resolveVariants(tx, shop.id, changes.variants);
      for (const [index, variantId] of variantIds.entries()) {
        const held = current.variants.find((v) => v.variantId === variantId)?.held ?? 0;
        assertCapFits(changes.variants[index]?.cap ?? null, held, variantId);
      }
      if (current.status !== 'draft') await assertNotInOtherLiveCampaign(tx, shop.id, id, variantIds);
      await upsertCaps(tx, shop.id, id, variantIds, changes.variants);
    }
    await tx.query(
      `UPDATE campaigns SET name = $3, opens_at = $4, closes_at = $5, per_customer_limit = $6, price_amount = $7,
         early_bird = $8, payment_terms = $9, wording = $10, updated_at = $11, buffer_days = $12,
         fulfilment_policy = $13, promise_tolerance_days = $14, beyond_supply = $15, cancellation_policy = $16,
         oversell_policy = $17
       WHERE shop_id = $1 AND id = $2`,
      [
        shop.id,
        id,
        changes.name ?? current.name,
        next.opensAt,
        next.closesAt,
        next.perCustomerLimit,
        next.priceAmount,
        JSON.stringify(next.earlyBird),
        JSON.stringify(next.paymentTerms),
        JSON.stringify(changes.wording ?? current.wording),
        now,
        ...settingsColumns({ ...current.promiseSettings, ...changes.promiseSettings }),
        JSON.stringify(changes.cancellationPolicy ?? current.cancellationPolicy),
        changes.oversellPolicy ?? current.oversellPolicy,
      ],
    );
    uow.record(event(shop.id, 'campaign.updated', id, { fields: Object.keys(changes) }));
    const updated = await loadCampaign(tx, shop.id, id);
    if (changes.promiseSettings) {
      for (const variant of updated.variants) {
        await repromiseVariant(uow, shop, updated, variant.variantId, { kind: 'settings_changed' });
      }
      return loadCampaign(tx, shop.id, id);
    }
    return updated;
  });
}

export interface CampaignFilter extends PageRequest {
  status?: CampaignStatus | undefined;
  mode?: CampaignMode | undefined;
  /** true: only archived campaigns; false (the default): only the others. */
  archived?: boolean | undefined;
}

/** A shop's campaigns, newest first, a page at a time. */
export async function listCampaigns(
  ctx: ServiceContext,
  shopId: string,
  filter: CampaignFilter,
): Promise<Page<Campaign>> {
  const rows = await ctx.db.query<CampaignRow>(
    `${campaignQuery(
      `($2::text IS NULL OR c.id < $2) AND ($3::text IS NULL OR c.status = $3)
       AND ($4::text IS NULL OR c.mode = $4) AND (c.archived_at IS NOT NULL) = $5`,
      {},
    )} ORDER BY c.id DESC LIMIT $6`,
    [
      shopId,
      filter.after ?? null,
      filter.status ?? null,
      filter.mode ?? null,
      filter.archived ?? false,
      filter.limit + 1,
    ],
  );
  return toPage(rows, filter.limit, campaignFromRow);
}

/**
 * Archives a campaign that sells no more (closed, or a draft that never opened), or brings it back. An
 * archived campaign leaves the default lists and the cash report; its pre-orders and history stay.
 */
export async function archiveCampaign(
  ctx: ServiceContext,
  shopId: string,
  id: string,
  archived: boolean,
): Promise<Campaign> {
  return inTransaction(ctx, async (uow) => {
    const current = await loadCampaign(uow.tx, shopId, id, { lock: true });
    if ((current.archivedAt !== null) === archived) return current;
    if (archived && current.status !== 'closed' && current.status !== 'draft') {
      throw new DomainError(
        'invalid_transition',
        `a ${current.status} campaign still sells: close it before archiving it`,
        { from: current.status },
      );
    }
    await uow.tx.query(
      'UPDATE campaigns SET archived_at = $3, updated_at = $4 WHERE shop_id = $1 AND id = $2',
      [shopId, id, archived ? uow.now : null, uow.now],
    );
    uow.record(event(shopId, archived ? 'campaign.archived' : 'campaign.unarchived', id, {}));
    return loadCampaign(uow.tx, shopId, id);
  });
}

/**
 * Deletes a draft campaign: it never opened, so no one pre-ordered; its caps, supply plan and settings go
 * with it. Anything past draft has a history and is archived instead.
 */
export async function deleteDraftCampaign(ctx: ServiceContext, shopId: string, id: string): Promise<void> {
  await inTransaction(ctx, async (uow) => {
    const current = await loadCampaign(uow.tx, shopId, id, { lock: true });
    if (current.status !== 'draft') {
      throw new DomainError(
        'invalid_transition',
        `only a draft campaign can be deleted; this one is ${current.status}: close and archive it instead`,
        { from: current.status },
      );
    }
    await uow.tx.query(
      `WITH batches AS (DELETE FROM supply_batches WHERE shop_id = $1 AND campaign_id = $2),
            consent AS (DELETE FROM campaign_delay_consent WHERE shop_id = $1 AND campaign_id = $2),
            updates AS (DELETE FROM progress_updates WHERE shop_id = $1 AND campaign_id = $2),
            exports AS (DELETE FROM exports WHERE shop_id = $1 AND campaign_id = $2),
            caps AS (DELETE FROM campaign_variants WHERE shop_id = $1 AND campaign_id = $2)
       SELECT 1`,
      [shopId, id],
    );
    await uow.tx.query('DELETE FROM campaigns WHERE shop_id = $1 AND id = $2', [shopId, id]);
    uow.record(event(shopId, 'campaign.deleted', id, { name: current.name }));
  });
}

/** Opens (or schedules), pauses or closes a campaign; each move writes its event. */
export async function moveCampaign(
  ctx: ServiceContext,
  shopId: string,
  id: string,
  action: CampaignAction,
): Promise<Campaign> {
  return inTransaction(ctx, async ({ tx, now, record }) => {
    const current = await loadCampaign(tx, shopId, id, { lock: true });
    if (current.archivedAt) throw archivedError('campaign', id);
    const status = nextStatus(current, action, now);
    if (status === current.status) return current;
    if (action === 'open') {
      if (current.variants.length === 0) {
        throw new DomainError('invalid_campaign', 'a campaign needs at least one variant to open', {
          field: 'variants',
        });
      }
      await resolveVariants(
        tx,
        shopId,
        current.variants.map((v) => ({ variantId: v.variantId })),
      );
      await assertNotInOtherLiveCampaign(
        tx,
        shopId,
        id,
        current.variants.map((v) => v.variantId),
      );
    }
    // The merchant's move: a backorder campaign paused by its stock no longer opens by itself.
    await tx.query(
      'UPDATE campaigns SET status = $3, stock_paused = false, updated_at = $4 WHERE shop_id = $1 AND id = $2',
      [shopId, id, status, now],
    );
    record(event(shopId, STATUS_EVENTS[status], id, { from: current.status, to: status }));
    return { ...current, status, updatedAt: now };
  });
}

/**
 * What the storefront shows for a sku: the campaign selling it now (or next, or last), its price with the
 * current early-bird tier, units left and the button label.
 */
export async function getOffer(ctx: ServiceContext, shop: Shop, sku: string): Promise<Offer> {
  const campaignId = await findOfferingCampaign(ctx.db, shop.id, sku);
  if (!campaignId) throw new DomainError('not_found', 'nothing is on offer for that sku', { sku });
  const campaign = await loadCampaign(ctx.db, shop.id, campaignId);
  const variant = campaign.variants.find((v) => v.sku === sku);
  if (!variant) throw new DomainError('not_found', 'nothing is on offer for that sku', { sku });
  const now = ctx.clock();
  const promise = await nextOfferFor(ctx.db, shop, campaign, variant.variantId, now);
  return offerFor(campaign, variant, now, promise, shop.locale);
}

function offerFor(
  campaign: Campaign,
  variant: CampaignVariant,
  now: Date,
  promise: NextOffer | null,
  locale: string,
): Offer {
  const { state, reason } = offerState(campaign, variant, now);
  const price = priceNow(campaign, campaign.unitsHeld, now);
  return {
    sku: variant.sku,
    variantId: variant.variantId,
    campaignId: campaign.id,
    mode: campaign.mode,
    state,
    reason: reason ?? null,
    price: { amount: price.unitAmount, currency: campaign.currency },
    regularPrice: { amount: price.regularAmount, currency: campaign.currency },
    earlyBird: price.tier,
    unitsLeft: variant.unitsLeft,
    perCustomerLimit: campaign.perCustomerLimit,
    window: { opensAt: campaign.opensAt, closesAt: campaign.closesAt },
    buttonLabel: campaign.wording.buttonLabel ?? buttonLabel(campaign.mode, state, locale, reason),
    message: campaign.wording.message ?? null,
    promise,
    paymentTerms: campaign.paymentTerms,
    wording: campaign.wording,
    availability: variant.onHand > 0 ? 'in_stock' : campaign.mode,
  };
}

/**
 * The campaign a shopper meets for a sku ($1 shop, $2 sku, $3 live statuses): a live one first, else the
 * one closed last. Drafts are never shown.
 */
const OFFERING_CAMPAIGN = `SELECT c.id FROM variants v
  JOIN campaign_variants cv ON cv.variant_id = v.id
  JOIN campaigns c ON c.id = cv.campaign_id
  WHERE v.shop_id = $1 AND v.sku = $2 AND c.status <> 'draft'
  ORDER BY (c.status = ANY($3)) DESC, c.updated_at DESC
  LIMIT 1`;

async function findOfferingCampaign(db: Queryable, shopId: string, sku: string): Promise<string | undefined> {
  const [row] = await db.query<{ id: string }>(OFFERING_CAMPAIGN, [shopId, sku, LIVE_STATUSES]);
  return row?.id;
}

/** The campaign offering a sku, found and (with `lock`) locked in one statement; undefined when none. */
export async function loadOfferingCampaign(
  db: Queryable,
  shopId: string,
  sku: string,
  options: { lock?: boolean } = {},
): Promise<Campaign | undefined> {
  const [row] = await db.query<CampaignRow>(campaignQuery(`c.id = (${OFFERING_CAMPAIGN})`, options), [
    shopId,
    sku,
    LIVE_STATUSES,
  ]);
  return row && campaignFromRow(row);
}

interface CampaignRow {
  id: string;
  shop_id: string;
  name: string;
  mode: CampaignMode;
  status: CampaignStatus;
  opens_at: Date | null;
  closes_at: Date | null;
  per_customer_limit: number | null;
  price_amount: number;
  currency: string;
  early_bird: EarlyBirdTier[];
  payment_terms: PaymentTerms;
  wording: Wording;
  buffer_days: number;
  fulfilment_policy: FulfilmentPolicy;
  promise_tolerance_days: number;
  beyond_supply: PromiseSettings['beyondSupply'];
  cancellation_policy: CancellationPolicy;
  oversell_policy: OversellPolicy;
  released_at: Date | null;
  archived_at: Date | null;
  units_held: number;
  created_at: Date;
  updated_at: Date;
  variants: {
    variant_id: string;
    sku: string;
    cap: number | null;
    held: number;
    on_hand: number;
    units_left: number | null;
  }[];
}

/** A campaign with its variants' counters; with `lock`, holds the campaign row until the transaction ends. */
export async function loadCampaign(
  db: Queryable,
  shopId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<Campaign> {
  const [row] = await db.query<CampaignRow>(campaignQuery('c.id = $2', options), [shopId, id]);
  if (!row) throw new DomainError('not_found', 'no such campaign', { id });
  return campaignFromRow(row);
}

/** A shop's campaign ($1) with its variants' counters, chosen by `condition`. */
function campaignQuery(condition: string, options: { lock?: boolean }): string {
  return `SELECT c.*, coalesce((
      SELECT json_agg(json_build_object('variant_id', cv.variant_id, 'sku', v.sku, 'cap', cv.cap,
                                        'held', cv.held, 'on_hand', v.on_hand, 'units_left', cv.units_left)
                      ORDER BY v.sku)
      FROM campaign_variants cv JOIN variants v ON v.id = cv.variant_id
      WHERE cv.campaign_id = c.id), '[]') AS variants
    FROM campaigns c WHERE c.shop_id = $1 AND ${condition} ${options.lock ? 'FOR UPDATE OF c' : ''}`;
}

function campaignFromRow(row: CampaignRow): Campaign {
  return {
    id: row.id,
    shopId: row.shop_id,
    name: row.name,
    mode: row.mode,
    status: row.status,
    opensAt: row.opens_at,
    closesAt: row.closes_at,
    perCustomerLimit: row.per_customer_limit,
    priceAmount: row.price_amount,
    currency: row.currency,
    earlyBird: row.early_bird,
    paymentTerms: row.payment_terms,
    wording: row.wording,
    promiseSettings: {
      bufferDays: row.buffer_days,
      policy: row.fulfilment_policy,
      toleranceDays: row.promise_tolerance_days,
      beyondSupply: row.beyond_supply,
    },
    cancellationPolicy: row.cancellation_policy,
    oversellPolicy: row.oversell_policy,
    releasedAt: row.released_at,
    archivedAt: row.archived_at,
    unitsHeld: row.units_held,
    variants: row.variants.map((v) => ({
      variantId: v.variant_id,
      sku: v.sku,
      cap: v.cap,
      held: v.held,
      onHand: v.on_hand,
      unitsLeft: v.units_left,
    })),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function resolveVariants(
  tx: Queryable,
  shopId: string,
  refs: readonly VariantRef[],
): Promise<string[]> {
  const rows = await tx.query<{ id: string; sku: string; archived_at: Date | null }>(
    'SELECT id, sku, archived_at FROM variants WHERE shop_id = $1 AND (id = ANY($2) OR sku = ANY($3))',
    [
      shopId,
      refs.flatMap((r) => ('variantId' in r ? [r.variantId] : [])),
      refs.flatMap((r) => ('sku' in r ? [r.sku] : [])),
    ],
  );
  const ids = refs.map(
    (ref) => rows.find((row) => ('variantId' in ref ? row.id === ref.variantId : row.sku === ref.sku))?.id,
  );
  const missing = refs.filter((_, index) => !ids[index]);
  if (missing.length > 0) {
    throw new DomainError('unknown_variant', 'some variants do not exist in this shop', {
      variants: missing,
    });
  }
  if (new Set(ids).size !== ids.length) {
    throw new DomainError('invalid_campaign', 'a variant is listed twice', { field: 'variants' });
  }
  const archived = rows.find((row) => row.archived_at !== null && ids.includes(row.id));
  if (archived) {
    throw new DomainError('archived', `variant ${archived.sku} is archived: unarchive it to sell it`, {
      id: archived.id,
    });
  }
  return ids as string[];
}

async function upsertCaps(
  tx: Queryable,
  shopId: string,
  campaignId: string,
  variantIds: readonly string[],
  entries: readonly { cap: number | null }[],
) {
  for (const [index, variantId] of variantIds.entries()) {
    await tx.query(
      `INSERT INTO campaign_variants (shop_id, campaign_id, variant_id, cap) VALUES ($1, $2, $3, $4)
       ON CONFLICT (campaign_id, variant_id) DO UPDATE SET cap = excluded.cap`,
      [shopId, campaignId, variantId, entries[index]?.cap ?? null],
    );
  }
}

/** A variant sells in one live campaign at a time, so a shopper's sku always means one offer. */
async function assertNotInOtherLiveCampaign(
  tx: Queryable,
  shopId: string,
  campaignId: string,
  variantIds: string[],
) {
  const clash = await tx.query<{ campaign_id: string; variant_id: string }>(
    `SELECT cv.campaign_id, cv.variant_id FROM campaign_variants cv JOIN campaigns c ON c.id = cv.campaign_id
     WHERE c.shop_id = $1 AND c.id <> $2 AND c.status = ANY($3) AND cv.variant_id = ANY($4)`,
    [shopId, campaignId, LIVE_STATUSES, variantIds],
  );
  if (clash.length > 0) {
    throw new DomainError('variant_in_other_campaign', 'a variant already sells in another live campaign', {
      clashes: clash.map((c) => ({ campaignId: c.campaign_id, variantId: c.variant_id })),
    });
  }
}

function settingsColumns(settings: PromiseSettings) {
  return [settings.bufferDays, settings.policy, settings.toleranceDays, settings.beyondSupply];
}

function assertShopCurrency(shop: Shop, price: Money) {
  if (price.currency !== shop.currency) {
    throw new DomainError('currency_mismatch', `this shop sells in ${shop.currency}`, {
      field: 'price.currency',
      expected: shop.currency,
    });
  }
}

/** The campaign's variant of this SKU, or unknown_variant naming the ones it sells. */
export function campaignVariantBySku(campaign: Campaign, sku: string): CampaignVariant {
  const variant = campaign.variants.find((v) => v.sku === sku);
  if (!variant) {
    throw new DomainError('unknown_variant', `${sku} is not part of this campaign`, {
      field: 'sku',
      expected: campaign.variants.map((v) => v.sku),
      received: sku,
    });
  }
  return variant;
}
