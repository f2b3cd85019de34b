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
