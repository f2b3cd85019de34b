/**
 * What the customer's emails say, in English. Each language has a file like this one with every key
 * (the type checks it). Strings are Liquid: `{{ … }}` are the message's variables (see src/notify/model.ts),
 * already worded by the code that words them (promises, money, dates), so no phrase here formats a value.
 */
export const en = {
  common: {
    /** Between a label and its value in the text part. */
    colon: ': ',
    greeting: 'Hello,',
    signOff: 'Thank you,\n{{ shop.name }}',
    portal: 'See your pre-order',
    portalHint: 'Check its status, change your card or cancel at any time:',
    unsubscribe: 'No more progress updates',
    unsubscribeHint:
      'You get progress updates because you pre-ordered from us. Messages about your order and payments still come.',
    product: 'Item',
    queue: 'Place in the queue',
    promise: 'Shipping',
    total: 'Total',
    paid: 'Paid',
    balance: 'Still to pay',
    reason: 'Why',
  },
  confirmation: {
    subject: 'Your pre-order of {{ product.name }} is confirmed',
    intro: 'Thank you for your pre-order. It is confirmed and your place in the queue is held.',
    balance: 'The remaining {{ money.balance }} will be charged to your saved card {{ money.balanceWhen }}.',
    terms: '{{ terms.cancellation }}',
  },
  ship_date_changed: {
    subject: 'New shipping date for your {{ product.name }}',
    later: 'We are sorry: your pre-order will ship later than we told you.',
    earlier: 'Good news: your pre-order will ship earlier than we told you.',
    unknown:
      'The shipping date of your pre-order is not certain any more. We will write as soon as we know it.',
    before: 'Before',
    now: 'Now',
    consent:
      'Please tell us by {{ consent.deadline }} whether you still want it. If we do not hear from you, {{ consent.withoutAnswer }}.',
    keep: 'Keep my pre-order',
    cancel: 'Cancel and refund me',
    noAction: 'You do not need to do anything.',
  },
  consent_reminder: {
    subject: 'Do you still want your {{ product.name }}?',
    intro: 'Your pre-order is delayed and we still need your answer: do you want to keep it?',
    deadline:
      'Please answer by {{ consent.deadline }}. If we do not hear from you, {{ consent.withoutAnswer }}.',
  },
  delay_kept: {
    subject: 'Your pre-order of {{ product.name }} stays in the queue',
    byCustomer: 'Thank you for your patience. Your pre-order keeps its place in the queue.',
    byDeadline:
      'We did not hear from you, so your pre-order keeps its place in the queue, as we said it would.',
    cancelAnyTime: 'You can still cancel it from your pre-order page.',
  },
  progress_update: {
    subject: '{{ update.subject }}',
    intro: 'An update on {{ campaign.name }}, which you pre-ordered:',
  },
  balance_upcoming: {
    subject: 'Your balance for {{ product.name }} will be charged soon',
    intro: 'We will charge the remaining {{ money.balance }} to your saved card on {{ payment.dueDate }}.',
    card: 'If your card has changed, please update it before then.',
    updateCard: 'Update my card',
  },
  balance_charged: {
    subject: 'Payment received for {{ product.name }}',
    intro: 'We charged {{ payment.amount }} to your saved card. Thank you!',
    settled: 'Your pre-order is now paid in full.',
  },
  payment_failed: {
    subject: 'We could not charge your card for {{ product.name }}',
    intro: 'We tried to charge {{ payment.amount }} to your saved card, but it did not go through.',
    retry: 'We will try again on {{ payment.retryDate }}. To make sure it works, please update your card.',
    last: 'This was our last try. Please update your card now, or your pre-order will be cancelled.',
    updateCard: 'Update my card',
  },
  cancelled_nonpayment: {
    subject: 'Your pre-order of {{ product.name }} was cancelled',
    intro: 'We could not charge the balance of your pre-order after several tries, so we had to cancel it.',
  },
  ready_to_ship: {
    subject: 'Your {{ product.name }} is ready to ship',
    intro:
      'Your pre-order is paid and in our hands. We are packing it now and will send the tracking details as soon as it leaves.',
  },
  shipped: {
    subject: 'Your {{ product.name }} is on its way',
    intro: 'Your pre-order has shipped.',
    part: 'Part of your pre-order has shipped: {{ shipment.quantity }} of {{ preorder.quantity }} in this parcel. We will send the other {{ shipment.unitsLeft }} as soon as they are ready.',
    carrier: 'Carrier',
    tracking: 'Tracking number',
    track: 'Track my parcel',
  },
  late: {
    subject: 'Your {{ product.name }} is late: we are sorry',
    intro: 'Your pre-order has not shipped within the time we promised. We are sorry.',
    promised: 'We promised',
    newPromise: 'Our new date',
    noPromise: 'We do not have a new date yet. We will write as soon as we do.',
  },
  cancelled: {
    subject: 'Your pre-order of {{ product.name }} was cancelled',
    byCustomer: 'As you asked, we cancelled your pre-order.',
    byMerchant: 'We are sorry: we had to cancel your pre-order.',
    bySystem: 'Your pre-order was cancelled.',
    byDeadline:
      'We did not hear from you about the delay, so we cancelled your pre-order, as we said we would.',
    byDelayDeclined: 'As you asked, we cancelled your delayed pre-order.',
    refund: 'We are refunding {{ refund.amount }} to the card you paid with. It can take a few days to show.',
    kept: 'Under the cancellation terms we keep {{ refund.kept }}.',
    noRefund: 'Nothing was charged, so there is nothing to refund.',
  },
  refunded: {
    subject: 'A refund for your pre-order of {{ product.name }}',
    intro:
      'We are refunding {{ refund.amount }} of your pre-order to the card you paid with. It can take a few days to show.',
    unchanged: 'Your pre-order itself stays as it is.',
  },
  portal_link: {
    subject: 'Your link to your pre-orders at {{ shop.name }}',
    intro: 'Here is a new link to see and manage your pre-orders. It works for {{ link.days }} days.',
  },
  terms: {
    fullRefund: 'You can cancel at any time before it ships and get everything back.',
    fullRefundUntilDate:
      'You can cancel and get everything back until {{ terms.until }}; after that we keep the deposit.',
    fullRefundUntilState:
      'You can cancel and get everything back until your item is ready for you; after that we keep the deposit.',
  },
  balanceWhen: {
    release: 'when the product is released',
    date: 'on {{ money.balanceDate }}',
  },
  withoutAnswer: {
    keep: 'your pre-order stays in the queue',
    cancel: 'we cancel it and refund everything you paid',
  },
} as const;

/** Every language's copy has exactly these keys, each a string. */
export type Copy = { [Section in keyof typeof en]: { [Key in keyof (typeof en)[Section]]: string } };
