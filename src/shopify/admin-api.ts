/**
 * A store's Admin GraphQL API, through Shopify's own client (@shopify/admin-api-client, the one
 * @shopify/shopify-api wraps), with the cost-based throttle respected: before each query it waits until the
 * bucket the last answer reported can pay for it, and a THROTTLED answer is retried with backoff. A store
 * that cannot be reached is `store_unavailable` (retry later); one that refuses us is `store_refused`.
 */
import { createAdminApiClient } from '@shopify/admin-api-client';
import { DomainError } from '../domain/errors.ts';
import { type ThrottleStatus, throttledBackoff, waitForPoints } from './throttle.ts';

export interface AdminApiOptions {
  domain: string;
  accessToken: string;
  apiVersion: string;
  /** Send to this origin instead of https://<domain> (tests). */
  adminOrigin?: string | undefined;
  /** Tries of one query, THROTTLED and unreachable answers included (default 6). */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
}

interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string };
}

/** Requests to https://<store> go to `origin` instead, path and all. */
export function fetchVia(origin: string | undefined): typeof fetch {
  if (!origin) return fetch;
  return (input, init) => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    return fetch(new URL(`${url.pathname}${url.search}`, origin), init);
  };
}

const sleepFor = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class ShopifyAdminApi {
  private readonly client: ReturnType<typeof createAdminApiClient>;
  private readonly maxAttempts: number;
  private readonly sleep: (ms: number) => Promise<void>;
  private bucket: { status: ThrottleStatus; at: number } | undefined;

  constructor(readonly options: AdminApiOptions) {
    this.client = createAdminApiClient({
      storeDomain: options.domain,
      accessToken: options.accessToken,
      apiVersion: options.apiVersion,
      customFetchApi: fetchVia(options.adminOrigin),
      // The client reports version notices on the console otherwise; its answers carry what matters.
      logger: () => {},
    });
    this.maxAttempts = options.maxAttempts ?? 6;
    this.sleep = options.sleep ?? sleepFor;
  }

  /** Runs one query or mutation; `cost` is what it is expected to cost, to wait for the bucket first. */
  async request<T>(query: string, variables: Record<string, unknown> = {}, cost = 10): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      if (this.bucket) {
        const wait = waitForPoints(this.bucket.status, cost, Date.now() - this.bucket.at);
        if (wait > 0) await this.sleep(wait);
      }
      let answer: Awaited<ReturnType<typeof this.client.request>>;
      try {
        answer = await this.client.request(query, { variables });
      } catch (error) {
        if (attempt >= this.maxAttempts) throw unavailable((error as Error).message);
        await this.sleep(throttledBackoff(attempt, undefined, cost));
        continue;
      }
      const status = (answer.extensions as { cost?: { throttleStatus?: ThrottleStatus } } | undefined)?.cost
        ?.throttleStatus;
      if (status) this.bucket = { status, at: Date.now() };
      if (!answer.errors) return answer.data as T;
      const graphQLErrors = (answer.errors.graphQLErrors ?? []) as GraphQLErrorShape[];
      const httpStatus = answer.errors.networkStatusCode ?? 0;
      const throttled =
        graphQLErrors.some((error) => error.extensions?.code === 'THROTTLED') || httpStatus === 429;
      const retryable = throttled || httpStatus === 0 || httpStatus >= 500;
      if (retryable && attempt < this.maxAttempts) {
        await this.sleep(throttledBackoff(attempt, this.bucket?.status, cost));
        continue;
      }
      if (retryable)
        throw unavailable(throttled ? 'throttled on every try' : (answer.errors.message ?? 'no answer'));
      const message =
        httpStatus === 401 || httpStatus === 403
          ? 'Shopify refused the access token: check it, and that the app has the scopes Presell needs'
          : 'Shopify refused the request';
      throw new DomainError('store_refused', message, {
        status: httpStatus,
        errors: graphQLErrors.map((error) => error.message).slice(0, 5),
      });
    }
  }
}

function unavailable(reason: string): DomainError {
  return new DomainError('store_unavailable', 'Shopify cannot be reached right now; retry shortly', {
    reason,
  });
}

/** A mutation's `userErrors`, refused as `store_refused` when there are any. */
export function assertNoUserErrors(
  what: string,
  userErrors: readonly { message: string; field?: unknown }[] | undefined,
) {
  if (userErrors && userErrors.length > 0) {
    throw new DomainError('store_refused', `Shopify refused ${what}`, {
      errors: userErrors.map((error) => error.message).slice(0, 5),
    });
  }
}
