/**
 * Every refusal Presell can answer, declared once: a stable code, what kind of refusal it is, and what it
 * means. A code not in this catalogue does not compile. The HTTP layer turns kinds into statuses in one
 * place (src/http/errors.ts); routes list the codes they can answer, and the OpenAPI document shows them.
 */
export type ErrorKind =
  /** The request cannot be read or is not of the documented shape: 400. */
  | 'malformed'
  /** No key, or a key nobody knows: 401. */
  | 'unauthorized'
  /** Unknown, or another shop's: 404. */
  | 'not_found'
  /** Clashes with the current state of something: 409. */
  | 'conflict'
  /** A card or its bank refused: 402. */
  | 'payment_refused'
  /** Too big to read: 413. */
  | 'too_large'
  /** Not JSON: 415. */
  | 'unsupported_media_type'
  /** Well-formed, but breaks a rule: 422. */
  | 'rule'
  /** Slow down: 429. */
  | 'rate_limited'
  /** Our fault or a provider's: 500 or 503. */
  | 'unavailable'
  | 'internal';

interface ErrorDeclaration {
  readonly kind: ErrorKind;
  /** One sentence for the people who read the API reference. */
  readonly meaning: string;
}

export const ERRORS = {
  validation_failed: {
    kind: 'malformed',
    meaning: 'A field is missing, unknown, of the wrong type or out of range; `details.issues` names each.',
  },
  bad_request: { kind: 'malformed', meaning: 'The HTTP request itself could not be read.' },
  malformed_json: { kind: 'malformed', meaning: 'The body is not valid JSON, or not as long as it says.' },
  malformed_url: { kind: 'malformed', meaning: 'The URL has a malformed percent-encoding.' },
  invalid_email: { kind: 'malformed', meaning: 'That is not an email address we can write to.' },
  invalid_webhook: { kind: 'malformed', meaning: 'A webhook whose signature or timestamp does not verify.' },
  invalid_signature: {
    kind: 'unauthorized',
    meaning: 'A store platform’s request (a webhook, an install callback) whose HMAC does not verify.',
  },
  unauthorized: {
    kind: 'unauthorized',
    meaning: 'No key, a malformed key, or a key that is unknown or revoked.',
  },
  not_found: { kind: 'not_found', meaning: 'No such thing in this shop.' },
  payload_too_large: { kind: 'too_large', meaning: 'The body is larger than 64 KiB.' },
  unsupported_media_type: { kind: 'unsupported_media_type', meaning: 'Send the body as application/json.' },
  invalid_csv: {
    kind: 'malformed',
    meaning:
      'The file is not CSV as documented: a missing column, an unclosed quote; `details.line` says where.',
  },
  sold_out: {
    kind: 'conflict',
    meaning: 'Fewer units are left than asked for; `details.unitsLeft` says how many.',
  },
  campaign_not_open: {
    kind: 'conflict',
    meaning: 'The campaign does not sell now; `details.reason` says why.',
  },
  campaign_closed: { kind: 'conflict', meaning: 'A closed campaign cannot be changed.' },
  cap_below_held: { kind: 'conflict', meaning: 'A cap cannot go below the units customers already hold.' },
  duplicate_variant: {
    kind: 'conflict',
    meaning: 'The shop already has a variant with that sku or external id.',
  },
  idempotency_key_in_use: {
    kind: 'conflict',
    meaning: 'A request with this Idempotency-Key is still being processed; retry shortly.',
  },
  idempotency_conflict: {
    kind: 'conflict',
    meaning: 'This idempotency key already did something different.',
  },
  invalid_transition: {
    kind: 'conflict',
    meaning: 'The thing is not in a state that allows this; `details.from` says which state it is in.',
  },
  variant_in_other_campaign: {
    kind: 'conflict',
    meaning: 'A variant sells in one live campaign at a time.',
  },
  window_ended: { kind: 'conflict', meaning: 'The campaign window has ended; move closesAt to reopen it.' },
  payment_in_progress: {
    kind: 'conflict',
    meaning: 'A charge of this pre-order is running; try again shortly.',
  },
  variant_in_use: {
    kind: 'conflict',
    meaning: 'The variant sells in a live campaign; close the campaign before archiving it.',
  },
  archived: {
    kind: 'conflict',
    meaning: 'The campaign or variant is archived: unarchive it before changing or using it.',
  },
  batch_in_use: {
    kind: 'conflict',
    meaning:
      'The batch serves pre-orders or holds received units; shrink or move it instead. `details.preorders` counts them.',
  },
  nothing_owed: { kind: 'conflict', meaning: 'The pre-order is paid in full.' },
  refund_elsewhere: {
    kind: 'conflict',
    meaning:
      'The money was taken through another channel (a Shopify checkout): it is refunded there, and Presell books the refund from that channel’s news.',
  },
  nothing_refundable: {
    kind: 'conflict',
    meaning: 'Everything the pre-order paid is refunded or on its way back.',
  },
  already_cancelled: {
    kind: 'conflict',
    meaning:
      'The pre-order was cancelled before and this cancel asks for another refund; refunds after a cancellation go through `POST /v1/preorders/{id}/refunds`.',
  },
  no_saved_card: { kind: 'conflict', meaning: 'The pre-order has no saved card to charge.' },
  invalid_state: {
    kind: 'conflict',
    meaning: 'The payment provider’s object is not in a state for this call.',
  },
  units_in_hand: {
    kind: 'conflict',
    meaning:
      'The change would take received units away from customers they are already allocated to; `details.preorders` names them.',
  },
  store_not_connected: {
    kind: 'conflict',
    meaning: 'The shop has no Shopify store connected (or the store uninstalled the app).',
  },
  store_taken: { kind: 'conflict', meaning: 'That Shopify store is connected to another Presell shop.' },
  already_exported: {
    kind: 'conflict',
    meaning: 'The pre-order was handed to fulfilment by an export; its address can no longer change.',
  },
  shipment_already_recorded: {
    kind: 'conflict',
    meaning: 'A parcel with this tracking number is already recorded for the pre-order.',
  },
  per_customer_limit: {
    kind: 'rule',
    meaning:
      'The customer would hold more than the campaign allows per customer; `details.limit` says how many.',
  },
  idempotency_key_reused: {
    kind: 'rule',
    meaning: 'This Idempotency-Key was already used with a different request.',
  },
  unknown_variant: { kind: 'rule', meaning: 'A variant named in the request does not exist here.' },
  invalid_campaign: { kind: 'rule', meaning: 'The campaign breaks a rule; `details.field` names the field.' },
  invalid_payment_terms: { kind: 'rule', meaning: 'The payment terms are not consistent.' },
  invalid_shop: { kind: 'rule', meaning: 'A shop setting is not valid; `details.field` names it.' },
  currency_in_use: {
    kind: 'conflict',
    meaning: 'The shop’s currency cannot change once it has campaigns: their prices and money are in it.',
  },
  invalid_locale: { kind: 'rule', meaning: 'Not a BCP 47 locale this platform knows.' },
  invalid_time_zone: { kind: 'rule', meaning: 'Not an IANA time zone.' },
  invalid_currency: { kind: 'rule', meaning: 'Not an ISO 4217 currency code.' },
  currency_mismatch: { kind: 'rule', meaning: 'The amount is not in the shop’s currency.' },
  invalid_amount: {
    kind: 'rule',
    meaning: 'An amount that is not a whole number of minor units, or too large.',
  },
  invalid_percent: { kind: 'rule', meaning: 'A percentage outside 0–100.' },
  invalid_quantity: { kind: 'rule', meaning: 'A quantity that is not a positive whole number.' },
  invalid_date: { kind: 'rule', meaning: 'A date that is not a calendar date in the supported range.' },
  invalid_range: { kind: 'rule', meaning: 'A range whose start is after its end.' },
  ready_date_in_past: { kind: 'rule', meaning: 'A planned ready date before today in the shop’s calendar.' },
  supply_too_large: {
    kind: 'rule',
    meaning: 'The supply plan of one variant would pass the largest number of units Presell counts.',
  },
  refund_exceeds_payment: { kind: 'rule', meaning: 'A refund cannot give back more than was paid.' },
  reason_required: { kind: 'rule', meaning: 'Overriding the cancellation policy needs a reason.' },
  invalid_request: { kind: 'rule', meaning: 'The payment provider refused the request as we sent it.' },
  horizon_required: {
    kind: 'rule',
    meaning: 'The campaign has no closesAt: say until when to forecast with `horizon` (YYYY-MM-DD).',
  },
  horizon_in_past: { kind: 'rule', meaning: 'The forecast horizon is before today in the shop’s calendar.' },
  horizon_too_far: { kind: 'rule', meaning: 'The forecast horizon is more than two years away.' },
  variant_required: {
    kind: 'rule',
    meaning: 'The campaign sells several variants: name one with `sku`; `details.skus` lists them.',
  },
  no_demand_yet: {
    kind: 'rule',
    meaning: 'No pre-order yet to forecast from: give `demand` {mean, standardDeviation} to get advice now.',
  },
  salvage_not_below_cost: {
    kind: 'rule',
    meaning: 'A unit left over must be worth less than it cost (salvageValue below unitCost).',
  },
  shipment_too_large: {
    kind: 'rule',
    meaning: 'More units than the pre-order has left to ship; `details.unitsLeft` says how many.',
  },
  partial_shipment_refused: {
    kind: 'rule',
    meaning: 'The campaign ships complete: a pre-order leaves in one parcel with every unit.',
  },
  unsafe_webhook_url: {
    kind: 'rule',
    meaning:
      'A webhook endpoint on a loopback, private or link-local address, or one that does not resolve; `details.reason` says which.',
  },
  invalid_template: {
    kind: 'rule',
    meaning:
      'An email template that does not parse or render; `details.line` and `details.reason` say where and why.',
  },
  update_not_editable: {
    kind: 'conflict',
    meaning: 'A progress update that is sending or sent cannot be changed or scheduled again.',
  },
  no_open_question: {
    kind: 'conflict',
    meaning: 'The pre-order has no delay waiting for the customer’s answer.',
  },
  invalid_batch: {
    kind: 'rule',
    meaning:
      'A supply batch that is not consistent (received units without the received state, or the reverse).',
  },
  // Rules of the pure engines. A valid request never meets them; they guard the engines' own inputs.
  invalid_preorder: { kind: 'rule', meaning: 'A pre-order the promise engine cannot place.' },
  invalid_policy: { kind: 'rule', meaning: 'A fulfilment policy other than split or ship_complete.' },
  invalid_tolerance: { kind: 'rule', meaning: 'A tolerance that is not a whole number of days.' },
  invalid_offer: { kind: 'rule', meaning: 'An offer for something other than a positive number of units.' },
  invalid_plan: { kind: 'rule', meaning: 'A promise plan that the engine did not make.' },
  invalid_window: { kind: 'rule', meaning: 'A ship window that ends before it starts.' },
  unknown_preorder: { kind: 'rule', meaning: 'A pre-order that is not open in the promise plan.' },
  unknown_batch: { kind: 'rule', meaning: 'A batch that is not in the supply plan.' },
  duplicate_preorder: { kind: 'rule', meaning: 'A pre-order in the queue twice.' },
  duplicate_position: { kind: 'rule', meaning: 'Two pre-orders with one queue position.' },
  duplicate_batch: { kind: 'rule', meaning: 'A batch in the supply plan twice.' },
  card_declined: { kind: 'payment_refused', meaning: 'The card was declined.' },
  insufficient_funds: { kind: 'payment_refused', meaning: 'The card has insufficient funds.' },
  expired_card: { kind: 'payment_refused', meaning: 'The card has expired.' },
  authentication_required: { kind: 'payment_refused', meaning: 'The bank asks the shopper to authenticate.' },
  authentication_failed: { kind: 'payment_refused', meaning: 'The bank could not confirm the payment.' },
  processing_error: { kind: 'payment_refused', meaning: 'The card could not be processed; try again.' },
  rate_limited: { kind: 'rate_limited', meaning: 'Too many requests; slow down and retry later.' },
  provider_unavailable: {
    kind: 'unavailable',
    meaning: 'The payment provider cannot be reached; retry with the same request.',
  },
  provider_misconfigured: { kind: 'unavailable', meaning: 'The payment provider refused our credentials.' },
  invalid_store_domain: {
    kind: 'rule',
    meaning: 'Not a Shopify store domain such as `my-store.myshopify.com`.',
  },
  install_link_expired: {
    kind: 'rule',
    meaning: 'The Shopify install link is older than 10 minutes; ask for a new one.',
  },
  store_refused: {
    kind: 'rule',
    meaning:
      'Shopify refused the request (a token that is wrong or revoked, missing scopes); `details` says what it said.',
  },
  store_unavailable: {
    kind: 'unavailable',
    meaning: 'Shopify cannot be reached or keeps throttling us; retry shortly.',
  },
  store_app_not_configured: {
    kind: 'unavailable',
    meaning:
      'This server has no Shopify app credentials (SHOPIFY_API_KEY, SHOPIFY_API_SECRET) for install links.',
  },
  internal_error: { kind: 'internal', meaning: 'Something went wrong on our side; it is logged.' },
} as const satisfies Record<string, ErrorDeclaration>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERRORS, code);
}

/**
 * A rule refused something: an expected refusal, as a value that can be thrown. `code` is from the
 * catalogue; `details` carries what a client needs to act (units left, the limit, the field).
 */
export class DomainError extends Error {
  override name = 'DomainError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}

/** A refusal as it travels in an answer or is stored with an idempotency key. */
export interface Refusal {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

export function refusalOf(error: DomainError): Refusal {
  return { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) };
}
