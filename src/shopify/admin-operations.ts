/**
 * The Admin GraphQL operations Presell sends, with the field and enum names of Shopify's reference
 * (version 2026-07), and the shapes of their answers. Each mutation's userErrors become `store_refused`.
 */
import { assertNoUserErrors, type ShopifyAdminApi } from './admin-api.ts';
import type { SellingPlanGroupInput, SellingPlanInput } from './selling-plan-input.ts';

type UserErrors = { field?: string[] | null; message: string }[];
interface MoneyV2 {
  amount: string;
  currencyCode: string;
}

export interface VariantNode {
  id: string;
  sku: string | null;
  displayName: string;
  product: { id: string };
}

export async function variantsPage(
  api: ShopifyAdminApi,
  first: number,
  after: string | null,
): Promise<{ nodes: VariantNode[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } }> {
  const data = await api.request<{ productVariants: Awaited<ReturnType<typeof variantsPage>> }>(
    `query CatalogueVariants($first: Int!, $after: String) {
      productVariants(first: $first, after: $after) {
        nodes { id sku displayName product { id } }
        pageInfo { hasNextPage endCursor }
      }
    }`,
    { first, after },
    first + 2,
  );
  return data.productVariants;
}

export async function createSellingPlanGroup(
  api: ShopifyAdminApi,
  group: SellingPlanGroupInput,
  plan: SellingPlanInput,
  productVariantIds: string[],
): Promise<{ groupId: string; planId: string }> {
  const data = await api.request<{
    sellingPlanGroupCreate: {
      sellingPlanGroup: { id: string; sellingPlans: { nodes: { id: string }[] } } | null;
      userErrors: UserErrors;
    };
  }>(
    `mutation PresellSellingPlanGroup($input: SellingPlanGroupInput!, $resources: SellingPlanGroupResourceInput) {
      sellingPlanGroupCreate(input: $input, resources: $resources) {
        sellingPlanGroup { id sellingPlans(first: 1) { nodes { id } } }
        userErrors { field message }
      }
    }`,
    { input: { ...group, sellingPlansToCreate: [plan] }, resources: { productVariantIds } },
  );
  const payload = data.sellingPlanGroupCreate;
  assertNoUserErrors('the selling plan group', payload.userErrors);
  const groupId = payload.sellingPlanGroup?.id;
  const planId = payload.sellingPlanGroup?.sellingPlans.nodes[0]?.id;
  if (!groupId || !planId)
    assertNoUserErrors('the selling plan group', [{ message: 'no group in the answer' }]);
  return { groupId: groupId as string, planId: planId as string };
}

export async function updateSellingPlanGroup(
  api: ShopifyAdminApi,
  groupId: string,
  group: SellingPlanGroupInput,
  plan: SellingPlanInput & { id: string },
) {
  const data = await api.request<{ sellingPlanGroupUpdate: { userErrors: UserErrors } }>(
    `mutation PresellSellingPlanGroupUpdate($id: ID!, $input: SellingPlanGroupInput!) {
      sellingPlanGroupUpdate(id: $id, input: $input) { userErrors { field message } }
    }`,
    { id: groupId, input: { ...group, sellingPlansToUpdate: [plan] } },
  );
  assertNoUserErrors('the selling plan group’s change', data.sellingPlanGroupUpdate.userErrors);
}

/** Deletes a group; one Shopify no longer has counts as deleted. */
export async function deleteSellingPlanGroup(api: ShopifyAdminApi, groupId: string) {
  await api.request(
    `mutation PresellSellingPlanGroupDelete($id: ID!) {
      sellingPlanGroupDelete(id: $id) { deletedSellingPlanGroupId userErrors { field message } }
    }`,
    { id: groupId },
  );
}

export async function setGroupVariants(
  api: ShopifyAdminApi,
  groupId: string,
  change: { add: string[]; remove: string[] },
) {
  if (change.add.length > 0) {
    const data = await api.request<{ sellingPlanGroupAddProductVariants: { userErrors: UserErrors } }>(
      `mutation PresellPlanVariantsAdd($id: ID!, $productVariantIds: [ID!]!) {
        sellingPlanGroupAddProductVariants(id: $id, productVariantIds: $productVariantIds) { userErrors { field message } }
      }`,
      { id: groupId, productVariantIds: change.add },
    );
    assertNoUserErrors('the selling plan’s variants', data.sellingPlanGroupAddProductVariants.userErrors);
  }
  if (change.remove.length > 0) {
    const data = await api.request<{ sellingPlanGroupRemoveProductVariants: { userErrors: UserErrors } }>(
      `mutation PresellPlanVariantsRemove($id: ID!, $productVariantIds: [ID!]!) {
        sellingPlanGroupRemoveProductVariants(id: $id, productVariantIds: $productVariantIds) { userErrors { field message } }
      }`,
      { id: groupId, productVariantIds: change.remove },
    );
    assertNoUserErrors('the selling plan’s variants', data.sellingPlanGroupRemoveProductVariants.userErrors);
  }
}

/** Whether the variants sell once out of stock: CONTINUE sells pre-orders, DENY stops them (at the cap). */
export async function setInventoryPolicy(
  api: ShopifyAdminApi,
  productId: string,
  variants: { id: string; inventoryPolicy: 'DENY' | 'CONTINUE' }[],
) {
  const data = await api.request<{ productVariantsBulkUpdate: { userErrors: UserErrors } }>(
    `mutation PresellInventoryPolicy($productId: ID!, $variants: [ProductVariantsBulkInput!]!) {
      productVariantsBulkUpdate(productId: $productId, variants: $variants) { userErrors { field message } }
    }`,
    { productId, variants },
  );
  assertNoUserErrors('the variants’ inventory policy', data.productVariantsBulkUpdate.userErrors);
}

export interface OrderNode {
  id: string;
  email: string | null;
  cancelledAt: string | null;
  lineItems: {
    nodes: {
      id: string;
      quantity: number;
      variant: { id: string } | null;
      sellingPlan: { sellingPlanId: string | null } | null;
      customAttributes: { key: string; value: string | null }[];
      originalUnitPriceSet: { shopMoney: MoneyV2 };
    }[];
  };
  paymentCollectionDetails: { vaultedPaymentMethods: { id: string }[] | null };
}

export async function getOrder(api: ShopifyAdminApi, id: string): Promise<OrderNode | null> {
  const data = await api.request<{ order: OrderNode | null }>(
    `query PresellOrder($id: ID!) {
      order(id: $id) {
        id email cancelledAt
        lineItems(first: 100) {
          nodes {
            id quantity variant { id } sellingPlan { sellingPlanId } customAttributes { key value }
            originalUnitPriceSet { shopMoney { amount currencyCode } }
          }
        }
        paymentCollectionDetails { vaultedPaymentMethods { id } }
      }
    }`,
    { id },
    20,
  );
  return data.order;
}

/** Takes a balance with the customer's vaulted method; the same key is answered as the first time. */
export async function createMandatePayment(
  api: ShopifyAdminApi,
  input: { orderId: string; mandateId: string; idempotencyKey: string; amount: MoneyV2 },
): Promise<{ paymentReferenceId: string | null; userErrors: UserErrors }> {
  const data = await api.request<{
    orderCreateMandatePayment: { paymentReferenceId: string | null; userErrors: UserErrors };
  }>(
    `mutation PresellBalance($id: ID!, $mandateId: ID!, $idempotencyKey: String!, $amount: MoneyInput) {
      orderCreateMandatePayment(id: $id, mandateId: $mandateId, idempotencyKey: $idempotencyKey, amount: $amount,
        autoCapture: true) {
        job { id done }
        paymentReferenceId
        userErrors { field message }
      }
    }`,
    {
      id: input.orderId,
      mandateId: input.mandateId,
      idempotencyKey: input.idempotencyKey,
      amount: input.amount,
    },
  );
  return data.orderCreateMandatePayment;
}

export interface FulfilmentOrderNode {
  id: string;
  status: string;
  fulfillmentHolds: { id: string; reason: string }[];
  lineItems: { nodes: { lineItem: { id: string } }[] };
}

export async function fulfilmentOrders(
  api: ShopifyAdminApi,
  orderId: string,
): Promise<FulfilmentOrderNode[]> {
  const data = await api.request<{ order: { fulfillmentOrders: { nodes: FulfilmentOrderNode[] } } | null }>(
    `query PresellFulfilmentOrders($id: ID!) {
      order(id: $id) {
        fulfillmentOrders(first: 20) {
          nodes { id status fulfillmentHolds { id reason } lineItems(first: 100) { nodes { lineItem { id } } } }
        }
      }
    }`,
    { id: orderId },
    30,
  );
  return data.order?.fulfillmentOrders.nodes ?? [];
}

export async function releaseFulfilmentHold(api: ShopifyAdminApi, id: string, holdIds: string[]) {
  const data = await api.request<{ fulfillmentOrderReleaseHold: { userErrors: UserErrors } }>(
    `mutation PresellReleaseHold($id: ID!, $holdIds: [ID!]) {
      fulfillmentOrderReleaseHold(id: $id, holdIds: $holdIds, externalId: "presell") { userErrors { field message } }
    }`,
    { id, holdIds },
  );
  assertNoUserErrors('the fulfilment hold’s release', data.fulfillmentOrderReleaseHold.userErrors);
}

export async function openFulfilmentOrder(api: ShopifyAdminApi, id: string) {
  const data = await api.request<{ fulfillmentOrderOpen: { userErrors: UserErrors } }>(
    `mutation PresellOpenFulfilment($id: ID!) { fulfillmentOrderOpen(id: $id) { userErrors { field message } } }`,
    { id },
  );
  assertNoUserErrors('opening the fulfilment order', data.fulfillmentOrderOpen.userErrors);
}

/**
 * Cancels `quantity` of an order line and gives back what it took, with `note` (the apology) and Shopify's
 * refund notification: the refund Shopify suggests for the line, on the transactions it suggests. Nothing
 * left to give back (refunded before): null, and no refund is made.
 */
export async function refundLine(
  api: ShopifyAdminApi,
  input: { orderId: string; lineItemId: string; quantity: number; note: string },
): Promise<{ refundId: string; amount: MoneyV2 } | null> {
  const refundLineItems = [{ lineItemId: input.lineItemId, quantity: input.quantity, restockType: 'CANCEL' }];
  const suggestion = await api.request<{
    order: {
      suggestedRefund: {
        amountSet: { shopMoney: MoneyV2 };
        suggestedTransactions: {
          amountSet: { shopMoney: MoneyV2 };
          gateway: string | null;
          parentTransaction: { id: string } | null;
        }[];
      } | null;
    } | null;
  }>(
    `query PresellSuggestedRefund($id: ID!, $refundLineItems: [RefundLineItemInput!]) {
      order(id: $id) {
        suggestedRefund(refundLineItems: $refundLineItems) {
          amountSet { shopMoney { amount currencyCode } }
          suggestedTransactions { amountSet { shopMoney { amount currencyCode } } gateway parentTransaction { id } }
        }
      }
    }`,
    { id: input.orderId, refundLineItems },
  );
  const suggested = suggestion.order?.suggestedRefund;
  if (!suggested || Number(suggested.amountSet.shopMoney.amount) === 0) return null;
  const data = await api.request<{
    refundCreate: {
      refund: { id: string; totalRefundedSet: { shopMoney: MoneyV2 } } | null;
      userErrors: UserErrors;
    };
  }>(
    `mutation PresellRefundLine($input: RefundInput!) {
      refundCreate(input: $input) {
        refund { id totalRefundedSet { shopMoney { amount currencyCode } } }
        userErrors { field message }
      }
    }`,
    {
      input: {
        orderId: input.orderId,
        note: input.note,
        notify: true,
        refundLineItems,
        transactions: suggested.suggestedTransactions.map((transaction) => ({
          orderId: input.orderId,
          amount: transaction.amountSet.shopMoney.amount,
          gateway: transaction.gateway ?? 'shopify_payments',
          kind: 'REFUND',
          parentId: transaction.parentTransaction?.id ?? null,
        })),
      },
    },
  );
  assertNoUserErrors('the refund of the line', data.refundCreate.userErrors);
  const refund = data.refundCreate.refund;
  return refund && { refundId: refund.id, amount: refund.totalRefundedSet.shopMoney };
}

/**
 * Subscribes the store's webhooks to Presell; a subscription the store has already is fine (Shopify answers
 * that the address is taken).
 */
export async function subscribeWebhook(api: ShopifyAdminApi, topic: string, uri: string) {
  const data = await api.request<{ webhookSubscriptionCreate: { userErrors: UserErrors } }>(
    `mutation PresellWebhook($topic: WebhookSubscriptionTopic!, $webhookSubscription: WebhookSubscriptionInput!) {
      webhookSubscriptionCreate(topic: $topic, webhookSubscription: $webhookSubscription) {
        webhookSubscription { id }
        userErrors { field message }
      }
    }`,
    { topic, webhookSubscription: { uri, format: 'JSON' } },
  );
  const errors = data.webhookSubscriptionCreate.userErrors.filter(
    (error) => !/already been taken/i.test(error.message),
  );
  assertNoUserErrors(`the ${topic} webhook`, errors);
}
