/**
 * Sending a webhook where the merchant said, and nowhere inside our network. The host is resolved when the
 * endpoint is registered (a clear refusal then) and again by the connection itself, which refuses an
 * internal address at connect time, so a name that later resolves inward (DNS rebinding) is refused too.
 * Redirects are not followed. Local development and tests may allow internal addresses.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { DomainError } from '../domain/errors.ts';
import { internalAddressReason } from './network-address.ts';

export interface AddressPolicy {
  /** Allow loopback, private and link-local endpoints (PRESELL_WEBHOOKS_ALLOW_PRIVATE=true). */
  allowInternal: boolean;
}

/** Refuses a URL that is not http(s), carries credentials, or resolves to an internal address. */
export async function assertDeliverable(url: string, policy: AddressPolicy): Promise<void> {
  const refuse = (reason: string) => {
    throw new DomainError('unsafe_webhook_url', `webhooks cannot go to ${url}: ${reason}`, {
      field: 'url',
      reason,
    });
  };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return refuse('not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') refuse('only http and https URLs');
  if (parsed.username || parsed.password) refuse('no credentials in the URL; use the signature');
  if (policy.allowInternal) return;
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await lookupAll(host)).map((entry) => entry.address);
  } catch {
    return refuse(`${host} does not resolve`);
  }
  for (const address of addresses) {
    const reason = internalAddressReason(address);
    if (reason) refuse(reason);
  }
}

function lookupAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))),
  );
}

/** A resolver for the connection that refuses internal addresses unless the policy allows them. */
function guardedLookup(policy: AddressPolicy) {
  return (
    hostname: string,
    options: { all?: boolean },
    callback: (error: Error | null, address: string | LookupAddress[], family?: number) => void,
  ) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const allowed = policy.allowInternal
        ? addresses
        : addresses.filter((entry) => internalAddressReason(entry.address) === null);
      if (allowed.length === 0) {
        return callback(new Error(`${hostname} resolves only to internal addresses`), []);
      }
      if (options.all) return callback(null, allowed);
      const [first] = allowed as [LookupAddress];
      return callback(null, first.address, first.family);
    });
  };
}

export interface WebhookResponse {
  status: number;
  /** The start of the body, for the delivery log. */
  body: string;
}

/** POSTs a webhook; answers the status (any), or throws when no answer came (refused, timed out). */
export function postWebhook(
  url: string,
  headers: Record<string, string>,
  body: string,
  options: { policy: AddressPolicy; signal: AbortSignal },
): Promise<WebhookResponse> {
  const target = new URL(url);
  const host = target.hostname.replace(/^\[|\]$/g, '');
  if (!options.policy.allowInternal && isIP(host) && internalAddressReason(host)) {
    return Promise.reject(new Error(`${host} is an internal address`));
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(body),
        },
        lookup: guardedLookup(options.policy) as never,
        signal: options.signal,
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          if (text.length < 500) text += chunk;
        });
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text.slice(0, 500) }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
