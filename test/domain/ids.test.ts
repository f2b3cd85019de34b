import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { ID_PREFIX, newId } from '../../src/ids.ts';

const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';
const SHAPE = /^[a-z]+_[0-9a-hjkmnp-tv-z]{26}$/;

/** The milliseconds an id was made at, read back from its first ten digits. */
function millisOf(id: string): number {
  const digits = id.slice(id.indexOf('_') + 1, id.indexOf('_') + 11);
  return [...digits].reduce((value, digit) => value * 32 + CROCKFORD.indexOf(digit), 0);
}

test('an id is its kind’s prefix, then 26 Crockford base32 digits whose first ten are the time', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...(Object.keys(ID_PREFIX) as (keyof typeof ID_PREFIX)[])),
      fc.integer({ min: 0, max: 2 ** 48 - 1 }),
      (kind, now) => {
        const id = newId(kind, now);
        assert.match(id, SHAPE);
        assert.ok(id.startsWith(`${ID_PREFIX[kind]}_`));
        assert.equal(millisOf(id), now);
      },
    ),
  );
});

test('ids sort as they were made, within a millisecond and across them, and never repeat', () => {
  const made: string[] = [];
  const start = Date.UTC(2027, 0, 1);
  // Thousands to a millisecond: more than one pool of random bytes, and the counter past 255.
  for (let millis = 0; millis < 5; millis++) {
    for (let n = 0; n < 2_000; n++) made.push(newId('preorder', start + millis));
  }
  assert.deepEqual([...made].sort(), made);
  assert.equal(new Set(made).size, made.length);
});

test('the 80 bits after the time are random: ids of one millisecond differ beyond the counter', () => {
  const first = newId('event', 1_000);
  const second = newId('event', 2_000);
  const third = newId('event', 2_000);
  // A new millisecond starts the counter again: the same first four digits, different random ones.
  assert.equal(first.slice(14, 17), second.slice(14, 17));
  assert.notEqual(first.slice(18), second.slice(18));
  assert.notEqual(second.slice(18), third.slice(18));
});
