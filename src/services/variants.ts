import { DomainError } from '../domain/errors.ts';
import { newId } from '../ids.ts';
import type { ServiceContext } from './context.ts';
import { appendEvents } from './events.ts';
import { type Page, type PageRequest, toPage } from './pagination.ts';

export interface Variant {
  id: string;
  sku: string;
  name: string;
  externalId: string | null;
  onHand: number;
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

export async function listVariants(
  ctx: ServiceContext,
  shopId: string,
  page: PageRequest,
): Promise<Page<Variant>> {
  const rows = await ctx.db.query<VariantRow>(
    `SELECT * FROM variants WHERE shop_id = $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3`,
    [shopId, page.after ?? null, page.limit + 1],
  );
  return toPage(rows, page.limit, variantFromRow);
}

function variantFromRow(row: VariantRow): Variant {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    externalId: row.external_id,
    onHand: row.on_hand,
    createdAt: row.created_at,
  };
}
