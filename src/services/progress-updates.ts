/**
 * Progress updates: a merchant writes one for a campaign's customers (or one batch's), previews it, and
 * schedules it. When it is due, the sender (src/notify/progress-sender.ts) fixes its recipients (one row
 * per customer email, leaving out those who unsubscribed) and works through them; how many were sent,
 * failed or are left is read from the answers it appends, at any time.
 */
import type { Queryable } from '../db/database.ts';
import { DomainError } from '../domain/errors.ts';
import { event } from '../domain/events.ts';
import { newId } from '../ids.ts';
import { loadCampaign } from './campaigns.ts';
import type { ServiceContext } from './context.ts';
import { drawsOnBatch } from './preorder-changes.ts';
import type { Shop } from './shops.ts';
import { inTransaction, type UnitOfWork } from './unit-of-work.ts';

export interface ProgressUpdate {
  id: string;
  campaignId: string;
  batchId: string | null;
  subject: string;
  body: string;
  status: 'draft' | 'scheduled' | 'sending' | 'sent';
  sendAt: Date | null;
  progress: { recipients: number | null; sent: number; failed: number; left: number | null };
  createdAt: Date;
  updatedAt: Date;
}

export interface NewProgressUpdate {
  subject: string;
  body: string;
  batchId?: string | null | undefined;
  /** When to send it; without it the update stays a draft until scheduled. */
  sendAt?: Date | null | undefined;
}

interface UpdateRow {
  id: string;
  shop_id: string;
  campaign_id: string;
  batch_id: string | null;
  subject: string;
  body: string;
  status: ProgressUpdate['status'];
  send_at: Date | null;
  recipients: number | null;
  created_at: Date;
  updated_at: Date;
  sent: number;
  failed: number;
}

const SELECT_UPDATES = `SELECT u.*,
    (SELECT count(*) FILTER (WHERE s.status = 'sent') FROM progress_update_sends s
       WHERE s.shop_id = u.shop_id AND s.update_id = u.id)::int AS sent,
    (SELECT count(*) FILTER (WHERE s.status = 'failed') FROM progress_update_sends s
       WHERE s.shop_id = u.shop_id AND s.update_id = u.id)::int AS failed
  FROM progress_updates u`;

function updateOf(row: UpdateRow): ProgressUpdate {
  return {
    id: row.id,
    campaignId: row.campaign_id,
    batchId: row.batch_id,
    subject: row.subject,
    body: row.body,
    status: row.status,
    sendAt: row.send_at,
    progress: {
      recipients: row.recipients,
      sent: row.sent,
      failed: row.failed,
      left: row.recipients === null ? null : row.recipients - row.sent - row.failed,
    },
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function createProgressUpdate(
  ctx: ServiceContext,
  shop: Shop,
  campaignId: string,
  input: NewProgressUpdate,
): Promise<ProgressUpdate> {
  return inTransaction(ctx, async (uow) => {
    await loadCampaign(uow.tx, shop.id, campaignId);
    if (input.batchId) await assertBatch(uow.tx, shop.id, campaignId, input.batchId);
    const id = newId('progressUpdate', uow.now.getTime());
    await uow.tx.query(
      `INSERT INTO progress_updates (shop_id, id, campaign_id, batch_id, subject, body, status, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'draft', $7, $7)`,
      [shop.id, id, campaignId, input.batchId ?? null, input.subject, input.body, uow.now],
    );
    if (input.sendAt) await schedule(uow, shop.id, id, input.sendAt);
    return loadUpdate(uow.tx, shop.id, id);
  });
}

export async function scheduleProgressUpdate(
  ctx: ServiceContext,
  shop: Shop,
  id: string,
  sendAt: Date | null,
): Promise<ProgressUpdate> {
  return inTransaction(ctx, async (uow) => {
    await schedule(uow, shop.id, id, sendAt ?? uow.now);
    return loadUpdate(uow.tx, shop.id, id);
  });
}

/** Schedules a draft or a scheduled update (again); one that is sending or sent cannot be. */
async function schedule(uow: UnitOfWork, shopId: string, id: string, sendAt: Date) {
  const update = await loadUpdate(uow.tx, shopId, id, { lock: true });
  if (update.status === 'sending' || update.status === 'sent') {
    throw new DomainError('update_not_editable', `this update is ${update.status}`, {
      status: update.status,
    });
  }
  await uow.tx.query(
    `UPDATE progress_updates SET status = 'scheduled', send_at = $3, updated_at = $4 WHERE shop_id = $1 AND id = $2`,
    [shopId, id, sendAt, uow.now],
  );
  uow.record(
    event(shopId, 'campaign.update_scheduled', update.campaignId, {
      updateId: id,
      sendAt: sendAt.toISOString(),
      batchId: update.batchId,
    }),
  );
}

export async function getProgressUpdate(ctx: ServiceContext, shopId: string, id: string) {
  return loadUpdate(ctx.db, shopId, id);
}

export async function listProgressUpdates(ctx: ServiceContext, shopId: string, campaignId: string) {
  await loadCampaign(ctx.db, shopId, campaignId);
  const rows = await ctx.db.query<UpdateRow>(
    `${SELECT_UPDATES} WHERE u.shop_id = $1 AND u.campaign_id = $2 ORDER BY u.id`,
    [shopId, campaignId],
  );
  return rows.map(updateOf);
}

export async function loadUpdate(
  db: Queryable,
  shopId: string,
  id: string,
  options: { lock?: boolean } = {},
): Promise<ProgressUpdate> {
  if (options.lock) {
    await db.query('SELECT 1 FROM progress_updates WHERE shop_id = $1 AND id = $2 FOR UPDATE', [shopId, id]);
  }
  const [row] = await db.query<UpdateRow>(`${SELECT_UPDATES} WHERE u.shop_id = $1 AND u.id = $2`, [
    shopId,
    id,
  ]);
  if (!row) throw new DomainError('not_found', 'no such progress update', { id });
  return updateOf(row);
}

async function assertBatch(db: Queryable, shopId: string, campaignId: string, batchId: string) {
  const [batch] = await db.query(
    'SELECT 1 FROM supply_batches WHERE shop_id = $1 AND campaign_id = $2 AND id = $3',
    [shopId, campaignId, batchId],
  );
  if (!batch)
    throw new DomainError('unknown_batch', 'that batch is not part of this campaign', { field: 'batchId' });
}

/**
 * Who an update goes to: every customer with a live pre-order in the campaign (in the batch, for one
 * batch's update) who did not unsubscribe, once per email.
 */
export const RECIPIENTS_SQL = `SELECT DISTINCT p.email FROM preorders p
  WHERE p.shop_id = $1 AND p.campaign_id = $2 AND p.state NOT IN ('placed', 'cancelled', 'fulfilled')
    AND ($3::text IS NULL OR ${drawsOnBatch('$3')})
    AND NOT EXISTS (SELECT 1 FROM email_unsubscribes x WHERE x.shop_id = p.shop_id AND x.email = p.email)`;
