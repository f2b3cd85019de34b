/** The messages Presell sends a customer, each caused by one kind of event (or a merchant's update). */
export const CUSTOMER_MESSAGES = [
  'confirmation',
  'ship_date_changed',
  'consent_reminder',
  'delay_kept',
  'progress_update',
  'balance_upcoming',
  'balance_charged',
  'payment_failed',
  'cancelled_nonpayment',
  'ready_to_ship',
  'shipped',
  'late',
  'cancelled',
  'refunded',
  'portal_link',
] as const;
export type CustomerMessage = (typeof CUSTOMER_MESSAGES)[number];

/** Alerts to the shop's own addresses. */
export const MERCHANT_ALERTS = [
  'digest',
  'cancellation_rate',
  'cap_reached',
  'batch_unconfirmed',
  'balance_failed',
  'dead_letters',
  'late_preorders',
] as const;
export type MerchantAlert = (typeof MERCHANT_ALERTS)[number];

export type MessageKind = CustomerMessage | MerchantAlert;

/** Languages every customer message exists in, whole. */
export const LANGUAGES = ['en', 'de', 'fr', 'ja'] as const;
export type Language = (typeof LANGUAGES)[number];

/** The language a locale's messages are in: its own when we have it, English otherwise. */
export function languageOf(locale: string): Language {
  let language = languages.get(locale);
  if (!language) {
    let tag = 'en';
    try {
      tag = new Intl.Locale(locale).language;
    } catch {
      // An unknown tag speaks English.
    }
    language = (LANGUAGES as readonly string[]).includes(tag) ? (tag as Language) : 'en';
    languages.set(locale, language);
  }
  return language;
}

/** Parsing a locale costs more than rendering a line of a message; shops have few. */
const languages = new Map<string, Language>();
