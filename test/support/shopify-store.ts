/**
 * A Shopify store for tests: a local HTTP server that answers the subset of the Admin GraphQL API in
 * shopify-admin.graphql (served with the `graphql` package, with the cost-based throttle in
 * `extensions.cost`), the OAuth code exchange, and a checkout that turns carts into orders the way Shopify
 * does for selling plans. Its webhooks are signed as Shopify signs them: HMAC-SHA256 of the raw body with
 * the app's secret, base64, in X-Shopify-Hmac-Sha256.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { buildSchema, graphql } from 'graphql';
import { freePort } from './ports.ts';

const schema = buildSchema(readFileSync(new URL('./shopify-admin.graphql', import.meta.url), 'utf8'));

export interface StoreVariant {
  id: string;
  productId: string;
  sku: string;
  title: string;
  /** Decimal, e.g. "79.00". */
  price: string;
  inventoryPolicy: 'DENY' | 'CONTINUE';
  /** Units on hand; pre-order variants have none. */
  inventory: number;
}

interface PlanInput {
  name?: string;
  description?: string;
  category?: string;
  billingPolicy?: {
    fixed?: {
      checkoutCharge?: { type?: string; value?: { percentage?: number; fixedValue?: string } };
      remainingBalanceChargeTrigger?: string;
      remainingBalanceChargeExactTime?: string;
      remainingBalanceChargeTimeAfterCheckout?: string;
    };
  };
  deliveryPolicy?: { fixed?: { fulfillmentTrigger?: string; fulfillmentExactTime?: string } };
  inventoryPolicy?: { reserve?: string };
}

export interface StoreGroup {
  id: string;
  name: string;
  merchantCode: string;
  plans: { id: string; input: PlanInput }[];
  variantIds: Set<string>;
}

export interface StoreLine {
  id: string;
  variantId: string;
  quantity: number;
  price: string;
  sellingPlanId: string | null;
  attributes: { key: string; value: string }[];
  /** What the checkout took for this line, in minor units. */
  charged: number;
  refundedQuantity: number;
}

export interface StoreOrder {
  id: string;
  number: number;
  email: string;
  cancelledAt: string | null;
  lines: StoreLine[];
  mandateId: string | null;
  saleTransactionId: string;
  refunds: {
    id: string;
    amount: number;
    note: string | null;
    lines: { lineItemId: string; quantity: number }[];
  }[];
  fulfillmentOrders: {
    id: string;
    status: string;
    holds: { id: string; reason: string }[];
    lineIds: string[];
  }[];
}

export interface WebhookDelivery {
  headers: Record<string, string>;
  payload: string;
}

let counter = 1000;
const nextId = () => ++counter;
const gid = (kind: string, id = nextId()) => `gid://shopify/${kind}/${id}`;
const numeric = (id: string) => Number(id.slice(id.lastIndexOf('/') + 1));

/** Cents of a decimal with two places (the store sells in EUR). */
const cents = (decimal: string) => Math.round(Number(decimal) * 100);
const decimal = (minor: number) => (minor / 100).toFixed(2);

export class ShopifyStore {
  readonly domain = `presell-test-${randomBytes(3).toString('hex')}.myshopify.com`;
  readonly accessToken = `shpat_${randomBytes(16).toString('hex')}`;
  readonly app = { apiKey: 'test-client-id', apiSecret: `shpss_${randomBytes(12).toString('hex')}` };
  /** The secret a custom app signs its webhooks with. */
  readonly customAppSecret = `shpss_custom_${randomBytes(12).toString('hex')}`;
  readonly currency = 'EUR';
  readonly variants = new Map<string, StoreVariant>();
  readonly groups = new Map<string, StoreGroup>();
  readonly orders = new Map<string, StoreOrder>();
  /** Balance payments by idempotency key: a key sent again is answered as the first time. */
  readonly mandatePayments = new Map<string, { reference: string; orderId: string; amount: number }>();
  /** Every new mandate payment is declined, as a card that no longer works would be. */
  declineMandatePayments = false;
  /** Operation names (the first field of each request), in order: what the adapter asked. */
  readonly requests: { field: string; variables: Record<string, unknown>; throttled: boolean }[] = [];
  /** Webhook subscriptions, as `TOPIC uri`. */
  readonly subscriptions = new Set<string>();
  /** OAuth codes this store will exchange once. */
  readonly codes = new Set<string>();
  /** The cost bucket: 2000 points restoring 1000 a second (Shopify Plus is 2000 / 100). */
  readonly bucket = { maximumAvailable: 2000, currentlyAvailable: 2000, restoreRate: 1000, at: Date.now() };
  private throttleAt = new Set<number>();
  private loseAnswers = 0;
  private server: Server | undefined;
  url = '';

  /** Listens on `port` (a free one by default). */
  async start(port?: number): Promise<this> {
    port ??= await freePort();
    this.server = createServer((request, response) => {
      void this.answer(request, response).catch((error: Error) => {
        response.writeHead(500, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ errors: [{ message: error.message }] }));
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${port}`;
    return this;
  }

  async stop() {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** The `n`-th GraphQL request from now (1 = the next) is answered THROTTLED with an empty bucket. */
  throttleRequest(n: number) {
    this.throttleAt.add(this.requests.length + n);
  }

  /** The next `count` GraphQL answers are lost on the way back (502) after the store acted on them. */
  loseNextAnswers(count = 1) {
    this.loseAnswers += count;
  }

  /** `count` variants of one product each, with skus `PREFIX-1`…, all sold as pre-orders (no stock). */
  addVariants(count: number, prefix = 'SKU', price = '79.00'): StoreVariant[] {
    const made: StoreVariant[] = [];
    for (let i = 1; i <= count; i++) {
      const variant: StoreVariant = {
        id: gid('ProductVariant'),
        productId: gid('Product'),
        sku: `${prefix}-${i}`,
        title: `${prefix} ${i}`,
        price,
        inventoryPolicy: 'CONTINUE',
        inventory: 0,
      };
      this.variants.set(variant.id, variant);
      made.push(variant);
    }
    return made;
  }

  variantBySku(sku: string): StoreVariant {
    const variant = [...this.variants.values()].find((v) => v.sku === sku);
    if (!variant) throw new Error(`no variant ${sku}`);
    return variant;
  }

  /** The one selling plan group whose plans hold `variantId`, if any. */
  groupOf(variantId: string): StoreGroup | undefined {
    return [...this.groups.values()].find((group) => group.variantIds.has(variantId));
  }

  /**
   * A shopper's checkout of one line: refused (null) when the variant cannot be sold (DENY with nothing on
   * hand), otherwise an order that charged what the line's selling plan asks at checkout. `raced`: the
   * checkout began before the variant stopped selling (or a theme bypassed the hold) and goes through.
   */
  checkout(line: {
    variantId: string;
    quantity: number;
    email: string;
    holdToken?: string;
    raced?: boolean;
  }): StoreOrder | null {
    const variant = this.variants.get(line.variantId);
    if (!variant) throw new Error(`no variant ${line.variantId}`);
    if (variant.inventoryPolicy === 'DENY' && variant.inventory < line.quantity && !line.raced) return null;
    const plan = this.groupOf(variant.id)?.plans[0];
    const total = cents(variant.price) * line.quantity;
    const fixed = plan?.input.billingPolicy?.fixed;
    const charge = fixed?.checkoutCharge;
    const charged = !charge
      ? total
      : charge.type === 'PRICE'
        ? Math.min(total, cents(charge.value?.fixedValue ?? '0') * line.quantity)
        : Math.round((total * (charge.value?.percentage ?? 100)) / 100);
    const lineId = gid('LineItem');
    const trigger = plan?.input.deliveryPolicy?.fixed?.fulfillmentTrigger;
    const order: StoreOrder = {
      id: gid('Order'),
      number: nextId(),
      email: line.email,
      cancelledAt: null,
      lines: [
        {
          id: lineId,
          variantId: variant.id,
          quantity: line.quantity,
          price: variant.price,
          sellingPlanId: plan?.id ?? null,
          attributes: line.holdToken ? [{ key: '_presell_hold', value: line.holdToken }] : [],
          charged,
          refundedQuantity: 0,
        },
      ],
      mandateId: charged < total ? gid('PaymentMandate') : null,
      saleTransactionId: gid('OrderTransaction'),
      refunds: [],
      fulfillmentOrders: [
        {
          id: gid('FulfillmentOrder'),
          status: trigger === 'UNKNOWN' ? 'ON_HOLD' : trigger === 'EXACT_TIME' ? 'SCHEDULED' : 'OPEN',
          holds:
            trigger === 'UNKNOWN' ? [{ id: gid('FulfillmentHold'), reason: 'UNKNOWN_DELIVERY_DATE' }] : [],
          lineIds: [lineId],
        },
      ],
    };
    this.orders.set(order.id, order);
    return order;
  }

  /** The merchant cancels the order in Shopify's admin and refunds what it took: the refund it made. */
  cancelOrder(orderId: string) {
    const order = this.order(orderId);
    order.cancelledAt = new Date().toISOString();
    const lines = order.lines.map((line) => ({
      lineItemId: line.id,
      quantity: line.quantity - line.refundedQuantity,
    }));
    const amount = order.lines.reduce((sum, line) => sum + this.refundable(order, line, line.quantity), 0);
    for (const line of order.lines) line.refundedQuantity = line.quantity;
    const refund = { id: gid('Refund'), amount, note: 'Order cancelled', lines };
    order.refunds.push(refund);
    return refund;
  }

  order(id: string): StoreOrder {
    const order = this.orders.get(id);
    if (!order) throw new Error(`no order ${id}`);
    return order;
  }

  /** Money taken for an order: the checkout charge and every balance, less refunds, in minor units. */
  netPaid(orderId: string): number {
    const order = this.order(orderId);
    const balances = [...this.mandatePayments.values()].filter((p) => p.orderId === orderId);
    return (
      order.lines.reduce((sum, line) => sum + line.charged, 0) +
      balances.reduce((sum, p) => sum + p.amount, 0) -
      order.refunds.reduce((sum, r) => sum + r.amount, 0)
    );
  }

  // ——— webhooks, as Shopify sends them ———

  /** A delivery of `topic`, signed with `secret` (the app's by default); `id` is its X-Shopify-Webhook-Id. */
  webhook(topic: string, body: unknown, options: { secret?: string; id?: string } = {}): WebhookDelivery {
    const payload = JSON.stringify(body);
    return {
      payload,
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': topic,
        'x-shopify-hmac-sha256': createHmac('sha256', options.secret ?? this.app.apiSecret)
          .update(payload)
          .digest('base64'),
        'x-shopify-shop-domain': this.domain,
        'x-shopify-api-version': '2026-07',
        'x-shopify-webhook-id': options.id ?? randomBytes(8).toString('hex'),
        'x-shopify-triggered-at': new Date().toISOString(),
      },
    };
  }

  /** The REST shape of an order in its webhooks (orders/create, orders/cancelled). */
  orderPayload(orderId: string) {
    const order = this.order(orderId);
    return {
      id: numeric(order.id),
      admin_graphql_api_id: order.id,
      email: order.email,
      currency: this.currency,
      cancelled_at: order.cancelledAt,
      line_items: order.lines.map((line) => ({
        id: numeric(line.id),
        admin_graphql_api_id: line.id,
        variant_id: numeric(line.variantId),
        quantity: line.quantity,
        price: line.price,
        properties: line.attributes.map((a) => ({ name: a.key, value: a.value })),
      })),
      refunds: order.refunds.map((refund) => this.refundPayload(order, refund)),
    };
  }

  refundPayload(order: StoreOrder, refund: StoreOrder['refunds'][number]) {
    return {
      id: numeric(refund.id),
      admin_graphql_api_id: refund.id,
      order_id: numeric(order.id),
      note: refund.note,
      refund_line_items: refund.lines.map((line) => ({
        line_item_id: numeric(line.lineItemId),
        quantity: line.quantity,
      })),
      transactions: [{ id: nextId(), kind: 'refund', status: 'success', amount: decimal(refund.amount) }],
    };
  }

  fulfillmentPayload(orderId: string, tracking: { company: string; number: string; url: string }) {
    const order = this.order(orderId);
    return {
      id: nextId(),
      order_id: numeric(order.id),
      status: 'success',
      created_at: new Date().toISOString(),
      tracking_company: tracking.company,
      tracking_number: tracking.number,
      tracking_url: tracking.url,
      line_items: order.lines.map((line) => ({
        id: numeric(line.id),
        admin_graphql_api_id: line.id,
        quantity: line.quantity,
      })),
    };
  }

  productPayload(variant: StoreVariant) {
    return {
      id: numeric(variant.productId),
      admin_graphql_api_id: variant.productId,
      title: variant.title,
      variants: [
        {
          id: numeric(variant.id),
          admin_graphql_api_id: variant.id,
          sku: variant.sku,
          title: variant.title,
          price: variant.price,
        },
      ],
    };
  }

  // ——— HTTP ———

  private async answer(request: IncomingMessage, response: ServerResponse) {
    const body = await readBody(request);
    const path = new URL(request.url ?? '/', 'http://store').pathname;
    if (request.method === 'POST' && path === '/admin/oauth/access_token') {
      const input = JSON.parse(body) as { client_id?: string; client_secret?: string; code?: string };
      const ok =
        input.client_id === this.app.apiKey &&
        input.client_secret === this.app.apiSecret &&
        !!input.code &&
        this.codes.delete(input.code);
      return send(
        response,
        ok ? 200 : 400,
        ok ? { access_token: this.accessToken, scope: 'write_products' } : { error: 'invalid_request' },
      );
    }
    if (request.method !== 'POST' || !/^\/admin\/api\/[\w-]+\/graphql\.json$/.test(path)) {
      return send(response, 404, { errors: 'Not Found' });
    }
    if (request.headers['x-shopify-access-token'] !== this.accessToken) {
      return send(response, 401, {
        errors: '[API] Invalid API key or access token (unrecognized login or wrong password)',
      });
    }
    const { query, variables = {} } = JSON.parse(body) as {
      query: string;
      variables?: Record<string, unknown>;
    };
    const field = /\{\s*(\w+)/.exec(query)?.[1] ?? '';
    const cost = query.trimStart().startsWith('mutation') ? 10 : 2 + Number(variables.first ?? 0);
    this.refill();
    const throttled =
      this.throttleAt.delete(this.requests.length + 1) || this.bucket.currentlyAvailable < cost;
    this.requests.push({ field, variables, throttled });
    if (throttled) {
      this.bucket.currentlyAvailable = 0;
      return send(response, 200, {
        errors: [
          {
            message: 'Throttled',
            extensions: { code: 'THROTTLED', documentation: 'https://shopify.dev/api/usage/rate-limits' },
          },
        ],
        extensions: {
          cost: { requestedQueryCost: cost, actualQueryCost: null, throttleStatus: this.status() },
        },
      });
    }
    this.bucket.currentlyAvailable -= cost;
    const result = await graphql({
      schema,
      source: query,
      variableValues: variables,
      rootValue: this.root(),
    });
    if (this.loseAnswers > 0) {
      this.loseAnswers -= 1;
      return send(response, 502, { errors: 'Bad Gateway' });
    }
    return send(response, 200, {
      ...result,
      extensions: {
        cost: { requestedQueryCost: cost, actualQueryCost: cost, throttleStatus: this.status() },
      },
    });
  }

  private refill() {
    const now = Date.now();
    const restored = ((now - this.bucket.at) / 1000) * this.bucket.restoreRate;
    this.bucket.currentlyAvailable = Math.min(
      this.bucket.maximumAvailable,
      this.bucket.currentlyAvailable + restored,
    );
    this.bucket.at = now;
  }

  private status() {
    return {
      maximumAvailable: this.bucket.maximumAvailable,
      currentlyAvailable: Math.floor(this.bucket.currentlyAvailable),
      restoreRate: this.bucket.restoreRate,
    };
  }

  // ——— resolvers ———

  private root() {
    return {
      shop: () => ({ name: 'Test store', myshopifyDomain: this.domain, currencyCode: this.currency }),
      productVariants: ({ first = 50, after }: { first?: number; after?: string }) => {
        const all = [...this.variants.values()];
        const start = after
          ? all.findIndex((v) => v.id === Buffer.from(after, 'base64url').toString()) + 1
          : 0;
        const page = all.slice(start, start + first);
        const last = page.at(-1);
        return {
          nodes: page.map((v) => this.variantNode(v)),
          pageInfo: {
            hasNextPage: start + first < all.length,
            endCursor: last ? Buffer.from(last.id).toString('base64url') : null,
          },
        };
      },
      order: ({ id }: { id: string }) => {
        const order = this.orders.get(id);
        return order && this.orderNode(order);
      },
      sellingPlanGroupCreate: ({
        input,
        resources,
      }: {
        input: { name: string; merchantCode: string; sellingPlansToCreate?: PlanInput[] };
        resources?: { productVariantIds?: string[] };
      }) => {
        const group: StoreGroup = {
          id: gid('SellingPlanGroup'),
          name: input.name,
          merchantCode: input.merchantCode,
          plans: (input.sellingPlansToCreate ?? []).map((plan) => ({ id: gid('SellingPlan'), input: plan })),
          variantIds: new Set(resources?.productVariantIds ?? []),
        };
        for (const id of group.variantIds) {
          if (!this.variants.has(id))
            return {
              sellingPlanGroup: null,
              userErrors: [{ code: 'NOT_FOUND', message: `no variant ${id}` }],
            };
        }
        this.groups.set(group.id, group);
        return { sellingPlanGroup: this.groupNode(group), userErrors: [] };
      },
      sellingPlanGroupUpdate: ({
        id,
        input,
      }: {
        id: string;
        input: { name?: string; sellingPlansToUpdate?: (PlanInput & { id: string })[] };
      }) => {
        const group = this.groups.get(id);
        if (!group)
          return { sellingPlanGroup: null, userErrors: [{ code: 'NOT_FOUND', message: 'no such group' }] };
        if (input.name) group.name = input.name;
        for (const update of input.sellingPlansToUpdate ?? []) {
          const plan = group.plans.find((p) => p.id === update.id);
          if (!plan)
            return { sellingPlanGroup: null, userErrors: [{ code: 'NOT_FOUND', message: 'no such plan' }] };
          plan.input = { ...plan.input, ...update };
        }
        return { sellingPlanGroup: this.groupNode(group), deletedSellingPlanIds: [], userErrors: [] };
      },
      sellingPlanGroupDelete: ({ id }: { id: string }) => {
        if (!this.groups.delete(id))
          return {
            deletedSellingPlanGroupId: null,
            userErrors: [{ code: 'NOT_FOUND', message: 'no such group' }],
          };
        return { deletedSellingPlanGroupId: id, userErrors: [] };
      },
      sellingPlanGroupAddProductVariants: ({
        id,
        productVariantIds,
      }: {
        id: string;
        productVariantIds: string[];
      }) => {
        const group = this.groups.get(id);
        if (!group)
          return { sellingPlanGroup: null, userErrors: [{ code: 'NOT_FOUND', message: 'no such group' }] };
        for (const variantId of productVariantIds) group.variantIds.add(variantId);
        return { sellingPlanGroup: this.groupNode(group), userErrors: [] };
      },
      sellingPlanGroupRemoveProductVariants: ({
        id,
        productVariantIds,
      }: {
        id: string;
        productVariantIds: string[];
      }) => {
        const group = this.groups.get(id);
        if (!group)
          return {
            removedProductVariantIds: null,
            userErrors: [{ code: 'NOT_FOUND', message: 'no such group' }],
          };
        for (const variantId of productVariantIds) group.variantIds.delete(variantId);
        return { removedProductVariantIds: productVariantIds, userErrors: [] };
      },
      productVariantsBulkUpdate: ({
        productId,
        variants,
      }: {
        productId: string;
        variants: { id: string; inventoryPolicy?: 'DENY' | 'CONTINUE' }[];
      }) => {
        const updated: StoreVariant[] = [];
        for (const input of variants) {
          const variant = this.variants.get(input.id);
          if (!variant || variant.productId !== productId) {
            return {
              product: null,
              productVariants: null,
              userErrors: [{ field: ['variants'], message: 'Product variant does not exist' }],
            };
          }
          if (input.inventoryPolicy) variant.inventoryPolicy = input.inventoryPolicy;
          updated.push(variant);
        }
        return {
          product: { id: productId, title: 'Product' },
          productVariants: updated.map((v) => this.variantNode(v)),
          userErrors: [],
        };
      },
      orderCreateMandatePayment: ({
        id,
        mandateId,
        idempotencyKey,
        amount,
      }: {
        id: string;
        mandateId: string;
        idempotencyKey: string;
        amount?: { amount: string; currencyCode: string };
      }) => {
        const known = this.mandatePayments.get(idempotencyKey);
        if (!known && this.declineMandatePayments) {
          return {
            job: null,
            paymentReferenceId: null,
            userErrors: [{ field: ['mandateId'], message: 'The payment method was declined' }],
          };
        }
        if (known)
          return { job: { id: gid('Job'), done: true }, paymentReferenceId: known.reference, userErrors: [] };
        const order = this.orders.get(id);
        if (!order || order.mandateId !== mandateId) {
          return {
            job: null,
            paymentReferenceId: null,
            userErrors: [{ field: ['mandateId'], message: 'Mandate not found' }],
          };
        }
        const payment = {
          reference: `pay_${randomBytes(6).toString('hex')}`,
          orderId: id,
          amount: cents(amount?.amount ?? '0'),
        };
        this.mandatePayments.set(idempotencyKey, payment);
        return {
          job: { id: gid('Job'), done: false },
          paymentReferenceId: payment.reference,
          userErrors: [],
        };
      },
      fulfillmentOrderReleaseHold: ({ id, holdIds }: { id: string; holdIds?: string[] }) => {
        const fulfilmentOrder = this.fulfilmentOrder(id);
        if (!fulfilmentOrder)
          return { fulfillmentOrder: null, userErrors: [{ message: 'Fulfillment order not found' }] };
        fulfilmentOrder.order.holds = fulfilmentOrder.order.holds.filter(
          (hold) => holdIds && !holdIds.includes(hold.id),
        );
        if (fulfilmentOrder.order.holds.length === 0) fulfilmentOrder.order.status = 'OPEN';
        return {
          fulfillmentOrder: this.fulfilmentOrderNode(fulfilmentOrder.parent, fulfilmentOrder.order),
          userErrors: [],
        };
      },
      fulfillmentOrderOpen: ({ id }: { id: string }) => {
        const fulfilmentOrder = this.fulfilmentOrder(id);
        if (fulfilmentOrder?.order.status !== 'SCHEDULED') {
          return { fulfillmentOrder: null, userErrors: [{ message: 'Fulfillment order is not scheduled' }] };
        }
        fulfilmentOrder.order.status = 'OPEN';
        return {
          fulfillmentOrder: this.fulfilmentOrderNode(fulfilmentOrder.parent, fulfilmentOrder.order),
          userErrors: [],
        };
      },
      webhookSubscriptionCreate: ({
        topic,
        webhookSubscription,
      }: {
        topic: string;
        webhookSubscription: { uri?: string; format?: string };
      }) => {
        const key = `${topic} ${webhookSubscription.uri}`;
        if (this.subscriptions.has(key)) {
          return {
            webhookSubscription: null,
            userErrors: [
              {
                field: ['webhookSubscription', 'callbackUrl'],
                message: 'Address for this topic has already been taken',
              },
            ],
          };
        }
        this.subscriptions.add(key);
        return {
          webhookSubscription: { id: gid('WebhookSubscription'), topic, uri: webhookSubscription.uri },
          userErrors: [],
        };
      },
      refundCreate: ({
        input,
      }: {
        input: {
          orderId: string;
          note?: string;
          refundLineItems?: { lineItemId: string; quantity: number }[];
          transactions?: { amount: string; parentId?: string; kind: string }[];
        };
      }) => {
        const order = this.orders.get(input.orderId);
        if (!order)
          return {
            refund: null,
            order: null,
            userErrors: [{ field: ['orderId'], message: 'Order does not exist' }],
          };
        const amount = (input.transactions ?? []).reduce((sum, t) => sum + cents(t.amount), 0);
        const lines = input.refundLineItems ?? [];
        for (const refunded of lines) {
          const line = order.lines.find((l) => l.id === refunded.lineItemId);
          if (!line || refunded.quantity > line.quantity - line.refundedQuantity) {
            return {
              refund: null,
              order: null,
              userErrors: [
                {
                  field: ['refundLineItems'],
                  message: 'Quantity cannot refund more items than were purchased',
                },
              ],
            };
          }
          line.refundedQuantity += refunded.quantity;
        }
        const refund = { id: gid('Refund'), amount, note: input.note ?? null, lines };
        order.refunds.push(refund);
        return {
          refund: { id: refund.id, note: refund.note, totalRefundedSet: this.bag(amount) },
          order: this.orderNode(order),
          userErrors: [],
        };
      },
    };
  }

  private refundable(order: StoreOrder, line: StoreLine, quantity: number): number {
    const refundedBefore = order.refunds
      .flatMap((r) => r.lines)
      .filter((l) => l.lineItemId === line.id)
      .reduce((sum, l) => sum + l.quantity, 0);
    const units = Math.min(quantity, line.quantity - refundedBefore);
    return Math.round((line.charged * units) / line.quantity);
  }

  private fulfilmentOrder(id: string) {
    for (const parent of this.orders.values()) {
      const order = parent.fulfillmentOrders.find((f) => f.id === id);
      if (order) return { parent, order };
    }
    return undefined;
  }

  private bag(minor: number) {
    const money = { amount: decimal(minor), currencyCode: this.currency };
    return { shopMoney: money, presentmentMoney: money };
  }

  private variantNode(v: StoreVariant) {
    return {
      id: v.id,
      sku: v.sku,
      title: v.title,
      displayName: `Product - ${v.title}`,
      price: v.price,
      inventoryPolicy: v.inventoryPolicy,
      product: { id: v.productId, title: 'Product' },
    };
  }

  private groupNode(group: StoreGroup) {
    return {
      id: group.id,
      name: group.name,
      merchantCode: group.merchantCode,
      sellingPlans: () => ({
        nodes: group.plans.map((plan) => ({
          id: plan.id,
          name: plan.input.name,
          category: plan.input.category,
        })),
      }),
    };
  }

  private lineNode(line: StoreLine) {
    const variant = this.variants.get(line.variantId);
    return {
      id: line.id,
      quantity: line.quantity,
      variant: variant && this.variantNode(variant),
      sellingPlan: line.sellingPlanId ? { name: 'Pre-order', sellingPlanId: line.sellingPlanId } : null,
      customAttributes: line.attributes,
      originalUnitPriceSet: this.bag(cents(line.price)),
    };
  }

  private fulfilmentOrderNode(order: StoreOrder, fulfilmentOrder: StoreOrder['fulfillmentOrders'][number]) {
    return {
      id: fulfilmentOrder.id,
      status: fulfilmentOrder.status,
      fulfillmentHolds: fulfilmentOrder.holds.map((hold) => ({ ...hold, heldByRequestingApp: false })),
      lineItems: () => ({
        nodes: fulfilmentOrder.lineIds.map((lineId) => ({
          id: gid('FulfillmentOrderLineItem', numeric(lineId)),
          lineItem: this.lineNode(order.lines.find((l) => l.id === lineId) as StoreLine),
        })),
      }),
    };
  }

  private orderNode(order: StoreOrder) {
    return {
      id: order.id,
      name: `#${order.number}`,
      email: order.email,
      cancelledAt: order.cancelledAt,
      currencyCode: this.currency,
      lineItems: () => ({
        nodes: order.lines.map((line) => this.lineNode(line)),
        pageInfo: { hasNextPage: false, endCursor: null },
      }),
      paymentCollectionDetails: { vaultedPaymentMethods: order.mandateId ? [{ id: order.mandateId }] : [] },
      fulfillmentOrders: () => ({
        nodes: order.fulfillmentOrders.map((f) => this.fulfilmentOrderNode(order, f)),
      }),
      suggestedRefund: ({
        refundLineItems = [],
      }: {
        refundLineItems?: { lineItemId: string; quantity: number }[];
      }) => {
        const amount = refundLineItems.reduce((sum, item) => {
          const line = order.lines.find((l) => l.id === item.lineItemId);
          return line ? sum + this.refundable(order, line, item.quantity) : sum;
        }, 0);
        return {
          amountSet: this.bag(amount),
          suggestedTransactions:
            amount > 0
              ? [
                  {
                    amountSet: this.bag(amount),
                    gateway: 'shopify_payments',
                    kind: 'SUGGESTED_REFUND',
                    parentTransaction: {
                      id: order.saleTransactionId,
                      kind: 'SALE',
                      gateway: 'shopify_payments',
                    },
                  },
                ]
              : [],
        };
      },
    };
  }
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, status: number, body: unknown) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
