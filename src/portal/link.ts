/**
 * Signed links for customers: the portal (expires) and the one-click unsubscribe (does not). A link names
 * its shop and the customer's email, so the shop is found without a lookup, and carries an HMAC-SHA256 of
 * both under the shop's own secret: changing any character of it, or using one shop's link on another,
 * fails the check. Pure apart from the hash: the clock comes in.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export type LinkPurpose = 'portal' | 'unsubscribe';

export interface LinkClaims {
  shopId: string;
  email: string;
  purpose: LinkPurpose;
  /** Seconds since 1970; null for a link that does not expire. */
  expiresAt: number | null;
}

export type LinkCheck =
  | { status: 'valid'; claims: LinkClaims }
  | { status: 'expired'; claims: LinkClaims }
  | { status: 'tampered' };

const VERSION = 'v1';

export function signLink(claims: LinkClaims, secret: string): string {
  const payload = Buffer.from(
    JSON.stringify({ s: claims.shopId, e: claims.email, p: claims.purpose, x: claims.expiresAt }),
  ).toString('base64url');
  return `${VERSION}.${payload}.${mac(payload, secret)}`;
}

/** The shop a link claims to be from, before its signature is checked (to find that shop's secret). */
export function claimedShop(token: string): string | undefined {
  return readPayload(token)?.shopId;
}

export function checkLink(token: string, secret: string, purpose: LinkPurpose, now: Date): LinkCheck {
  const claims = readPayload(token);
  const signature = token.split('.')[2] ?? '';
  if (!claims || claims.purpose !== purpose) return { status: 'tampered' };
  const expected = Buffer.from(mac(token.split('.')[1] as string, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { status: 'tampered' };
  if (claims.expiresAt !== null && claims.expiresAt * 1000 <= now.getTime())
    return { status: 'expired', claims };
  return { status: 'valid', claims };
}

/** A portal link's expiry: `days` from now, in whole seconds. */
export function expiryAfter(now: Date, days: number): number {
  return Math.floor(now.getTime() / 1000) + days * 86_400;
}

function mac(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(`${VERSION}.${payload}`).digest('base64url');
}

function readPayload(token: string): LinkClaims | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[0] !== VERSION || token.length > 2_000) return undefined;
  try {
    const raw = JSON.parse(Buffer.from(parts[1] as string, 'base64url').toString('utf8')) as Record<
      string,
      unknown
    >;
    const { s, e, p, x } = raw;
    if (typeof s !== 'string' || typeof e !== 'string' || (p !== 'portal' && p !== 'unsubscribe'))
      return undefined;
    if (x !== null && typeof x !== 'number') return undefined;
    return { shopId: s, email: e, purpose: p, expiresAt: x };
  } catch {
    return undefined;
  }
}
