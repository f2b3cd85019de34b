import type { Queryable } from '../db/database.ts';
import type { NewEvent } from '../domain/events.ts';
import type { ServiceContext } from './context.ts';
import { appendEvents } from './events.ts';

/**
 * One transaction of a service, with what must go with it: the events of its changes, written in the same
 * transaction, and the work that must follow its commit (provider calls, refunds), run by `inTransaction`
 * once it committed and never if it rolled back. A caller cannot forget either: they travel with the
 * transaction, not with each caller.
 */
export interface UnitOfWork {
  readonly tx: Queryable;
  /** The service context the transaction runs in, for work queued after the commit. */
  readonly ctx: ServiceContext;
  /** The clock, read once: every row and event of the transaction carries the same time. */
  readonly now: Date;
  /** Writes an event from the catalogue with this transaction. */
  record(...events: NewEvent[]): void;
  /** Runs `task` after the commit, in the order queued. */
  afterCommit(task: () => Promise<unknown>): void;
}

/**
 * Runs `work` in one transaction (retried whole on a deadlock or serialization failure), writes its events
 * before the commit, then runs what it queued for after the commit. Work queued after the commit is of the
 * kind that is safe to run again (a provider call under its idempotency key): if this process dies before
 * running it, a job picks it up from the rows the transaction wrote.
 */
export async function inTransaction<T>(
  ctx: ServiceContext,
  work: (uow: UnitOfWork) => Promise<T>,
): Promise<T> {
  const now = ctx.clock();
  let tasks: (() => Promise<unknown>)[] = [];
  const result = await ctx.db.transaction(async (tx) => {
    // A retried transaction starts again from nothing.
    tasks = [];
    const events: NewEvent[] = [];
    const value = await work({
      tx,
      ctx,
      now,
      record: (...more) => {
        events.push(...more);
      },
      afterCommit: (task) => {
        tasks.push(task);
      },
    });
    await appendEvents(tx, events, now);
    return value;
  });
  await runAll(tasks);
  return result;
}

/** Runs every task even when one fails; the first failure is thrown after the others ran. */
async function runAll(tasks: readonly (() => Promise<unknown>)[]) {
  let failure: { error: unknown } | undefined;
  for (const task of tasks) {
    try {
      await task();
    } catch (error) {
      failure ??= { error };
    }
  }
  if (failure) throw failure.error;
}
