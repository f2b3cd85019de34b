/**
 * The jobs (money, bulk, then what tells customers and merchants), safe to run in any number of processes
 * at once: each claims its work in the database (row locks, SKIP LOCKED, leases, notice keys) and every
 * provider call carries an idempotency key.
 */

import { type CommunicationReport, runCommunicationJobs } from './notify/communication-jobs.ts';
import type { Mail } from './notify/mailer.ts';
import { type Loop, startLoop } from './periodic.ts';
import { releaseAbandonedPlacements } from './services/abandoned-placements.ts';
import { collectBalances } from './services/balances.ts';
import type { ServiceContext } from './services/context.ts';
import { runDueBulkJobs } from './services/job-kinds.ts';
import type { Payments } from './services/payment-operations.ts';
import { retryPendingOperations } from './services/payments.ts';

export interface JobsReport {
  /** Placed pre-orders whose payment was never finished and whose units went back on sale. */
  abandonedReleased: number;
  /** Balance tries made. */
  balanceTries: number;
  /** Provider calls sent again after a crash or a timeout. */
  operationsRetried: number;
  /** Items of bulk jobs (imports, mass cancellations) applied or refused. */
  bulkItems: number;
  /** What the jobs that tell customers and merchants did. */
  communication: CommunicationReport;
}

/**
 * One pass of every money job, in the order that lets a retried call settle before its pre-order expires,
 * then the jobs that tell customers and merchants (progress updates are sent only with `mail`).
 */
export async function runDueJobs(ctx: ServiceContext, payments: Payments, mail?: Mail): Promise<JobsReport> {
  const retried = await retryPendingOperations(ctx, payments);
  const { released } = await releaseAbandonedPlacements(ctx, payments);
  const balances = await collectBalances(ctx, payments);
  const bulk = await runDueBulkJobs(ctx, payments);
  const communication = await runCommunicationJobs(ctx, payments, mail);
  return {
    bulkItems: bulk.items,
    abandonedReleased: released,
    balanceTries: balances.filter((settled) => settled.operation.purpose === 'balance').length,
    operationsRetried: retried.length,
    communication,
  };
}

/** Runs the money jobs every `intervalMs` until stopped (see startLoop). */
export function startJobLoop(
  ctx: ServiceContext,
  payments: Payments,
  options: { intervalMs: number; onError: (error: unknown) => void; mail?: Mail | undefined },
): Loop {
  return startLoop(() => runDueJobs(ctx, payments, options.mail), options);
}
