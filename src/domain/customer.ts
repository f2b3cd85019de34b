import { DomainError } from './errors.ts';

const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:".]{2,}$/u;
const MAX_EMAIL_LENGTH = 254;

/**
 * One spelling per customer, so limits and look-ups see the same person: trimmed and lower-cased.
 * Mailbox providers treat the local part case-insensitively in practice.
 */
export function normaliseEmail(raw: string): string {
  const email = raw.trim().toLowerCase();
  if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email)) {
    throw new DomainError('invalid_email', 'that is not an email address we can write to', {
      field: 'email',
    });
  }
  return email;
}
