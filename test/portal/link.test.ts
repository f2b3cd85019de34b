import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { checkLink, claimedShop, expiryAfter, signLink } from '../../src/portal/link.ts';

const now = new Date('2026-12-01T09:00:00Z');
const claims = {
  shopId: 'shop_a',
  email: 'ada@example.com',
  purpose: 'portal' as const,
  expiresAt: expiryAfter(now, 30),
};

test('a signed link checks out for its shop, customer and purpose until it expires', () => {
  const token = signLink(claims, 'secret-a');
  assert.equal(claimedShop(token), 'shop_a');
  assert.deepEqual(checkLink(token, 'secret-a', 'portal', now), { status: 'valid', claims });
  const later = new Date(now.getTime() + 31 * 86_400_000);
  assert.deepEqual(checkLink(token, 'secret-a', 'portal', later), { status: 'expired', claims });
  assert.equal(checkLink(token, 'secret-b', 'portal', now).status, 'tampered', 'another shop’s secret');
  assert.equal(checkLink(token, 'secret-a', 'unsubscribe', now).status, 'tampered', 'another purpose');
});

test('an unsubscribe link does not expire', () => {
  const token = signLink({ ...claims, purpose: 'unsubscribe', expiresAt: null }, 'secret-a');
  assert.equal(checkLink(token, 'secret-a', 'unsubscribe', new Date('2099-01-01')).status, 'valid');
});

test('changing any character of a link breaks it', () => {
  const token = signLink(claims, 'secret-a');
  fc.assert(
    fc.property(fc.nat(token.length - 1), fc.constantFrom(...'ABCxyz019-_.'), (index, replacement) => {
      fc.pre(token[index] !== replacement);
      const changed = token.slice(0, index) + replacement + token.slice(index + 1);
      assert.equal(checkLink(changed, 'secret-a', 'portal', now).status, 'tampered');
    }),
  );
});

test('garbage is tampered, never an exception', () => {
  fc.assert(
    fc.property(fc.string(), (garbage) => {
      assert.equal(checkLink(garbage, 'secret-a', 'portal', now).status, 'tampered');
    }),
  );
  assert.equal(claimedShop('v1.not base64!.x'), undefined);
});
