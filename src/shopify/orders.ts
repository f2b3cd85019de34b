/**
 * Shopify's orders in the pre-order lifecycle. Money here comes from Shopify, a money source of its own:
 * what Shopify's checkout took for a line, the balances Presell asks of Shopify, and Shopify's refunds are
 * booked in Presell's one ledger with provider `shopify` (each under a key of its own, so once), and the
 * lifecycle moves through the one door as for any other money.
 *
 * - orders/create: each line sold with Presell's selling plan (or carrying a hold) becomes a pre-order: the
 *   hold it carries is confirmed with its queue position and promise; without a valid hold it is placed if
 *   units remain; beyond the cap the campaign's oversell policy decides (cancel and refund the line with an
 *   apology, or accept it at the end of the queue, the cap growing by it). No line is dropped silently.
 * - orders/cancelled: its pre-orders are cancelled and their units go back on sale; Shopify's refunds are
 *   booked as Shopify made them (refunds/create, or the order's own refunds).
 * - fulfillments/create: a ready pre-order is fulfilled with the shipment's tracking.
 *
 * Deliveries come at least once and in any order: a line already handled is skipped, and an event about an
 * order whose lines were not handled yet fails so that the outbox retries it after orders/create.
 */
import { normaliseEmail } from '../domain/customer.ts';
import { fromDecimalAmount } from '../domain/decimal-money.ts';
import { DomainError } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import { refundable, splitRefund } from '../domain/ledger.ts';
import { money } from '../domain/money.ts';
import { chargedAtOrder } from '../domain/payment-plan.ts';
import type { PaymentProvider } from '../payments/provider.ts';
import { type Campaign, loadCampaign } from '../services/campaigns.ts';
import { cancelInTx } from '../services/cancellation.ts';
import { shipAll } from '../services/fulfilment.ts';
import {
  book,
  loadLedger,
  loadMoneyPreorder,
  type MoneyPreorder,
  type Payments,
  planOf,
} from '../services/payment-operations.ts';
import { adoptStoreOrder, advance, movePreorder } from '../services/preorder-changes.ts';
import { getShop, type Shop } from '../services/shops.ts';
import { inTransaction, type UnitOfWork } from '../services/unit-of-work.ts';
import type { ShopifyAdminApi } from './admin-api.ts';
import { getOrder, type OrderNode, refundLine } from './admin-operations.ts';
import { HOLD_PROPERTY } from './holds.ts';
import { campaignOfPlan } from './selling-plans.ts';
import type { Shopify } from './shopify.ts';
import { oversellApology } from './wording.ts';

/** The ledger's name for money that moved through Shopify. */
export const SHOPIFY_PROVIDER = 'shopify';

type OrderLine = OrderNode['lineItems']['nodes'][number];

export async function orderCreated(shopify: Shopify, shopId: string, orderId: string): Promise<void> {
  const { api } = await shopify.connected(shopId);
  const order = await getOrder(api, orderId);
  if (!order) return;
  const shop = await getShop(shopify.ctx, shopId);
  for (const line of order.lineItems.nodes) {
    const presell = await presellLine(shopify, shopId, line);
    if (!presell || (await lineOutcome(shopify, shopId, line.id))) continue;
    // Taken even when Shopify has cancelled the order meanwhile: its orders/cancelled then cancels the
    // pre-order, so the history and the ledger say what happened.
    await takeLine(shopify, api, shop, order, line, presell);
  }
}

/** A line of Presell's: the Presell variant it sells and the hold it carries (when it does). */
interface PresellLine {
  variantId: string;
  sku: string;
  holdToken: string | undefined;
}

async function presellLine(
  shopify: Shopify,
  shopId: string,
  line: OrderLine,
): Promise<PresellLine | undefined> {
  const holdToken =
    line.customAttributes.find((attribute) => attribute.key === HOLD_PROPERTY)?.value ?? undefined;
  const planId = line.sellingPlan?.sellingPlanId;
  const ours =
    holdToken !== undefined ||
    (planId ? (await campaignOfPlan(shopify, shopId, planId)) !== undefined : false);
  if (!ours || !line.variant) return undefined;
  const [variant] = await shopify.ctx.db.query<{ variant_id: string; sku: string }>(
    `SELECT sv.variant_id, v.sku FROM shopify_variants sv JOIN variants v ON v.id = sv.variant_id
     WHERE sv.shop_id = $1 AND sv.shopify_variant_id = $2`,
    [shopId, line.variant.id],
  );
  if (!variant) {
    throw new DomainError('not_found', 'an order line sells a Shopify variant Presell has not imported', {
      shopifyVariantId: line.variant.id,
    });
  }
  return { variantId: variant.variant_id, sku: variant.sku, holdToken };
}

async function lineOutcome(shopify: Shopify, shopId: string, lineItemId: string) {
  const [row] = await shopify.ctx.db.query<{ outcome: string }>(
    'SELECT outcome FROM shopify_order_lines WHERE shop_id = $1 AND line_item_id = $2',
    [shopId, lineItemId],
  );
  return row?.outcome;
}

async function takeLine(
  shopify: Shopify,
  api: ShopifyAdminApi,
  shop: Shop,
  order: OrderNode,
  line: OrderLine,
  presell: PresellLine,
) {
  const held = presell.holdToken ? await validHold(shopify, shop.id, presell, line) : undefined;
  if (held && (await confirmLine(shopify, shop, order, line, held))) return;
  // No valid hold: placed if units remain, under a key of the line's so a retry finds the same pre-order.
  const email = order.email ? normaliseEmail(order.email) : undefined;
  const placement = { sku: presell.sku, quantity: line.quantity, idempotencyKey: `shopify:${line.id}` };
  for (let attempt = 0; attempt < 3; attempt++) {
    const answer = await shopify.holds.place(shop, {
      ...placement,
      email: email ?? `order-${line.id.split('/').pop()}@holds.presell.invalid`,
    });
    if ('placed' in answer) {
      if (await confirmLine(shopify, shop, order, line, answer.placed.id)) return;
      throw new Error(`the pre-order placed for ${line.id} ended before its order confirmed it`);
    }
    const campaign = await offeringCampaign(shopify, shop.id, presell.variantId);
    if (answer.refused.code !== 'sold_out' || campaign?.oversellPolicy !== 'accept') break;
    await growCap(shopify, shop.id, campaign.id, presell.variantId, line.quantity, order.id);
  }
  await refuseLine(shopify, api, shop, order, line, presell);
}

/** The hold's pre-order when it can take this line: still placed, same variant, same quantity. */
async function validHold(shopify: Shopify, shopId: string, presell: PresellLine, line: OrderLine) {
  const [hold] = await shopify.ctx.db.query<{
    preorder_id: string;
    state: string;
    variant_id: string;
    quantity: number;
  }>(
    `SELECT h.preorder_id, p.state, p.variant_id, p.quantity FROM shopify_holds h
     JOIN preorders p ON p.shop_id = h.shop_id AND p.id = h.preorder_id
     WHERE h.shop_id = $1 AND h.token = $2`,
    [shopId, presell.holdToken],
  );
  const valid =
    hold?.state === 'placed' && hold.variant_id === presell.variantId && hold.quantity === line.quantity;
  return valid ? hold.preorder_id : undefined;
}

/**
 * The order takes a placed pre-order: the order's customer and price, what the checkout took booked as a
 * Shopify charge (the plan's amount due at order), confirmed, the automatic moves applied. False when the
 * pre-order is no longer placed (its hold ran out meanwhile).
 */
async function confirmLine(
  shopify: Shopify,
  shop: Shop,
  order: OrderNode,
  line: OrderLine,
  preorderId: string,
): Promise<boolean> {
  return inTransaction(shopify.ctx, async (uow) => {
    const found = await loadMoneyPreorder(uow.tx, shop.id, preorderId);
    if (!found) return false;
    await loadCampaign(uow.tx, shop.id, found.campaignId, { lock: true });
    const preorder = (await loadMoneyPreorder(uow.tx, shop.id, preorderId, { lock: true })) as MoneyPreorder;
    if (preorder.state !== 'placed') return false;
    const price = fromDecimalAmount(
      line.originalUnitPriceSet.shopMoney.amount,
      line.originalUnitPriceSet.shopMoney.currencyCode,
    );
    if (price.currency !== preorder.total.currency) {
      throw new DomainError(
        'currency_mismatch',
        `the order is in ${price.currency}, the campaign in ${preorder.total.currency}`,
      );
    }
    const email = order.email ? normaliseEmail(order.email) : preorder.email;
    const total = money(price.amount * preorder.quantity, price.currency);
    await moveCustomerUnits(uow, preorder, email);
    await adoptStoreOrder(uow, preorder, {
      email,
      unitAmount: price.amount,
      totalAmount: total.amount,
      priceLines: [{ tier: null, quantity: preorder.quantity, unitAmount: price.amount }],
    });
    const taken: MoneyPreorder = { ...preorder, email, total };
    const checkout = chargedAtOrder(planOf(taken));
    if (checkout.amount > 0) {
      await book(
        uow.tx,
        taken,
        {
          kind: 'charge',
          amount: checkout,
          provider: SHOPIFY_PROVIDER,
          paymentReference: order.id,
          idempotencyKey: `shopify:${line.id}/checkout`,
        },
        uow.now,
      );
    }
    const mandate = order.paymentCollectionDetails.vaultedPaymentMethods?.[0]?.id ?? null;
    await movePreorder(
      uow,
      taken,
      'confirm',
      { charged: checkout.amount > 0 ? checkout : null, cardSaved: mandate !== null },
      { paymentCustomerId: null, paymentMethodId: null },
    );
    await advance(uow, shop.id, [preorderId]);
    await recordLine(uow, shop.id, { line, order, outcome: 'preorder', preorderId, mandate });
    return true;
  });
}

/** A hold made before the customer was known counts their units under their own address from now on. */
async function moveCustomerUnits(uow: UnitOfWork, preorder: MoneyPreorder, email: string) {
  if (email === preorder.email) return;
  await uow.tx.query(
    `WITH released AS (
       UPDATE customer_holds SET units = units - $4 WHERE shop_id = $1 AND campaign_id = $2 AND email = $3 RETURNING 1
     )
     INSERT INTO customer_holds AS h (shop_id, campaign_id, email, units) VALUES ($1, $2, $5, $4)
     ON CONFLICT (campaign_id, email) DO UPDATE SET units = h.units + excluded.units`,
    [preorder.shopId, preorder.campaignId, preorder.email, preorder.quantity, email],
  );
}

/**
 * The campaign accepts what Shopify sold beyond its cap: the cap (and a supply limit in the way) grows to
 * take the line, which then joins the end of the queue, promised only if the supply plan reaches it.
 */
async function growCap(
  shopify: Shopify,
  shopId: string,
  campaignId: string,
  variantId: string,
  quantity: number,
  orderId: string,
) {
  await inTransaction(shopify.ctx, async (uow) => {
    await loadCampaign(uow.tx, shopId, campaignId, { lock: true });
    const [grown] = await uow.tx.query<{ cap: number }>(
      `UPDATE campaign_variants SET cap = CASE WHEN cap IS NOT NULL AND held + $4 > cap THEN held + $4 ELSE cap END,
         supply_limit = CASE WHEN supply_limit IS NOT NULL AND held + $4 > supply_limit THEN held + $4 ELSE supply_limit END
       WHERE shop_id = $1 AND campaign_id = $2 AND variant_id = $3 RETURNING cap`,
      [shopId, campaignId, variantId, quantity],
    );
    if (grown) {
      uow.record(
        event(shopId, 'campaign.oversold', campaignId, { variantId, quantity, cap: grown.cap, orderId }),
      );
    }
  });
}

/** Nothing can take the line: it is cancelled and refunded on Shopify with an apology, and recorded as refused. */
async function refuseLine(
  shopify: Shopify,
  api: ShopifyAdminApi,
  shop: Shop,
  order: OrderNode,
  line: OrderLine,
  presell: PresellLine,
) {
  const refund = await refundLine(api, {
    orderId: order.id,
    lineItemId: line.id,
    quantity: line.quantity,
    note: oversellApology(shop.locale),
  });
  const campaign = await offeringCampaign(shopify, shop.id, presell.variantId);
  await inTransaction(shopify.ctx, async (uow) => {
    await recordLine(uow, shop.id, { line, order, outcome: 'refused', preorderId: null, mandate: null });
    if (!campaign) return;
    uow.record(
      event(shop.id, 'shopify.line_refused', campaign.id, {
        orderId: order.id,
        lineItemId: line.id,
        variantId: presell.variantId,
        quantity: line.quantity,
        refunded: refund && fromDecimalAmount(refund.amount.amount, refund.amount.currencyCode),
      }),
    );
  });
}

async function recordLine(
  uow: UnitOfWork,
  shopId: string,
  line: {
    line: OrderLine;
    order: OrderNode;
    outcome: 'preorder' | 'refused';
    preorderId: string | null;
    mandate: string | null;
  },
) {
  await uow.tx.query(
    `INSERT INTO shopify_order_lines (shop_id, line_item_id, order_id, outcome, preorder_id, mandate_id, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)`,
    [shopId, line.line.id, line.order.id, line.outcome, line.preorderId, line.mandate, uow.now],
  );
}

/** The campaign that sells a variant now (a live one first, else the one closed last). */
async function offeringCampaign(
  shopify: Shopify,
  shopId: string,
  variantId: string,
): Promise<Campaign | undefined> {
  const [row] = await shopify.ctx.db.query<{ id: string }>(
    `SELECT c.id FROM campaign_variants cv JOIN campaigns c ON c.id = cv.campaign_id
     WHERE cv.shop_id = $1 AND cv.variant_id = $2 AND c.status <> 'draft'
     ORDER BY (c.status IN ('scheduled', 'open', 'paused')) DESC, c.updated_at DESC LIMIT 1`,
    [shopId, variantId],
  );
  return row && loadCampaign(shopify.ctx.db, shopId, row.id);
}

// ——— cancellations and refunds ———

/** A Shopify refund as its webhook (and an order's `refunds`) describes it. */
export interface RefundPayload {
  admin_graphql_api_id: string;
  order_id: number;
  refund_line_items?: { line_item_id: number; quantity: number }[];
  transactions?: { kind: string; status: string; amount: string }[];
}

export async function orderCancelled(
  shopify: Shopify,
  shopId: string,
  orderId: string,
  refunds: readonly RefundPayload[],
) {
  const lines = await linesOf(shopify, shopId, orderId);
  if (lines.length === 0) {
    await assertNotAwaited(shopify, shopId, orderId);
    return;
  }
  for (const refund of refunds) await refundReceived(shopify, shopId, refund);
  const shop = await getShop(shopify.ctx, shopId);
  for (const { preorder_id: preorderId } of lines) {
    if (!preorderId) continue;
    await inTransaction(shopify.ctx, async (uow) => {
      const found = (await loadMoneyPreorder(uow.tx, shopId, preorderId)) as MoneyPreorder;
      const campaign = await loadCampaign(uow.tx, shopId, found.campaignId, { lock: true });
      const preorder = (await loadMoneyPreorder(uow.tx, shopId, preorderId, { lock: true })) as MoneyPreorder;
      if (preorder.state === 'cancelled' || preorder.state === 'fulfilled') return;
      // Shopify gives its money back itself (its refunds are booked as they come): nothing more is refunded here.
      await cancelInTx(uow, shopifyMoney(shopify), {
        shop,
        campaign,
        preorder,
        reason: 'cancelled on Shopify',
        choice: { kind: 'none', reason: 'the order was cancelled on Shopify, which refunds it' },
      });
    });
  }
}

/**
 * Books a Shopify refund against the pre-orders of the lines it names (all of the order's when it names
 * none), each up to what it still holds, once per refund and pre-order.
 */
export async function refundReceived(shopify: Shopify, shopId: string, refund: RefundPayload) {
  const orderId = `gid://shopify/Order/${refund.order_id}`;
  const lines = await linesOf(shopify, shopId, orderId);
  if (lines.length === 0) {
    await assertNotAwaited(shopify, shopId, orderId);
    return;
  }
  const named = new Set(
    (refund.refund_line_items ?? []).map((item) => `gid://shopify/LineItem/${item.line_item_id}`),
  );
  const targets = lines.filter(
    (line) => line.preorder_id && (named.size === 0 || named.has(line.line_item_id)),
  );
  const shop = await getShop(shopify.ctx, shopId);
  let left = (refund.transactions ?? [])
    .filter((transaction) => transaction.kind === 'refund' && transaction.status === 'success')
    .reduce((sum, transaction) => sum + fromDecimalAmount(transaction.amount, shop.currency).amount, 0);
  for (const { preorder_id: preorderId } of targets) {
    if (left <= 0) break;
    left -= await inTransaction(shopify.ctx, async (uow) => {
      const preorder = (await loadMoneyPreorder(uow.tx, shopId, preorderId as string, {
        lock: true,
      })) as MoneyPreorder;
      const ledger = await loadLedger(uow.tx, preorder);
      const part = Math.min(left, refundable(ledger).amount);
      if (part <= 0) return 0;
      let booked = 0;
      for (const payment of splitRefund(ledger, money(part, preorder.total.currency))) {
        const fresh = await book(
          uow.tx,
          preorder,
          {
            kind: 'refund',
            amount: payment.amount,
            provider: payment.provider,
            paymentReference: payment.paymentReference,
            refundReference: refund.admin_graphql_api_id,
            idempotencyKey: `shopify:${refund.admin_graphql_api_id}/${preorder.id}/${payment.paymentReference}`,
          },
          uow.now,
        );
        if (fresh) booked += payment.amount.amount;
      }
      if (booked > 0) {
        uow.record(
          event(shopId, 'preorder.refunded', preorder.id, { amount: money(booked, preorder.total.currency) }),
        );
      }
      return part;
    });
  }
}

/** A ready pre-order shipped from Shopify is fulfilled, with the shipment's tracking. */
export async function fulfilmentCreated(
  shopify: Shopify,
  shopId: string,
  fulfilment: {
    line_items: { admin_graphql_api_id?: string; id: number }[];
    tracking_company?: string | null;
    tracking_number?: string | null;
    tracking_url?: string | null;
    created_at?: string;
  },
) {
  const lineIds = fulfilment.line_items.map(
    (line) => line.admin_graphql_api_id ?? `gid://shopify/LineItem/${line.id}`,
  );
  const rows = await shopify.ctx.db.query<{ preorder_id: string }>(
    `SELECT preorder_id FROM shopify_order_lines WHERE shop_id = $1 AND line_item_id = ANY($2) AND preorder_id IS NOT NULL`,
    [shopId, lineIds],
  );
  for (const { preorder_id: preorderId } of rows) {
    await inTransaction(shopify.ctx, async (uow) => {
      const preorder = (await loadMoneyPreorder(uow.tx, shopId, preorderId, { lock: true })) as MoneyPreorder;
      if (preorder.state !== 'ready') {
        // Shipped before Presell counts it ready (unpaid, or its units not in hand): the lifecycle cannot follow.
        shopify.log.warn(
          { preorderId, state: preorder.state },
          'Shopify fulfilled a pre-order that is not ready',
        );
        return;
      }
      // The parcel Shopify shipped, recorded as any other: the last one fulfils the pre-order.
      const refused = await shipAll(uow, shopId, [
        {
          key: 0,
          preorderId,
          carrier: fulfilment.tracking_company ?? null,
          trackingNumber: fulfilment.tracking_number ?? null,
          trackingUrl: fulfilment.tracking_url ?? null,
          shippedAt: fulfilment.created_at ? new Date(fulfilment.created_at) : uow.now,
        },
      ]);
      const refusal = refused.get(0);
      if (refusal) shopify.log.warn({ preorderId, code: refusal.code }, 'Shopify’s parcel was not recorded');
    });
  }
}

function linesOf(shopify: Shopify, shopId: string, orderId: string) {
  return shopify.ctx.db.query<{ line_item_id: string; preorder_id: string | null }>(
    'SELECT line_item_id, preorder_id FROM shopify_order_lines WHERE shop_id = $1 AND order_id = $2 ORDER BY line_item_id',
    [shopId, orderId],
  );
}

/**
 * News about an order none of whose lines Presell has handled: fine when the order is not Presell's; when it
 * is (a line with a hold or Presell's plan), its orders/create has not been handled yet, so this fails and
 * the outbox tries again later.
 */
async function assertNotAwaited(shopify: Shopify, shopId: string, orderId: string) {
  const { api } = await shopify.connected(shopId);
  const order = await getOrder(api, orderId);
  for (const line of order?.lineItems.nodes ?? []) {
    if (await presellLine(shopify, shopId, line)) {
      throw new Error(`order ${orderId} has Presell lines not handled yet; retrying after its orders/create`);
    }
  }
}

/**
 * Shopify's money never moves through Presell's card provider: cancellations for Shopify orders refund
 * nothing here (choice `none`), so no call reaches it, and one that did would fail loudly.
 */
const NO_CARD_PROVIDER = new Proxy({ name: SHOPIFY_PROVIDER } as PaymentProvider, {
  get: (target, key) =>
    key in target
      ? target[key as keyof PaymentProvider]
      : () => Promise.reject(new Error('Shopify’s money moves through Shopify, not a card provider')),
});

/** The payments a cancellation of a Shopify order runs with: no card provider, the server's timings. */
function shopifyMoney(shopify: Shopify): Payments {
  return { provider: NO_CARD_PROVIDER, settings: shopify.paymentSettings };
}
