import { DomainError } from '../domain/errors.ts';
import type { Money } from '../domain/money.ts';

/**
 * What Presell needs from a payment provider. Every call that can move money carries an idempotency key:
 * the provider answers a repeated key with the first answer and never moves the money twice, so a
 * retry after a timeout or a crash is always safe. Failures are thrown as PaymentError.
 */
export interface PaymentProvider {
  readonly name: string;
  /** Real money moves (a Stripe live key); false for test keys and the built-in test provider. */
  readonly live: boolean;
  /** Saves a payment method for off-session charges later, charging nothing (a SetupIntent at Stripe). */
  savePaymentMethod(input: SavePaymentMethodInput): Promise<PaymentMethodSetup>;
  /** Charges with the shopper present; may need them to authenticate (`requires_action`). */
  chargeOnSession(input: OnSessionPaymentInput): Promise<Payment>;
  /** Charges a saved payment method with the shopper away, e.g. a balance at release. */
  chargeOffSession(input: OffSessionPaymentInput): Promise<Payment>;
  /** Like chargeOnSession, but only holds the money (`requires_capture`) until `capture`. */
  authorise(input: OnSessionPaymentInput): Promise<Payment>;
  /** Takes authorised money: all of it, or `amount` and releases the rest. */
  capture(input: CaptureInput): Promise<Payment>;
  /** Releases an authorisation without taking any money. */
  cancelAuthorisation(input: PaymentReferenceInput): Promise<Payment>;
  /** Gives back all that a payment took and has not refunded, or `amount` of it. */
  refund(input: RefundInput): Promise<Refund>;
  retrievePayment(paymentId: string): Promise<Payment>;
  retrieveSetup(setupId: string): Promise<PaymentMethodSetup>;
  /**
   * Verifies a webhook request as received (the raw body, byte for byte) and reads it. A forged, altered
   * or stale request throws PaymentError `invalid_webhook`. Providers deliver at least once: dedupe by `id`.
   */
  parseWebhook(request: WebhookRequest): Promise<PaymentEvent>;
}

export interface IdempotentInput {
  readonly idempotencyKey: string;
  /** Copied onto the provider's objects and back into its events, e.g. `{ preorderId }`. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Who pays: a customer the provider already knows, or the email to create one with. */
export interface CustomerInput {
  readonly customerId?: string | null;
  readonly email?: string | null;
}

export interface SavePaymentMethodInput extends IdempotentInput, CustomerInput {
  /** A payment method the shopper gave (a test card number, a Stripe `pm_…`); none: they give it to the client. */
  readonly paymentMethod?: string | null;
}

export interface OnSessionPaymentInput extends IdempotentInput, CustomerInput {
  readonly amount: Money;
  readonly paymentMethod?: string | null;
  /** Keep the payment method for off-session charges later (deposit and balance). */
  readonly saveForOffSession: boolean;
  readonly description?: string | null;
}

export interface OffSessionPaymentInput extends IdempotentInput {
  readonly amount: Money;
  readonly customerId: string;
  readonly paymentMethodId: string;
  readonly description?: string | null;
}

export interface PaymentReferenceInput extends IdempotentInput {
  readonly paymentId: string;
}

export interface CaptureInput extends PaymentReferenceInput {
  readonly amount?: Money | null;
}

export interface RefundInput extends PaymentReferenceInput {
  readonly amount?: Money | null;
  readonly reason?: 'requested_by_customer' | 'duplicate' | 'fraudulent' | null;
}

export type PaymentStatus =
  /** Waiting for the shopper to give (or change) a payment method, with the client secret. */
  | 'requires_payment_method'
  /** Waiting for the shopper to authenticate, e.g. 3-D Secure, with the client secret. */
  | 'requires_action'
  | 'processing'
  /** Authorised: the money is held until captured or cancelled. */
  | 'requires_capture'
  | 'succeeded'
  | 'canceled';

export interface Payment {
  readonly paymentId: string;
  /** The provider's charge behind a successful attempt (`ch_…`), when it has one. */
  readonly chargeId: string | null;
  readonly status: PaymentStatus;
  readonly amount: Money;
  /** What was taken: the amount once succeeded, the captured part after a partial capture. */
  readonly amountReceived: Money;
  readonly customerId: string | null;
  readonly paymentMethodId: string | null;
  /** Hands the payment to the shopper's browser (Stripe.js) when they need to act; never log it. */
  readonly clientSecret: string | null;
  /** Why the last attempt failed, when it did. */
  readonly failure: PaymentFailure | null;
  readonly metadata: Readonly<Record<string, string>>;
}

export type SetupStatus =
  | 'requires_payment_method'
  | 'requires_action'
  | 'processing'
  | 'succeeded'
  | 'canceled';

export interface PaymentMethodSetup {
  readonly setupId: string;
  readonly status: SetupStatus;
  readonly customerId: string | null;
  readonly paymentMethodId: string | null;
  readonly clientSecret: string | null;
  readonly failure: PaymentFailure | null;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface Refund {
  readonly refundId: string;
  readonly paymentId: string;
  readonly amount: Money;
  readonly status: 'pending' | 'succeeded' | 'failed' | 'canceled';
  readonly metadata: Readonly<Record<string, string>>;
}

export interface PaymentFailure {
  readonly code: PaymentErrorCode;
  readonly message: string;
}

export interface WebhookRequest {
  /** The body exactly as received: any re-serialisation breaks the signature. */
  readonly body: string | Uint8Array;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** A provider's webhook, in words that do not depend on the provider. */
export type PaymentEvent = { readonly id: string; readonly occurredAt: Date } & PaymentEventBody;

/** What happened, by kind of object. */
export type PaymentEventBody =
  | {
      readonly type:
        | 'payment.succeeded'
        | 'payment.authorised'
        | 'payment.requires_action'
        | 'payment.failed'
        | 'payment.canceled';
      readonly payment: Payment;
    }
  | { readonly type: 'setup.succeeded' | 'setup.failed'; readonly setup: PaymentMethodSetup }
  | { readonly type: 'refund.updated'; readonly refund: Refund }
  /** A verified event Presell does not act on. */
  | { readonly type: 'ignored'; readonly providerType: string };

const customerMessages = {
  card_declined: 'Your card was declined. Please use a different card.',
  insufficient_funds: 'Your card has insufficient funds. Please use a different card.',
  expired_card: 'Your card has expired. Please use a different card.',
  authentication_required: 'Your bank asks you to confirm this payment. Please authenticate it to continue.',
  authentication_failed:
    'Your bank could not confirm this payment. Please try again or use a different card.',
  processing_error: 'An error occurred while processing your card. Please try again in a moment.',
  provider_unavailable: 'The payment service cannot be reached right now. Please try again in a few minutes.',
  rate_limited: 'The payment service is busy. Please try again in a moment.',
  idempotency_conflict: 'This payment could not be processed. Please contact the shop.',
  invalid_amount: 'This payment could not be processed. Please contact the shop.',
  invalid_request: 'This payment could not be processed. Please contact the shop.',
  invalid_state: 'This payment could not be processed. Please contact the shop.',
  not_found: 'This payment could not be processed. Please contact the shop.',
  provider_misconfigured: 'This payment could not be processed. Please contact the shop.',
  invalid_webhook: 'This request could not be verified.',
} as const;

/**
 * Stable codes. The card codes explain themselves; `authentication_required` on an off-session charge
 * means the customer must come back and pay on session. `idempotency_conflict`: the key was used for a
 * different request. `invalid_state`: e.g. capturing what is not authorised. `provider_misconfigured`:
 * the provider refused our credentials.
 */
export type PaymentErrorCode = keyof typeof customerMessages;

/**
 * Failures a later attempt may get past without the shopper doing anything. After `provider_unavailable`
 * or `rate_limited` retry with the same idempotency key: the first attempt may have gone through. A
 * `processing_error` is a card decline the provider remembers under its key, so it needs a new key.
 */
const retryableCodes: ReadonlySet<PaymentErrorCode> = new Set([
  'processing_error',
  'provider_unavailable',
  'rate_limited',
]);

/**
 * A payment the provider refused or could not make. `message` is safe to show the shopper; what the
 * provider said is kept apart in `providerMessage`, for logs.
 */
export class PaymentError extends DomainError {
  override name = 'PaymentError';
  declare readonly code: PaymentErrorCode;
  readonly providerMessage: string | null;
  /** The provider's object the failed attempt left behind, to record or retry against. */
  readonly paymentId: string | null;
  readonly setupId: string | null;

  constructor(
    code: PaymentErrorCode,
    details: {
      providerMessage?: string | null;
      paymentId?: string | null;
      setupId?: string | null;
      cause?: unknown;
    } = {},
  ) {
    super(code, customerMessages[code]);
    if (details.cause !== undefined) this.cause = details.cause;
    this.providerMessage = details.providerMessage ?? null;
    this.paymentId = details.paymentId ?? null;
    this.setupId = details.setupId ?? null;
  }

  get retryable(): boolean {
    return retryableCodes.has(this.code);
  }
}

/** The failure as a shopper may read it, e.g. on a payment that needs a new card. */
export function failureOf(code: PaymentErrorCode): PaymentFailure {
  return { code, message: customerMessages[code] };
}
