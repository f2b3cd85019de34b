/** Countries a parcel can ship to, by ISO 3166-1 alpha-2 code, named in a shopper's language through Intl. */

/** Private use, groupings, and the exceptional reservations that are no country of ISO 3166-1. */
const NOT_COUNTRIES = /^(AA|Q[M-Z]|X[A-Z]|ZZ|EU|EZ|UN|AC|CP|CQ|DG|EA|IC|TA)$/;
const names = new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' });

/** Every code Intl names as a region, less those above and the retired ones it maps to others (DD → DE). */
export const COUNTRY_CODES: readonly string[] = Array.from({ length: 26 * 26 }, (_, index) =>
  String.fromCharCode(65 + Math.floor(index / 26), 65 + (index % 26)),
).filter(
  (code) =>
    !NOT_COUNTRIES.test(code) &&
    names.of(code) !== undefined &&
    Intl.getCanonicalLocales(`und-${code}`)[0] === `und-${code}`,
);

const known = new Set(COUNTRY_CODES);

export function isCountry(code: string): boolean {
  return known.has(code);
}

/** The countries as the locale names them, in its alphabetical order. */
export function countriesIn(locale: string): { code: string; name: string }[] {
  const display = new Intl.DisplayNames([locale], { type: 'region' });
  const collator = new Intl.Collator(locale);
  return COUNTRY_CODES.map((code) => ({ code, name: display.of(code) ?? code })).sort((a, b) =>
    collator.compare(a.name, b.name),
  );
}
