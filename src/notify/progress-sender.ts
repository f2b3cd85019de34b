/**
 * Sends progress updates that are due, to thousands of customers, from any number of processes. Recipients
 * are claimed a chunk at a time (FOR UPDATE SKIP LOCKED) with a lease, sent over the pooled SMTP connections
 * at once, and marked sent as their answers come in. A process that dies leaves its lease to run out; the
 * next one sends what was not marked again under the same Message-ID (made from the update and the
 * address), so nobody who was marked sent gets a second copy, and a copy in flight at the crash is
 * recognisably the same message.
 */
import { event } from '../domain/events.ts';
import { getCommunicationSettings, portalSecret } from '../services/communication-settings.ts';
import type { ServiceContext } from '../services/context.ts';
import { loadUpdate, RECIPIENTS_SQL } from '../services/progress-updates.ts';
import { getShop, type Shop } from '../services/shops.ts';
import { inTransaction } from '../services/unit-of-work.ts';
import { templateFor } from './compose.ts';
import { languageOf } from './kinds.ts';
import { type Mail, messageIdOf, type OutgoingEmail } from './mailer.ts';
import { progressModel } from './model.ts';
import { renderTemplate } from './templates.ts';

export interface SenderOptions {
  /** Recipients claimed at once. */
  chunk?: number;
  /** How long a claimed recipient stays with this sender without news. */
  leaseMs?: number;
  /** Tries per recipient before it counts as failed. */
  maxAttempts?: number;
  /** Stop starting new chunks after this long; the next pass goes on. */
  budgetMs?: number;
}

export interface SenderReport {
  sent: number;
  failed: number;
}

/** One pass: starts the updates that are due and sends what is left of every update being sent. */
export async function sendDueProgressUpdates(
  ctx: ServiceContext,
  mail: Mail,
  options: SenderOptions = {},
): Promise<SenderReport> {
  await startDueUpdates(ctx);
  const report: SenderReport = { sent: 0, failed: 0 };
  const started = Date.now();
  const sending = await ctx.db.query<{ shop_id: string; id: string }>(
    `SELECT shop_id, id FROM progress_updates WHERE status = 'sending' ORDER BY send_at, id`,
  );
  for (const update of sending) {
    if (Date.now() - started > (options.budgetMs ?? 30_000)) break;
    await sendUpdate(ctx, mail, update.shop_id, update.id, report, { ...options, started });
  }
  return report;
}

/** Due scheduled updates become `sending`, with their recipients fixed, one claim per update. */
async function startDueUpdates(ctx: ServiceContext) {
  const due = await ctx.db.query<{ shop_id: string; id: string }>(
    `SELECT shop_id, id FROM progress_updates WHERE status = 'scheduled' AND send_at <= $1 ORDER BY send_at LIMIT 20`,
    [ctx.clock()],
  );
  for (const candidate of due) {
    await inTransaction(ctx, async (uow) => {
      const [update] = await uow.tx.query<{ campaign_id: string; batch_id: string | null }>(
        `SELECT campaign_id, batch_id FROM progress_updates WHERE shop_id = $1 AND id = $2 AND status = 'scheduled'
         FOR UPDATE SKIP LOCKED`,
        [candidate.shop_id, candidate.id],
      );
      if (!update) return;
      const added = await uow.tx.query(
        `INSERT INTO progress_update_recipients (shop_id, update_id, email, status)
         SELECT $1, $4, r.email, 'pending' FROM (${RECIPIENTS_SQL}) r ON CONFLICT DO NOTHING RETURNING 1`,
        [candidate.shop_id, update.campaign_id, update.batch_id, candidate.id],
      );
      await uow.tx.query(
        `UPDATE progress_updates SET status = 'sending', recipients = $3, updated_at = $4 WHERE shop_id = $1 AND id = $2`,
        [candidate.shop_id, candidate.id, added.length, uow.now],
      );
    });
  }
}

async function sendUpdate(
  ctx: ServiceContext,
  mail: Mail,
  shopId: string,
  updateId: string,
  report: SenderReport,
  options: SenderOptions & { started: number },
) {
  if (!mail.publicUrl) throw new Error('mail has no public URL for its links yet');
  const shop = await getShop(ctx, shopId);
  const update = await loadUpdate(ctx.db, shopId, updateId);
  const [campaign] = await ctx.db.query<{ name: string }>(
    'SELECT name FROM campaigns WHERE shop_id = $1 AND id = $2',
    [shopId, update.campaignId],
  );
  const now = ctx.clock();
  const settings = await getCommunicationSettings(ctx.db, shopId, now);
  const template = await templateFor(ctx.db, shopId, 'progress_update', languageOf(shop.locale));
  const signer = {
    publicUrl: mail.publicUrl,
    secret: await portalSecret(ctx.db, shopId, now),
    linkDays: settings.portalLinkDays,
    now,
  };
  const compose = (email: string): OutgoingEmail => {
    const model = progressModel(shop, campaign?.name ?? '', update, signer, email);
    const rendered = renderTemplate(template, model);
    return {
      shopId,
      messageId: messageIdOf([updateId, email], mail.fromAddress),
      kind: 'progress_update',
      fromName: settings.senderName ?? shop.name,
      to: email,
      replyTo: settings.replyTo,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: {
        'List-Unsubscribe': `<${model.links.unsubscribe}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'X-Presell-Update': updateId,
      },
      eventId: null,
    };
  };
  await requeueAbandoned(ctx, shopId, updateId);
  // Keeps the pool busy: the next chunk is claimed while the last one is still being sent.
  const recorder = answerRecorder(ctx, shopId, updateId);
  const maxAttempts = options.maxAttempts ?? 3;
  const chunk = options.chunk ?? 100;
  const inFlight = new Set<Promise<void>>();
  while (Date.now() - options.started <= (options.budgetMs ?? 30_000)) {
    if (inFlight.size >= chunk) {
      await Promise.race(inFlight);
      continue;
    }
    const claimed = await claimRecipients(ctx, shopId, updateId, options);
    if (claimed.length === 0) break;
    for (const { email, attempts } of claimed) {
      const sending = mail.transport.send(compose(email), mail.fromAddress).then(
        () => {
          report.sent += 1;
          return recorder.add({ email, status: 'sent', error: null });
        },
        (error: unknown) => {
          const last = attempts >= maxAttempts;
          if (last) report.failed += 1;
          const message = String((error as Error)?.message ?? error).slice(0, 500);
          return recorder.add({ email, status: last ? 'failed' : 'pending', error: message });
        },
      );
      const tracked = sending.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    }
  }
  await Promise.all(inFlight);
  await recorder.flush();
  await finishUpdate(ctx, shopId, updateId, update.campaignId);
}

async function claimRecipients(
  ctx: ServiceContext,
  shopId: string,
  updateId: string,
  options: SenderOptions,
) {
  const now = ctx.clock();
  return ctx.db.transaction((tx) =>
    tx.query<{ email: string; attempts: number }>(
      `UPDATE progress_update_recipients r SET status = 'sending', lease_until = $4, attempts = r.attempts + 1
       WHERE r.shop_id = $1 AND r.update_id = $2 AND r.email = ANY(ARRAY(
         SELECT email FROM progress_update_recipients
         WHERE shop_id = $1 AND update_id = $2 AND status = 'pending'
         LIMIT $3 FOR UPDATE SKIP LOCKED))
       RETURNING r.email, r.attempts`,
      [shopId, updateId, options.chunk ?? 100, new Date(now.getTime() + (options.leaseMs ?? 120_000))],
    ),
  );
}

/** Recipients a sender claimed and never answered for (it died): theirs to send again, under the same Message-ID. */
async function requeueAbandoned(ctx: ServiceContext, shopId: string, updateId: string) {
  await ctx.db.query(
    `UPDATE progress_update_recipients SET status = 'pending', lease_until = NULL
     WHERE shop_id = $1 AND update_id = $2 AND status = 'sending' AND lease_until < $3`,
    [shopId, updateId, ctx.clock()],
  );
}

type Answer = { email: string; status: 'sent' | 'pending' | 'failed'; error: string | null };

/** Records answers as they come, twenty at a time, one statement each, in order. */
function answerRecorder(ctx: ServiceContext, shopId: string, updateId: string) {
  let answers: Answer[] = [];
  let flushing = Promise.resolve();
  const flush = () => {
    const batch = answers;
    answers = [];
    if (batch.length > 0) flushing = flushing.then(() => recordAnswers(ctx, shopId, updateId, batch));
    return flushing;
  };
  return {
    add(answer: Answer) {
      answers.push(answer);
      return answers.length >= 20 ? flush() : Promise.resolve();
    },
    flush,
  };
}

async function recordAnswers(
  ctx: ServiceContext,
  shopId: string,
  updateId: string,
  answers: readonly Answer[],
) {
  const sent = answers.filter((answer) => answer.status === 'sent').map((answer) => answer.email);
  if (sent.length > 0) {
    await ctx.db.query(
      `UPDATE progress_update_recipients SET status = 'sent', sent_at = $3, lease_until = NULL, last_error = NULL
       WHERE shop_id = $1 AND update_id = $2 AND email = ANY($4)`,
      [shopId, updateId, ctx.clock(), sent],
    );
  }
  for (const answer of answers.filter((each) => each.status !== 'sent')) {
    await ctx.db.query(
      `UPDATE progress_update_recipients SET status = $4, last_error = $5, lease_until = NULL
       WHERE shop_id = $1 AND update_id = $2 AND email = $3`,
      [shopId, updateId, answer.email, answer.status, answer.error],
    );
  }
}

/** An update with nobody left to send to is sent, once. */
async function finishUpdate(ctx: ServiceContext, shopId: string, updateId: string, campaignId: string) {
  await inTransaction(ctx, async (uow) => {
    const [done] = await uow.tx.query<{ sent: number; failed: number }>(
      `UPDATE progress_updates u SET status = 'sent', updated_at = $3
       WHERE u.shop_id = $1 AND u.id = $2 AND u.status = 'sending'
         AND NOT EXISTS (SELECT 1 FROM progress_update_recipients r WHERE r.shop_id = $1 AND r.update_id = $2
                         AND r.status IN ('pending', 'sending'))
       RETURNING
         (SELECT count(*) FROM progress_update_recipients r WHERE r.shop_id = $1 AND r.update_id = $2 AND r.status = 'sent')::int AS sent,
         (SELECT count(*) FROM progress_update_recipients r WHERE r.shop_id = $1 AND r.update_id = $2 AND r.status = 'failed')::int AS failed`,
      [shopId, updateId, uow.now],
    );
    if (done) uow.record(event(shopId, 'campaign.update_sent', campaignId, { updateId, ...done }));
  });
}
