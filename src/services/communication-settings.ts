/**
 * What a shop decides about its messages: the sender's name and reply-to address, who gets the alerts, how
 * long portal links work, when reminders and alerts go; and, per campaign, how a delay asks for consent.
 * The portal secret is made with the shop's first settings row and never leaves the database except once,
 * when the merchant rotates it.
 */
import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/database.ts';
import { DomainError } from '../domain/errors.ts';
import type { ServiceContext } from './context.ts';

export interface CommunicationSettings {
  senderName: string | null;
  replyTo: string | null;
  alertEmails: string[];
  portalLinkDays: number;
  balanceReminderDays: number;
  cancellationAlert: { percent: number; windowDays: number };
  readyDateAlertDays: number;
  updatedAt: Date;
}

export type CommunicationChanges = Partial<Omit<CommunicationSettings, 'updatedAt'>>;

interface SettingsRow {
  sender_name: string | null;
  reply_to: string | null;
  alert_emails: string[];
  portal_secret: string;
  portal_link_days: number;
  balance_reminder_days: number;
  cancellation_alert_percent: string;
  cancellation_alert_days: number;
  ready_date_alert_days: number;
  updated_at: Date;
}

function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

/** What a shop has until it changes anything. */
export const DEFAULT_SETTINGS = {
  sender_name: null,
  reply_to: null,
  alert_emails: [] as string[],
  portal_link_days: 30,
  balance_reminder_days: 3,
  cancellation_alert_percent: '10',
  cancellation_alert_days: 7,
  ready_date_alert_days: 7,
} satisfies Omit<SettingsRow, 'portal_secret' | 'updated_at'>;

async function settingsRow(db: Queryable, shopId: string, now: Date): Promise<SettingsRow> {
  const [row] = await db.query<SettingsRow>('SELECT * FROM shop_communication WHERE shop_id = $1', [shopId]);
  if (row) return row;
  const d = DEFAULT_SETTINGS;
  await db.query(
    `INSERT INTO shop_communication (shop_id, portal_secret, updated_at, sender_name, reply_to, alert_emails,
       portal_link_days, balance_reminder_days, cancellation_alert_percent, cancellation_alert_days,
       ready_date_alert_days)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 WHERE EXISTS (SELECT 1 FROM shops WHERE id = $1)
     ON CONFLICT DO NOTHING`,
    [
      shopId,
      newSecret(),
      now,
      d.sender_name,
      d.reply_to,
      d.alert_emails,
      d.portal_link_days,
      d.balance_reminder_days,
      d.cancellation_alert_percent,
      d.cancellation_alert_days,
      d.ready_date_alert_days,
    ],
  );
  const [made] = await db.query<SettingsRow>('SELECT * FROM shop_communication WHERE shop_id = $1', [shopId]);
  if (!made) throw new DomainError('not_found', 'no such shop');
  return made;
}

function settingsOf(row: SettingsRow): CommunicationSettings {
  return {
    senderName: row.sender_name,
    replyTo: row.reply_to,
    alertEmails: row.alert_emails,
    portalLinkDays: row.portal_link_days,
    balanceReminderDays: row.balance_reminder_days,
    cancellationAlert: {
      percent: Number(row.cancellation_alert_percent),
      windowDays: row.cancellation_alert_days,
    },
    readyDateAlertDays: row.ready_date_alert_days,
    updatedAt: row.updated_at,
  };
}

/** The shop's settings; the defaults until it changes any (reading writes nothing). */
export async function getCommunicationSettings(db: Queryable, shopId: string, now: Date) {
  const [row] = await db.query<SettingsRow>('SELECT * FROM shop_communication WHERE shop_id = $1', [shopId]);
  return settingsOf(row ?? { ...DEFAULT_SETTINGS, portal_secret: '', updated_at: now });
}

/** The key a shop's links are signed with (made on first use). */
export async function portalSecret(db: Queryable, shopId: string, now: Date): Promise<string> {
  return (await settingsRow(db, shopId, now)).portal_secret;
}

export async function updateCommunicationSettings(
  ctx: ServiceContext,
  shopId: string,
  changes: CommunicationChanges,
): Promise<CommunicationSettings> {
  return ctx.db.transaction(async (tx) => {
    const now = ctx.clock();
    const current = settingsOf(await settingsRow(tx, shopId, now));
    const next = { ...current, ...changes };
    const [row] = await tx.query<SettingsRow>(
      `UPDATE shop_communication SET sender_name = $2, reply_to = $3, alert_emails = $4, portal_link_days = $5,
         balance_reminder_days = $6, cancellation_alert_percent = $7, cancellation_alert_days = $8,
         ready_date_alert_days = $9, updated_at = $10
       WHERE shop_id = $1 RETURNING *`,
      [
        shopId,
        next.senderName,
        next.replyTo,
        next.alertEmails,
        next.portalLinkDays,
        next.balanceReminderDays,
        next.cancellationAlert.percent,
        next.cancellationAlert.windowDays,
        next.readyDateAlertDays,
        now,
      ],
    );
    return settingsOf(row as SettingsRow);
  });
}

/** A new portal secret: every link signed with the old one stops working. Returned once, here. */
export async function rotatePortalSecret(ctx: ServiceContext, shopId: string): Promise<string> {
  const now = ctx.clock();
  await settingsRow(ctx.db, shopId, now);
  const secret = newSecret();
  await ctx.db.query('UPDATE shop_communication SET portal_secret = $2, updated_at = $3 WHERE shop_id = $1', [
    shopId,
    secret,
    now,
  ]);
  return secret;
}

// ——— per campaign: consent to a delay ———

export interface DelayConsentSettings {
  /** A delay past the first promised window asks the customer to keep or cancel. */
  enabled: boolean;
  /** Days the customer has to answer. */
  answerDays: number;
  /** What happens without an answer by then (per the shop's jurisdiction). */
  withoutAnswer: 'keep' | 'cancel';
  /** Reminders this many days before the deadline, latest last. */
  reminderDays: number[];
}

export const DEFAULT_DELAY_CONSENT: DelayConsentSettings = {
  enabled: true,
  answerDays: 14,
  withoutAnswer: 'keep',
  reminderDays: [3],
};

interface ConsentRow {
  campaign_id: string;
  enabled: boolean;
  answer_days: number;
  without_answer: 'keep' | 'cancel';
  reminder_days: number[];
}

/** The consent settings of some campaigns of a shop; campaigns without their own get the defaults. */
export async function delayConsentSettings(
  db: Queryable,
  shopId: string,
  campaignIds: readonly string[],
): Promise<Map<string, DelayConsentSettings>> {
  const rows = await db.query<ConsentRow>(
    'SELECT * FROM campaign_delay_consent WHERE shop_id = $1 AND campaign_id = ANY($2)',
    [shopId, campaignIds],
  );
  const found = new Map(rows.map((row) => [row.campaign_id, row]));
  return new Map(
    campaignIds.map((id) => {
      const row = found.get(id);
      return [
        id,
        row
          ? {
              enabled: row.enabled,
              answerDays: row.answer_days,
              withoutAnswer: row.without_answer,
              reminderDays: row.reminder_days,
            }
          : DEFAULT_DELAY_CONSENT,
      ];
    }),
  );
}

export async function setDelayConsentSettings(
  ctx: ServiceContext,
  shopId: string,
  campaignId: string,
  changes: Partial<DelayConsentSettings>,
): Promise<DelayConsentSettings> {
  const [campaign] = await ctx.db.query('SELECT 1 FROM campaigns WHERE shop_id = $1 AND id = $2', [
    shopId,
    campaignId,
  ]);
  if (!campaign) throw new DomainError('not_found', 'no such campaign', { id: campaignId });
  const current = (await delayConsentSettings(ctx.db, shopId, [campaignId])).get(
    campaignId,
  ) as DelayConsentSettings;
  const next = { ...current, ...changes };
  // Latest reminder last: reminder n goes reminderDays[n] days before the deadline.
  next.reminderDays = [...new Set(next.reminderDays)].sort((a, b) => b - a);
  if (next.reminderDays.some((days) => days >= next.answerDays)) {
    throw new DomainError(
      'invalid_campaign',
      'a reminder must come before the deadline: fewer days than answerDays',
      {
        field: 'reminderDays',
      },
    );
  }
  await ctx.db.query(
    `INSERT INTO campaign_delay_consent (shop_id, campaign_id, enabled, answer_days, without_answer, reminder_days, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7)
     ON CONFLICT (shop_id, campaign_id) DO UPDATE SET enabled = excluded.enabled, answer_days = excluded.answer_days,
       without_answer = excluded.without_answer, reminder_days = excluded.reminder_days, updated_at = excluded.updated_at`,
    [shopId, campaignId, next.enabled, next.answerDays, next.withoutAnswer, next.reminderDays, ctx.clock()],
  );
  return next;
}
