import type { Copy } from './en.ts';

/** What the customer's emails say, in German (see en.ts). */
export const de: Copy = {
  common: {
    colon: ': ',
    greeting: 'Hallo,',
    signOff: 'Vielen Dank,\n{{ shop.name }}',
    portal: 'Vorbestellung ansehen',
    portalHint: 'Status ansehen, Karte ändern oder jederzeit stornieren:',
    unsubscribe: 'Keine Neuigkeiten mehr',
    unsubscribeHint:
      'Sie erhalten Neuigkeiten, weil Sie bei uns vorbestellt haben. Nachrichten zu Ihrer Bestellung und Zahlung erhalten Sie weiterhin.',
    product: 'Artikel',
    queue: 'Platz in der Warteschlange',
    promise: 'Versand',
    total: 'Gesamt',
    paid: 'Bezahlt',
    balance: 'Noch offen',
    reason: 'Grund',
  },
  confirmation: {
    subject: 'Ihre Vorbestellung von {{ product.name }} ist bestätigt',
    intro:
      'Vielen Dank für Ihre Vorbestellung. Sie ist bestätigt und Ihr Platz in der Warteschlange ist reserviert.',
    balance:
      'Die restlichen {{ money.balance }} buchen wir {{ money.balanceWhen }} von Ihrer gespeicherten Karte ab.',
    terms: '{{ terms.cancellation }}',
  },
  ship_date_changed: {
    subject: 'Neuer Versandtermin für Ihr {{ product.name }}',
    later: 'Es tut uns leid: Ihre Vorbestellung wird später versandt als angekündigt.',
    earlier: 'Gute Nachricht: Ihre Vorbestellung wird früher versandt als angekündigt.',
    unknown:
      'Der Versandtermin Ihrer Vorbestellung steht nicht mehr fest. Wir melden uns, sobald wir ihn kennen.',
    before: 'Bisher',
    now: 'Jetzt',
    consent:
      'Bitte sagen Sie uns bis zum {{ consent.deadline }}, ob Sie die Vorbestellung behalten möchten. Ohne Antwort {{ consent.withoutAnswer }}.',
    keep: 'Vorbestellung behalten',
    cancel: 'Stornieren und Geld zurück',
    noAction: 'Sie müssen nichts weiter tun.',
  },
  consent_reminder: {
    subject: 'Möchten Sie Ihr {{ product.name }} noch?',
    intro: 'Ihre Vorbestellung verzögert sich und wir brauchen noch Ihre Antwort: Möchten Sie sie behalten?',
    deadline: 'Bitte antworten Sie bis zum {{ consent.deadline }}. Ohne Antwort {{ consent.withoutAnswer }}.',
  },
  delay_kept: {
    subject: 'Ihre Vorbestellung von {{ product.name }} bleibt bestehen',
    byCustomer: 'Danke für Ihre Geduld. Ihre Vorbestellung behält ihren Platz in der Warteschlange.',
    byDeadline:
      'Wir haben keine Antwort von Ihnen erhalten. Wie angekündigt behält Ihre Vorbestellung ihren Platz in der Warteschlange.',
    cancelAnyTime: 'Sie können sie weiterhin auf Ihrer Vorbestellungsseite stornieren.',
  },
  progress_update: {
    subject: '{{ update.subject }}',
    intro: 'Neuigkeiten zu {{ campaign.name }}, das Sie vorbestellt haben:',
  },
  balance_upcoming: {
    subject: 'Der Restbetrag für {{ product.name }} wird bald abgebucht',
    intro:
      'Am {{ payment.dueDate }} buchen wir die restlichen {{ money.balance }} von Ihrer gespeicherten Karte ab.',
    card: 'Falls sich Ihre Karte geändert hat, aktualisieren Sie sie bitte vorher.',
    updateCard: 'Karte aktualisieren',
  },
  balance_charged: {
    subject: 'Zahlung für {{ product.name }} erhalten',
    intro: 'Wir haben {{ payment.amount }} von Ihrer gespeicherten Karte abgebucht. Vielen Dank!',
    settled: 'Ihre Vorbestellung ist jetzt vollständig bezahlt.',
  },
  payment_failed: {
    subject: 'Die Zahlung für {{ product.name }} ist fehlgeschlagen',
    intro:
      'Wir wollten {{ payment.amount }} von Ihrer gespeicherten Karte abbuchen, doch die Zahlung ging nicht durch.',
    retry:
      'Wir versuchen es am {{ payment.retryDate }} erneut. Damit es klappt, aktualisieren Sie bitte Ihre Karte.',
    last: 'Das war unser letzter Versuch. Bitte aktualisieren Sie jetzt Ihre Karte, sonst wird Ihre Vorbestellung storniert.',
    updateCard: 'Karte aktualisieren',
  },
  cancelled_nonpayment: {
    subject: 'Ihre Vorbestellung von {{ product.name }} wurde storniert',
    intro:
      'Wir konnten den Restbetrag Ihrer Vorbestellung auch nach mehreren Versuchen nicht abbuchen und mussten sie daher stornieren.',
  },
  ready_to_ship: {
    subject: 'Ihr {{ product.name }} ist versandbereit',
    intro:
      'Ihre Vorbestellung ist bezahlt und bei uns eingetroffen. Wir packen sie jetzt und schicken Ihnen die Sendungsdaten, sobald sie unterwegs ist.',
  },
  shipped: {
    subject: 'Ihr {{ product.name }} ist unterwegs',
    intro: 'Ihre Vorbestellung wurde versandt.',
    part: 'Ein Teil Ihrer Vorbestellung wurde versandt: {{ shipment.quantity }} von {{ preorder.quantity }} in diesem Paket. Die übrigen {{ shipment.unitsLeft }} senden wir, sobald sie bereit sind.',
    carrier: 'Versanddienst',
    tracking: 'Sendungsnummer',
    track: 'Sendung verfolgen',
  },
  late: {
    subject: 'Ihr {{ product.name }} verspätet sich – es tut uns leid',
    intro: 'Ihre Vorbestellung wurde nicht in der versprochenen Zeit versandt. Das tut uns leid.',
    promised: 'Versprochen war',
    newPromise: 'Neuer Termin',
    noPromise: 'Einen neuen Termin haben wir noch nicht. Wir melden uns, sobald wir ihn kennen.',
  },
  cancelled: {
    subject: 'Ihre Vorbestellung von {{ product.name }} wurde storniert',
    byCustomer: 'Wie gewünscht haben wir Ihre Vorbestellung storniert.',
    byMerchant: 'Es tut uns leid: Wir mussten Ihre Vorbestellung stornieren.',
    bySystem: 'Ihre Vorbestellung wurde storniert.',
    byDeadline:
      'Wir haben zur Verzögerung keine Antwort von Ihnen erhalten und Ihre Vorbestellung daher wie angekündigt storniert.',
    byDelayDeclined: 'Wie gewünscht haben wir Ihre verspätete Vorbestellung storniert.',
    refund:
      'Wir erstatten {{ refund.amount }} auf die Karte, mit der Sie bezahlt haben. Es kann einige Tage dauern, bis der Betrag erscheint.',
    kept: 'Gemäß den Stornobedingungen behalten wir {{ refund.kept }}.',
    noRefund: 'Es wurde nichts abgebucht, daher gibt es nichts zu erstatten.',
  },
  refunded: {
    subject: 'Eine Erstattung für Ihre Vorbestellung von {{ product.name }}',
    intro:
      'Wir erstatten {{ refund.amount }} Ihrer Vorbestellung auf die Karte, mit der Sie bezahlt haben. Es kann einige Tage dauern, bis der Betrag erscheint.',
    unchanged: 'Ihre Vorbestellung selbst bleibt unverändert.',
  },
  portal_link: {
    subject: 'Ihr Link zu Ihren Vorbestellungen bei {{ shop.name }}',
    intro:
      'Hier ist ein neuer Link, um Ihre Vorbestellungen anzusehen und zu verwalten. Er gilt {{ link.days }} Tage.',
  },
  terms: {
    fullRefund: 'Sie können jederzeit vor dem Versand stornieren und erhalten alles zurück.',
    fullRefundUntilDate:
      'Bis zum {{ terms.until }} können Sie stornieren und erhalten alles zurück; danach behalten wir die Anzahlung.',
    fullRefundUntilState:
      'Bis Ihr Artikel für Sie bereitliegt, können Sie stornieren und erhalten alles zurück; danach behalten wir die Anzahlung.',
  },
  balanceWhen: {
    release: 'zur Markteinführung',
    date: 'am {{ money.balanceDate }}',
  },
  withoutAnswer: {
    keep: 'bleibt Ihre Vorbestellung bestehen',
    cancel: 'stornieren wir sie und erstatten Ihnen alles, was Sie bezahlt haben',
  },
};
