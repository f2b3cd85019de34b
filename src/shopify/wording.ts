/**
 * What a Shopify customer reads from Presell, whole in every language Presell offers (en, de, fr, ja;
 * English for the others). The selling plan's own name and description come from the promise wording.
 */

import { type Language, languageOf } from '../domain/languages.ts';

const apologies: Readonly<Record<Language, string>> = {
  en: 'We are sorry: this item sold out before your order reached us, so we have cancelled it and refunded you in full.',
  de: 'Es tut uns leid: Dieser Artikel war ausverkauft, bevor Ihre Bestellung bei uns ankam. Wir haben sie storniert und Ihnen den vollen Betrag erstattet.',
  fr: 'Nous sommes désolés : cet article était épuisé avant que votre commande ne nous parvienne. Nous l’avons annulée et vous avons intégralement remboursé.',
  ja: '申し訳ございません。ご注文が届く前にこの商品は完売となりました。ご注文をキャンセルし、全額を返金いたしました。',
};

/** The note on the refund of an order line Presell could not take: the shop's language, else English. */
export function oversellApology(locale: string): string {
  return apologies[languageOf(locale)];
}
