/**
 * Each live campaign that sells Shopify variants has one selling plan group of category PRE_ORDER on the
 * store, mirroring its terms (selling-plan-input.ts) and attached to exactly its Shopify variants. It is
 * created when the campaign first needs it, updated when what it should say changes (terms, the promised
 * window, the wording), and deleted when the campaign closes or sells no Shopify variant any more.
 */
import { buttonLabel } from '../domain/ship-window-wording.ts';
import { loadCampaign } from '../services/campaigns.ts';
import { offerPromiseView, wordingFor } from '../services/promise-view.ts';
import { getShop } from '../services/shops.ts';
import { nextOfferFor } from '../services/supply.ts';
import {
  createSellingPlanGroup,
  deleteSellingPlanGroup,
  setGroupVariants,
  updateSellingPlanGroup,
} from './admin-operations.ts';
import { sellingPlanDigest, sellingPlanGroupInput, sellingPlanInput } from './selling-plan-input.ts';
import type { Shopify } from './shopify.ts';

const LIVE = ['scheduled', 'open', 'paused'];

interface StoredGroup {
  group_id: string;
  plan_id: string;
  input_digest: string;
  shopify_variant_ids: string[];
}

export function syncSellingPlan(shopify: Shopify, shopId: string, campaignId: string): Promise<void> {
  return shopify.exclusive(`plan:${shopId}:${campaignId}`, async () => {
    const { ctx } = shopify;
    const { api } = await shopify.connected(shopId);
    const campaign = await loadCampaign(ctx.db, shopId, campaignId);
    const variants = await ctx.db.query<{ variant_id: string; shopify_variant_id: string }>(
      `SELECT variant_id, shopify_variant_id FROM shopify_variants
       WHERE shop_id = $1 AND variant_id = ANY($2) AND deleted_at IS NULL ORDER BY shopify_variant_id`,
      [shopId, campaign.variants.map((v) => v.variantId)],
    );
    const [stored] = await ctx.db.query<StoredGroup>(
      'SELECT * FROM shopify_selling_plans WHERE shop_id = $1 AND campaign_id = $2 AND deleted_at IS NULL',
      [shopId, campaignId],
    );
    if (!LIVE.includes(campaign.status) || variants.length === 0) {
      if (!stored) return;
      await deleteSellingPlanGroup(api, stored.group_id);
      await ctx.db.query(
        'UPDATE shopify_selling_plans SET deleted_at = $3, updated_at = $3 WHERE shop_id = $1 AND campaign_id = $2',
        [shopId, campaignId, ctx.clock()],
      );
      return;
    }
    const shop = await getShop(ctx, shopId);
    const now = ctx.clock();
    const first = variants[0] as { variant_id: string };
    const offer = offerPromiseView(
      await nextOfferFor(ctx.db, shop, campaign, first.variant_id, now),
      wordingFor(shop, now, campaign.mode),
    );
    const terms = {
      campaignId,
      terms: campaign.paymentTerms,
      currency: campaign.currency,
      window: offer.window,
      timeZone: shop.timeZone,
      name: buttonLabel(campaign.mode, 'open', shop.locale),
      description: offer.message,
    };
    const group = sellingPlanGroupInput(terms);
    const plan = sellingPlanInput(terms);
    const digest = sellingPlanDigest(group, plan);
    const wanted = variants.map((v) => v.shopify_variant_id);
    if (!stored) {
      const made = await createSellingPlanGroup(api, group, plan, wanted);
      await ctx.db.query(
        `INSERT INTO shopify_selling_plans (shop_id, campaign_id, group_id, plan_id, input_digest, shopify_variant_ids,
           updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (shop_id, campaign_id) DO UPDATE SET group_id = excluded.group_id, plan_id = excluded.plan_id,
           input_digest = excluded.input_digest, shopify_variant_ids = excluded.shopify_variant_ids,
           updated_at = excluded.updated_at, deleted_at = NULL`,
        [shopId, campaignId, made.groupId, made.planId, digest, JSON.stringify(wanted), now],
      );
      return;
    }
    if (stored.input_digest !== digest) {
      await updateSellingPlanGroup(api, stored.group_id, group, { ...plan, id: stored.plan_id });
    }
    const had = new Set(stored.shopify_variant_ids);
    await setGroupVariants(api, stored.group_id, {
      add: wanted.filter((id) => !had.has(id)),
      remove: stored.shopify_variant_ids.filter((id) => !wanted.includes(id)),
    });
    await ctx.db.query(
      `UPDATE shopify_selling_plans SET input_digest = $3, shopify_variant_ids = $4, updated_at = $5
       WHERE shop_id = $1 AND campaign_id = $2`,
      [shopId, campaignId, digest, JSON.stringify(wanted), now],
    );
  });
}

/** The campaign a Presell selling plan belongs to, from the plan's id on an order line. */
export async function campaignOfPlan(
  shopify: Shopify,
  shopId: string,
  planId: string,
): Promise<string | undefined> {
  const [row] = await shopify.ctx.db.query<{ campaign_id: string }>(
    'SELECT campaign_id FROM shopify_selling_plans WHERE shop_id = $1 AND plan_id = $2',
    [shopId, planId],
  );
  return row?.campaign_id;
}

/** Every live campaign of the shop that sells a Shopify variant: after an import, each gets its group. */
export async function liveCampaignsOnShopify(shopify: Shopify, shopId: string): Promise<string[]> {
  const rows = await shopify.ctx.db.query<{ id: string }>(
    `SELECT DISTINCT c.id FROM campaigns c JOIN campaign_variants cv ON cv.campaign_id = c.id
     JOIN shopify_variants sv ON sv.shop_id = c.shop_id AND sv.variant_id = cv.variant_id
     WHERE c.shop_id = $1 AND c.status = ANY($2) AND sv.deleted_at IS NULL ORDER BY c.id`,
    [shopId, LIVE],
  );
  return rows.map((row) => row.id);
}
