import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { eventsDocument } from '../../scripts/events-doc.ts';
import { checkEvent, EVENT_TYPES, EVENTS, event } from '../../src/domain/events.ts';

describe('the event catalogue', () => {
  test('docs/events.md is the catalogue as it is (npm run docs:events writes it)', () => {
    const written = readFileSync(new URL('../../docs/events.md', import.meta.url), 'utf8');
    assert.equal(written, eventsDocument(), 'docs/events.md is stale: run npm run docs:events');
  });

  test('every type says what it means, is versioned and is in the document', () => {
    const document = eventsDocument();
    for (const type of EVENT_TYPES) {
      assert.ok(EVENTS[type].meaning.length > 10, type);
      assert.ok(Number.isInteger(EVENTS[type].version) && EVENTS[type].version >= 1, type);
      assert.ok(document.includes(`### \`${type}\``), type);
    }
  });

  test('an event whose data is not of its shape is never written', () => {
    assert.doesNotThrow(() => checkEvent(event('shop_1', 'preorder.ready', 'po_1', {})));
    assert.throws(() => checkEvent(event('shop_1', 'preorder.ready', 'po_1', { unknown: true } as never)));
    assert.throws(() =>
      checkEvent(
        event('shop_1', 'preorder.balance_due', 'po_1', { amount: { amount: 1.5, currency: 'EUR' } }),
      ),
    );
  });
});
