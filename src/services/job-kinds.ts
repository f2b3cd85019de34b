/** Every kind of bulk job Presell runs, and the runner that starts a new job at once in this process. */
import { bulkCancelHandler } from './bulk-cancel.ts';
import { type JobHandler, type JobsReport, runJobs } from './bulk-jobs.ts';
import type { ServiceContext } from './context.ts';
import type { Payments } from './payment-operations.ts';
import { shipmentImportHandler } from './shipment-import.ts';
import { stockImportHandler } from './stock.ts';

/** The handlers, by what this process can do: cancelling needs the payment provider for the refunds. */
export function jobHandlers(payments: Payments | undefined): JobHandler[] {
  return [shipmentImportHandler, stockImportHandler, ...(payments ? [bulkCancelHandler(payments)] : [])];
}

/** One pass over every open job. */
export function runDueBulkJobs(ctx: ServiceContext, payments: Payments | undefined): Promise<JobsReport> {
  return runJobs(ctx, jobHandlers(payments));
}

/**
 * Starts work on a job as soon as it is queued, in this process, besides the job loop that any process
 * runs; `idle()` waits for what it started (the app waits before it closes).
 */
export class JobStarter {
  private readonly running = new Set<Promise<unknown>>();

  constructor(
    private readonly ctx: ServiceContext,
    private readonly payments: Payments | undefined,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(shopId: string, id: string): void {
    const run = runJobs(this.ctx, jobHandlers(this.payments), { jobId: { shopId, id } })
      .catch(this.onError)
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
  }
}
