/**
 * Sends progress updates that are due, to thousands of customers, from any number of processes. When an
 * update starts, its customers are numbered and cut into chunks; a sender claims a chunk (FOR UPDATE SKIP
 * LOCKED, with a lease), sends its messages over the pooled SMTP connections while it claims the next, and
 * appends what was sent as the answers come in. A sender that dies leaves its lease to run out; the next
 * one sends the chunk's customers with no answer yet, under the same Message-ID (made from the update and
 * the address), so nobody whose message was recorded gets a second copy, and a copy in flight at the crash
 * is recognisably the same message. Nothing is updated per customer, so the work does not slow down as it
 * goes.
 */

import { event } from '../domain/events.ts';
import { languageOf } from '../domain/languages.ts';
import {
  type CommunicationSettings,
  getCommunicationSettings,
  portalSecret,
} from '../services/communication-settings.ts';
import type { ServiceContext } from '../services/context.ts';
import { loadUpdate, RECIPIENTS_SQL } from '../services/progress-updates.ts';
import { getShop, type Shop } from '../services/shops.ts';
import { inTransaction } from '../services/unit-of-work.ts';
import { senderOf, templateFor } from './compose.ts';
import { type Mail, messageIdOf, type OutgoingEmail } from './mailer.ts';
import { type LinkSigner, progressModels } from './model.ts';
import { renderTemplate, type TemplateSource } from './templates.ts';

export interface SenderOptions {
  /** How long a claimed chunk stays with this sender without news. */
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
      const [counted] = await uow.tx.query<{ recipients: number }>(
        `WITH numbered AS (
           INSERT INTO progress_update_recipients (shop_id, update_id, n, email)
           SELECT $1, $4, row_number() OVER (ORDER BY r.email), r.email FROM (${RECIPIENTS_SQL}) r
           RETURNING n
         )
         SELECT count(*)::int AS recipients FROM numbered`,
        [candidate.shop_id, update.campaign_id, update.batch_id, candidate.id],
      );
      const recipients = counted?.recipients ?? 0;
      await uow.tx.query(
        `INSERT INTO progress_update_chunks (shop_id, update_id, first_n, last_n)
         SELECT $1, $2, f, least(f + $4 - 1, $3) FROM generate_series(1, $3, $4) AS f`,
        [candidate.shop_id, candidate.id, recipients, CHUNK],
      );
      await uow.tx.query(
        `UPDATE progress_updates SET status = 'sending', recipients = $3, updated_at = $4 WHERE shop_id = $1 AND id = $2`,
        [candidate.shop_id, candidate.id, recipients, uow.now],
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
  const compose = progressEmails({
    shop,
    campaignName: campaign?.name ?? '',
    update,
    template,
    settings,
    signer,
    fromAddress: mail.fromAddress,
  });
  const recorder = answerRecorder(ctx, shopId, updateId);
  const maxAttempts = options.maxAttempts ?? 3;
  const window = sendWindow(2 * CHUNK);
  const chunksInFlight: Promise<void>[] = [];
  // Keeps the pool busy: chunks are claimed ahead, so that a slow database never leaves it idle.
  while (Date.now() - options.started <= (options.budgetMs ?? 30_000)) {
    await window.room();
    const chunk = await claimChunk(ctx, shopId, updateId, options.leaseMs ?? 120_000);
    if (!chunk) break;
    const sends = chunk.recipients.map(({ n, email, attempts }) =>
      window.track(
        mail.transport.send(compose(email), mail.fromAddress).then(
          () => {
            report.sent += 1;
            recorder.add({ n, status: 'sent', attempts: attempts + 1, error: null });
          },
          (error: unknown) => {
            const last = attempts + 1 >= maxAttempts;
            if (last) report.failed += 1;
            const message = String((error as Error)?.message ?? error).slice(0, 500);
            recorder.add({ n, status: last ? 'failed' : 'retry', attempts: attempts + 1, error: message });
          },
        ),
      ),
    );
    const closing = Promise.all(sends)
      .then(() => recorder.flush())
      .then(() => closeChunk(ctx, shopId, updateId, chunk.first));
    closing.catch(() => {}); // awaited below; a failure then fails the pass and the lease runs out
    chunksInFlight.push(closing);
  }
  await Promise.all(chunksInFlight);
  await finishUpdate(ctx, shopId, updateId, update.campaignId);
}

/**
 * A progress update's message to each of its customers, as it is sent: the template rendered with the
 * customer's own links, the Message-ID made from the update and the address, the unsubscribe headers.
 */
export function progressEmails(source: {
  shop: Shop;
  campaignName: string;
  update: { id: string; subject: string; body: string };
  template: TemplateSource;
  settings: Pick<CommunicationSettings, 'senderName' | 'replyTo'>;
  signer: LinkSigner;
  fromAddress: string;
}): (email: string) => OutgoingEmail {
  const { shop, update, fromAddress } = source;
  const sender = senderOf(shop, source.settings);
  const modelFor = progressModels(shop, source.campaignName, update, source.signer);
  return (email) => {
    const model = modelFor(email);
    const rendered = renderTemplate(source.template, model);
    return {
      shopId: shop.id,
      messageId: messageIdOf([update.id, email], fromAddress),
      kind: 'progress_update',
      fromName: sender.name,
      to: email,
      replyTo: sender.replyTo,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: {
        'List-Unsubscribe': `<${model.links.unsubscribe}>`,
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
        'X-Presell-Update': update.id,
      },
      eventId: null,
    };
  };
}

/**
 * Counts the messages handed to the pool and not yet answered; `room` waits until fewer than `limit` are.
 * One waiter and a counter: racing every pending send instead costs a reaction per send each time one is
 * answered, which at thousands in flight cost more than rendering the messages.
 */
function sendWindow(limit: number) {
  let pending = 0;
  let wake: (() => void) | undefined;
  return {
    track(send: Promise<void>): Promise<void> {
      pending += 1;
      return send.finally(() => {
        pending -= 1;
        if (wake && pending < limit) {
          wake();
          wake = undefined;
        }
      });
    },
    room(): Promise<void> {
      return pending < limit ? Promise.resolve() : new Promise((resolve) => (wake = resolve));
    },
  };
}

/** Customers a chunk is cut into. */
const CHUNK = 250;
/** How long a chunk with failed messages waits before they are tried again. */
const RETRY_AFTER_MS = 60_000;

/**
 * Claims the next chunk nobody is sending, with its customers who have no answer yet (or one to retry), in
 * one statement. The chunk's bounds reach the recipients and their answers as values (the scalar
 * subqueries), so both are read through their keys' range: joined on the leased row instead, the planner
 * may read every answer of the update for each recipient, and claims grew from 1 ms to 300 ms as answers
 * accumulated. Bookkeeping here commits without waiting for the disk (`synchronous_commit` off): a
 * database crash can lose only the last moments of it, and what it loses is sent again under the same
 * Message-ID, so the sender does not wait for a disk flush per chunk.
 */
async function claimChunk(ctx: ServiceContext, shopId: string, updateId: string, leaseMs: number) {
  const now = ctx.clock();
  const rows = await ctx.db.transaction(async (tx) => {
    await tx.query('SET LOCAL synchronous_commit TO OFF');
    return tx.query<{ first_n: number; n: number | null; email: string | null; attempts: number }>(
      // Materialised, so that SKIP LOCKED picks one chunk once (a subquery may be run again per row).
      `WITH next AS MATERIALIZED (
         SELECT first_n FROM progress_update_chunks
         WHERE shop_id = $1 AND update_id = $2 AND NOT done AND (lease_until IS NULL OR lease_until < $3)
         ORDER BY first_n LIMIT 1 FOR UPDATE SKIP LOCKED
       ), leased AS (
         UPDATE progress_update_chunks c SET lease_until = $4 FROM next
         WHERE c.shop_id = $1 AND c.update_id = $2 AND c.first_n = next.first_n
         RETURNING c.first_n, c.last_n
       )
       SELECT l.first_n, r.n, r.email, coalesce(s.attempts, 0) AS attempts
       FROM leased l
       LEFT JOIN progress_update_recipients r
         ON r.shop_id = $1 AND r.update_id = $2
         AND r.n BETWEEN (SELECT first_n FROM leased) AND (SELECT last_n FROM leased)
       LEFT JOIN progress_update_sends s
         ON s.shop_id = $1 AND s.update_id = $2 AND s.n = r.n
         AND s.n BETWEEN (SELECT first_n FROM leased) AND (SELECT last_n FROM leased)
       WHERE r.n IS NULL OR s.status IS NULL OR s.status = 'retry'
       ORDER BY r.n`,
      [shopId, updateId, now, new Date(now.getTime() + leaseMs)],
    );
  });
  const [first] = rows;
  if (!first) return undefined;
  const recipients = rows.flatMap((row) =>
    row.n === null || row.email === null ? [] : [{ n: row.n, email: row.email, attempts: row.attempts }],
  );
  return { first: first.first_n, recipients };
}

/** A chunk whose every customer has a final answer is done; one with messages to retry waits a while. */
async function closeChunk(ctx: ServiceContext, shopId: string, updateId: string, first: number) {
  await ctx.db.query(
    `UPDATE progress_update_chunks c SET
       done = NOT EXISTS (SELECT 1 FROM progress_update_sends s WHERE s.shop_id = c.shop_id
                          AND s.update_id = c.update_id AND s.n BETWEEN c.first_n AND c.last_n AND s.status = 'retry'),
       lease_until = $4
     WHERE c.shop_id = $1 AND c.update_id = $2 AND c.first_n = $3`,
    [shopId, updateId, first, new Date(ctx.clock().getTime() + RETRY_AFTER_MS)],
  );
}

type Answer = { n: number; status: 'sent' | 'retry' | 'failed'; attempts: number; error: string | null };

/** Fewest answers a write waits for while sending goes on; a crash resends at most these and one write's. */
const ANSWERS_PER_WRITE = 100;

/**
 * Records answers as they come, one write at a time: a write takes every answer that came in while the
 * previous one ran (at least ANSWERS_PER_WRITE), so writes grow with the rate of answers rather than
 * queueing a transaction per twenty messages behind each other. `flush` waits until every answer is
 * written and fails when a write did.
 */
function answerRecorder(ctx: ServiceContext, shopId: string, updateId: string) {
  let answers: Answer[] = [];
  let writing = Promise.resolve();
  let busy = false;
  let failure: unknown;
  const write = (): Promise<void> => {
    busy = true;
    const batch = answers;
    answers = [];
    writing = recordAnswers(ctx, shopId, updateId, batch).then(
      () => {
        busy = false;
        if (answers.length >= ANSWERS_PER_WRITE) return write();
      },
      (error: unknown) => {
        busy = false;
        failure ??= error;
      },
    );
    return writing;
  };
  return {
    add(answer: Answer) {
      answers.push(answer);
      if (!busy && answers.length >= ANSWERS_PER_WRITE) void write();
    },
    async flush() {
      while (busy || answers.length > 0) await (busy ? writing : write());
      if (failure) throw failure;
    },
  };
}

/** Appends answers, committing without waiting for the disk (see claimChunk). */
async function recordAnswers(
  ctx: ServiceContext,
  shopId: string,
  updateId: string,
  answers: readonly Answer[],
) {
  await ctx.db.transaction(async (tx) => {
    await tx.query('SET LOCAL synchronous_commit TO OFF');
    await tx.query(
      `INSERT INTO progress_update_sends (shop_id, update_id, n, status, attempts, last_error, at)
       SELECT $1, $2, a.n, a.status, a.attempts, a.error, $3
       FROM jsonb_to_recordset($4::jsonb) AS a(n int, status text, attempts int, error text)
       ON CONFLICT (shop_id, update_id, n) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
         last_error = excluded.last_error, at = excluded.at`,
      [shopId, updateId, ctx.clock(), JSON.stringify(answers)],
    );
  });
}

/** An update with no chunk left to send is sent, once. */
async function finishUpdate(ctx: ServiceContext, shopId: string, updateId: string, campaignId: string) {
  await inTransaction(ctx, async (uow) => {
    const [done] = await uow.tx.query<{ sent: number; failed: number }>(
      `UPDATE progress_updates u SET status = 'sent', updated_at = $3
       WHERE u.shop_id = $1 AND u.id = $2 AND u.status = 'sending'
         AND NOT EXISTS (SELECT 1 FROM progress_update_chunks c WHERE c.shop_id = $1 AND c.update_id = $2 AND NOT c.done)
       RETURNING
         (SELECT count(*) FROM progress_update_sends s WHERE s.shop_id = $1 AND s.update_id = $2 AND s.status = 'sent')::int AS sent,
         (SELECT count(*) FROM progress_update_sends s WHERE s.shop_id = $1 AND s.update_id = $2 AND s.status = 'failed')::int AS failed`,
      [shopId, updateId, uow.now],
    );
    if (done) uow.record(event(shopId, 'campaign.update_sent', campaignId, { updateId, ...done }));
  });
}
