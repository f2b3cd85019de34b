/**
 * A stand-in for the parts of Stripe's API that src/payments/stripe-provider.ts calls, on 127.0.0.1, so
 * the real `stripe` SDK can be tested without reaching Stripe. It follows Stripe's documented behaviour:
 * form-encoded bodies, `Idempotency-Key` replays (and the error for a key reused with other parameters),
 * error bodies `{error: {type, code, decline_code, message, param}}` with Stripe's statuses, objects shaped
 * as Stripe returns them, and Stripe's test PaymentMethods (`pm_card_visa`, `pm_card_chargeDeclined`, …)
 * deciding outcomes through the same test-card table as the built-in test provider.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CardDecline,
  findTestCard,
  signatureHeader,
  type TestCard,
  testCardOutcome,
} from '../../src/payments/test-provider.ts';

type StripeObject = Record<string, unknown>;
type Params = Record<string, unknown>;

export interface StripeEvent {
  readonly id: string;
  readonly object: 'event';
  readonly type: string;
  readonly created: number;
  readonly data: { readonly object: StripeObject };
  readonly livemode: false;
  readonly api_version: string | null;
  readonly pending_webhooks: number;
  readonly request: { readonly id: string | null; readonly idempotency_key: string | null };
}

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly params: Params;
  readonly idempotencyKey: string | null;
  /** Answered from the idempotency store: nothing ran. */
  readonly replayed: boolean;
  readonly status: number;
}

export interface StripeApiServer {
  readonly host: string;
  readonly port: number;
  /** The secret key requests must carry. */
  readonly apiKey: string;
  /** What Stripe would send as webhooks, oldest first. */
  readonly events: readonly StripeEvent[];
  readonly requests: readonly RecordedRequest[];
  /** Plays the shopper's answer to 3-D Secure on an intent in `requires_action`; returns the event it sends. */
  completeAction(intentId: string, outcome: 'authenticated' | 'failed'): StripeEvent;
  /** Answers the next `count` requests with a 500 (api_error) or 429 (rate limit), doing nothing. */
  failNextRequests(count: number, status: 500 | 429): void;
  close(): Promise<void>;
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeObject,
  ) {
    super(String(body.message));
  }
}

/** What Stripe answers for each decline of the test cards: code, decline_code, message, param. */
const declineShapes: Record<CardDecline | 'authentication_required', StripeObject> = {
  card_declined: {
    code: 'card_declined',
    decline_code: 'generic_decline',
    message: 'Your card was declined.',
  },
  insufficient_funds: {
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  expired_card: {
    code: 'expired_card',
    decline_code: 'expired_card',
    message: 'Your card has expired.',
    param: 'exp_month',
  },
  processing_error: {
    code: 'processing_error',
    decline_code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  },
  authentication_required: {
    code: 'authentication_required',
    decline_code: 'authentication_required',
    message: 'Your card was declined. This transaction requires authentication.',
  },
};

/** Three-decimal currencies: Stripe takes their amounts only in whole tens of the minor unit. */
const threeDecimalCurrencies = new Set(['bhd', 'jod', 'kwd', 'omr', 'tnd']);

interface StoredMethod {
  readonly object: StripeObject;
  readonly card: TestCard;
  setUp: boolean;
}

interface StoredIntent {
  object: StripeObject;
  readonly kind: 'payment_intent' | 'setup_intent';
  amountRefunded: number;
}

export async function startStripeApiServer(options: { apiKey?: string } = {}): Promise<StripeApiServer> {
  const apiKey = options.apiKey ?? `sk_test_${randomBytes(16).toString('hex')}`;
  const customers = new Map<string, StripeObject>();
  const methods = new Map<string, StoredMethod>();
  const intents = new Map<string, StoredIntent>();
  const answers = new Map<string, { fingerprint: string; status: number; body: string }>();
  const events: StripeEvent[] = [];
  const requests: RecordedRequest[] = [];
  const failures: Array<500 | 429> = [];
  let current: { id: string; idempotencyKey: string | null } = { id: '', idempotencyKey: null };

  const server = createServer((request, response) => {
    readBody(request).then(
      (body) => handle(request, body, response),
      () => response.destroy(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  function handle(request: IncomingMessage, body: string, response: ServerResponse) {
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const params = parseForm(body);
    const idempotencyKey = header(request, 'idempotency-key');
    const reply = (status: number, text: string, replayed = false) => {
      response.writeHead(status, {
        'content-type': 'application/json',
        ...(replayed ? { 'idempotent-replayed': 'true' } : {}),
      });
      response.end(text);
      requests.push({ method, path, params, idempotencyKey, replayed, status });
    };
    const refuse = (status: number, error: StripeObject) => reply(status, JSON.stringify({ error }));

    const authorization = header(request, 'authorization') ?? '';
    if (authorization !== `Bearer ${apiKey}`) {
      const message = `Invalid API Key provided: ${maskKey(authorization.replace(/^Bearer /, ''))}`;
      return refuse(401, { type: 'invalid_request_error', message });
    }
    const failure = failures.shift();
    if (failure === 500) return refuse(500, { type: 'api_error', message: 'An unknown error occurred.' });
    if (failure === 429) {
      return refuse(429, {
        type: 'invalid_request_error',
        code: 'rate_limit',
        message: 'Too many requests hit the API too quickly.',
      });
    }

    const fingerprint = `${method} ${path} ${[...new URLSearchParams(body)].map(String).sort().join('&')}`;
    const known = method === 'POST' && idempotencyKey ? answers.get(idempotencyKey) : undefined;
    if (known && known.fingerprint !== fingerprint) {
      return refuse(400, {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
      });
    }
    if (known) return reply(known.status, known.body, true);

    current = { id: `req_${randomBytes(7).toString('hex')}`, idempotencyKey };
    let status = 200;
    let answer: unknown;
    try {
      answer = route(method, path, params);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status = error.status;
      answer = { error: error.body };
    }
    const text = JSON.stringify(answer);
    // Stripe keeps the answer of a request that started to run (success or card error), not a refused one.
    if (method === 'POST' && idempotencyKey && (status === 200 || status === 402)) {
      answers.set(idempotencyKey, { fingerprint, status, body: text });
    }
    reply(status, text);
  }

  function route(method: string, path: string, params: Params): unknown {
    const [, version, resource, id, action] = path.split('/');
    if (version === 'v1') {
      if (method === 'POST' && resource === 'customers' && !id) return createCustomer(params);
      if (resource === 'payment_intents' || resource === 'setup_intents') {
        const kind = resource === 'payment_intents' ? 'payment_intent' : 'setup_intent';
        if (method === 'POST' && !id)
          return kind === 'payment_intent' ? createPayment(params) : createSetup(params);
        if (method === 'GET' && id && !action) return intent(id, kind).object;
        if (method === 'POST' && id && kind === 'payment_intent' && action === 'capture')
          return capture(id, params);
        if (method === 'POST' && id && kind === 'payment_intent' && action === 'cancel') return cancel(id);
      }
      if (method === 'POST' && resource === 'refunds' && !id) return createRefund(params);
    }
    throw new ApiError(404, {
      type: 'invalid_request_error',
      message: `Unrecognized request URL (${method}: ${path}).`,
    });
  }

  function createCustomer(params: Params): StripeObject {
    const customer = {
      id: newId('cus'),
      object: 'customer',
      created: now(),
      email: params.email ?? null,
      livemode: false,
      metadata: params.metadata ?? {},
    };
    customers.set(customer.id, customer);
    return customer;
  }

  function createSetup(params: Params): StripeObject {
    const customer = optionalCustomer(params);
    const method = params.payment_method ? paymentMethod(String(params.payment_method)) : null;
    const stored: StoredIntent = {
      kind: 'setup_intent',
      amountRefunded: 0,
      object: {
        id: newId('seti'),
        object: 'setup_intent',
        cancellation_reason: null,
        client_secret: null,
        created: now(),
        customer,
        description: null,
        last_setup_error: null,
        livemode: false,
        metadata: params.metadata ?? {},
        next_action: null,
        payment_method: method?.object.id ?? null,
        allowed_payment_method_types: listParam(params.allowed_payment_method_types, ['card']),
        payment_method_types: listParam(params.allowed_payment_method_types, ['card']),
        status: method ? 'requires_confirmation' : 'requires_payment_method',
        usage: params.usage ?? 'off_session',
      },
    };
    stored.object.client_secret = `${stored.object.id}_secret_${randomBytes(12).toString('hex')}`;
    intents.set(String(stored.object.id), stored);
    if (!method || params.confirm !== 'true') return stored.object;
    const outcome = testCardOutcome(method.card, { kind: 'setup', offSession: false, setUp: method.setUp });
    if (outcome.kind === 'declined') decline(stored, outcome.code, null);
    if (outcome.kind === 'requires_action') return requireAction(stored);
    return succeed(stored, method);
  }

  function createPayment(params: Params): StripeObject {
    const amount = positiveInteger(params.amount, 'amount');
    const currency = String(params.currency ?? '').toLowerCase();
    if (!currency) throw invalidRequest('Missing required param: currency.', 'currency', 'parameter_missing');
    if (threeDecimalCurrencies.has(currency) && amount % 10 !== 0) {
      throw invalidRequest(
        `Amounts in ${currency.toUpperCase()} must be divisible by 10: the last digit must be 0.`,
        'amount',
        'amount_invalid',
      );
    }
    const customer = optionalCustomer(params);
    const method = params.payment_method ? paymentMethod(String(params.payment_method)) : null;
    const offSession = params.off_session === 'true';
    const confirm = params.confirm === 'true';
    if (offSession && !confirm)
      throw invalidRequest('off_session can only be set when confirm=true.', 'off_session');
    if (offSession && (!method || method.object.customer !== customer || !customer)) {
      throw invalidRequest(
        'An off-session payment needs a PaymentMethod attached to the Customer of the PaymentIntent.',
        'payment_method',
      );
    }
    const stored: StoredIntent = {
      kind: 'payment_intent',
      amountRefunded: 0,
      object: {
        id: newId('pi'),
        object: 'payment_intent',
        amount,
        amount_capturable: 0,
        amount_received: 0,
        canceled_at: null,
        cancellation_reason: null,
        capture_method: params.capture_method ?? 'automatic_async',
        client_secret: null,
        confirmation_method: 'automatic',
        created: now(),
        currency,
        customer,
        description: params.description ?? null,
        last_payment_error: null,
        latest_charge: null,
        livemode: false,
        metadata: params.metadata ?? {},
        next_action: null,
        payment_method: method?.object.id ?? null,
        allowed_payment_method_types: listParam(params.allowed_payment_method_types, ['card']),
        payment_method_types: listParam(params.allowed_payment_method_types, ['card']),
        setup_future_usage: params.setup_future_usage ?? null,
        status: method ? 'requires_confirmation' : 'requires_payment_method',
      },
    };
    stored.object.client_secret = `${stored.object.id}_secret_${randomBytes(12).toString('hex')}`;
    intents.set(String(stored.object.id), stored);
    if (!method || !confirm) return stored.object;
    const outcome = testCardOutcome(method.card, { kind: 'charge', offSession, setUp: method.setUp });
    if (outcome.kind === 'declined') decline(stored, outcome.code, newId('ch'));
    if (outcome.kind === 'requires_action') return requireAction(stored);
    return succeed(stored, method);
  }

  function capture(id: string, params: Params): StripeObject {
    const stored = intent(id, 'payment_intent');
    const { object } = stored;
    if (object.status !== 'requires_capture') unexpectedState(object, 'capture');
    const capturable = Number(object.amount_capturable);
    const amount =
      params.amount_to_capture === undefined
        ? capturable
        : positiveInteger(params.amount_to_capture, 'amount_to_capture');
    if (amount > capturable) {
      throw invalidRequest(
        'amount_to_capture must be less than or equal to the amount capturable.',
        'amount_to_capture',
      );
    }
    stored.object = { ...object, status: 'succeeded', amount_capturable: 0, amount_received: amount };
    emit('payment_intent.succeeded', stored.object);
    return stored.object;
  }

  function cancel(id: string): StripeObject {
    const stored = intent(id, 'payment_intent');
    if (stored.object.status === 'succeeded' || stored.object.status === 'canceled') {
      unexpectedState(stored.object, 'cancel');
    }
    stored.object = {
      ...stored.object,
      status: 'canceled',
      amount_capturable: 0,
      canceled_at: now(),
      cancellation_reason: 'requested_by_customer',
    };
    emit('payment_intent.canceled', stored.object);
    return stored.object;
  }

  function createRefund(params: Params): StripeObject {
    if (!params.payment_intent)
      throw invalidRequest('Missing required param: payment_intent.', 'payment_intent', 'parameter_missing');
    const stored = intent(String(params.payment_intent), 'payment_intent');
    const { object } = stored;
    if (object.status !== 'succeeded') unexpectedState(object, 'refund');
    const left = Number(object.amount_received) - stored.amountRefunded;
    if (left === 0) {
      throw new ApiError(400, {
        type: 'invalid_request_error',
        code: 'charge_already_refunded',
        message: `Charge ${object.latest_charge} has already been refunded.`,
      });
    }
    const amount = params.amount === undefined ? left : positiveInteger(params.amount, 'amount');
    if (amount > left) {
      throw invalidRequest(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${left})`,
        'amount',
      );
    }
    stored.amountRefunded += amount;
    const refund = {
      id: newId('re'),
      object: 'refund',
      amount,
      charge: object.latest_charge,
      created: now(),
      currency: object.currency,
      metadata: params.metadata ?? {},
      payment_intent: object.id,
      reason: params.reason ?? null,
      status: 'succeeded',
    };
    emit('refund.created', refund);
    return refund;
  }

  function requireAction(stored: StoredIntent): StripeObject {
    stored.object = {
      ...stored.object,
      status: 'requires_action',
      next_action: { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } },
    };
    if (stored.kind === 'payment_intent') emit('payment_intent.requires_action', stored.object);
    return stored.object;
  }

  /** The card took (or holds) the money, or was saved; a saved card needs no new challenge off session. */
  function succeed(stored: StoredIntent, method: StoredMethod): StripeObject {
    const { object } = stored;
    const saving = stored.kind === 'setup_intent' || object.setup_future_usage === 'off_session';
    if (saving && object.customer) {
      method.object.customer = object.customer;
      method.setUp = true;
    }
    if (stored.kind === 'setup_intent') {
      stored.object = { ...object, status: 'succeeded', next_action: null, last_setup_error: null };
      emit('setup_intent.succeeded', stored.object);
      return stored.object;
    }
    const manual = object.capture_method === 'manual';
    stored.object = {
      ...object,
      status: manual ? 'requires_capture' : 'succeeded',
      amount_capturable: manual ? object.amount : 0,
      amount_received: manual ? 0 : object.amount,
      latest_charge: newId('ch'),
      next_action: null,
      last_payment_error: null,
    };
    emit(manual ? 'payment_intent.amount_capturable_updated' : 'payment_intent.succeeded', stored.object);
    return stored.object;
  }

  /** A card error, 402, carrying the intent as it is left: waiting for another payment method. */
  function decline(stored: StoredIntent, code: keyof typeof declineShapes, chargeId: string | null): never {
    const error = { type: 'card_error', ...declineShapes[code], ...(chargeId ? { charge: chargeId } : {}) };
    const lastError = stored.kind === 'payment_intent' ? 'last_payment_error' : 'last_setup_error';
    stored.object = {
      ...stored.object,
      status: 'requires_payment_method',
      [lastError]: error,
      ...(chargeId ? { latest_charge: chargeId } : {}),
    };
    emit(
      stored.kind === 'payment_intent' ? 'payment_intent.payment_failed' : 'setup_intent.setup_failed',
      stored.object,
    );
    throw new ApiError(402, { ...error, [stored.kind]: stored.object });
  }

  function intent(id: string, kind: StoredIntent['kind']): StoredIntent {
    const stored = intents.get(id);
    if (!stored || stored.kind !== kind) {
      throw invalidRequest(`No such ${kind}: '${id}'`, 'intent', 'resource_missing');
    }
    return stored;
  }

  function optionalCustomer(params: Params): string | null {
    if (params.customer === undefined) return null;
    const id = String(params.customer);
    if (!customers.has(id)) throw invalidRequest(`No such customer: '${id}'`, 'customer', 'resource_missing');
    return id;
  }

  /** A stored PaymentMethod, or a fresh one cloned from a test PaymentMethod such as `pm_card_visa`. */
  function paymentMethod(id: string): StoredMethod {
    const saved = methods.get(id);
    if (saved) return saved;
    const card = id.startsWith('pm_card_') ? findTestCard(id) : undefined;
    if (!card) throw invalidRequest(`No such PaymentMethod: '${id}'`, 'payment_method', 'resource_missing');
    const method: StoredMethod = {
      card,
      setUp: false,
      object: {
        id: newId('pm'),
        object: 'payment_method',
        card: { brand: 'visa', last4: card.number.slice(-4), exp_month: 12, exp_year: 2034 },
        created: now(),
        customer: null,
        livemode: false,
        metadata: {},
        type: 'card',
      },
    };
    methods.set(String(method.object.id), method);
    return method;
  }

  function emit(type: string, object: StripeObject): StripeEvent {
    const event: StripeEvent = {
      id: newId('evt'),
      object: 'event',
      type,
      created: now(),
      data: { object },
      livemode: false,
      api_version: null,
      pending_webhooks: 1,
      request: { id: current.id || null, idempotency_key: current.idempotencyKey },
    };
    events.push(event);
    return event;
  }

  return {
    host: '127.0.0.1',
    port,
    apiKey,
    events,
    requests,
    completeAction(intentId, outcome) {
      const stored = intents.get(intentId);
      const methodId = stored?.object.payment_method;
      const method = typeof methodId === 'string' ? methods.get(methodId) : undefined;
      if (!stored || !method || stored.object.status !== 'requires_action') {
        throw new Error(`${intentId} awaits no action`);
      }
      current = { id: '', idempotencyKey: null };
      if (outcome === 'authenticated') succeed(stored, method);
      else {
        const isPayment = stored.kind === 'payment_intent';
        const failure = {
          type: 'invalid_request_error',
          code: isPayment ? 'payment_intent_authentication_failure' : 'setup_intent_authentication_failure',
          message:
            'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
        };
        stored.object = {
          ...stored.object,
          status: 'requires_payment_method',
          next_action: null,
          [isPayment ? 'last_payment_error' : 'last_setup_error']: failure,
        };
        emit(isPayment ? 'payment_intent.payment_failed' : 'setup_intent.setup_failed', stored.object);
      }
      const event = events.at(-1);
      if (!event) throw new Error('no event was sent');
      return event;
    },
    failNextRequests(count, status) {
      for (let i = 0; i < count; i++) failures.push(status);
    },
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** The request Stripe would send to deliver `event`, signed with `secret` at `timestampSeconds`. */
export function signedWebhook(
  event: StripeEvent | StripeObject,
  secret: string,
  timestampSeconds = Math.floor(Date.now() / 1000),
): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify(event, null, 2);
  return {
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'stripe-signature': signatureHeader(body, secret, timestampSeconds),
    },
  };
}

/** POSTs a signed webhook to `url`, as Stripe delivers events. */
export function sendSignedWebhook(
  url: string,
  event: StripeEvent,
  secret: string,
  timestampSeconds?: number,
): Promise<Response> {
  const { body, headers } = signedWebhook(event, secret, timestampSeconds);
  return fetch(url, { method: 'POST', body, headers });
}

function invalidRequest(message: string, param: string, code?: string): ApiError {
  return new ApiError(400, { type: 'invalid_request_error', message, param, ...(code ? { code } : {}) });
}

function unexpectedState(object: StripeObject, action: string): never {
  throw new ApiError(400, {
    type: 'invalid_request_error',
    code: 'payment_intent_unexpected_state',
    message: `You cannot ${action} this PaymentIntent because it has a status of ${object.status}.`,
    payment_intent: object,
  });
}

function positiveInteger(value: unknown, param: string): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number) || number < 1) {
    throw invalidRequest('Invalid positive integer', param, 'parameter_invalid_integer');
  }
  return number;
}

function listParam(value: unknown, fallback: string[]): unknown[] {
  return value && typeof value === 'object' ? Object.values(value) : fallback;
}

/** `a[b][0]=c` into `{a: {b: {0: 'c'}}}`, as Stripe reads form-encoded parameters. */
function parseForm(body: string): Params {
  const root: Params = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[');
    let node = root;
    for (const [index, part] of path.entries()) {
      if (index === path.length - 1) node[part] = value;
      else {
        node[part] ??= {};
        node = node[part] as Params;
      }
    }
  }
  return root;
}

function header(request: IncomingMessage, name: string): string | null {
  const value = request.headers[name];
  return typeof value === 'string' ? value : null;
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** As Stripe shows a wrong key: its prefix and last four characters only. */
function maskKey(key: string): string {
  return key.length > 12 ? `${key.slice(0, 8)}${'*'.repeat(4)}${key.slice(-4)}` : '****';
}

function newId(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, '0')}`;
}

function now(): number {
  return Math.floor(Date.now() / 1000);
}
