/**
 * The store's catalogue in Presell: every Shopify variant becomes a Presell variant whose external id is the
 * Shopify variant's id (a variant with the same sku and no external id yet is linked instead of doubled).
 * A full import reads `productVariants` page by page; each page commits with the cursor after it, so an
 * import stopped by a crash, a deploy or Shopify's throttle resumes where it was, and its progress (pages,
 * variants) can be read at any time. products/update and products/delete keep it in step afterwards.
 */
import { DomainError } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import { newId } from '../ids.ts';
import type { ServiceContext } from '../services/context.ts';
import { inTransaction, type UnitOfWork } from '../services/unit-of-work.ts';
import { type VariantNode, variantsPage } from './admin-operations.ts';
import type { Shopify } from './shopify.ts';

export interface CatalogueImport {
  id: string;
  status: 'running' | 'done' | 'failed';
  pages: number;
  variants: number;
  lastError: string | null;
  startedAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

interface ImportRow {
  shop_id: string;
  id: string;
  status: CatalogueImport['status'];
  cursor: string | null;
  pages: number;
  variants: number;
  last_error: string | null;
  started_at: Date;
  updated_at: Date;
  finished_at: Date | null;
}

/** Variants read per page: Shopify's largest page. */
export const IMPORT_PAGE_SIZE = 250;
/** How long a runner keeps an import before another may take it over. */
const IMPORT_LEASE_MS = 5 * 60_000;

/** Starts an import of the store's catalogue, or answers the one already running. */
export async function startImport(shopify: Shopify, shopId: string): Promise<CatalogueImport> {
  await shopify.connected(shopId);
  const now = shopify.ctx.clock();
  const [row] = await shopify.ctx.db.query<ImportRow>(
    `WITH started AS (
       INSERT INTO shopify_imports (shop_id, id, status, started_at, updated_at) VALUES ($1, $2, 'running', $3, $3)
       ON CONFLICT (shop_id) WHERE status = 'running' DO NOTHING RETURNING *
     )
     SELECT * FROM started
     UNION ALL SELECT * FROM shopify_imports WHERE shop_id = $1 AND status = 'running' AND NOT EXISTS (SELECT 1 FROM started)`,
    [shopId, newId('shopifyImport', now.getTime()), now],
  );
  return importOf(row as ImportRow);
}

export async function getImport(ctx: ServiceContext, shopId: string, id: string): Promise<CatalogueImport> {
  const [row] = await ctx.db.query<ImportRow>(
    'SELECT * FROM shopify_imports WHERE shop_id = $1 AND id = $2',
    [shopId, id],
  );
  if (!row) throw new DomainError('not_found', 'no such import', { id });
  return importOf(row);
}

/**
 * Runs the imports that are due: each running import whose lease has run out is taken and read for up to
 * `pages` pages (it goes on in the next pass). Shopify out of reach keeps the import running for the next
 * pass; Shopify refusing us fails it with the reason.
 */
export async function runImports(
  shopify: Shopify,
  options: { pages?: number; pageSize?: number } = {},
): Promise<{ pages: number }> {
  const { ctx } = shopify;
  const now = ctx.clock();
  const claimed = await ctx.db.transaction((tx) =>
    tx.query<ImportRow>(
      `WITH due AS (
         SELECT shop_id, id FROM shopify_imports
         WHERE status = 'running' AND (lease_until IS NULL OR lease_until < $1)
         ORDER BY updated_at LIMIT 10 FOR UPDATE SKIP LOCKED
       )
       UPDATE shopify_imports i SET lease_until = $2 FROM due WHERE i.shop_id = due.shop_id AND i.id = due.id
       RETURNING i.*`,
      [now, new Date(now.getTime() + IMPORT_LEASE_MS)],
    ),
  );
  let pages = 0;
  for (const row of claimed) {
    let current = row;
    try {
      const { api } = await shopify.connected(row.shop_id);
      for (let page = 0; page < (options.pages ?? 20) && current.status === 'running'; page++) {
        const read = await variantsPage(api, options.pageSize ?? IMPORT_PAGE_SIZE, current.cursor);
        current = await inTransaction(ctx, (uow) => commitPage(uow, current, read));
        pages += 1;
      }
    } catch (error) {
      if (!(error instanceof DomainError) || error.code === 'store_unavailable') {
        shopify.log.warn(
          { importId: row.id, err: (error as Error).message },
          'import paused; the next pass resumes it',
        );
      } else {
        await ctx.db.query(
          `UPDATE shopify_imports SET status = 'failed', last_error = $3, updated_at = $4, finished_at = $4
           WHERE shop_id = $1 AND id = $2`,
          [row.shop_id, row.id, error.message, ctx.clock()],
        );
        continue;
      }
    }
    await ctx.db.query('UPDATE shopify_imports SET lease_until = NULL WHERE shop_id = $1 AND id = $2', [
      row.shop_id,
      row.id,
    ]);
  }
  return { pages };
}

async function commitPage(
  uow: UnitOfWork,
  current: ImportRow,
  page: Awaited<ReturnType<typeof variantsPage>>,
): Promise<ImportRow> {
  await mirrorVariants(uow, current.shop_id, page.nodes);
  const done = !page.pageInfo.hasNextPage;
  const [row] = await uow.tx.query<ImportRow>(
    `UPDATE shopify_imports SET cursor = $3, pages = pages + 1, variants = variants + $4, updated_at = $5::timestamptz,
       status = CASE WHEN $6::boolean THEN 'done' ELSE status END,
       finished_at = CASE WHEN $6::boolean THEN $5::timestamptz END
     WHERE shop_id = $1 AND id = $2 RETURNING *`,
    [current.shop_id, current.id, page.pageInfo.endCursor, page.nodes.length, uow.now, done],
  );
  const next = row as ImportRow;
  if (done) {
    uow.record(
      event(current.shop_id, 'shopify.import_finished', current.shop_id, {
        importId: current.id,
        variants: next.variants,
        pages: next.pages,
      }),
    );
  }
  return next;
}

/**
 * Mirrors Shopify variants into Presell: linked by external id, or by sku when Presell had the sku first;
 * new ones are created (with their `variant.created` events); names follow Shopify. A Shopify variant
 * without a sku gets `shopify-<id>`.
 */
export async function mirrorVariants(uow: UnitOfWork, shopId: string, nodes: readonly VariantNode[]) {
  if (nodes.length === 0) return;
  const rows = nodes.map((node) => ({
    id: newId('variant', uow.now.getTime()),
    external_id: node.id,
    product_id: node.product.id,
    sku: node.sku?.trim() || `shopify-${node.id.slice(node.id.lastIndexOf('/') + 1)}`,
    name: node.displayName.slice(0, 200),
  }));
  const page = JSON.stringify(rows);
  const recordset = `jsonb_to_recordset($2::jsonb) AS s(id text, external_id text, product_id text, sku text, name text)`;
  await uow.tx.query(
    `UPDATE variants v SET external_id = s.external_id FROM ${recordset}
     WHERE v.shop_id = $1 AND v.sku = s.sku AND v.external_id IS NULL`,
    [shopId, page],
  );
  const created = await uow.tx.query<{ id: string; sku: string }>(
    `INSERT INTO variants (id, shop_id, sku, name, external_id, created_at)
     SELECT s.id, $1, s.sku, s.name, s.external_id, $3 FROM ${recordset}
     ON CONFLICT DO NOTHING RETURNING id, sku`,
    [shopId, page, uow.now],
  );
  uow.record(...created.map((v) => event(shopId, 'variant.created', v.id, { sku: v.sku })));
  await uow.tx.query(
    `WITH mirrored AS (
       UPDATE variants v SET name = s.name FROM ${recordset}
       WHERE v.shop_id = $1 AND v.external_id = s.external_id RETURNING v.id, s.external_id, s.product_id
     )
     INSERT INTO shopify_variants (shop_id, variant_id, shopify_variant_id, shopify_product_id, updated_at)
     SELECT $1, id, external_id, product_id, $3 FROM mirrored
     ON CONFLICT (shop_id, variant_id) DO UPDATE SET shopify_variant_id = excluded.shopify_variant_id,
       shopify_product_id = excluded.shopify_product_id, deleted_at = NULL, updated_at = excluded.updated_at`,
    [shopId, page, uow.now],
  );
}

/** The product's variants are gone from Shopify: they stop being sold there (Presell keeps its records). */
export async function productDeleted(uow: UnitOfWork, shopId: string, productId: string) {
  await uow.tx.query(
    'UPDATE shopify_variants SET deleted_at = $3, updated_at = $3 WHERE shop_id = $1 AND shopify_product_id = $2',
    [shopId, productId, uow.now],
  );
}

function importOf(row: ImportRow): CatalogueImport {
  return {
    id: row.id,
    status: row.status,
    pages: row.pages,
    variants: row.variants,
    lastError: row.last_error,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    finishedAt: row.finished_at,
  };
}
