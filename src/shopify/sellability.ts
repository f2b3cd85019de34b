/**
 * Whether Shopify may sell a variant, kept to what Presell can still take. A pre-order variant has no stock
 * on Shopify; with the inventory policy CONTINUE it sells past zero (that is the pre-order), with DENY it
 * cannot be bought. So a variant is CONTINUE exactly while its campaign takes pre-orders (open, in its
 * window, units left under the cap and supply limit) and DENY otherwise: at the cap, paused, closed.
 * Holds call this right after they take units, so the cap reaches Shopify at once; the outbox consumer
 * calls it after every change that can move it (a cancellation gives units back, a cap is raised), as the
 * backstop that retries. Variants no campaign sells are left as the merchant set them.
 */

import type { CampaignMode, CampaignStatus } from '../domain/campaign.ts';
import { offerState } from '../domain/campaign.ts';
import { setInventoryPolicy } from './admin-operations.ts';
import type { Shopify } from './shopify.ts';

type Policy = 'DENY' | 'CONTINUE';

interface VariantStanding {
  variant_id: string;
  shopify_variant_id: string;
  shopify_product_id: string;
  inventory_policy: Policy | null;
  mode: CampaignMode;
  status: CampaignStatus;
  opens_at: Date | null;
  closes_at: Date | null;
  cap: number | null;
  held: number;
  units_left: number | null;
  on_hand: number;
}

/** Rounds of check-and-set: a change that lands while one is sent is seen by the next round. */
const MAX_ROUNDS = 3;

/** Brings the named variants (all of the shop's when none are named) to the policy their campaign calls for. */
export function makeSellable(
  shopify: Shopify,
  shopId: string,
  variantIds?: readonly string[],
): Promise<void> {
  const key = `sellable:${shopId}:${variantIds ? [...variantIds].sort().join(',') : '*'}`;
  return shopify.exclusive(key, async () => {
    const { api } = await shopify.connected(shopId);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const changes = (await standings(shopify, shopId, variantIds))
        .map((row) => ({ row, policy: policyOf(row, shopify.ctx.clock()) }))
        .filter(({ row, policy }) => row.inventory_policy !== policy);
      if (changes.length === 0) return;
      for (const productId of new Set(changes.map(({ row }) => row.shopify_product_id))) {
        const ofProduct = changes.filter(({ row }) => row.shopify_product_id === productId);
        await setInventoryPolicy(
          api,
          productId,
          ofProduct.map(({ row, policy }) => ({ id: row.shopify_variant_id, inventoryPolicy: policy })),
        );
        await shopify.ctx.db.query(
          `UPDATE shopify_variants s SET inventory_policy = c.policy, updated_at = $2
           FROM jsonb_to_recordset($3::jsonb) AS c(variant_id text, policy text)
           WHERE s.shop_id = $1 AND s.variant_id = c.variant_id`,
          [
            shopId,
            shopify.ctx.clock(),
            JSON.stringify(ofProduct.map(({ row, policy }) => ({ variant_id: row.variant_id, policy }))),
          ],
        );
      }
    }
  });
}

function policyOf(row: VariantStanding, now: Date): Policy {
  const supply = { cap: row.cap, held: row.held, onHand: row.on_hand, unitsLeft: row.units_left };
  const campaign = { mode: row.mode, status: row.status, opensAt: row.opens_at, closesAt: row.closes_at };
  return offerState(campaign, supply, now).state === 'open' ? 'CONTINUE' : 'DENY';
}

/** Each Shopify variant with the campaign that sells it now (a live one first, else the one closed last). */
function standings(shopify: Shopify, shopId: string, variantIds: readonly string[] | undefined) {
  return shopify.ctx.db.query<VariantStanding>(
    `SELECT sv.variant_id, sv.shopify_variant_id, sv.shopify_product_id, sv.inventory_policy, v.on_hand,
       c.mode, c.status, c.opens_at, c.closes_at, c.cap, c.held, c.units_left
     FROM shopify_variants sv
     JOIN variants v ON v.id = sv.variant_id
     JOIN LATERAL (
       SELECT c.mode, c.status, c.opens_at, c.closes_at, cv.cap, cv.held, cv.units_left
       FROM campaign_variants cv JOIN campaigns c ON c.id = cv.campaign_id
       WHERE cv.shop_id = $1 AND cv.variant_id = sv.variant_id AND c.status <> 'draft'
       ORDER BY (c.status IN ('scheduled', 'open', 'paused')) DESC, c.updated_at DESC
       LIMIT 1
     ) c ON true
     WHERE sv.shop_id = $1 AND sv.deleted_at IS NULL AND ($2::text[] IS NULL OR sv.variant_id = ANY($2))`,
    [shopId, variantIds ? [...variantIds] : null],
  );
}
