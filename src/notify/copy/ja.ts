import type { Copy } from './en.ts';

/** What the customer's emails say, in Japanese (see en.ts). */
export const ja: Copy = {
  common: {
    colon: '：',
    greeting: 'こんにちは。',
    signOff: 'ありがとうございます。\n{{ shop.name }}',
    portal: '予約注文を確認する',
    portalHint: '状況の確認、カードの変更、キャンセルはいつでもこちらから：',
    unsubscribe: '進捗のお知らせを停止する',
    unsubscribeHint:
      'ご予約いただいたお客様に、進捗のお知らせをお送りしています。ご注文やお支払いに関するご連絡は引き続きお送りします。',
    product: '商品',
    queue: '順番',
    promise: '発送',
    total: '合計',
    paid: 'お支払い済み',
    balance: '残額',
    reason: '理由',
  },
  confirmation: {
    subject: '{{ product.name }}の予約注文を承りました',
    intro: '予約注文ありがとうございます。ご注文は確定し、順番を確保しました。',
    balance: '残額{{ money.balance }}は{{ money.balanceWhen }}、ご登録のカードに請求します。',
    terms: '{{ terms.cancellation }}',
  },
  ship_date_changed: {
    subject: '{{ product.name }}の発送日が変わりました',
    later: '申し訳ございません。ご予約の商品の発送が、お伝えした時期より遅れます。',
    earlier: 'うれしいお知らせです。ご予約の商品を、お伝えした時期より早く発送できます。',
    unknown: 'ご予約の商品の発送日が未定になりました。決まり次第お知らせします。',
    before: '変更前',
    now: '変更後',
    consent:
      '{{ consent.deadline }}までに、ご予約を続けるかどうかお知らせください。ご回答がない場合、{{ consent.withoutAnswer }}。',
    keep: '予約を続ける',
    cancel: 'キャンセルして返金を受ける',
    noAction: 'お手続きは不要です。',
  },
  consent_reminder: {
    subject: '{{ product.name }}のご予約を続けますか？',
    intro: 'ご予約の商品の発送が遅れています。ご予約を続けるかどうか、まだご回答をいただいていません。',
    deadline: '{{ consent.deadline }}までにご回答ください。ご回答がない場合、{{ consent.withoutAnswer }}。',
  },
  delay_kept: {
    subject: '{{ product.name }}のご予約は継続されます',
    byCustomer: 'お待ちいただきありがとうございます。ご予約の順番はそのままです。',
    byDeadline: 'ご回答がなかったため、お伝えしたとおりご予約を継続し、順番はそのままです。',
    cancelAnyTime: '予約注文のページからいつでもキャンセルできます。',
  },
  progress_update: {
    subject: '{{ update.subject }}',
    intro: 'ご予約の{{ campaign.name }}について、お知らせです：',
  },
  balance_upcoming: {
    subject: '{{ product.name }}の残額をまもなく請求します',
    intro: '{{ payment.dueDate }}に、残額{{ money.balance }}をご登録のカードに請求します。',
    card: 'カードが変わった場合は、それまでに更新してください。',
    updateCard: 'カードを更新する',
  },
  balance_charged: {
    subject: '{{ product.name }}のお支払いを受け付けました',
    intro: 'ご登録のカードに{{ payment.amount }}を請求しました。ありがとうございます。',
    settled: 'ご予約のお支払いはすべて完了しました。',
  },
  payment_failed: {
    subject: '{{ product.name }}のお支払いができませんでした',
    intro: 'ご登録のカードに{{ payment.amount }}を請求しましたが、決済できませんでした。',
    retry:
      '{{ payment.retryDate }}にもう一度請求します。確実にお支払いいただけるよう、カードを更新してください。',
    last: '今回が最後の請求でした。今すぐカードを更新してください。更新がない場合、ご予約はキャンセルされます。',
    updateCard: 'カードを更新する',
  },
  cancelled_nonpayment: {
    subject: '{{ product.name }}のご予約をキャンセルしました',
    intro: '何度か請求しましたが残額をお支払いいただけなかったため、ご予約をキャンセルいたしました。',
  },
  ready_to_ship: {
    subject: '{{ product.name }}の発送準備ができました',
    intro: 'お支払いが完了し、商品が届きました。ただいま梱包中です。発送したら追跡情報をお送りします。',
  },
  shipped: {
    subject: '{{ product.name }}を発送しました',
    intro: 'ご予約の商品を発送しました。',
    part: 'ご予約の一部を発送しました。この荷物には{{ preorder.quantity }}点のうち{{ shipment.quantity }}点が入っています。残りの{{ shipment.unitsLeft }}点は準備ができ次第お送りします。',
    carrier: '配送業者',
    tracking: '追跡番号',
    track: '配送状況を確認する',
  },
  late: {
    subject: '{{ product.name }}の発送が遅れており、申し訳ございません',
    intro: 'お約束した期間内にご予約の商品を発送できませんでした。誠に申し訳ございません。',
    promised: 'お約束した時期',
    newPromise: '新しい発送時期',
    noPromise: '新しい発送時期はまだ決まっていません。決まり次第お知らせします。',
  },
  cancelled: {
    subject: '{{ product.name }}のご予約をキャンセルしました',
    byCustomer: 'ご依頼どおり、ご予約をキャンセルしました。',
    byMerchant: '申し訳ございません。ご予約をキャンセルさせていただきました。',
    bySystem: 'ご予約はキャンセルされました。',
    byDeadline: '発送の遅れについてご回答がなかったため、お伝えしたとおりご予約をキャンセルしました。',
    byDelayDeclined: 'ご依頼どおり、発送が遅れているご予約をキャンセルしました。',
    refund: 'お支払いに使われたカードに{{ refund.amount }}を返金します。反映まで数日かかる場合があります。',
    kept: 'キャンセル規定により、{{ refund.kept }}はお返しできません。',
    noRefund: 'ご請求はなかったため、返金はありません。',
  },
  refunded: {
    subject: '{{ product.name }}のご予約の返金について',
    intro:
      'ご予約のお支払いから{{ refund.amount }}を、お支払いに使われたカードに返金します。反映まで数日かかる場合があります。',
    unchanged: 'ご予約の内容に変更はありません。',
  },
  portal_link: {
    subject: '{{ shop.name }}の予約注文ページへのリンク',
    intro: '予約注文の確認・変更ができる新しいリンクです。{{ link.days }}日間有効です。',
  },
  terms: {
    fullRefund: '発送前であれば、いつでもキャンセルして全額返金を受けられます。',
    fullRefundUntilDate:
      '{{ terms.until }}まではキャンセルして全額返金を受けられます。それ以降は予約金をお返しできません。',
    fullRefundUntilState:
      '商品のご用意ができるまではキャンセルして全額返金を受けられます。それ以降は予約金をお返しできません。',
  },
  balanceWhen: {
    release: '商品の発売時に',
    date: '{{ money.balanceDate }}に',
  },
  withoutAnswer: {
    keep: 'ご予約は継続されます',
    cancel: 'ご予約をキャンセルし、お支払い額を全額返金します',
  },
};
