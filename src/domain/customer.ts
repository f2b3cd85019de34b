import { DomainError } from './errors.ts';

/** No spaces, specials, control characters or lone surrogates; the domain is dot-separated non-empty labels. */
const EMAIL =
  /^[^\s@<>()[\]\\,;:"\p{Cc}\p{Cs}]+@(?:[^\s@<>()[\]\\,;:".\p{Cc}\p{Cs}]+\.)+[^\s@<>()[\]\\,;:".\p{Cc}\p{Cs}]{2,}$/u;
const MAX_EMAIL_LENGTH = 254;

/**
 * One spelling per customer, so limits and look-ups see the same person: trimmed, lower-cased and in
 * Unicode NFC (a composed and a decomposed "é" are one letter).
 * Mailbox providers treat the local part case-insensitively in practice.
 */
export function normaliseEmail(raw: string): string {
  const email = raw.trim().toLowerCase().normalize('NFC');
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email)) {
    throw new DomainError('invalid_email', 'that is not an email address we can write to', {
      field: 'email',
    });
  }
  return email;
}
