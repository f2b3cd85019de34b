import type { Queryable } from '../db/database.ts';
import { DomainError } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import { newId } from '../ids.ts';
import type { ServiceContext } from './context.ts';
import { appendEvents } from './events.ts';
import { type Page, type PageRequest, toPage } from './pagination.ts';
import type { Shop } from './shops.ts';
import { applyStock } from './stock.ts';
import { inTransaction } from './unit-of-work.ts';

export interface Variant {
  id: string;
  sku: string;
  name: string;
  externalId: string | null;
  onHand: number;
  /** When the merchant archived it; archived variants leave the default list and join no campaign. */
  archivedAt: Date | null;
  createdAt: Date;
}

export interface NewVariant {
  sku: string;
  name: string;
  externalId?: string | null | undefined;
  onHand?: number | undefined;
}

interface VariantRow {
  id: string;
  sku: string;
  name: string;
  external_id: string | null;
  on_hand: number;
  archived_at: Date | null;
  created_at: Date;
}

export async function createVariant(
  ctx: ServiceContext,
  shopId: string,
  input: NewVariant,
): Promise<Variant> {
  const now = ctx.clock();
  const id = newId('variant', now.getTime());
  return ctx.db.transaction(async (tx) => {
    const [row] = await tx.query<VariantRow>(
      `INSERT INTO variants (id, shop_id, sku, name, external_id, on_hand, created_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT DO NOTHING RETURNING *`,
      [id, shopId, input.sku, input.name, input.externalId ?? null, input.onHand ?? 0, now],
    );
    if (!row) {
      throw new DomainError(
        'duplicate_variant',
        'this shop already has a variant with that sku or external id',
        {
          sku: input.sku,
        },
      );
    }
    await appendEvents(
      tx,
      [{ shopId, type: 'variant.created', subjectId: id, data: { sku: input.sku } }],
      now,
    );
    return variantFromRow(row);
  });
}

export interface VariantFilter extends PageRequest {
  sku?: string | undefined;
  /** true: only archived variants; false (the default): only the others. */
  archived?: boolean | undefined;
}

export async function listVariants(
  ctx: ServiceContext,
  shopId: string,
  filter: VariantFilter,
): Promise<Page<Variant>> {
  const rows = await ctx.db.query<VariantRow>(
    `SELECT * FROM variants
     WHERE shop_id = $1 AND ($2::text IS NULL OR id > $2) AND ($3::text IS NULL OR sku = $3)
       AND (archived_at IS NOT NULL) = $4
     ORDER BY id LIMIT $5`,
    [shopId, filter.after ?? null, filter.sku ?? null, filter.archived ?? false, filter.limit + 1],
  );
  return toPage(rows, filter.limit, variantFromRow);
}

export async function getVariant(ctx: ServiceContext, shopId: string, id: string): Promise<Variant> {
  return loadVariant(ctx.db, shopId, id);
}

async function loadVariant(
  db: Queryable,
  shopId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<Variant> {
  const [row] = await db.query<VariantRow>(
    `SELECT * FROM variants WHERE shop_id = $1 AND id = $2 ${options.lock ? 'FOR UPDATE' : ''}`,
    [shopId, id],
  );
  if (!row) throw new DomainError('not_found', 'no such variant', { id });
  return variantFromRow(row);
}

export interface VariantChanges {
  name?: string | undefined;
  externalId?: string | null | undefined;
  /** Goes through the stock rule (units that come in serve waiting backorders first). */
  onHand?: number | undefined;
}

/** Changes a variant's name, external id or stock in one transaction; an archived variant is refused. */
export async function updateVariant(
  ctx: ServiceContext,
  shop: Shop,
  id: string,
  changes: VariantChanges,
): Promise<Variant> {
  return inTransaction(ctx, async (uow) => {
    const current = await loadVariant(uow.tx, shop.id, id);
    if (current.archivedAt) throw archivedError('variant', id);
    // Stock first: it locks the backorder campaign before the variant, as every supply change does.
    if (changes.onHand !== undefined) await applyStock(uow, shop, { variantId: id }, changes.onHand);
    const fields = (['name', 'externalId'] as const).filter(
      (field) => changes[field] !== undefined && changes[field] !== current[field],
    );
    if (fields.length === 0) return loadVariant(uow.tx, shop.id, id);
    const [row] = await uow.tx.query<VariantRow>(
      `UPDATE variants SET name = $3, external_id = $4 WHERE shop_id = $1 AND id = $2
       AND NOT EXISTS (SELECT 1 FROM variants o WHERE o.shop_id = $1 AND o.id <> $2 AND o.external_id = $4)
       RETURNING *`,
      [
        shop.id,
        id,
        changes.name ?? current.name,
        changes.externalId !== undefined ? changes.externalId : current.externalId,
      ],
    );
    if (!row) {
      throw new DomainError('duplicate_variant', 'another variant of this shop has that external id', {
        externalId: changes.externalId,
      });
    }
    uow.record(event(shop.id, 'variant.updated', id, { fields: [...fields] }));
    return variantFromRow(row);
  });
}

/**
 * Archives a variant no live campaign sells (or brings it back): it leaves the default list and cannot join
 * a campaign; its pre-orders and history stay.
 */
export async function archiveVariant(
  ctx: ServiceContext,
  shopId: string,
  id: string,
  archived: boolean,
): Promise<Variant> {
  return inTransaction(ctx, async (uow) => {
    const current = await loadVariant(uow.tx, shopId, id, { lock: true });
    if ((current.archivedAt !== null) === archived) return current;
    if (archived) {
      const [live] = await uow.tx.query<{ id: string; status: string }>(
        `SELECT c.id, c.status FROM campaigns c JOIN campaign_variants cv ON cv.campaign_id = c.id
         WHERE c.shop_id = $1 AND cv.variant_id = $2 AND c.status IN ('scheduled', 'open', 'paused') LIMIT 1`,
        [shopId, id],
      );
      if (live) {
        throw new DomainError(
          'variant_in_use',
          `the variant sells in campaign ${live.id}, which is ${live.status}: close it first`,
          { campaignId: live.id },
        );
      }
    }
    const [row] = await uow.tx.query<VariantRow>(
      'UPDATE variants SET archived_at = $3 WHERE shop_id = $1 AND id = $2 RETURNING *',
      [shopId, id, archived ? uow.now : null],
    );
    uow.record(event(shopId, archived ? 'variant.archived' : 'variant.unarchived', id, {}));
    return variantFromRow(row as VariantRow);
  });
}

export function archivedError(kind: 'campaign' | 'variant', id: string): DomainError {
  return new DomainError('archived', `the ${kind} is archived: unarchive it first`, { id });
}

function variantFromRow(row: VariantRow): Variant {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    externalId: row.external_id,
    onHand: row.on_hand,
    archivedAt: row.archived_at,
    createdAt: row.created_at,
  };
}
