import type { Copy } from './en.ts';

/** What the customer's emails say, in French (see en.ts). */
export const fr: Copy = {
  common: {
    colon: ' : ',
    greeting: 'Bonjour,',
    signOff: 'Merci,\n{{ shop.name }}',
    portal: 'Voir ma précommande',
    portalHint: 'Suivez-la, changez de carte ou annulez à tout moment :',
    unsubscribe: 'Ne plus recevoir les nouvelles',
    unsubscribeHint:
      'Vous recevez ces nouvelles parce que vous avez précommandé chez nous. Les messages sur votre commande et vos paiements continueront.',
    product: 'Article',
    queue: 'Place dans la file',
    promise: 'Expédition',
    total: 'Total',
    paid: 'Payé',
    balance: 'Reste à payer',
    reason: 'Motif',
  },
  confirmation: {
    subject: 'Votre précommande de {{ product.name }} est confirmée',
    intro: 'Merci pour votre précommande. Elle est confirmée et votre place dans la file est réservée.',
    balance:
      'Le solde de {{ money.balance }} sera débité de votre carte enregistrée {{ money.balanceWhen }}.',
    terms: '{{ terms.cancellation }}',
  },
  ship_date_changed: {
    subject: 'Nouvelle date d’expédition pour votre {{ product.name }}',
    later: 'Nous sommes désolés : votre précommande sera expédiée plus tard que prévu.',
    earlier: 'Bonne nouvelle : votre précommande sera expédiée plus tôt que prévu.',
    unknown:
      'La date d’expédition de votre précommande n’est plus certaine. Nous vous écrirons dès que nous la connaîtrons.',
    before: 'Avant',
    now: 'Maintenant',
    consent:
      'Dites-nous avant le {{ consent.deadline }} si vous souhaitez la garder. Sans réponse de votre part, {{ consent.withoutAnswer }}.',
    keep: 'Garder ma précommande',
    cancel: 'Annuler et être remboursé',
    noAction: 'Vous n’avez rien à faire.',
  },
  consent_reminder: {
    subject: 'Souhaitez-vous toujours votre {{ product.name }} ?',
    intro: 'Votre précommande est retardée et nous attendons votre réponse : souhaitez-vous la garder ?',
    deadline:
      'Merci de répondre avant le {{ consent.deadline }}. Sans réponse de votre part, {{ consent.withoutAnswer }}.',
  },
  delay_kept: {
    subject: 'Votre précommande de {{ product.name }} est maintenue',
    byCustomer: 'Merci de votre patience. Votre précommande garde sa place dans la file.',
    byDeadline: 'Sans réponse de votre part, votre précommande garde sa place dans la file, comme annoncé.',
    cancelAnyTime: 'Vous pouvez toujours l’annuler depuis la page de votre précommande.',
  },
  progress_update: {
    subject: '{{ update.subject }}',
    intro: 'Des nouvelles de {{ campaign.name }}, que vous avez précommandé :',
  },
  balance_upcoming: {
    subject: 'Le solde de votre {{ product.name }} sera bientôt débité',
    intro:
      'Le {{ payment.dueDate }}, nous débiterons le solde de {{ money.balance }} de votre carte enregistrée.',
    card: 'Si votre carte a changé, merci de la mettre à jour d’ici là.',
    updateCard: 'Mettre à jour ma carte',
  },
  balance_charged: {
    subject: 'Paiement reçu pour {{ product.name }}',
    intro: 'Nous avons débité {{ payment.amount }} de votre carte enregistrée. Merci !',
    settled: 'Votre précommande est maintenant entièrement payée.',
  },
  payment_failed: {
    subject: 'Le paiement de votre {{ product.name }} n’a pas abouti',
    intro: 'Nous avons tenté de débiter {{ payment.amount }} de votre carte enregistrée, sans succès.',
    retry:
      'Nous réessaierons le {{ payment.retryDate }}. Pour que cela fonctionne, merci de mettre à jour votre carte.',
    last: 'C’était notre dernier essai. Mettez à jour votre carte maintenant, sinon votre précommande sera annulée.',
    updateCard: 'Mettre à jour ma carte',
  },
  cancelled_nonpayment: {
    subject: 'Votre précommande de {{ product.name }} a été annulée',
    intro:
      'Après plusieurs essais, nous n’avons pas pu débiter le solde de votre précommande ; nous avons donc dû l’annuler.',
  },
  ready_to_ship: {
    subject: 'Votre {{ product.name }} est prêt à partir',
    intro:
      'Votre précommande est payée et entre nos mains. Nous la préparons et vous enverrons le suivi dès son départ.',
  },
  shipped: {
    subject: 'Votre {{ product.name }} est en route',
    intro: 'Votre précommande a été expédiée.',
    part: 'Une partie de votre précommande a été expédiée : {{ shipment.quantity }} sur {{ preorder.quantity }} dans ce colis. Nous enverrons les {{ shipment.unitsLeft }} autres dès qu’ils seront prêts.',
    carrier: 'Transporteur',
    tracking: 'Numéro de suivi',
    track: 'Suivre mon colis',
  },
  late: {
    subject: 'Votre {{ product.name }} est en retard : toutes nos excuses',
    intro: 'Votre précommande n’a pas été expédiée dans le délai promis. Nous en sommes désolés.',
    promised: 'Promis',
    newPromise: 'Nouvelle date',
    noPromise: 'Nous n’avons pas encore de nouvelle date. Nous vous écrirons dès que nous l’aurons.',
  },
  cancelled: {
    subject: 'Votre précommande de {{ product.name }} a été annulée',
    byCustomer: 'Comme vous l’avez demandé, nous avons annulé votre précommande.',
    byMerchant: 'Nous sommes désolés : nous avons dû annuler votre précommande.',
    bySystem: 'Votre précommande a été annulée.',
    byDeadline:
      'Sans réponse de votre part au sujet du retard, nous avons annulé votre précommande, comme annoncé.',
    byDelayDeclined: 'Comme vous l’avez demandé, nous avons annulé votre précommande retardée.',
    refund:
      'Nous remboursons {{ refund.amount }} sur la carte utilisée pour le paiement. Cela peut prendre quelques jours.',
    kept: 'Selon les conditions d’annulation, nous conservons {{ refund.kept }}.',
    noRefund: 'Rien n’a été débité ; il n’y a donc rien à rembourser.',
  },
  refunded: {
    subject: 'Un remboursement pour votre précommande de {{ product.name }}',
    intro:
      'Nous remboursons {{ refund.amount }} de votre précommande sur la carte utilisée pour le paiement. Cela peut prendre quelques jours.',
    unchanged: 'Votre précommande elle-même reste inchangée.',
  },
  portal_link: {
    subject: 'Votre lien vers vos précommandes chez {{ shop.name }}',
    intro: 'Voici un nouveau lien pour voir et gérer vos précommandes. Il est valable {{ link.days }} jours.',
  },
  terms: {
    fullRefund: 'Vous pouvez annuler à tout moment avant l’expédition et tout récupérer.',
    fullRefundUntilDate:
      'Jusqu’au {{ terms.until }}, vous pouvez annuler et tout récupérer ; ensuite, nous conservons l’acompte.',
    fullRefundUntilState:
      'Jusqu’à ce que votre article soit prêt pour vous, vous pouvez annuler et tout récupérer ; ensuite, nous conservons l’acompte.',
  },
  balanceWhen: {
    release: 'à la sortie du produit',
    date: 'le {{ money.balanceDate }}',
  },
  withoutAnswer: {
    keep: 'votre précommande sera maintenue',
    cancel: 'nous l’annulerons et vous rembourserons tout ce que vous avez payé',
  },
};
