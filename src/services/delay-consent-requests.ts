/**
 * The question a delay asks the customer (keep, or cancel with a refund), made in the transaction that
 * moved the promise, so that no announced delay goes without it. Apart from the answers
 * (delay-consent.ts) because the one door for pre-order changes calls it.
 */
import type { Queryable } from '../db/database.ts';
import { consentDeadline, delayNeedsConsent, type Window } from '../domain/delay-consent.ts';
import { event } from '../domain/events.ts';
import { newId } from '../ids.ts';
import { delayConsentSettings } from './communication-settings.ts';
import type { UnitOfWork } from './unit-of-work.ts';

export interface PromiseMove {
  preorderId: string;
  oldWindow: Window | null;
  newWindow: Window | null;
}

/**
 * Asks the customers whose promise moved past the first window they were told, in the caller's
 * transaction (the one that moved it): a question already open for a pre-order is superseded by this one,
 * and withdrawn when the promise comes back within the first window.
 */
export async function requestDelayConsents(
  uow: UnitOfWork,
  scope: { shopId: string; campaignId: string },
  moves: readonly PromiseMove[],
): Promise<void> {
  if (moves.length === 0) return;
  const settings = (await delayConsentSettings(uow.tx, scope.shopId, [scope.campaignId])).get(
    scope.campaignId,
  );
  const firstWindows = await firstWindowsOf(
    uow.tx,
    scope.shopId,
    moves.map((move) => move.preorderId),
  );
  const firstOf = (move: PromiseMove) => firstWindows.get(move.preorderId) ?? move.oldWindow;
  const asking = settings?.enabled
    ? moves.filter((move) => delayNeedsConsent({ ...move, firstWindow: firstOf(move) }))
    : [];
  // A question is moot once the promise is back within the first window (or a new question replaces it).
  const settled = moves.filter((move) => {
    const first = firstOf(move);
    return first !== null && move.newWindow !== null && move.newWindow.to <= first.to;
  });
  await uow.tx.query(
    `UPDATE delay_consents SET status = 'superseded', decided_at = $3, decided_by = 'system'
     WHERE shop_id = $1 AND preorder_id = ANY($2) AND status = 'open'`,
    [scope.shopId, [...asking, ...settled].map((move) => move.preorderId), uow.now],
  );
  if (asking.length === 0 || !settings) return;
  const deadline = consentDeadline(uow.now, settings.answerDays);
  const rows = asking.map((move) => ({
    id: newId('delayConsent', uow.now.getTime()),
    preorder_id: move.preorderId,
    old_from: move.oldWindow?.from ?? null,
    old_to: move.oldWindow?.to ?? null,
    new_from: move.newWindow?.from ?? null,
    new_to: move.newWindow?.to ?? null,
  }));
  await uow.tx.query(
    `INSERT INTO delay_consents (shop_id, id, preorder_id, campaign_id, old_from, old_to, new_from, new_to, status,
       deadline_at, requested_at)
     SELECT $1, r.id, r.preorder_id, $2, r.old_from, r.old_to, r.new_from, r.new_to, 'open', $3, $4
     FROM jsonb_to_recordset($5::jsonb) AS r(id text, preorder_id text, old_from date, old_to date, new_from date,
       new_to date)`,
    [scope.shopId, scope.campaignId, deadline, uow.now, JSON.stringify(rows)],
  );
  for (const [index, move] of asking.entries()) {
    uow.record(
      event(scope.shopId, 'preorder.delay_consent_requested', move.preorderId, {
        consentId: (rows[index] as { id: string }).id,
        oldWindow: move.oldWindow,
        newWindow: move.newWindow,
        deadline: deadline.toISOString(),
        withoutAnswer: settings.withoutAnswer,
        campaignId: scope.campaignId,
      }),
    );
  }
}

/** The first window each customer was told: the old window of the earliest announced move that had one. */
async function firstWindowsOf(db: Queryable, shopId: string, preorderIds: readonly string[]) {
  const rows = await db.query<{ preorder_id: string; old_from: string; old_to: string }>(
    `SELECT DISTINCT ON (preorder_id) preorder_id, old_from::text, old_to::text FROM promise_history
     WHERE shop_id = $1 AND preorder_id = ANY($2) AND old_from IS NOT NULL
     ORDER BY preorder_id, id`,
    [shopId, preorderIds],
  );
  return new Map(rows.map((row) => [row.preorder_id, { from: row.old_from, to: row.old_to }]));
}
