/**
 * Money as decimal text, the way store platforms write it ("12.50", "1200.0"), to and from Presell's integer
 * minor units. Exact: no floating point on the way.
 */
import { DomainError } from './errors.ts';
import { type Money, minorUnitDigits, money } from './money.ts';

/** "12.50" for 1250 EUR, "1200" for 1200 JPY, "1.250" for 1250 KWD. */
export function toDecimalAmount(value: Money): string {
  const digits = minorUnitDigits(value.currency);
  const sign = value.amount < 0 ? '-' : '';
  const units = Math.abs(value.amount)
    .toString()
    .padStart(digits + 1, '0');
  if (digits === 0) return `${sign}${units}`;
  return `${sign}${units.slice(0, -digits)}.${units.slice(-digits)}`;
}

/**
 * Minor units of a decimal amount in `currency`. Trailing zeros past the currency's digits are accepted
 * ("1200.0" JPY); anything finer than a minor unit is refused rather than rounded.
 */
export function fromDecimalAmount(text: string, currency: string): Money {
  const digits = minorUnitDigits(currency);
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text.trim());
  if (!match) throw new DomainError('invalid_amount', `${JSON.stringify(text)} is not a decimal amount`);
  const [, sign, whole, fraction = ''] = match;
  if (/[1-9]/.test(fraction.slice(digits))) {
    throw new DomainError('invalid_amount', `${text} ${currency} is finer than a minor unit`);
  }
  const minor = Number(`${whole}${fraction.slice(0, digits).padEnd(digits, '0')}`);
  return money(sign === '-' ? -minor : minor, currency);
}
