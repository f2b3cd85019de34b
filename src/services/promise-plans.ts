/**
 * Promise plans kept in memory between changes, so a change re-promises with the incremental engine
 * (src/domain/promise.ts `repromise`) instead of reloading and recomputing its whole queue.
 *
 * A kept plan is used only while it is the database's: `campaign_variants.queue_version` counts every
 * change of the variant's queue or supply except placements, which only add pre-orders at the end of the
 * queue and are read back by position. Every other change goes through `repromiseVariant`, which bumps
 * the version: a cancellation, a priority, a batch, a setting, stock on hand. So a pre-order placed after
 * the kept plan is still as it was placed, unless the transaction at hand is changing it. (A pre-order
 * cancelled before the plan was kept may lie past its last position; it is not read back.) A plan made on
 * an earlier day is moved on to today by the engine (`day_passed`: stock in hand is ready from today), one
 * made on a later day is not used. A plan made in a transaction serves the next change in the same
 * transaction (a pass of balances may cancel many pre-orders), and the others once it has committed.
 * Anything else — another process's change, a setting, a rolled-back transaction — makes the next change
 * recompute from the database, which is always right, only slower.
 */
import type { Database, Queryable } from '../db/database.ts';
import { type CalendarDate, compareDates } from '../domain/calendar.ts';
import type { PromisePlan } from '../domain/promise.ts';

export interface KeptPlan {
  /** The variant's queue_version the plan is. */
  readonly version: number;
  /** The shop-local day it was made on. */
  readonly today: CalendarDate;
  /** The highest queue position it holds: placements after it are read and appended. */
  readonly lastPosition: number;
  readonly plan: PromisePlan;
}

/** Plans kept per process; the oldest goes first when there are too many. */
const MAX_KEPT = 32;
const keptByDatabase = new WeakMap<Database, Map<string, KeptPlan>>();
/** The plans `owner` (a database, a transaction) holds, by campaign variant. */
function plansOf<Owner extends object>(
  plans: WeakMap<Owner, Map<string, KeptPlan>>,
  owner: Owner,
): Map<string, KeptPlan> {
  let held = plans.get(owner);
  if (!held) {
    held = new Map();
    plans.set(owner, held);
  }
  return held;
}

const keyOf = (campaignId: string, variantId: string) => `${campaignId}\u0000${variantId}`;

/** Plans made in a transaction not yet committed, for its next change. */
const madeInTransaction = new WeakMap<Queryable, Map<string, KeptPlan>>();

/**
 * The plan kept for a campaign variant, if it is still the database's at `version` (as transaction `tx`
 * reads it), made by `today`.
 */
export function keptPlan(
  db: Database,
  tx: Queryable,
  campaignId: string,
  variantId: string,
  at: { version: number; today: CalendarDate },
): KeptPlan | undefined {
  const key = keyOf(campaignId, variantId);
  const kept = madeInTransaction.get(tx)?.get(key) ?? keptByDatabase.get(db)?.get(key);
  return kept && kept.version === at.version && compareDates(kept.today, at.today) <= 0 ? kept : undefined;
}

/** Keeps a plan made in transaction `tx` for the transaction's next change. */
export function keepForTransaction(tx: Queryable, campaignId: string, variantId: string, plan: KeptPlan) {
  plansOf(madeInTransaction, tx).set(keyOf(campaignId, variantId), plan);
}

/** Keeps a plan once its transaction committed; an older version never replaces a newer one. */
export function keepPlan(db: Database, campaignId: string, variantId: string, plan: KeptPlan): void {
  const kept = plansOf(keptByDatabase, db);
  const key = keyOf(campaignId, variantId);
  const current = kept.get(key);
  if (current && current.version > plan.version) return;
  kept.delete(key);
  kept.set(key, plan);
  if (kept.size > MAX_KEPT) kept.delete(kept.keys().next().value as string);
}
