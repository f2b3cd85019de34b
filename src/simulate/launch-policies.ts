/**
 * The merchant's two ways of keeping customers informed, expressed as what they enter in Presell's supply
 * plan: for each batch, the ready date and the buffer. The services then make and move every promise from
 * that plan, as they would for a real merchant.
 *
 * - presell: each batch at the date the merchant currently expects it, with the buffer; a slip is entered
 *   the day it is heard of, and the rest of a short batch at the day it is expected.
 * - one-date: what most pre-order apps offer, one date for every customer: the date of the earliest batch
 *   still expected, no buffer. It moves for everyone waiting when a slip of that batch is heard of, and
 *   when that batch comes in without serving everyone (the rest get the next batch's date).
 */

export type PolicyName = 'presell' | 'one-date';
export const POLICIES: readonly PolicyName[] = ['presell', 'one-date'];

/** What the merchant knows of a batch today. */
export interface BatchKnowledge {
  /** The day they expect the units still to come (the slipped day once heard of, or the rest's day). */
  expectedDay: number;
  /** No units left to come. */
  complete: boolean;
}

/** What the merchant enters for a batch: its ready day and buffer, in days since the opening. */
export interface BatchEntry {
  readyDay: number;
  bufferDays: number;
}

/**
 * The entry for each batch still expecting units (null for a complete one: nothing left to promise from
 * it, so the merchant leaves it as it is).
 */
export function merchantEntries(
  policy: PolicyName,
  batches: readonly BatchKnowledge[],
  bufferDays: number,
): (BatchEntry | null)[] {
  if (policy === 'presell') {
    return batches.map((batch) => (batch.complete ? null : { readyDay: batch.expectedDay, bufferDays }));
  }
  const waiting = batches.filter((batch) => !batch.complete).map((batch) => batch.expectedDay);
  const oneDay = Math.min(...waiting);
  return batches.map((batch) => (batch.complete ? null : { readyDay: oneDay, bufferDays: 0 }));
}
