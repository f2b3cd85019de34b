/**
 * Where messages go: an SMTP server through nodemailer (`SMTP_URL`), or, with none configured, the
 * database (`captured_emails`, which the demo's inbox shows). Every message carries a Message-ID made from
 * what caused it, so a message sent again after a crash is recognisably the same one, and a retry skips
 * what a previous try already handed over (`sent_emails`).
 */
import { createHash } from 'node:crypto';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Queryable } from '../db/database.ts';
import { newId } from '../ids.ts';
import type { MessageKind } from './kinds.ts';

export interface OutgoingEmail {
  shopId: string;
  messageId: string;
  kind: MessageKind;
  fromName: string;
  to: string;
  replyTo: string | null;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  /** The event that caused it, when one did. */
  eventId: string | null;
}

/** A message whose delivery is noted in `sent_emails`, with what a pre-order's page lists of it. */
export interface NotedEmail extends OutgoingEmail {
  /** The pre-order it is about, when it is about one. */
  preorderId: string | null;
  language: string;
}

export interface MailTransport {
  /** Hands one message over; throws when the server refused it or could not be reached. */
  send(email: OutgoingEmail, from: string): Promise<void>;
  close(): Promise<void>;
}

/** Everything that sends: the transport, the sender's address, and where links in messages point. */
export interface Mail {
  transport: MailTransport;
  /** The address messages come from; the shop's name is its display name. */
  fromAddress: string;
  /** The public base URL of this server, for portal and unsubscribe links; set once it listens. */
  publicUrl: string | undefined;
}

/** SMTP through nodemailer: `smtp://user:password@host:587`, `smtps://…:465`; pooled connections. */
export function smtpTransport(url: string, options: { maxConnections?: number } = {}): MailTransport {
  const transporter: Transporter = nodemailer.createTransport(smtpOptions(url, options) as never);
  return {
    async send(email, from) {
      await transporter.sendMail(nodemailerMessage(email, from));
    },
    async close() {
      transporter.close();
    },
  };
}

/** The transport's nodemailer options (bench/email gives its baseline the same). */
export function smtpOptions(url: string, options: { maxConnections?: number } = {}) {
  return {
    url,
    pool: true,
    maxConnections: options.maxConnections ?? 5,
    maxMessages: Number.POSITIVE_INFINITY,
  };
}

/** The message as nodemailer takes it. */
export function nodemailerMessage(email: OutgoingEmail, from: string) {
  return {
    from: { name: email.fromName, address: from },
    to: email.to,
    ...(email.replyTo ? { replyTo: email.replyTo } : {}),
    subject: email.subject,
    html: email.html,
    text: email.text,
    messageId: email.messageId,
    headers: email.headers,
  };
}

/** Keeps messages in the database instead of sending them: the demo, or a server without SMTP_URL. */
export function captureTransport(db: Queryable, clock: () => Date): MailTransport {
  return {
    async send(email, from) {
      const now = clock();
      await db.query(
        `INSERT INTO captured_emails (shop_id, id, message_id, recipient, sender, subject, html, text, headers, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
        [
          email.shopId,
          newId('capturedEmail', now.getTime()),
          email.messageId,
          email.to,
          `${email.fromName} <${from}>`,
          email.subject,
          email.html,
          email.text,
          JSON.stringify({ ...email.headers, ...(email.replyTo ? { 'Reply-To': email.replyTo } : {}) }),
          now,
        ],
      );
    },
    async close() {},
  };
}

/**
 * A Message-ID from what caused the message: the same cause gives the same id on every try. `parts` are
 * e.g. the event id and the message kind, or an update id and the recipient.
 */
export function messageIdOf(parts: readonly string[], fromAddress: string): string {
  const domain = fromAddress.split('@')[1] || 'presell.invalid';
  const readable = parts
    .map((part) =>
      /^[\w.-]{1,64}$/.test(part) ? part : createHash('sha256').update(part).digest('hex').slice(0, 16),
    )
    .join('.');
  return `<${readable}@${domain}>`;
}

/**
 * Sends a message unless a previous try already handed it over, and notes that it went, or that this try
 * failed (the error goes on to the caller, whose retry sends it under the same Message-ID). A crash
 * between sending and noting sends it again under the same Message-ID.
 */
export async function sendOnce(db: Queryable, mail: Mail, email: NotedEmail, now: Date): Promise<boolean> {
  const [seen] = await db.query(
    `SELECT 1 FROM sent_emails WHERE shop_id = $1 AND message_id = $2 AND status = 'sent'`,
    [email.shopId, email.messageId],
  );
  if (seen) return false;
  try {
    await mail.transport.send(email, mail.fromAddress);
  } catch (error) {
    await noteDelivery(db, email, now, {
      status: 'failed',
      error: error instanceof Error ? error.message : String(error),
    });
    throw error;
  }
  await noteDelivery(db, email, now, { status: 'sent', error: null });
  return true;
}

/** One row per Message-ID: the outcome of its last try. */
async function noteDelivery(
  db: Queryable,
  email: NotedEmail,
  now: Date,
  outcome: { status: 'sent' | 'failed'; error: string | null },
) {
  await db.query(
    `INSERT INTO sent_emails (shop_id, message_id, kind, recipient, subject, event_id, preorder_id, language,
       status, error, sent_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
     ON CONFLICT (shop_id, message_id) DO UPDATE SET status = excluded.status, error = excluded.error,
       sent_at = excluded.sent_at`,
    [
      email.shopId,
      email.messageId,
      email.kind,
      email.to,
      email.subject,
      email.eventId,
      email.preorderId,
      email.language,
      outcome.status,
      outcome.error?.slice(0, 500) ?? null,
      now,
    ],
  );
}

/**
 * Mail as the environment configures it: SMTP_URL (none: messages are kept in the database) and
 * PRESELL_MAIL_FROM, the sender address (default no-reply@presell.invalid); PRESELL_PUBLIC_URL, where
 * links in messages point (default: the server's own URL).
 */
export function mailFromEnv(
  env: Readonly<Record<string, string | undefined>>,
  db: Queryable,
  clock: () => Date,
): Mail {
  const url = env.SMTP_URL?.trim();
  return {
    transport: url ? smtpTransport(url) : captureTransport(db, clock),
    fromAddress: env.PRESELL_MAIL_FROM?.trim() || 'no-reply@presell.invalid',
    publicUrl: env.PRESELL_PUBLIC_URL?.trim().replace(/\/+$/, '') || undefined,
  };
}
