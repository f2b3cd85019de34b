/**
 * Standard Webhooks signatures: `webhook-signature` is a space-separated list of `v1,<base64 HMAC-SHA256 of
 * "{webhook-id}.{webhook-timestamp}.{body}">`, one per secret in force (several during a rotation). A secret
 * is `whsec_` and the base64 of at least 24 random bytes; the HMAC key is those bytes.
 */
import { createHmac } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

/** A secret from random bytes (the caller's: this module makes none). */
export function webhookSecret(random: Uint8Array): string {
  if (random.length < 24 || random.length > 64) throw new Error('a webhook secret has 24 to 64 random bytes');
  return `${SECRET_PREFIX}${Buffer.from(random).toString('base64')}`;
}

/** The key bytes of a `whsec_` secret. */
export function secretKey(secret: string): Buffer {
  if (!secret.startsWith(SECRET_PREFIX)) throw new Error('a webhook secret starts with whsec_');
  return Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
}

/** The `webhook-signature` header of one delivery attempt, signed with every secret given. */
export function signatureHeader(
  message: { id: string; timestamp: number; body: string },
  secrets: readonly string[],
): string {
  if (message.id.includes('.') || !Number.isInteger(message.timestamp)) {
    throw new Error('a webhook id has no full stop and its timestamp is whole seconds');
  }
  const signed = `${message.id}.${message.timestamp}.${message.body}`;
  return secrets
    .map((secret) => `v1,${createHmac('sha256', secretKey(secret)).update(signed).digest('base64')}`)
    .join(' ');
}
