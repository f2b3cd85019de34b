import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { normaliseEmail } from '../../src/domain/customer.ts';

/** A valid address of exactly `length` characters: `a…a@example.com`. */
const emailOfLength = (length: number) => `${'a'.repeat(length - '@example.com'.length)}@example.com`;

describe('normaliseEmail', () => {
  const accepted: [string, string, string][] = [
    ['a plain address is kept', 'ada@example.com', 'ada@example.com'],
    ['case is folded in both parts', 'Ada.Lovelace@Example.COM', 'ada.lovelace@example.com'],
    ['spaces, tabs and newlines around it are trimmed', ' \t ada@example.com \n', 'ada@example.com'],
    [
      'plus tags stay: they are the customer’s own spelling',
      'ada+launch@example.com',
      'ada+launch@example.com',
    ],
    ['subdomains and long top-level domains', 'ada@mail.eu.example.museum', 'ada@mail.eu.example.museum'],
    ['a unicode local part and domain are lower-cased', 'ÅSA@Bücher.DE', 'åsa@bücher.de'],
    ['a decomposed accent becomes the composed one', 'Jose\u0301@example.com', 'jos\u00e9@example.com'],
    ['a composed accent stays composed', 'jos\u00e9@example.com', 'jos\u00e9@example.com'],
  ];
  for (const [name, raw, expected] of accepted) {
    test(name, () => assert.equal(normaliseEmail(raw), expected));
  }

  const refused: [string, string][] = [
    ['empty', ''],
    ['only spaces', '   '],
    ['no @', 'ada.example.com'],
    ['two @', 'ada@home@example.com'],
    ['no local part', '@example.com'],
    ['no domain', 'ada@'],
    ['a domain without a dot', 'ada@localhost'],
    ['a one-letter top-level domain', 'ada@example.c'],
    ['a trailing dot', 'ada@example.com.'],
    ['an empty label inside the domain', 'ada@example..com'],
    ['a domain starting with a dot', 'ada@.example.com'],
    ['a space inside', 'ada lovelace@example.com'],
    ['a display name', 'Ada <ada@example.com>'],
    ['a quoted local part', '"ada"@example.com'],
    ['an address literal', 'ada@[192.0.2.1]'],
    ['a comma-separated list', 'ada@example.com,bob@example.com'],
    ['a semicolon', 'ada@example.com;'],
    ['a NUL character', 'ada\u0000@example.com'],
    ['a bell character', 'a\u0007da@example.com'],
    ['a DEL character', 'ada\u007f@example.com'],
    ['a C1 control character', 'ada\u0085x@example.com'],
    ['a lone surrogate', 'ada\ud800@example.com'],
    ['an HTML tag', '<script>@example.com'],
  ];
  for (const [name, raw] of refused) {
    test(`refuses ${name}`, () => {
      assert.throws(() => normaliseEmail(raw), {
        name: 'DomainError',
        code: 'invalid_email',
        details: { field: 'email' },
      });
    });
  }

  test('up to 254 characters are accepted, 255 are not', () => {
    assert.equal(normaliseEmail(emailOfLength(254)), emailOfLength(254));
    assert.throws(() => normaliseEmail(emailOfLength(255)), { code: 'invalid_email' });
  });

  test('the length limit counts the normalised address, not the spaces or decomposed accents around it', () => {
    assert.equal(normaliseEmail(`  ${emailOfLength(254)}  `), emailOfLength(254));
    const decomposed = `e\u0301${emailOfLength(253)}`;
    assert.equal(decomposed.length, 255);
    assert.equal(normaliseEmail(decomposed), `\u00e9${emailOfLength(253)}`);
  });

  test('normalising twice changes nothing', () => {
    for (const [, raw] of accepted) assert.equal(normaliseEmail(normaliseEmail(raw)), normaliseEmail(raw));
  });
});
