/**
 * The embedded engine's stand-in for autovacuum's analyze. PGlite runs no autovacuum, so nothing would
 * ever ANALYZE its tables: the planner would go on estimating each table at the few rows it had when it
 * was created, take `shop_id = $1` for a rare value, and answer a lookup of a few pre-orders by scanning
 * the shop's whole table through an index on `shop_id` (on a 5,000 pre-order launch, most statements on
 * pre-orders and ledgers cost their table's size). Like autovacuum on a server, it analyses a table once
 * it has grown enough since its last analysis: here, every so many statements, the tables whose size grew
 * by a fifth (new rows, or new versions of changed ones) since the planner's figures were taken.
 */
import type { PGlite } from '@electric-sql/pglite';

/** Statements between two looks at the tables' sizes; a look costs one catalogue query. */
const STATEMENTS_BETWEEN_LOOKS = 1000;

/** Our tables whose size grew by a fifth, and by more than a few pages, since they were last analysed. */
const GROWN_TABLES = `
  SELECT quote_ident(c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind = 'r'
    AND pg_relation_size(c.oid) / current_setting('block_size')::int > greatest(c.relpages * 1.2, c.relpages + 8)
  ORDER BY c.relname`;

/**
 * `afterWork` is called outside any transaction, after a statement or a transaction: it looks at the
 * tables when `statementsRun` (the statements run so far) has gone far enough since the last look.
 */
export function embeddedUpkeep(db: PGlite, statementsRun: () => number) {
  let lookedAt = 0;
  let looking = false;
  return {
    async afterWork(): Promise<void> {
      if (statementsRun() - lookedAt < STATEMENTS_BETWEEN_LOOKS || looking) return;
      lookedAt = statementsRun();
      looking = true;
      try {
        const grown = (await db.query<{ name: string }>(GROWN_TABLES)).rows;
        if (grown.length > 0) await db.query(`ANALYZE ${grown.map((table) => table.name).join(', ')}`);
      } finally {
        looking = false;
      }
    },
  };
}
