import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { z } from 'zod';
import { DomainError, ERRORS, type ErrorCode, type ErrorKind } from '../domain/errors.ts';
import { InvalidRequest } from './validation.ts';

/** The one place kinds of refusal become HTTP statuses. */
const STATUS_BY_KIND: Record<ErrorKind, ErrorStatus> = {
  malformed: 400,
  unauthorized: 401,
  payment_refused: 402,
  not_found: 404,
  conflict: 409,
  too_large: 413,
  unsupported_media_type: 415,
  rule: 422,
  rate_limited: 429,
  internal: 500,
  unavailable: 503,
};

export function statusFor(code: ErrorCode): ErrorStatus {
  return STATUS_BY_KIND[ERRORS[code].kind];
}

export interface ErrorBody {
  error: { code: ErrorCode; message: string; details?: Record<string, unknown> };
}

export function errorBody(code: ErrorCode, message: string, details?: Record<string, unknown>): ErrorBody {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

/** What a route may answer because of how a body is read: not a GET's, whose body Fastify never reads. */
const BODY_CODES: ReadonlySet<ErrorCode> = new Set([
  'malformed_json',
  'unsupported_media_type',
  'payload_too_large',
]);
/**
 * What any route may answer: its inputs refused, a URL that does not decode, what reading the body refuses,
 * and a failure of ours.
 */
export const REQUEST_CODES: readonly ErrorCode[] = [
  'validation_failed',
  'malformed_url',
  ...BODY_CODES,
  'internal_error',
];
/** What every route of a keyed scope may answer on top of that. */
export const ADMIN_CODES: readonly ErrorCode[] = [...REQUEST_CODES, 'unauthorized'];
export const STOREFRONT_CODES: readonly ErrorCode[] = [...REQUEST_CODES, 'unauthorized', 'rate_limited'];

/** The codes each response schema made by `errorResponses` stands for, for the check in `answerError`. */
const declaredCodes = new WeakMap<object, ReadonlySet<ErrorCode>>();

/**
 * The error responses of a route that can answer `codes` (plus `base`, the scope's own): one response per
 * status, its `error.code` an enum of exactly those codes, each code's meaning in the description. Routes
 * list what they answer; with `strictErrorCodes` a code a route did not list fails the request (tests).
 */
export function errorResponses(base: readonly ErrorCode[], ...codes: ErrorCode[]) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set([...base, ...codes])) {
    const status = statusFor(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, ErrorResponse> = {};
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    const schema = errorResponse(list).describe(
      list.map((code) => `\`${code}\`: ${ERRORS[code].meaning}`).join('\n\n'),
    );
    declaredCodes.set(schema, new Set(list));
    responses[status] = schema;
  }
  // Typed as every error status, so that handlers may answer any of them; the document lists only these.
  return responses as Record<ErrorStatus, ErrorResponse>;
}

/**
 * A GET route keeps the scope's codes (ADMIN_CODES, STOREFRONT_CODES) but cannot answer the body's: its
 * error responses are made again without them, before the route is compiled and documented.
 */
function withoutBodyCodes(route: RouteOptions) {
  const responses = route.schema?.response as Record<string, object> | undefined;
  if (route.method !== 'GET' || !responses) return;
  const declared = Object.values(responses).flatMap((schema) => [...(declaredCodes.get(schema) ?? [])]);
  if (!declared.some((code) => BODY_CODES.has(code))) return;
  const others = Object.entries(responses).filter(([, schema]) => !declaredCodes.has(schema));
  (route.schema as { response: unknown }).response = {
    ...Object.fromEntries(others),
    ...errorResponses(declared.filter((code) => !BODY_CODES.has(code))),
  };
}

export type ErrorStatus = 400 | 401 | 402 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;

function errorResponse(codes: readonly ErrorCode[]) {
  return z.object({
    error: z.object({
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]).describe('Stable, machine-readable'),
      message: z.string().describe('For people'),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  });
}
type ErrorResponse = ReturnType<typeof errorResponse>;

/** Fastify's own request errors (body parsing, content type, size), given our codes. */
const FASTIFY_CODES: Record<string, { code: ErrorCode; message: string }> = {
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

export function installErrorHandling(app: FastifyInstance, options: { strictErrorCodes?: boolean } = {}) {
  app.addHook('onRoute', withoutBodyCodes);
  app.setErrorHandler((error, request, reply) => answerError(error as FastifyError, request, reply, options));
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send(errorBody('not_found', `no route ${request.method} ${request.url.split('?')[0]}`)),
  );
}

/**
 * Answers any error in our shape. Also Fastify's `frameworkErrors` option: the router's own errors (a URL
 * that does not decode, a path segment over the length limit) come before any route or error handler.
 */
export function answerError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
  options: { strictErrorCodes?: boolean } = {},
) {
  // Errors Fastify meets before routing skip the hooks, so the request id is set here too.
  reply.header('request-id', request.id);
  const refusal = refusalFor(error);
  if (!refusal) {
    request.log.error({ err: loggable(error) }, 'request failed');
    return reply
      .status(500)
      .send(errorBody('internal_error', 'something went wrong on our side; it is logged'));
  }
  const status = statusFor(refusal.code);
  const responses = request.routeOptions.schema?.response as Record<number, object> | undefined;
  const declared = responses?.[status] && declaredCodes.get(responses[status]);
  if (options.strictErrorCodes && responses && !declared?.has(refusal.code)) {
    request.log.error({ code: refusal.code }, 'the route answered an error code it does not list');
    return reply
      .status(500)
      .send(errorBody('internal_error', `undeclared error code ${refusal.code} on this route`));
  }
  request.log.info({ code: refusal.code }, 'request refused');
  return reply.status(status).send(errorBody(refusal.code, refusal.message, refusal.details));
}

/** What any thrown error refuses, in our codes; undefined for a failure of ours. */
function refusalFor(
  error: FastifyError,
): { code: ErrorCode; message: string; details?: Record<string, unknown> } | undefined {
  const thrown: unknown = error;
  // A PaymentError is a DomainError whose message is written for the shopper; what the provider said
  // stays out of answers and logs.
  if (thrown instanceof DomainError)
    return { code: thrown.code, message: thrown.message, details: thrown.details };
  if (thrown instanceof InvalidRequest) {
    return { code: 'validation_failed', message: thrown.message, details: { issues: thrown.issues } };
  }
  const known = error.code ? FASTIFY_CODES[error.code] : undefined;
  if (known) return known;
  if (error instanceof SyntaxError && error.statusCode === 400) {
    return { code: 'malformed_json', message: 'the body is not valid JSON' };
  }
  if (error.statusCode === 429) return { code: 'rate_limited', message: ERRORS.rate_limited.meaning };
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return { code: 'bad_request', message: 'the request could not be read' };
  }
  return undefined;
}

/**
 * Node's HTTP parser refuses some requests before Fastify sees them (a header line without a colon, a
 * body longer than its Content-Length): they get our error shape too, and the connection is closed.
 */
export function answerClientError(error: Error & { code?: string }, socket: Socket) {
  if (!socket.writable) return socket.destroy();
  const message =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 'the request headers are larger than this server reads'
      : 'the request could not be read as HTTP';
  const body = JSON.stringify(errorBody('bad_request', message));
  socket.end(
    `HTTP/1.1 ${statusFor('bad_request')} Bad Request\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
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
