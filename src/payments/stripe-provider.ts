import Stripe from 'stripe';
import { type Money, minorUnitDigits, money } from '../domain/money.ts';
import {
  type CaptureInput,
  type CustomerInput,
  failureOf,
  type IdempotentInput,
  type OffSessionPaymentInput,
  type OnSessionPaymentInput,
  type Payment,
  PaymentError,
  type PaymentErrorCode,
  type PaymentEvent,
  type PaymentFailure,
  type PaymentMethodSetup,
  type PaymentProvider,
  type PaymentReferenceInput,
  type PaymentStatus,
  type Refund,
  type RefundInput,
  type SavePaymentMethodInput,
  type SetupStatus,
  type WebhookRequest,
} from './provider.ts';

export interface StripeProviderOptions {
  /** The secret key (`sk_…` or a restricted `rk_…`); never logged. */
  readonly apiKey: string;
  /** The signing secret of the webhook endpoint (`whsec_…`); never logged. */
  readonly webhookSecret: string;
  /** Where the API is: api.stripe.com:443 over https unless set, e.g. to a local stand-in in tests. */
  readonly host?: string;
  readonly port?: number;
  readonly protocol?: 'http' | 'https';
  /** Retries of a request that failed on the network or with a 5xx, with the same idempotency key. */
  readonly maxNetworkRetries?: number;
  readonly timeoutMs?: number;
  /** How old a signed webhook may be before it counts as replayed. */
  readonly webhookToleranceSeconds?: number;
  readonly now?: () => Date;
}

/**
 * Payments through Stripe with PaymentIntents and SetupIntents. Deposits and pay-in-full save the card
 * with `setup_future_usage: off_session`; pay-later saves it with a SetupIntent; balances are charged with
 * `off_session: true, confirm: true`; authorisations use manual capture. Every request carries the
 * caller's idempotency key, so Stripe never moves money twice for one key.
 */
export class StripePaymentProvider implements PaymentProvider {
  readonly name = 'stripe';
  readonly live: boolean;
  readonly #stripe: Stripe;
  readonly #webhookSecret: string;
  readonly #toleranceSeconds: number;
  readonly #now: () => Date;

  constructor(options: StripeProviderOptions) {
    this.#stripe = new Stripe(options.apiKey, {
      host: options.host,
      port: options.port,
      protocol: options.protocol,
      maxNetworkRetries: options.maxNetworkRetries ?? 2,
      timeout: options.timeoutMs ?? 30_000,
      appInfo: { name: 'Presell' },
    });
    // Stripe's secret and restricted keys say their mode: sk_live_…, rk_live_….
    this.live = /^(sk|rk)_live_/.test(options.apiKey);
    this.#webhookSecret = options.webhookSecret;
    this.#toleranceSeconds = options.webhookToleranceSeconds ?? 300;
    this.#now = options.now ?? (() => new Date());
  }

  savePaymentMethod(input: SavePaymentMethodInput): Promise<PaymentMethodSetup> {
    return translateErrors(async () => {
      const customer = await this.#customerFor(input);
      const setup = await this.#stripe.setupIntents.create(
        {
          customer,
          usage: 'off_session',
          allowed_payment_method_types: ['card'],
          metadata: { ...input.metadata },
          ...(input.paymentMethod ? { payment_method: input.paymentMethod, confirm: true } : {}),
        },
        { idempotencyKey: input.idempotencyKey },
      );
      return setupOf(setup);
    });
  }

  chargeOnSession(input: OnSessionPaymentInput): Promise<Payment> {
    return this.#payOnSession(input, 'automatic');
  }

  authorise(input: OnSessionPaymentInput): Promise<Payment> {
    return this.#payOnSession(input, 'manual');
  }

  chargeOffSession(input: OffSessionPaymentInput): Promise<Payment> {
    return translateErrors(async () => {
      const intent = await this.#stripe.paymentIntents.create(
        {
          ...amountParams(input.amount),
          customer: input.customerId,
          payment_method: input.paymentMethodId,
          off_session: true,
          confirm: true,
          allowed_payment_method_types: ['card'],
          capture_method: 'automatic',
          description: input.description ?? undefined,
          metadata: { ...input.metadata },
        },
        { idempotencyKey: input.idempotencyKey },
      );
      return paymentOf(intent);
    });
  }

  capture(input: CaptureInput): Promise<Payment> {
    return translateErrors(async () => {
      const intent = await this.#stripe.paymentIntents.capture(
        input.paymentId,
        input.amount ? { amount_to_capture: toStripeAmount(input.amount) } : {},
        { idempotencyKey: input.idempotencyKey },
      );
      return paymentOf(intent);
    });
  }

  cancelAuthorisation(input: PaymentReferenceInput): Promise<Payment> {
    return translateErrors(async () => {
      const intent = await this.#stripe.paymentIntents.cancel(
        input.paymentId,
        {},
        { idempotencyKey: input.idempotencyKey },
      );
      return paymentOf(intent);
    });
  }

  refund(input: RefundInput): Promise<Refund> {
    return translateErrors(async () => {
      const refund = await this.#stripe.refunds.create(
        {
          payment_intent: input.paymentId,
          amount: input.amount ? toStripeAmount(input.amount) : undefined,
          reason: input.reason ?? undefined,
          metadata: { ...input.metadata },
        },
        { idempotencyKey: input.idempotencyKey },
      );
      return refundOf(refund);
    });
  }

  retrievePayment(paymentId: string): Promise<Payment> {
    return translateErrors(async () => paymentOf(await this.#stripe.paymentIntents.retrieve(paymentId)));
  }

  retrieveSetup(setupId: string): Promise<PaymentMethodSetup> {
    return translateErrors(async () => setupOf(await this.#stripe.setupIntents.retrieve(setupId)));
  }

  async parseWebhook(request: WebhookRequest): Promise<PaymentEvent> {
    const signature = request.headers['stripe-signature'];
    let event: Stripe.Event;
    try {
      event = this.#stripe.webhooks.constructEvent(
        request.body,
        typeof signature === 'string' ? signature : '',
        this.#webhookSecret,
        this.#toleranceSeconds,
        undefined,
        this.#now().getTime(),
      );
    } catch (error) {
      throw new PaymentError('invalid_webhook', {
        providerMessage: error instanceof Error ? error.message : String(error),
      });
    }
    return eventOf(event);
  }

  #payOnSession(input: OnSessionPaymentInput, captureMethod: 'automatic' | 'manual'): Promise<Payment> {
    return translateErrors(async () => {
      const needsCustomer = input.saveForOffSession || input.customerId || input.email;
      const intent = await this.#stripe.paymentIntents.create(
        {
          ...amountParams(input.amount),
          customer: needsCustomer ? await this.#customerFor(input) : undefined,
          allowed_payment_method_types: ['card'],
          capture_method: captureMethod,
          setup_future_usage: input.saveForOffSession ? 'off_session' : undefined,
          description: input.description ?? undefined,
          metadata: { ...input.metadata },
          // With a payment method, confirm now; without, the shopper's browser confirms with the client secret.
          ...(input.paymentMethod ? { payment_method: input.paymentMethod, confirm: true } : {}),
        },
        { idempotencyKey: input.idempotencyKey },
      );
      return paymentOf(intent);
    });
  }

  /** The customer to save the card on; a new one is created under a key derived from the call's own. */
  async #customerFor(input: CustomerInput & IdempotentInput): Promise<string> {
    if (input.customerId) return input.customerId;
    const customer = await this.#stripe.customers.create(
      { email: input.email ?? undefined, metadata: { ...input.metadata } },
      { idempotencyKey: `${input.idempotencyKey}/customer` },
    );
    return customer.id;
  }
}

/** Stripe's zero- and three-decimal currencies (https://docs.stripe.com/currencies); all others take two. */
const stripeZeroDecimal = new Set([
  'BIF',
  'CLP',
  'DJF',
  'GNF',
  'JPY',
  'KMF',
  'KRW',
  'MGA',
  'PYG',
  'RWF',
  'UGX',
  'VND',
  'VUV',
  'XAF',
  'XOF',
  'XPF',
]);
const stripeThreeDecimal = new Set(['BHD', 'JOD', 'KWD', 'OMR', 'TND']);

function stripeDigits(currency: string): number {
  return stripeZeroDecimal.has(currency) ? 0 : stripeThreeDecimal.has(currency) ? 3 : 2;
}

/**
 * Our minor units (ISO 4217) in the unit Stripe counts in. They differ where Stripe keeps two decimals
 * for a currency ISO counts whole (ISK: 500 ISK is 50000 at Stripe), or none for one ISO gives two (MGA). Stripe
 * takes three-decimal currencies only in whole tens (KWD 1.250, not 1.255): other amounts are refused
 * here, never rounded, so what is charged is what the ledger says.
 */
export function toStripeAmount(value: Money): number {
  const shift = stripeDigits(value.currency) - minorUnitDigits(value.currency);
  const amount = shift >= 0 ? value.amount * 10 ** shift : value.amount / 10 ** -shift;
  if (!Number.isSafeInteger(amount) || (stripeThreeDecimal.has(value.currency) && amount % 10 !== 0)) {
    throw new PaymentError('invalid_amount', {
      providerMessage: `Stripe cannot charge ${value.amount} minor units of ${value.currency}`,
    });
  }
  return amount;
}

export function fromStripeAmount(amount: number, stripeCurrency: string): Money {
  const currency = stripeCurrency.toUpperCase();
  const shift = stripeDigits(currency) - minorUnitDigits(currency);
  return money(shift >= 0 ? amount / 10 ** shift : amount * 10 ** -shift, currency);
}

function amountParams(value: Money): { amount: number; currency: string } {
  return { amount: toStripeAmount(value), currency: value.currency.toLowerCase() };
}

async function translateErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw paymentErrorOf(error);
  }
}

/** Stripe's error shapes (type, code, decline_code, param) as our stable codes. Bugs pass through untouched. */
function paymentErrorOf(error: unknown): unknown {
  if (!(error instanceof Stripe.errors.StripeError)) return error;
  const details = {
    providerMessage: error.message,
    paymentId: error.payment_intent?.id,
    setupId: error.setup_intent?.id,
    cause: error,
  };
  return new PaymentError(codeOfError(error), details);
}

function codeOfError(error: InstanceType<typeof Stripe.errors.StripeError>): PaymentErrorCode {
  const { errors } = Stripe;
  if (error instanceof errors.StripeCardError) return codeOfFailure(error.code, error.decline_code);
  if (error instanceof errors.StripeRateLimitError) return 'rate_limited';
  if (error instanceof errors.StripeIdempotencyError) return 'idempotency_conflict';
  if (error instanceof errors.StripeAuthenticationError || error instanceof errors.StripePermissionError) {
    return 'provider_misconfigured';
  }
  if (error instanceof errors.StripeInvalidRequestError) {
    if (error.code === 'resource_missing') return 'not_found';
    if (error.code === 'payment_intent_unexpected_state' || error.code === 'setup_intent_unexpected_state') {
      return 'invalid_state';
    }
    if (error.code === 'charge_already_refunded' || error.param?.startsWith('amount'))
      return 'invalid_amount';
    return 'invalid_request';
  }
  return 'provider_unavailable';
}

/** A card error or an intent's last error, by its code and the issuer's decline code. */
function codeOfFailure(code: string | undefined, declineCode: string | undefined): PaymentErrorCode {
  const reasons = [code, declineCode];
  if (reasons.includes('authentication_required')) return 'authentication_required';
  if (code === 'payment_intent_authentication_failure' || code === 'setup_intent_authentication_failure') {
    return 'authentication_failed';
  }
  if (reasons.includes('expired_card')) return 'expired_card';
  if (reasons.includes('processing_error')) return 'processing_error';
  if (declineCode === 'insufficient_funds') return 'insufficient_funds';
  return 'card_declined';
}

function failureOfLastError(
  lastError: { code?: string; decline_code?: string } | null | undefined,
): PaymentFailure | null {
  return lastError ? failureOf(codeOfFailure(lastError.code, lastError.decline_code)) : null;
}

const shopperStatuses: ReadonlySet<string> = new Set(['requires_payment_method', 'requires_action']);

function paymentOf(intent: Stripe.PaymentIntent): Payment {
  const status = statusOf(intent.status);
  const taken = status === 'succeeded' || status === 'requires_capture';
  return {
    paymentId: intent.id,
    chargeId: taken ? idOf(intent.latest_charge) : null,
    status,
    amount: fromStripeAmount(intent.amount, intent.currency),
    amountReceived: fromStripeAmount(intent.amount_received, intent.currency),
    customerId: idOf(intent.customer),
    paymentMethodId: idOf(intent.payment_method),
    clientSecret: shopperStatuses.has(status) ? intent.client_secret : null,
    failure: failureOfLastError(intent.last_payment_error),
    metadata: { ...intent.metadata },
  };
}

function setupOf(setup: Stripe.SetupIntent): PaymentMethodSetup {
  // A setup never waits for capture, so its status is one of SetupStatus.
  const status = statusOf(setup.status) as SetupStatus;
  return {
    setupId: setup.id,
    status,
    customerId: idOf(setup.customer),
    paymentMethodId: idOf(setup.payment_method),
    clientSecret: shopperStatuses.has(status) ? setup.client_secret : null,
    failure: failureOfLastError(setup.last_setup_error),
    metadata: { ...setup.metadata },
  };
}

function refundOf(refund: Stripe.Refund): Refund {
  const status = refund.status === 'succeeded' || refund.status === 'failed' || refund.status === 'canceled';
  return {
    refundId: refund.id,
    paymentId: idOf(refund.payment_intent) ?? '',
    amount: fromStripeAmount(refund.amount, refund.currency),
    status: status ? (refund.status as Refund['status']) : 'pending',
    metadata: { ...refund.metadata },
  };
}

/**
 * Stripe's intent statuses as ours. `requires_confirmation` waits on the shopper's client, like an action;
 * a status this code does not know yet reads as `processing`: not settled, look again later.
 */
const statuses: Readonly<Record<string, PaymentStatus>> = {
  requires_payment_method: 'requires_payment_method',
  requires_confirmation: 'requires_action',
  requires_action: 'requires_action',
  processing: 'processing',
  requires_capture: 'requires_capture',
  succeeded: 'succeeded',
  canceled: 'canceled',
};

function statusOf(status: string): PaymentStatus {
  return statuses[status] ?? 'processing';
}

function eventOf(event: Stripe.Event): PaymentEvent {
  const base = { id: event.id, occurredAt: new Date(event.created * 1000) };
  switch (event.type) {
    case 'payment_intent.succeeded':
      return { ...base, type: 'payment.succeeded', payment: paymentOf(event.data.object) };
    case 'payment_intent.amount_capturable_updated':
      return { ...base, type: 'payment.authorised', payment: paymentOf(event.data.object) };
    case 'payment_intent.requires_action':
      return { ...base, type: 'payment.requires_action', payment: paymentOf(event.data.object) };
    case 'payment_intent.payment_failed':
      return { ...base, type: 'payment.failed', payment: paymentOf(event.data.object) };
    case 'payment_intent.canceled':
      return { ...base, type: 'payment.canceled', payment: paymentOf(event.data.object) };
    case 'setup_intent.succeeded':
      return { ...base, type: 'setup.succeeded', setup: setupOf(event.data.object) };
    case 'setup_intent.setup_failed':
      return { ...base, type: 'setup.failed', setup: setupOf(event.data.object) };
    case 'refund.created':
    case 'refund.updated':
    case 'refund.failed':
      return { ...base, type: 'refund.updated', refund: refundOf(event.data.object) };
    default:
      return { ...base, type: 'ignored', providerType: event.type };
  }
}

function idOf(value: string | { id: string } | null | undefined): string | null {
  return value == null ? null : typeof value === 'string' ? value : value.id;
}
