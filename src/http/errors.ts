import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError } from '../domain/errors.ts';
import { PaymentError } from '../payments/provider.ts';

/** The one place error codes become HTTP statuses. Codes not listed are rules a valid request broke: 422. */
const STATUS_BY_CODE: Record<string, number> = {
  validation_failed: 400,
  bad_request: 400,
  malformed_json: 400,
  malformed_url: 400,
  invalid_email: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  unsupported_media_type: 415,
  payload_too_large: 413,
  sold_out: 409,
  campaign_not_open: 409,
  campaign_closed: 409,
  cap_below_held: 409,
  duplicate_variant: 409,
  idempotency_key_in_use: 409,
  invalid_transition: 409,
  variant_in_other_campaign: 409,
  window_ended: 409,
  payment_in_progress: 409,
  nothing_owed: 409,
  no_saved_card: 409,
  idempotency_conflict: 409,
  invalid_state: 409,
  invalid_webhook: 400,
  // The card (or its bank) refused: Payment Required, with the reason in the code.
  card_declined: 402,
  insufficient_funds: 402,
  expired_card: 402,
  authentication_required: 402,
  authentication_failed: 402,
  processing_error: 402,
  rate_limited: 429,
  unavailable: 503,
  provider_unavailable: 503,
  provider_misconfigured: 503,
};

export function statusFor(code: string): number {
  return STATUS_BY_CODE[code] ?? 422;
}

export interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: string, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/** Fastify's own request errors (body parsing, content type, size), given our codes. */
const FASTIFY_CODES: Record<string, { code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'malformed_json', message: 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'malformed_json', message: 'the body is empty but says it is JSON' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'payload_too_large', message: 'the body is larger than 64 KiB' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'unsupported_media_type',
    message: 'send the body as application/json',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'malformed_json',
    message: 'the Content-Length does not match the body',
  },
  FST_ERR_CTP_INVALID_TYPE: {
    code: 'unsupported_media_type',
    message: 'the Content-Type header is not valid',
  },
  FST_ERR_BAD_URL: { code: 'malformed_url', message: 'the URL has a malformed percent-encoding' },
  FST_ERR_MAX_PARAM_LENGTH: {
    code: 'validation_failed',
    message: 'a path segment is longer than 100 characters',
  },
};

export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler(answerError);
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}

/**
 * Answers any error in our shape. Also Fastify's `frameworkErrors` option: the router's own errors (a URL
 * that does not decode, a path segment over the length limit) come before any route or error handler.
 */
export function answerError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  // Errors Fastify meets before routing skip the hooks, so the request id is set here too.
  reply.header('request-id', request.id);
  const refusal: unknown = error;
  if (refusal instanceof DomainError) {
    request.log.info({ code: refusal.code }, 'request refused');
    return reply
      .status(statusFor(refusal.code))
      .send(errorBody(refusal.code, refusal.message, refusal.details));
  }
  if (refusal instanceof PaymentError) {
    // The message is written for the shopper; what the provider said stays out of answers and logs.
    request.log.info({ code: refusal.code }, 'payment refused');
    return reply.status(statusFor(refusal.code)).send(errorBody(refusal.code, refusal.message));
  }
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((issue) => ({
      in: error.validationContext ?? 'request',
      path: issue.instancePath.replace(/^\//, '').split('/').filter(Boolean),
      message: issue.message ?? 'is not valid',
    }));
    request.log.info({ code: 'validation_failed' }, 'request refused');
    return reply.status(400).send(errorBody('validation_failed', describeIssues(issues), { issues }));
  }
  const known = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (known || (error instanceof SyntaxError && error.statusCode === 400)) {
    const { code, message } = known ?? { code: 'malformed_json', message: 'the body is not valid JSON' };
    request.log.info({ code }, 'request refused');
    return reply.status(statusFor(code)).send(errorBody(code, message));
  }
  if (error.statusCode === 429) {
    return reply.status(429).send(errorBody('rate_limited', 'too many requests; slow down and retry later'));
  }
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    request.log.info({ code: 'bad_request', fastifyCode: error.code }, 'request refused');
    return reply.status(400).send(errorBody('bad_request', 'the request could not be read'));
  }
  request.log.error({ err: loggable(error) }, 'request failed');
  return reply
    .status(500)
    .send(errorBody('internal_error', 'something went wrong on our side; it is logged'));
}

/**
 * What the log keeps of an unexpected error: enough to find the cause, none of the data. Database errors
 * carry the failing row, the query and its parameters, where customers' emails and keys are.
 */
function loggable(
  error: Error & { code?: unknown; table?: unknown; column?: unknown; constraint?: unknown },
) {
  const { name, message, code, table, column, constraint, stack } = error;
  return { type: name, message, code, table, column, constraint, stack };
}

function describeIssues(issues: { in: string; path: string[]; message: string }[]): string {
  const first = issues[0];
  if (!first) return 'the request is not valid';
  const where = [first.in, ...first.path].join('.');
  return issues.length > 1
    ? `${where}: ${first.message} (and ${issues.length - 1} more)`
    : `${where}: ${first.message}`;
}
