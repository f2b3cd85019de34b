import { DomainError } from './errors.ts';
import { isCurrency } from './money.ts';
import { wordingLocale } from './ship-window-wording.ts';

/** What the shop's customers see of it: in its emails, its portal pages and its hosted checkout. */
export interface Branding {
  /** The name customers read; null: the shop's name. */
  brandName: string | null;
  /** `#rrggbb`, lower case: buttons and the header's rule; null: Presell's blue. */
  accentColor: string | null;
  /** An https address of the logo shown above messages and pages; null: the name alone. */
  logoUrl: string | null;
}

export const NO_BRANDING: Branding = { brandName: null, accentColor: null, logoUrl: null };

/** What a merchant chooses for a shop; every price, date and message of the shop follows it. */
export interface ShopSettings extends Branding {
  name: string;
  /** ISO 4217 code, upper case: EUR. */
  currency: string;
  /** IANA time zone, canonical spelling: Europe/Berlin. */
  timeZone: string;
  /** BCP 47 tag, canonical spelling: de-DE. */
  locale: string;
}

/** Settings as given: branding left out is none. */
export type ShopSettingsInput = Omit<ShopSettings, keyof Branding> & Partial<Branding>;

const MAX_NAME_LENGTH = 200;
const MAX_URL_LENGTH = 2000;
const DEFAULT_ACCENT = '#1d4ed8';
const CONTROL_CHARACTERS = /[\p{Cc}\p{Cs}]/u;

/**
 * Checks a shop's settings and returns them in their canonical spelling (`europe/berlin` → `Europe/Berlin`,
 * `en-gb` → `en-GB`), or refuses the first bad one with `invalid_shop`. A currency is taken only as ISO
 * 4217 writes it (`EUR`), as everywhere in the API: a shop's currency is compared with its prices'.
 */
export function checkShopSettings(input: ShopSettingsInput): ShopSettings {
  const refuse = (field: keyof ShopSettings, message: string): never => {
    throw new DomainError('invalid_shop', message, { field });
  };
  const name = input.name.trim();
  if (!isDisplayName(name)) {
    refuse('name', `a shop name has 1 to ${MAX_NAME_LENGTH} characters and no control characters`);
  }
  const brandName = input.brandName?.trim() || null;
  if (brandName !== null && !isDisplayName(brandName)) {
    refuse('brandName', `a brand name has 1 to ${MAX_NAME_LENGTH} characters and no control characters`);
  }
  const accentColor = input.accentColor?.toLowerCase() ?? null;
  if (accentColor !== null && !/^#[0-9a-f]{6}$/.test(accentColor)) {
    refuse('accentColor', `"${input.accentColor}" is not a colour written #rrggbb (for example #1d4ed8)`);
  }
  const logoUrl = input.logoUrl ?? null;
  if (logoUrl !== null && !isHttpsUrl(logoUrl)) {
    refuse('logoUrl', `"${logoUrl}" is not an https:// address of at most ${MAX_URL_LENGTH} characters`);
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
  return { name, currency, timeZone, locale, brandName, accentColor, logoUrl };
}

function isDisplayName(name: string): boolean {
  return name.length > 0 && name.length <= MAX_NAME_LENGTH && !CONTROL_CHARACTERS.test(name);
}

function isHttpsUrl(address: string): boolean {
  if (address.length > MAX_URL_LENGTH || !URL.canParse(address)) return false;
  const url = new URL(address);
  // Credentials in a public image address would be shown to every customer.
  return url.protocol === 'https:' && url.hostname !== '' && url.username === '' && url.password === '';
}

/** The branding as customers see it, every part filled: the shop's name and Presell's blue by default. */
export interface ShownBranding {
  name: string;
  accentColor: string;
  /** Black or white, whichever reads better on the accent colour (WCAG contrast). */
  onAccent: string;
  logoUrl: string | null;
}

export function shownBranding(shop: Pick<ShopSettings, 'name' | keyof Branding>): ShownBranding {
  const accentColor = shop.accentColor ?? DEFAULT_ACCENT;
  return {
    name: shop.brandName ?? shop.name,
    accentColor,
    onAccent: contrast(accentColor, '#ffffff') >= contrast(accentColor, '#000000') ? '#ffffff' : '#000000',
    logoUrl: shop.logoUrl,
  };
}

/** WCAG 2 contrast ratio of two #rrggbb colours, from 1 to 21. */
export function contrast(one: string, other: string): number {
  const [lighter, darker] = [luminance(one), luminance(other)].sort((a, b) => b - a) as [number, number];
  return (lighter + 0.05) / (darker + 0.05);
}

function luminance(color: string): number {
  const [r, g, b] = [1, 3, 5].map((at) => {
    const channel = Number.parseInt(color.slice(at, at + 2), 16) / 255;
    return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
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

/**
 * What a shop's locale gives its customers: the locale its texts, dates and amounts are worded in, and
 * whether that is a fallback (a language without texts is worded in English of its region: es-ES → en-ES).
 */
export function wordingOf(locale: string): { locale: string; language: string; fallback: boolean } {
  const worded = wordingLocale(locale);
  return { locale: worded, language: new Intl.Locale(worded).language, fallback: worded !== locale };
}
