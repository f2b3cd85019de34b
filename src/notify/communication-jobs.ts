import type { ServiceContext } from '../services/context.ts';
import { remindOpenConsents, settleConsentDeadlines } from '../services/delay-consent.ts';
import { raiseMerchantAlerts } from '../services/merchant-alerts.ts';
import { noticeLatePreorders, noticeUpcomingBalances } from '../services/notices.ts';
import type { Payments } from '../services/payment-operations.ts';
import type { Mail } from './mailer.ts';
import { sendDueProgressUpdates } from './progress-sender.ts';

export interface CommunicationReport {
  /** Pre-orders whose promised window passed, told so. */
  late: number;
  balancesUpcoming: number;
  consentReminders: number;
  /** Delay questions decided by their deadline. */
  consentDeadlines: number;
  merchantAlerts: number;
  progressSent: number;
}

/**
 * The jobs that happen at a time: each records its events (which the email consumer sends) after claiming
 * its work in the database, so any number of processes may run them. Progress updates are sent here,
 * when there is mail to send them with.
 */
export async function runCommunicationJobs(
  ctx: ServiceContext,
  payments: Payments,
  mail: Mail | undefined,
): Promise<CommunicationReport> {
  const late = await noticeLatePreorders(ctx);
  const balancesUpcoming = await noticeUpcomingBalances(ctx);
  const consentReminders = await remindOpenConsents(ctx);
  const consentDeadlines = await settleConsentDeadlines(ctx, payments);
  const merchantAlerts = await raiseMerchantAlerts(ctx);
  const progress = mail ? await sendDueProgressUpdates(ctx, mail) : { sent: 0 };
  return {
    late,
    balancesUpcoming,
    consentReminders,
    consentDeadlines,
    merchantAlerts,
    progressSent: progress.sent,
  };
}
