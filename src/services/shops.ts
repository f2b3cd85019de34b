import { createHash, randomBytes } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import { checkShopSettings, NO_BRANDING, type ShopSettings, type ShopSettingsInput } from '../domain/shop.ts';
import { newId } from '../ids.ts';
import type { ServiceContext } from './context.ts';
import { appendEvents } from './events.ts';
import { inTransaction } from './unit-of-work.ts';

export type KeyKind = 'secret' | 'publishable';

export interface Shop extends ShopSettings {
  id: string;
  createdAt: Date;
}

const KEY_PREFIX: Record<KeyKind, string> = { secret: 'sk_', publishable: 'pk_' };

/** Creates a shop and its two keys. The keys are returned once and only their digests are kept. */
export async function createShop(
  ctx: ServiceContext,
  input: ShopSettingsInput,
): Promise<{ shop: Shop; adminKey: string; publishableKey: string }> {
  const now = ctx.clock();
  const shop: Shop = { id: newId('shop', now.getTime()), ...NO_BRANDING, ...input, createdAt: now };
  const adminKey = makeKey('secret');
  const publishableKey = makeKey('publishable');
  await ctx.db.transaction(async (tx) => {
    await tx.query(
      `INSERT INTO shops (id, name, currency, time_zone, locale, brand_name, accent_color, logo_url, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        shop.id,
        shop.name,
        shop.currency,
        shop.timeZone,
        shop.locale,
        shop.brandName,
        shop.accentColor,
        shop.logoUrl,
        now,
      ],
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

/** Every shop of the database, oldest first: for the operator at the terminal, who holds the database. */
export async function listShops(ctx: ServiceContext): Promise<Shop[]> {
  const rows = await ctx.db.query<ShopRow>('SELECT * FROM shops ORDER BY created_at, id');
  return rows.map(shopFromRow);
}

/** A key of a shop as it is kept: never the key itself, only its last four characters. */
export interface ApiKey {
  id: string;
  kind: KeyKind;
  hint: string;
  createdAt: Date;
  /** When it stops working: null while it is the shop's key, a time once another replaced it. */
  expiresAt: Date | null;
}

/** The longest a replaced key may keep working beside its successor. */
export const MAX_KEY_OVERLAP_SECONDS = 7 * 86_400;

/**
 * Issues a new key of `kind` for the shop and retires the ones it had: they stop working after
 * `overlapSeconds` (0: at once, the default for a key that may have leaked; up to a week, so that a
 * deployment can move to the new one). The new key is returned this once; only its digest is kept.
 */
export async function rotateKey(
  ctx: ServiceContext,
  shopId: string,
  kind: KeyKind,
  overlapSeconds = 0,
): Promise<{ key: string; apiKey: ApiKey; retired: ApiKey[] }> {
  if (!Number.isInteger(overlapSeconds) || overlapSeconds < 0 || overlapSeconds > MAX_KEY_OVERLAP_SECONDS) {
    throw new DomainError(
      'validation_failed',
      `the overlap is whole seconds from 0 to ${MAX_KEY_OVERLAP_SECONDS}, not ${overlapSeconds}`,
      { field: 'overlapSeconds' },
    );
  }
  const key = makeKey(kind);
  return inTransaction(ctx, async ({ tx, now }) => {
    // One rotation of a shop at a time: two at once would each leave its key beside the other's.
    const [shop] = await tx.query('SELECT id FROM shops WHERE id = $1 FOR UPDATE', [shopId]);
    if (!shop) throw new DomainError('not_found', 'no such shop');
    const expiresAt = new Date(now.getTime() + overlapSeconds * 1000);
    const retired = await tx.query<ApiKeyRow>(
      `UPDATE api_keys SET revoked_at = $3
       WHERE shop_id = $1 AND kind = $2 AND (revoked_at IS NULL OR revoked_at > $3)
       RETURNING id, kind, hint, created_at, revoked_at`,
      [shopId, kind, expiresAt],
    );
    const [created] = await tx.query<ApiKeyRow>(
      `INSERT INTO api_keys (id, shop_id, kind, key_digest, hint, created_at) VALUES ($1, $2, $3, $4, $5, $6)
       RETURNING id, kind, hint, created_at, revoked_at`,
      [newId('apiKey', now.getTime()), shopId, kind, digest(key), key.slice(-4), now],
    );
    return { key, apiKey: apiKeyFromRow(created as ApiKeyRow), retired: retired.map(apiKeyFromRow) };
  });
}

/** The shop's keys that work now (its current ones and those still in their overlap), newest first. */
export async function listKeys(ctx: ServiceContext, shopId: string): Promise<ApiKey[]> {
  const rows = await ctx.db.query<ApiKeyRow>(
    `SELECT id, kind, hint, created_at, revoked_at FROM api_keys
     WHERE shop_id = $1 AND (revoked_at IS NULL OR revoked_at > $2) ORDER BY created_at DESC, id DESC`,
    [shopId, ctx.clock()],
  );
  return rows.map(apiKeyFromRow);
}

interface ApiKeyRow {
  id: string;
  kind: KeyKind;
  hint: string;
  created_at: Date;
  revoked_at: Date | null;
}

function apiKeyFromRow(row: ApiKeyRow): ApiKey {
  return { id: row.id, kind: row.kind, hint: row.hint, createdAt: row.created_at, expiresAt: row.revoked_at };
}

export async function getShop(ctx: ServiceContext, shopId: string): Promise<Shop> {
  const [row] = await ctx.db.query<ShopRow>('SELECT * FROM shops WHERE id = $1', [shopId]);
  if (!row) throw new DomainError('not_found', 'no such shop');
  return shopFromRow(row);
}

/**
 * Changes some of a shop's settings, checked by the same rule as a new shop's (`checkShopSettings`). The
 * currency may change only while the shop has no campaign: a campaign's prices, ledger and cash report are in
 * the currency it was made in, and a shop total in another one would add up two currencies.
 */
export async function updateShop(
  ctx: ServiceContext,
  shopId: string,
  changes: Partial<ShopSettings>,
): Promise<Shop> {
  return inTransaction(ctx, async (uow) => {
    const [row] = await uow.tx.query<ShopRow>('SELECT * FROM shops WHERE id = $1 FOR UPDATE', [shopId]);
    if (!row) throw new DomainError('not_found', 'no such shop');
    const current = shopFromRow(row);
    const next = checkShopSettings({ ...current, ...changes });
    if (next.currency !== current.currency) {
      const [campaign] = await uow.tx.query<{ id: string }>(
        'SELECT id FROM campaigns WHERE shop_id = $1 LIMIT 1',
        [shopId],
      );
      if (campaign) {
        throw new DomainError(
          'currency_in_use',
          `currency: the shop has campaigns priced in ${current.currency} (${campaign.id}); it stays ${current.currency}`,
          { field: 'currency', currency: current.currency },
        );
      }
    }
    const changed = SETTINGS.filter((field) => next[field] !== current[field]);
    if (changed.length === 0) return current;
    const [updated] = await uow.tx.query<ShopRow>(
      `UPDATE shops SET name = $2, currency = $3, time_zone = $4, locale = $5, brand_name = $6, accent_color = $7,
         logo_url = $8
       WHERE id = $1 RETURNING *`,
      [
        shopId,
        next.name,
        next.currency,
        next.timeZone,
        next.locale,
        next.brandName,
        next.accentColor,
        next.logoUrl,
      ],
    );
    uow.record(event(shopId, 'shop.updated', shopId, { changed }));
    return shopFromRow(updated as ShopRow);
  });
}

const SETTINGS = [
  'name',
  'currency',
  'timeZone',
  'locale',
  'brandName',
  'accentColor',
  'logoUrl',
] as const satisfies readonly (keyof ShopSettings)[];

interface ShopRow {
  id: string;
  name: string;
  currency: string;
  time_zone: string;
  locale: string;
  brand_name: string | null;
  accent_color: string | null;
  logo_url: string | null;
  created_at: Date;
}

function shopFromRow(row: ShopRow): Shop {
  return {
    id: row.id,
    name: row.name,
    currency: row.currency,
    timeZone: row.time_zone,
    locale: row.locale,
    brandName: row.brand_name,
    accentColor: row.accent_color,
    logoUrl: row.logo_url,
    createdAt: row.created_at,
  };
}

/**
 * Finds the shop a key belongs to. Answers are kept for a short while, since every request asks;
 * a revoked key therefore stops working within `ttlMs` (at once in the process that rotated it).
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
         WHERE k.key_digest = $1 AND (k.revoked_at IS NULL OR k.revoked_at > $2)`,
        [keyDigest, this.ctx.clock()],
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

  /** Forgets what it knew of the shop's keys: after a rotation, so that this process asks again. */
  forgetShop(shopId: string) {
    for (const [keyDigest, entry] of this.cache) {
      if (entry.shop?.id === shopId) this.cache.delete(keyDigest);
    }
  }
}

function makeKey(kind: KeyKind): string {
  return `${KEY_PREFIX[kind]}${randomBytes(24).toString('base64url')}`;
}

function digest(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}
