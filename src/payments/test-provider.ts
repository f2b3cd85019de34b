import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Money, money } from '../domain/money.ts';
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
  type PaymentEventBody,
  type PaymentMethodSetup,
  type PaymentProvider,
  type PaymentReferenceInput,
  type Refund,
  type RefundInput,
  type SavePaymentMethodInput,
  type WebhookRequest,
} from './provider.ts';

export type CardDecline = Extract<
  PaymentErrorCode,
  'card_declined' | 'insufficient_funds' | 'expired_card' | 'processing_error'
>;

/** A card from Stripe's test-card list, and how Stripe's test mode treats it. */
export interface TestCard {
  readonly number: string;
  /** Stripe's test PaymentMethod for the same card. */
  readonly stripePaymentMethod: string;
  readonly decline: CardDecline | null;
  /** The decline hits charges only: saving the card succeeds (Stripe's "attach succeeds, charges fail"). */
  readonly declinesOnlyCharges: boolean;
  /**
   * `unless_set_up`: every on-session payment and every setup needs the shopper to authenticate;
   * off-session charges succeed once the card was set up. `always`: off-session charges fail too.
   */
  readonly authentication: 'none' | 'unless_set_up' | 'always';
}

function card(
  number: string,
  stripePaymentMethod: string,
  behaviour: Partial<Pick<TestCard, 'decline' | 'declinesOnlyCharges' | 'authentication'>> = {},
): TestCard {
  return {
    number,
    stripePaymentMethod,
    decline: behaviour.decline ?? null,
    declinesOnlyCharges: behaviour.declinesOnlyCharges ?? false,
    authentication: behaviour.authentication ?? 'none',
  };
}

/** Deterministic outcomes by card number, as Stripe's test cards behave. */
export const TEST_CARDS: readonly TestCard[] = [
  card('4242424242424242', 'pm_card_visa'),
  card('4000000000000002', 'pm_card_chargeDeclined', { decline: 'card_declined' }),
  card('4000000000009995', 'pm_card_chargeDeclinedInsufficientFunds', { decline: 'insufficient_funds' }),
  card('4000000000000069', 'pm_card_chargeDeclinedExpiredCard', { decline: 'expired_card' }),
  card('4000000000000119', 'pm_card_chargeDeclinedProcessingError', { decline: 'processing_error' }),
  card('4000000000000341', 'pm_card_chargeCustomerFail', {
    decline: 'card_declined',
    declinesOnlyCharges: true,
  }),
  card('4000002500003155', 'pm_card_authenticationRequiredOnSetup', { authentication: 'unless_set_up' }),
  card('4000002760003184', 'pm_card_authenticationRequired', { authentication: 'always' }),
];

/** The test card named by its number (spaces and dashes allowed) or by its Stripe test PaymentMethod. */
export function findTestCard(paymentMethod: string): TestCard | undefined {
  const number = paymentMethod.replace(/[\s-]/g, '');
  return TEST_CARDS.find(
    (candidate) => candidate.number === number || candidate.stripePaymentMethod === paymentMethod,
  );
}

export type CardOutcome =
  | { kind: 'succeeds' }
  | { kind: 'requires_action' }
  | { kind: 'declined'; code: CardDecline | 'authentication_required' };

/** How an attempt with a test card ends before any authentication; `setUp`: the card was saved for off-session use. */
export function testCardOutcome(
  testCard: TestCard,
  attempt: { kind: 'charge' | 'setup'; offSession: boolean; setUp: boolean },
): CardOutcome {
  if (testCard.decline && (attempt.kind === 'charge' || !testCard.declinesOnlyCharges)) {
    return { kind: 'declined', code: testCard.decline };
  }
  if (testCard.authentication === 'none') return { kind: 'succeeds' };
  if (!attempt.offSession) return { kind: 'requires_action' };
  return testCard.authentication === 'unless_set_up' && attempt.setUp
    ? { kind: 'succeeds' }
    : { kind: 'declined', code: 'authentication_required' };
}

/** `t=…,v1=…`: an HMAC-SHA256 of `timestamp.payload` in hex, the scheme of Stripe-Signature. */
export function signatureHeader(payload: string, secret: string, timestampSeconds: number): string {
  const signature = createHmac('sha256', secret).update(`${timestampSeconds}.${payload}`).digest('hex');
  return `t=${timestampSeconds},v1=${signature}`;
}

export const TEST_SIGNATURE_HEADER = 'presell-test-signature';

export interface TestProviderOptions {
  /** Milliseconds every call waits before it answers, as a network would. */
  readonly latencyMs?: number;
  readonly webhookSecret?: string;
  /** How old a signed webhook may be before it counts as replayed. */
  readonly webhookToleranceSeconds?: number;
  readonly now?: () => Date;
}

interface StoredMethod {
  readonly id: string;
  readonly card: TestCard;
  customerId: string | null;
  setUp: boolean;
}

interface StoredPayment {
  payment: Payment;
  readonly manualCapture: boolean;
  readonly saveForOffSession: boolean;
  refunded: number;
}

interface StoredSetup {
  setup: PaymentMethodSetup;
}

/**
 * The built-in provider the demo and the tests use: a stand-in for a real one that keeps its state in
 * memory and decides outcomes by test card. Like Stripe, it answers a repeated idempotency key with the
 * first answer (failures included) and refuses the key for a different request.
 */
export class TestPaymentProvider implements PaymentProvider {
  readonly name = 'test';
  readonly live = false;
  readonly #latencyMs: number;
  readonly #webhookSecret: string;
  readonly #toleranceSeconds: number;
  readonly #now: () => Date;
  readonly #customers = new Set<string>();
  readonly #methods = new Map<string, StoredMethod>();
  readonly #payments = new Map<string, StoredPayment>();
  readonly #setups = new Map<string, StoredSetup>();
  readonly #answers = new Map<string, { fingerprint: string; answer: Promise<unknown> }>();
  readonly #events: PaymentEvent[] = [];
  readonly #interruptions: Array<'before' | 'after'> = [];

  constructor(options: TestProviderOptions = {}) {
    this.#latencyMs = options.latencyMs ?? 0;
    this.#webhookSecret = options.webhookSecret ?? `whsec_test_${randomBytes(24).toString('hex')}`;
    this.#toleranceSeconds = options.webhookToleranceSeconds ?? 300;
    this.#now = options.now ?? (() => new Date());
  }

  savePaymentMethod(input: SavePaymentMethodInput): Promise<PaymentMethodSetup> {
    return this.#idempotent('savePaymentMethod', input, () => {
      const customerId = this.#customerFor(input);
      const setupId = newId('seti');
      const method = input.paymentMethod ? this.#methodFor(input.paymentMethod, customerId) : null;
      const stored: StoredSetup = {
        setup: {
          setupId,
          status: 'requires_payment_method',
          customerId,
          paymentMethodId: method?.id ?? null,
          clientSecret: clientSecretFor(setupId),
          failure: null,
          metadata: { ...input.metadata },
        },
      };
      this.#setups.set(setupId, stored);
      if (!method) return stored.setup;
      const outcome = testCardOutcome(method.card, { kind: 'setup', offSession: false, setUp: method.setUp });
      if (outcome.kind === 'declined') {
        stored.setup = { ...stored.setup, failure: failureOf(outcome.code) };
        this.#emit({ type: 'setup.failed', setup: stored.setup });
        throw new PaymentError(outcome.code, { setupId });
      }
      if (outcome.kind === 'requires_action') {
        stored.setup = { ...stored.setup, status: 'requires_action' };
        return stored.setup;
      }
      return this.#completeSetup(stored, method);
    });
  }

  chargeOnSession(input: OnSessionPaymentInput): Promise<Payment> {
    return this.#idempotent('chargeOnSession', input, () => this.#payOnSession(input, false));
  }

  authorise(input: OnSessionPaymentInput): Promise<Payment> {
    return this.#idempotent('authorise', input, () => this.#payOnSession(input, true));
  }

  chargeOffSession(input: OffSessionPaymentInput): Promise<Payment> {
    return this.#idempotent('chargeOffSession', input, () => {
      if (!this.#customers.has(input.customerId)) {
        throw new PaymentError('not_found', { providerMessage: `no customer ${input.customerId}` });
      }
      const method = this.#methods.get(input.paymentMethodId);
      if (!method || method.customerId !== input.customerId) {
        throw new PaymentError('invalid_request', {
          providerMessage: `payment method ${input.paymentMethodId} is not saved for customer ${input.customerId}`,
        });
      }
      const stored = this.#newPayment(input, input.customerId, method, {
        manualCapture: false,
        saveForOffSession: false,
      });
      const outcome = testCardOutcome(method.card, { kind: 'charge', offSession: true, setUp: method.setUp });
      if (outcome.kind === 'succeeds') return this.#settle(stored);
      return this.#fail(stored, outcome.kind === 'declined' ? outcome.code : 'authentication_required');
    });
  }

  capture(input: CaptureInput): Promise<Payment> {
    return this.#idempotent('capture', input, () => {
      const stored = this.#storedPayment(input.paymentId);
      const { payment } = stored;
      if (payment.status !== 'requires_capture') {
        throw new PaymentError('invalid_state', {
          providerMessage: `a ${payment.status} payment cannot be captured`,
        });
      }
      const amount = input.amount ?? payment.amount;
      if (
        amount.currency !== payment.amount.currency ||
        amount.amount <= 0 ||
        amount.amount > payment.amount.amount
      ) {
        throw new PaymentError('invalid_amount', {
          providerMessage: 'capture more than zero and at most what was authorised',
        });
      }
      stored.payment = { ...payment, status: 'succeeded', amountReceived: amount };
      this.#emit({ type: 'payment.succeeded', payment: stored.payment });
      return stored.payment;
    });
  }

  cancelAuthorisation(input: PaymentReferenceInput): Promise<Payment> {
    return this.#idempotent('cancelAuthorisation', input, () => {
      const stored = this.#storedPayment(input.paymentId);
      if (stored.payment.status === 'succeeded' || stored.payment.status === 'canceled') {
        throw new PaymentError('invalid_state', {
          providerMessage: `a ${stored.payment.status} payment cannot be cancelled`,
        });
      }
      stored.payment = { ...stored.payment, status: 'canceled', clientSecret: null };
      this.#emit({ type: 'payment.canceled', payment: stored.payment });
      return stored.payment;
    });
  }

  refund(input: RefundInput): Promise<Refund> {
    return this.#idempotent('refund', input, () => {
      const stored = this.#storedPayment(input.paymentId);
      const { payment } = stored;
      if (payment.status !== 'succeeded') {
        throw new PaymentError('invalid_state', {
          providerMessage: `a ${payment.status} payment has nothing to refund`,
        });
      }
      const left = payment.amountReceived.amount - stored.refunded;
      const amount = input.amount ?? money(left, payment.amount.currency);
      if (amount.currency !== payment.amount.currency || amount.amount <= 0 || amount.amount > left) {
        throw new PaymentError('invalid_amount', {
          providerMessage: `refund more than zero and at most the ${left} not yet refunded`,
        });
      }
      stored.refunded += amount.amount;
      const refund: Refund = {
        refundId: newId('re'),
        paymentId: payment.paymentId,
        amount,
        status: 'succeeded',
        metadata: { ...input.metadata },
      };
      this.#emit({ type: 'refund.updated', refund });
      return refund;
    });
  }

  retrievePayment(paymentId: string): Promise<Payment> {
    return this.#call(() => this.#storedPayment(paymentId).payment);
  }

  retrieveSetup(setupId: string): Promise<PaymentMethodSetup> {
    return this.#call(() => {
      const stored = this.#setups.get(setupId);
      if (!stored) throw new PaymentError('not_found', { providerMessage: `no setup ${setupId}` });
      return stored.setup;
    });
  }

  /**
   * The shopper replaced the card behind a saved payment method (a new card from the same bank, as a card
   * updater delivers it): later charges on that method use the new card.
   */
  updateCard(paymentMethodId: string, cardNumber: string): void {
    const method = this.#methods.get(paymentMethodId);
    const card = findTestCard(cardNumber);
    if (!method || !card) throw new Error(`no saved method ${paymentMethodId} or no test card ${cardNumber}`);
    this.#methods.set(paymentMethodId, { ...method, card });
  }

  async parseWebhook(request: WebhookRequest): Promise<PaymentEvent> {
    const body = typeof request.body === 'string' ? request.body : Buffer.from(request.body).toString('utf8');
    const header = request.headers[TEST_SIGNATURE_HEADER];
    if (typeof header !== 'string' || !this.#verifies(body, header)) {
      throw new PaymentError('invalid_webhook', { providerMessage: 'missing, wrong or stale signature' });
    }
    const event = JSON.parse(body) as PaymentEvent & { occurredAt: string };
    return { ...event, occurredAt: new Date(event.occurredAt) };
  }

  /** Every event so far, oldest first, as the provider would send them as webhooks. */
  events(): readonly PaymentEvent[] {
    return [...this.#events];
  }

  /** The signed request that delivers `event`, signed at `signedAt` (now by default). */
  webhookRequest(event: PaymentEvent, signedAt: Date = this.#now()): WebhookRequest {
    const body = JSON.stringify(event);
    const timestamp = Math.floor(signedAt.getTime() / 1000);
    return {
      body,
      headers: { [TEST_SIGNATURE_HEADER]: signatureHeader(body, this.#webhookSecret, timestamp) },
    };
  }

  /**
   * Plays the shopper's answer to an authentication challenge on a payment or setup in `requires_action`,
   * and returns the event it sends.
   */
  completeAction(id: string, outcome: 'authenticated' | 'failed'): PaymentEvent {
    const setup = this.#setups.get(id);
    if (setup) {
      const method = setup.setup.paymentMethodId ? this.#methods.get(setup.setup.paymentMethodId) : undefined;
      if (setup.setup.status !== 'requires_action' || !method) {
        throw new PaymentError('invalid_state', { providerMessage: `setup ${id} awaits no action` });
      }
      if (outcome === 'authenticated') this.#completeSetup(setup, method);
      else {
        setup.setup = {
          ...setup.setup,
          status: 'requires_payment_method',
          failure: failureOf('authentication_failed'),
        };
        this.#emit({ type: 'setup.failed', setup: setup.setup });
      }
      return this.#lastEvent();
    }
    const stored = this.#storedPayment(id);
    if (stored.payment.status !== 'requires_action') {
      throw new PaymentError('invalid_state', { providerMessage: `payment ${id} awaits no action` });
    }
    if (outcome === 'authenticated') this.#settle(stored);
    else {
      stored.payment = {
        ...stored.payment,
        status: 'requires_payment_method',
        failure: failureOf('authentication_failed'),
      };
      this.#emit({ type: 'payment.failed', payment: stored.payment });
    }
    return this.#lastEvent();
  }

  /**
   * What the provider's client library does in the shopper's browser (Stripe.js's confirmPayment and
   * confirmSetup): pays a payment, or saves the card of a setup, waiting for the shopper, with the card they
   * typed, proven by the client secret. A declined card leaves it waiting for another card, as at Stripe.
   */
  confirmWithCard(clientSecret: string, card: string): Promise<BrowserStep> {
    return this.#call(() => {
      const waiting = this.#waitingFor(clientSecret);
      if (waiting.status !== 'requires_payment_method') {
        throw new PaymentError('invalid_state', {
          providerMessage: `a ${waiting.status} payment takes no card`,
        });
      }
      if ('setup' in waiting) {
        const stored = waiting.setup;
        const method = this.#methodFor(card, stored.setup.customerId);
        stored.setup = { ...stored.setup, paymentMethodId: method.id, failure: null };
        const outcome = testCardOutcome(method.card, {
          kind: 'setup',
          offSession: false,
          setUp: method.setUp,
        });
        if (outcome.kind === 'declined') {
          stored.setup = { ...stored.setup, failure: failureOf(outcome.code) };
          this.#emit({ type: 'setup.failed', setup: stored.setup });
          return browserStep(stored.setup.status, outcome.code);
        }
        if (outcome.kind === 'requires_action') {
          stored.setup = { ...stored.setup, status: 'requires_action' };
          return browserStep('requires_action', null);
        }
        return browserStep(this.#completeSetup(stored, method).status, null);
      }
      const stored = waiting.payment;
      const method = this.#methodFor(card, stored.payment.customerId);
      stored.payment = { ...stored.payment, paymentMethodId: method.id, failure: null };
      const outcome = testCardOutcome(method.card, {
        kind: 'charge',
        offSession: false,
        setUp: method.setUp,
      });
      if (outcome.kind === 'declined') {
        stored.payment = { ...stored.payment, failure: failureOf(outcome.code) };
        this.#emit({ type: 'payment.failed', payment: stored.payment });
        return browserStep(stored.payment.status, outcome.code);
      }
      if (outcome.kind === 'requires_action') {
        stored.payment = { ...stored.payment, status: 'requires_action' };
        this.#emit({ type: 'payment.requires_action', payment: stored.payment });
        return browserStep('requires_action', null);
      }
      return browserStep(this.#settle(stored).status, null);
    });
  }

  /** The test bank's challenge, answered by the shopper in the browser (a 3-D Secure card). */
  authenticate(clientSecret: string, outcome: 'authenticated' | 'failed'): Promise<BrowserStep> {
    return this.#call(() => {
      const waiting = this.#waitingFor(clientSecret);
      if (waiting.status !== 'requires_action') {
        throw new PaymentError('invalid_state', {
          providerMessage: `a ${waiting.status} payment awaits no action`,
        });
      }
      const id = 'setup' in waiting ? waiting.setup.setup.setupId : waiting.payment.payment.paymentId;
      this.completeAction(id, outcome);
      const status = 'setup' in waiting ? waiting.setup.setup.status : waiting.payment.payment.status;
      return browserStep(status, outcome === 'failed' ? 'authentication_failed' : null);
    });
  }

  /** What the payment or setup a client secret belongs to was made for (e.g. `{ preorderId }`). */
  metadataOf(clientSecret: string): Readonly<Record<string, string>> {
    const waiting = this.#waitingFor(clientSecret);
    return 'setup' in waiting ? waiting.setup.setup.metadata : waiting.payment.payment.metadata;
  }

  /** The payment or setup a client secret belongs to; the secret must match whole. */
  #waitingFor(
    clientSecret: string,
  ): ({ setup: StoredSetup } | { payment: StoredPayment }) & { status: string } {
    const id = clientSecret.split('_secret_')[0] ?? '';
    const setup = this.#setups.get(id);
    const payment = this.#payments.get(id);
    const secret = setup?.setup.clientSecret ?? payment?.payment.clientSecret;
    if (!secret || !equalSecrets(secret, clientSecret)) {
      throw new PaymentError('not_found', { providerMessage: 'no payment waits with that client secret' });
    }
    if (setup) return { setup, status: setup.setup.status };
    return { payment: payment as StoredPayment, status: (payment as StoredPayment).payment.status };
  }

  /**
   * Makes the next `count` calls fail with `provider_unavailable`: `before` doing anything, or `after`
   * doing it, as when the answer is lost on the way back. A retry with the same key then gets the answer.
   */
  interruptNextCalls(count: number, when: 'before' | 'after'): void {
    for (let i = 0; i < count; i++) this.#interruptions.push(when);
  }

  #payOnSession(input: OnSessionPaymentInput, manualCapture: boolean): Payment {
    const needsCustomer = input.saveForOffSession || input.customerId || input.email;
    const customerId = needsCustomer ? this.#customerFor(input) : null;
    const method = input.paymentMethod ? this.#methodFor(input.paymentMethod, customerId) : null;
    const stored = this.#newPayment(input, customerId, method, {
      manualCapture,
      saveForOffSession: input.saveForOffSession,
    });
    if (!method) return stored.payment;
    const outcome = testCardOutcome(method.card, { kind: 'charge', offSession: false, setUp: method.setUp });
    if (outcome.kind === 'declined') return this.#fail(stored, outcome.code);
    if (outcome.kind === 'requires_action') {
      stored.payment = { ...stored.payment, status: 'requires_action' };
      this.#emit({ type: 'payment.requires_action', payment: stored.payment });
      return stored.payment;
    }
    return this.#settle(stored);
  }

  #newPayment(
    input: IdempotentInput & { amount: Money },
    customerId: string | null,
    method: StoredMethod | null,
    options: { manualCapture: boolean; saveForOffSession: boolean },
  ): StoredPayment {
    const paymentId = newId('pi');
    const stored: StoredPayment = {
      payment: {
        paymentId,
        chargeId: null,
        status: 'requires_payment_method',
        amount: input.amount,
        amountReceived: money(0, input.amount.currency),
        customerId,
        paymentMethodId: method?.id ?? null,
        clientSecret: clientSecretFor(paymentId),
        failure: null,
        metadata: { ...input.metadata },
      },
      refunded: 0,
      ...options,
    };
    this.#payments.set(paymentId, stored);
    return stored;
  }

  /** The card took the money (or holds it, for a manual capture). */
  #settle(stored: StoredPayment): Payment {
    const { payment } = stored;
    const method = payment.paymentMethodId ? this.#methods.get(payment.paymentMethodId) : undefined;
    if (method && stored.saveForOffSession) {
      method.customerId = payment.customerId;
      method.setUp = true;
    }
    stored.payment = {
      ...payment,
      chargeId: newId('ch'),
      status: stored.manualCapture ? 'requires_capture' : 'succeeded',
      amountReceived: stored.manualCapture ? payment.amountReceived : payment.amount,
      clientSecret: null,
      failure: null,
    };
    this.#emit({
      type: stored.manualCapture ? 'payment.authorised' : 'payment.succeeded',
      payment: stored.payment,
    });
    return stored.payment;
  }

  #fail(stored: StoredPayment, code: PaymentErrorCode): never {
    stored.payment = { ...stored.payment, status: 'requires_payment_method', failure: failureOf(code) };
    this.#emit({ type: 'payment.failed', payment: stored.payment });
    throw new PaymentError(code, { paymentId: stored.payment.paymentId });
  }

  #completeSetup(stored: StoredSetup, method: StoredMethod): PaymentMethodSetup {
    method.customerId = stored.setup.customerId;
    method.setUp = true;
    stored.setup = { ...stored.setup, status: 'succeeded', clientSecret: null, failure: null };
    this.#emit({ type: 'setup.succeeded', setup: stored.setup });
    return stored.setup;
  }

  #customerFor(input: CustomerInput): string {
    if (input.customerId) {
      if (!this.#customers.has(input.customerId)) {
        throw new PaymentError('not_found', { providerMessage: `no customer ${input.customerId}` });
      }
      return input.customerId;
    }
    const customerId = newId('cus');
    this.#customers.add(customerId);
    return customerId;
  }

  /** A saved payment method by id, or a new one for a test card. */
  #methodFor(paymentMethod: string, customerId: string | null): StoredMethod {
    const saved = this.#methods.get(paymentMethod);
    if (saved) {
      if (saved.customerId && saved.customerId !== customerId) {
        throw new PaymentError('invalid_request', {
          providerMessage: `payment method ${paymentMethod} belongs to another customer`,
        });
      }
      return saved;
    }
    const testCard = findTestCard(paymentMethod);
    if (!testCard) {
      throw new PaymentError('invalid_request', {
        providerMessage: `not a test card: use one of ${TEST_CARDS.map((known) => known.number).join(', ')}`,
      });
    }
    const method: StoredMethod = { id: newId('pm'), card: testCard, customerId: null, setUp: false };
    this.#methods.set(method.id, method);
    return method;
  }

  #storedPayment(paymentId: string): StoredPayment {
    const stored = this.#payments.get(paymentId);
    if (!stored) throw new PaymentError('not_found', { providerMessage: `no payment ${paymentId}` });
    return stored;
  }

  #emit(body: PaymentEventBody): void {
    this.#events.push({ id: newId('evt'), occurredAt: this.#now(), ...body });
  }

  #lastEvent(): PaymentEvent {
    const event = this.#events.at(-1);
    if (!event) throw new Error('no event was sent');
    return event;
  }

  /**
   * Runs a call that moves money once per idempotency key. The answer, a decline included, is stored
   * before the call runs, so a concurrent retry with the same key waits for the same answer.
   */
  #idempotent<T>(operation: string, input: IdempotentInput, run: () => T): Promise<T> {
    return this.#call(() => {
      const fingerprint = canonicalJson([operation, input]);
      const known = this.#answers.get(input.idempotencyKey);
      if (known) {
        if (known.fingerprint !== fingerprint) {
          throw new PaymentError('idempotency_conflict', {
            providerMessage: `idempotency key ${input.idempotencyKey} was used for a different request`,
          });
        }
        return known.answer as Promise<T>;
      }
      const answer = Promise.resolve().then(run);
      this.#answers.set(input.idempotencyKey, { fingerprint, answer });
      // Like Stripe, forget a request refused before it reached the card, so it can be corrected and sent again.
      answer.catch((error: unknown) => {
        if (!(error instanceof PaymentError && (error.paymentId || error.setupId))) {
          this.#answers.delete(input.idempotencyKey);
        }
      });
      return answer;
    });
  }

  async #call<T>(run: () => T | Promise<T>): Promise<T> {
    if (this.#latencyMs > 0) await sleep(this.#latencyMs);
    const interruption = this.#interruptions.shift();
    if (interruption === 'before') throw new PaymentError('provider_unavailable');
    const answer = await run();
    if (interruption === 'after') throw new PaymentError('provider_unavailable');
    return answer;
  }

  #verifies(body: string, header: string): boolean {
    const parts = new Map(header.split(',').map((part) => part.split('=', 2) as [string, string]));
    const timestamp = Number(parts.get('t'));
    const signature = parts.get('v1');
    if (!Number.isSafeInteger(timestamp) || !signature) return false;
    const age = Math.floor(this.#now().getTime() / 1000) - timestamp;
    if (age > this.#toleranceSeconds) return false;
    const expected = Buffer.from(signatureHeader(body, this.#webhookSecret, timestamp));
    const given = Buffer.from(`t=${timestamp},v1=${signature}`);
    return expected.length === given.length && timingSafeEqual(expected, given);
  }
}

/** Where a payment stands after a step in the shopper's browser, and why it failed, if it did. */
export interface BrowserStep {
  readonly status: string;
  readonly code: PaymentErrorCode | null;
}

function browserStep(status: string, code: PaymentErrorCode | null): BrowserStep {
  return { status, code };
}

function equalSecrets(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

function newId(prefix: string): string {
  return `${prefix}_test_${randomBytes(12).toString('hex')}`;
}

function clientSecretFor(id: string): string {
  return `${id}_secret_${randomBytes(12).toString('hex')}`;
}

/** JSON with object keys sorted, so two equal requests compare equal whatever order their fields were in. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}
