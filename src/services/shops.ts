import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import { newId } from '../ids.ts';
import type { ServiceContext } from './context.ts';
import { appendEvents } from './events.ts';

export type KeyKind = 'secret' | 'publishable';

export interface Shop {
  id: string;
  name: string;
  currency: string;
  timeZone: string;
  locale: string;
  createdAt: Date;
}

export interface NewShop {
  name: string;
  currency: string;
  timeZone: string;
  locale: string;
}

const KEY_PREFIX: Record<KeyKind, string> = { secret: 'sk_', publishable: 'pk_' };

/** Creates a shop and its two keys. The keys are returned once and only their digests are kept. */
export async function createShop(
  ctx: ServiceContext,
  input: NewShop,
): Promise<{ shop: Shop; adminKey: string; publishableKey: string }> {
  const now = ctx.clock();
  const shop: Shop = { id: newId('shop', now.getTime()), ...input, createdAt: now };
  const adminKey = makeKey('secret');
  const publishableKey = makeKey('publishable');
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      'INSERT INTO shops (id, name, currency, time_zone, locale, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
      [shop.id, shop.name, shop.currency, shop.timeZone, shop.locale, now],
    );
    for (const [kind, key] of [
      ['secret', adminKey],
      ['publishable', publishableKey],
    ] as const) {
      await tx.query(
        'INSERT INTO api_keys (id, shop_id, kind, key_digest, hint, created_at) VALUES ($1, $2, $3, $4, $5, $6)',
        [newId('apiKey', now.getTime()), shop.id, kind, digest(key), key.slice(-4), now],
      );
    }
    await appendEvents(
      tx,
      [{ shopId: shop.id, type: 'shop.created', subjectId: shop.id, data: { name: shop.name } }],
      now,
    );
  });
  return { shop, adminKey, publishableKey };
}

export async function getShop(ctx: ServiceContext, shopId: string): Promise<Shop> {
  const [row] = await ctx.db.query<ShopRow>('SELECT * FROM shops WHERE id = $1', [shopId]);
  if (!row) throw new DomainError('not_found', 'no such shop');
  return shopFromRow(row);
}

interface ShopRow {
  id: string;
  name: string;
  currency: string;
  time_zone: string;
  locale: string;
  created_at: Date;
}

function shopFromRow(row: ShopRow): Shop {
  return {
    id: row.id,
    name: row.name,
    currency: row.currency,
    timeZone: row.time_zone,
    locale: row.locale,
    createdAt: row.created_at,
  };
}

/**
 * Finds the shop a key belongs to. Answers are kept for a short while, since every request asks;
 * a revoked key therefore stops working within `ttlMs`.
 */
export class KeyAuthenticator {
  private readonly cache = new Map<
    string,
    { shop: Shop | null; kind: KeyKind | null; keyId: string | null; hint: string; expires: number }
  >();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly ttlMs = 30_000,
  ) {}

  async authenticate(key: string | undefined, kind: KeyKind): Promise<Shop> {
    return (await this.authenticateKey(key, kind)).shop;
  }

  /** The shop and the key itself (its id and last four characters), for the audit log. */
  async authenticateKey(
    key: string | undefined,
    kind: KeyKind,
  ): Promise<{ shop: Shop; keyId: string; hint: string }> {
    if (!key) throw new DomainError('unauthorized', `this route needs a ${kind} key (${KEY_PREFIX[kind]}…)`);
    if (!key.startsWith(KEY_PREFIX[kind]) || key.length > 200) {
      const other = kind === 'secret' ? 'publishable' : 'secret';
      throw new DomainError(
        'unauthorized',
        key.startsWith(KEY_PREFIX[other])
          ? `this route needs a ${kind} key (${KEY_PREFIX[kind]}…), not a ${other} one`
          : `that is not a ${kind} key: ${kind} keys start with ${KEY_PREFIX[kind]}`,
      );
    }
    const keyDigest = digest(key);
    const now = Date.now();
    let entry = this.cache.get(keyDigest);
    if (!entry || entry.expires < now) {
      const [row] = await this.ctx.db.query<ShopRow & { kind: KeyKind; key_id: string; hint: string }>(
        `SELECT s.*, k.kind, k.id AS key_id, k.hint FROM api_keys k JOIN shops s ON s.id = k.shop_id
         WHERE k.key_digest = $1 AND k.revoked_at IS NULL`,
        [keyDigest],
      );
      entry = {
        shop: row ? shopFromRow(row) : null,
        kind: row?.kind ?? null,
        keyId: row?.key_id ?? null,
        hint: row?.hint ?? '',
        expires: now + this.ttlMs,
      };
      if (this.cache.size > 10_000) this.cache.clear();
      this.cache.set(keyDigest, entry);
    }
    if (!entry.shop || entry.kind !== kind || !entry.keyId) {
      throw new DomainError('unauthorized', 'unknown or revoked key');
    }
    return { shop: entry.shop, keyId: entry.keyId, hint: entry.hint };
  }
}

function makeKey(kind: KeyKind): string {
  return `${KEY_PREFIX[kind]}${randomBytes(24).toString('base64url')}`;
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
