import { DomainError } from './errors.ts';
import { isCurrency } from './money.ts';

/** What a merchant chooses for a shop; every price, date and message of the shop follows it. */
export interface ShopSettings {
  name: string;
  /** ISO 4217 code, upper case: EUR. */
  currency: string;
  /** IANA time zone, canonical spelling: Europe/Berlin. */
  timeZone: string;
  /** BCP 47 tag, canonical spelling: de-DE. */
  locale: string;
}

const MAX_NAME_LENGTH = 200;
const CONTROL_CHARACTERS = /[\p{Cc}\p{Cs}]/u;

/**
 * Checks a shop's settings and returns them in their canonical spelling (`europe/berlin` → `Europe/Berlin`,
 * `en-gb` → `en-GB`), or refuses the first bad one with `invalid_shop`. A currency is taken only as ISO
 * 4217 writes it (`EUR`), as everywhere in the API: a shop's currency is compared with its prices'.
 */
export function checkShopSettings(input: ShopSettings): ShopSettings {
  const refuse = (field: keyof ShopSettings, message: string): never => {
    throw new DomainError('invalid_shop', message, { field });
  };
  const name = input.name.trim();
  if (name.length === 0 || name.length > MAX_NAME_LENGTH || CONTROL_CHARACTERS.test(name)) {
    refuse('name', `a shop name has 1 to ${MAX_NAME_LENGTH} characters and no control characters`);
  }
  // The API's rule for every currency: the code as ISO 4217 writes it, so "eur" is refused here too.
  const currency = input.currency;
  if (!isCurrency(currency)) {
    const upper = currency.trim().toUpperCase();
    refuse(
      'currency',
      isCurrency(upper)
        ? `"${currency}" is not an ISO 4217 currency code as written: ${upper}`
        : `"${currency}" is not an ISO 4217 currency code (for example EUR, USD, JPY)`,
    );
  }
  const timeZone =
    canonicalTimeZone(input.timeZone) ??
    refuse(
      'timeZone',
      `"${input.timeZone}" is not an IANA time zone (for example Europe/Berlin, America/New_York)`,
    );
  const locale =
    canonicalLocale(input.locale) ??
    refuse(
      'locale',
      `"${input.locale}" is not a BCP 47 locale this platform knows (for example en-GB, de-DE)`,
    );
  return { name, currency, timeZone, locale };
}

/** The IANA zone's canonical name, or undefined for anything else (UTC offsets such as +01:00 included). */
export function canonicalTimeZone(name: string): string | undefined {
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone: name.trim() }).resolvedOptions().timeZone;
    return /^[A-Za-z]/.test(resolved) ? resolved : undefined;
  } catch {
    return undefined;
  }
}

/** The canonical BCP 47 tag, or undefined when it is malformed or no language the platform can format in. */
export function canonicalLocale(tag: string): string | undefined {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.trim());
    return canonical && Intl.DateTimeFormat.supportedLocalesOf(canonical).length > 0 ? canonical : undefined;
  } catch {
    return undefined;
  }
}
