/** The languages every text a customer reads exists in, whole, and how a shop's locale picks one. */
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
