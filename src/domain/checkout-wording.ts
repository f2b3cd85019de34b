/**
 * Every text of the hosted pre-order checkout, whole in each language Presell offers (en, de, fr, ja);
 * other languages get English. `{…}` marks where the page puts a value. Refusals have one text per
 * error code the checkout can meet, so that every one tells the shopper what happened and what to do.
 */
export interface CheckoutWording {
  title: string;
  details: string;
  email: string;
  quantity: string;
  /** {limit} */
  limit: string;
  name: string;
  line1: string;
  line2: string;
  postalCode: string;
  city: string;
  country: string;
  continue: string;
  summary: string;
  unitPrice: string;
  total: string;
  dueNow: string;
  dueLater: string;
  paid: string;
  /** {minutes} */
  held: string;
  payment: string;
  card: string;
  testCards: string;
  /** {amount} */
  pay: string;
  saveCard: string;
  bankTitle: string;
  /** {amount} */
  bankText: string;
  bankConfirm: string;
  bankFail: string;
  working: string;
  thanks: string;
  /** {position} */
  queue: string;
  /** {email} */
  reference: string;
  back: string;
  notFound: string;
  errors: Record<CheckoutRefusal, string>;
}

export type CheckoutRefusal =
  | 'sold_out'
  /** {count} */
  | 'only_some_left'
  /** {limit} */
  | 'per_customer_limit'
  | 'campaign_not_open'
  | 'card_declined'
  | 'insufficient_funds'
  | 'expired_card'
  | 'processing_error'
  | 'authentication_failed'
  | 'not_a_test_card'
  | 'provider_unavailable'
  | 'rate_limited'
  | 'invalid_fields'
  | 'unknown';

const english: CheckoutWording = {
  title: 'Pre-order',
  details: 'Your details',
  email: 'Email',
  quantity: 'Quantity',
  limit: 'At most {limit} per customer',
  name: 'Full name',
  line1: 'Street and house number',
  line2: 'Apartment, suite, etc. (optional)',
  postalCode: 'Postal code',
  city: 'City',
  country: 'Country',
  continue: 'Continue to payment',
  summary: 'Order summary',
  unitPrice: 'Price',
  total: 'Total',
  dueNow: 'Due now',
  dueLater: 'Due later',
  paid: 'Paid',
  held: 'Your units are held for {minutes} minutes while you pay.',
  payment: 'Payment',
  card: 'Card number',
  testCards:
    'Test mode: 4242 4242 4242 4242 pays, 4000 0000 0000 0002 is declined, 4000 0025 0000 3155 asks your bank.',
  pay: 'Pay {amount}',
  saveCard: 'Save card and pre-order',
  bankTitle: 'Confirm with your bank (test)',
  bankText: 'Your bank asks you to confirm the payment of {amount}.',
  bankConfirm: 'Confirm payment',
  bankFail: 'Refuse',
  working: 'One moment…',
  thanks: 'Thank you! Your pre-order is confirmed.',
  queue: 'You are number {position} in line.',
  reference: 'Confirmation for {email}',
  back: 'Back to the shop',
  notFound: 'This product cannot be pre-ordered here.',
  errors: {
    sold_out: 'Sold out: the last units were just taken. Nothing was charged.',
    only_some_left: 'Only {count} left: lower the quantity to pre-order them.',
    per_customer_limit: 'You can pre-order at most {limit} of this item.',
    campaign_not_open: 'This item cannot be pre-ordered right now. Nothing was charged.',
    card_declined: 'Your card was declined. Please use another card.',
    insufficient_funds: 'Your card has insufficient funds. Please use another card.',
    expired_card: 'Your card has expired. Please use another card.',
    processing_error: 'Your card could not be processed. Please try again.',
    authentication_failed: 'Your bank did not confirm the payment. Try again or use another card.',
    not_a_test_card: 'This is a test shop: please use one of the test cards shown.',
    provider_unavailable:
      'The payment service cannot be reached. Nothing was charged; please try again in a moment.',
    rate_limited: 'Too many attempts. Please wait a minute and try again.',
    invalid_fields: 'Please check the highlighted fields.',
    unknown: 'Something went wrong. Nothing was charged; please try again.',
  },
};

const wordingByLanguage: Readonly<Record<string, CheckoutWording>> = {
  en: english,
  de: {
    title: 'Vorbestellen',
    details: 'Ihre Angaben',
    email: 'E-Mail',
    quantity: 'Menge',
    limit: 'Höchstens {limit} pro Person',
    name: 'Vollständiger Name',
    line1: 'Straße und Hausnummer',
    line2: 'Adresszusatz (optional)',
    postalCode: 'Postleitzahl',
    city: 'Ort',
    country: 'Land',
    continue: 'Weiter zur Zahlung',
    summary: 'Bestellübersicht',
    unitPrice: 'Preis',
    total: 'Gesamt',
    dueNow: 'Jetzt fällig',
    dueLater: 'Später fällig',
    paid: 'Bezahlt',
    held: 'Ihre Stücke sind {minutes} Minuten für Sie reserviert, während Sie bezahlen.',
    payment: 'Zahlung',
    card: 'Kartennummer',
    testCards:
      'Testmodus: 4242 4242 4242 4242 zahlt, 4000 0000 0000 0002 wird abgelehnt, 4000 0025 0000 3155 fragt Ihre Bank.',
    pay: '{amount} bezahlen',
    saveCard: 'Karte speichern und vorbestellen',
    bankTitle: 'Bei Ihrer Bank bestätigen (Test)',
    bankText: 'Ihre Bank bittet Sie, die Zahlung von {amount} zu bestätigen.',
    bankConfirm: 'Zahlung bestätigen',
    bankFail: 'Ablehnen',
    working: 'Einen Moment …',
    thanks: 'Vielen Dank! Ihre Vorbestellung ist bestätigt.',
    queue: 'Sie sind Nummer {position} in der Warteschlange.',
    reference: 'Bestätigung für {email}',
    back: 'Zurück zum Shop',
    notFound: 'Dieses Produkt kann hier nicht vorbestellt werden.',
    errors: {
      sold_out: 'Ausverkauft: Die letzten Stücke wurden gerade vergeben. Es wurde nichts berechnet.',
      only_some_left: 'Nur noch {count} verfügbar: Verringern Sie die Menge, um sie vorzubestellen.',
      per_customer_limit: 'Sie können höchstens {limit} Stück dieses Artikels vorbestellen.',
      campaign_not_open: 'Dieser Artikel kann gerade nicht vorbestellt werden. Es wurde nichts berechnet.',
      card_declined: 'Ihre Karte wurde abgelehnt. Bitte verwenden Sie eine andere Karte.',
      insufficient_funds: 'Ihre Karte ist nicht ausreichend gedeckt. Bitte verwenden Sie eine andere Karte.',
      expired_card: 'Ihre Karte ist abgelaufen. Bitte verwenden Sie eine andere Karte.',
      processing_error: 'Ihre Karte konnte nicht verarbeitet werden. Bitte versuchen Sie es erneut.',
      authentication_failed:
        'Ihre Bank hat die Zahlung nicht bestätigt. Versuchen Sie es erneut oder verwenden Sie eine andere Karte.',
      not_a_test_card: 'Dies ist ein Testshop: Bitte verwenden Sie eine der angegebenen Testkarten.',
      provider_unavailable:
        'Der Zahlungsdienst ist nicht erreichbar. Es wurde nichts berechnet; bitte versuchen Sie es gleich noch einmal.',
      rate_limited: 'Zu viele Versuche. Bitte warten Sie eine Minute und versuchen Sie es erneut.',
      invalid_fields: 'Bitte prüfen Sie die markierten Felder.',
      unknown: 'Etwas ist schiefgegangen. Es wurde nichts berechnet; bitte versuchen Sie es erneut.',
    },
  },
  fr: {
    title: 'Précommander',
    details: 'Vos coordonnées',
    email: 'E-mail',
    quantity: 'Quantité',
    limit: '{limit} au maximum par client',
    name: 'Nom complet',
    line1: 'Numéro et rue',
    line2: 'Appartement, bâtiment, etc. (facultatif)',
    postalCode: 'Code postal',
    city: 'Ville',
    country: 'Pays',
    continue: 'Continuer vers le paiement',
    summary: 'Récapitulatif de la commande',
    unitPrice: 'Prix',
    total: 'Total',
    dueNow: 'À payer maintenant',
    dueLater: 'À payer plus tard',
    paid: 'Payé',
    held: 'Vos exemplaires vous sont réservés {minutes} minutes pendant le paiement.',
    payment: 'Paiement',
    card: 'Numéro de carte',
    testCards:
      'Mode test : 4242 4242 4242 4242 paie, 4000 0000 0000 0002 est refusée, 4000 0025 0000 3155 demande votre banque.',
    pay: 'Payer {amount}',
    saveCard: 'Enregistrer la carte et précommander',
    bankTitle: 'Confirmer auprès de votre banque (test)',
    bankText: 'Votre banque vous demande de confirmer le paiement de {amount}.',
    bankConfirm: 'Confirmer le paiement',
    bankFail: 'Refuser',
    working: 'Un instant…',
    thanks: 'Merci ! Votre précommande est confirmée.',
    queue: 'Vous êtes numéro {position} dans la file.',
    reference: 'Confirmation pour {email}',
    back: 'Retour à la boutique',
    notFound: 'Ce produit ne peut pas être précommandé ici.',
    errors: {
      sold_out: 'Épuisé : les derniers exemplaires viennent de partir. Rien n’a été débité.',
      only_some_left: 'Plus que {count} : réduisez la quantité pour les précommander.',
      per_customer_limit: 'Vous pouvez précommander au maximum {limit} exemplaires de cet article.',
      campaign_not_open: 'Cet article ne peut pas être précommandé pour le moment. Rien n’a été débité.',
      card_declined: 'Votre carte a été refusée. Veuillez utiliser une autre carte.',
      insufficient_funds: 'Le solde de votre carte est insuffisant. Veuillez utiliser une autre carte.',
      expired_card: 'Votre carte a expiré. Veuillez utiliser une autre carte.',
      processing_error: 'Votre carte n’a pas pu être traitée. Veuillez réessayer.',
      authentication_failed:
        'Votre banque n’a pas confirmé le paiement. Réessayez ou utilisez une autre carte.',
      not_a_test_card: 'Ceci est une boutique de test : utilisez l’une des cartes de test indiquées.',
      provider_unavailable:
        'Le service de paiement est injoignable. Rien n’a été débité ; veuillez réessayer dans un instant.',
      rate_limited: 'Trop de tentatives. Patientez une minute, puis réessayez.',
      invalid_fields: 'Veuillez vérifier les champs signalés.',
      unknown: 'Un problème est survenu. Rien n’a été débité ; veuillez réessayer.',
    },
  },
  ja: {
    title: '予約注文',
    details: 'お客様情報',
    email: 'メールアドレス',
    quantity: '数量',
    limit: 'お一人様{limit}点まで',
    name: '氏名',
    line1: '番地・建物名',
    line2: '部屋番号など（任意）',
    postalCode: '郵便番号',
    city: '市区町村',
    country: '国',
    continue: 'お支払いへ進む',
    summary: 'ご注文内容',
    unitPrice: '価格',
    total: '合計',
    dueNow: '今回のお支払い',
    dueLater: '後日のお支払い',
    paid: 'お支払い済み',
    held: 'お支払いの間、商品を{minutes}分間確保しています。',
    payment: 'お支払い',
    card: 'カード番号',
    testCards:
      'テストモード：4242 4242 4242 4242 は支払い成功、4000 0000 0000 0002 は拒否、4000 0025 0000 3155 は本人確認を求めます。',
    pay: '{amount}を支払う',
    saveCard: 'カードを登録して予約する',
    bankTitle: 'カード会社での本人確認（テスト）',
    bankText: 'カード会社が{amount}のお支払いの確認を求めています。',
    bankConfirm: '支払いを確認する',
    bankFail: '拒否する',
    working: '処理中…',
    thanks: 'ありがとうございます。ご予約が確定しました。',
    queue: '順番は{position}番目です。',
    reference: '{email}様のご予約',
    back: 'ショップに戻る',
    notFound: 'この商品はここでは予約できません。',
    errors: {
      sold_out: '完売しました。最後の商品が先ほど予約されました。請求は発生していません。',
      only_some_left: '残り{count}点です。数量を減らしてご予約ください。',
      per_customer_limit: 'この商品はお一人様{limit}点までご予約いただけます。',
      campaign_not_open: 'この商品は現在ご予約いただけません。請求は発生していません。',
      card_declined: 'カードが拒否されました。別のカードをお使いください。',
      insufficient_funds: 'カードの残高が不足しています。別のカードをお使いください。',
      expired_card: 'カードの有効期限が切れています。別のカードをお使いください。',
      processing_error: 'カードを処理できませんでした。もう一度お試しください。',
      authentication_failed:
        'カード会社で支払いが確認されませんでした。もう一度お試しいただくか、別のカードをお使いください。',
      not_a_test_card: 'これはテスト用ショップです。表示されているテストカードをお使いください。',
      provider_unavailable:
        '決済サービスに接続できません。請求は発生していません。しばらくしてからもう一度お試しください。',
      rate_limited: '試行回数が多すぎます。1分ほど待ってからもう一度お試しください。',
      invalid_fields: '入力内容をご確認ください。',
      unknown: '問題が発生しました。請求は発生していません。もう一度お試しください。',
    },
  },
};

export function checkoutWording(locale: string): CheckoutWording {
  return wordingByLanguage[new Intl.Locale(locale).language] ?? english;
}

/** The languages whose texts exist whole, for a test that no language misses a text. */
export const CHECKOUT_LANGUAGES = Object.keys(wordingByLanguage);
