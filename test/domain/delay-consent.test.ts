import assert from 'node:assert/strict';
import { test } from 'node:test';
import { consentDeadline, delayNeedsConsent, reminderDue } from '../../src/domain/delay-consent.ts';

const first = { from: '2027-01-04', to: '2027-01-10' };

test('a move asks the customer only when it ends later than the first window and the one before', () => {
  const later = { from: '2027-02-01', to: '2027-02-07' };
  assert.equal(delayNeedsConsent({ firstWindow: first, oldWindow: first, newWindow: later }), true);
  assert.equal(
    delayNeedsConsent({ firstWindow: first, oldWindow: later, newWindow: first }),
    false,
    'earlier',
  );
  const stillLate = { from: '2027-01-20', to: '2027-01-26' };
  assert.equal(
    delayNeedsConsent({ firstWindow: first, oldWindow: later, newWindow: stillLate }),
    false,
    'better than the last delay: the open question stands, no new one',
  );
  const within = { from: '2027-01-05', to: '2027-01-10' };
  assert.equal(delayNeedsConsent({ firstWindow: first, oldWindow: first, newWindow: within }), false);
  assert.equal(
    delayNeedsConsent({ firstWindow: first, oldWindow: first, newWindow: null }),
    true,
    'no date any more',
  );
  assert.equal(
    delayNeedsConsent({ firstWindow: null, oldWindow: null, newWindow: later }),
    false,
    'never told a date',
  );
});

test('the deadline and the reminders before it', () => {
  const asked = new Date('2026-12-01T09:00:00Z');
  const deadline = consentDeadline(asked, 14);
  assert.equal(deadline.toISOString(), '2026-12-15T09:00:00.000Z');
  const at = (iso: string) => new Date(iso);
  const days = [7, 2];
  assert.equal(reminderDue({ deadline, sent: 0 }, days, at('2026-12-08T08:59:00Z')), false);
  assert.equal(reminderDue({ deadline, sent: 0 }, days, at('2026-12-08T09:00:00Z')), true);
  assert.equal(reminderDue({ deadline, sent: 1 }, days, at('2026-12-10T09:00:00Z')), false);
  assert.equal(reminderDue({ deadline, sent: 1 }, days, at('2026-12-13T09:00:00Z')), true);
  assert.equal(reminderDue({ deadline, sent: 2 }, days, at('2026-12-14T09:00:00Z')), false, 'all sent');
  assert.equal(
    reminderDue({ deadline, sent: 0 }, days, at('2026-12-15T09:00:00Z')),
    false,
    'past the deadline',
  );
});
