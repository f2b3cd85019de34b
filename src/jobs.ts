/**
 * The money jobs, safe to run in any number of processes at once: each claims its work in the database
 * (row locks, SKIP LOCKED, leases) and every provider call carries an idempotency key.
 */
import { releaseAbandonedPlacements } from './services/abandoned-placements.ts';
import { collectBalances } from './services/balances.ts';
import type { ServiceContext } from './services/context.ts';
import type { Payments } from './services/payment-operations.ts';
import { retryPendingOperations } from './services/payments.ts';

export interface JobsReport {
  /** Placed pre-orders whose payment was never finished and whose units went back on sale. */
  abandonedReleased: number;
  /** Balance tries made. */
  balanceTries: number;
  /** Provider calls sent again after a crash or a timeout. */
  operationsRetried: number;
}

/** One pass of every money job, in the order that lets a retried call settle before its pre-order expires. */
export async function runDueJobs(ctx: ServiceContext, payments: Payments): Promise<JobsReport> {
  const retried = await retryPendingOperations(ctx, payments);
  const { released } = await releaseAbandonedPlacements(ctx, payments);
  const balances = await collectBalances(ctx, payments);
  return {
    abandonedReleased: released,
    balanceTries: balances.filter((settled) => settled.operation.purpose === 'balance').length,
    operationsRetried: retried.length,
  };
}

export interface JobLoop {
  stop(): Promise<void>;
}

/**
 * Runs the jobs every `intervalMs` until stopped; a pass that fails is logged and the next one runs on
 * time. `stop` waits for a pass under way to finish.
 */
export function startJobLoop(
  ctx: ServiceContext,
  payments: Payments,
  options: { intervalMs: number; onError: (error: unknown) => void },
): JobLoop {
  let running: Promise<void> | undefined;
  let stopped = false;
  const pass = () => {
    if (stopped || running) return;
    running = runDueJobs(ctx, payments)
      .then(
        () => {},
        (error: unknown) => options.onError(error),
      )
      .finally(() => {
        running = undefined;
      });
  };
  const timer = setInterval(pass, options.intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
