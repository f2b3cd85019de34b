/**
 * The pure rules of operations: what a parcel may carry, the lines of an export, the split of incoming
 * stock between backorders and the shelf, the status a backorder campaign moves to by itself, the slip
 * impact, the webhook signature and the addresses webhooks may go to; property tests where a rule must
 * hold for every input.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { backorderStatus, restock } from '../../src/domain/backorder.ts';
import { DomainError } from '../../src/domain/errors.ts';
import { exportLines, shipmentUnits } from '../../src/domain/fulfilment.ts';
import { perksOf, priceUnits } from '../../src/domain/pricing.ts';
import { wordAvailability } from '../../src/domain/ship-window-wording.ts';
import { type SlipCandidate, slipImpact } from '../../src/domain/slip-impact.ts';
import { internalAddressReason } from '../../src/webhooks/network-address.ts';
import { signatureHeader, webhookSecret } from '../../src/webhooks/signature.ts';
import { verifyStandardWebhook } from '../support/webhook-receiver.ts';

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as DomainError).code;
  }
  return null;
};

describe('parcels', () => {
  const ready = { state: 'ready' as const, quantity: 3, unitsShipped: 0, policy: 'split' as const };
  test('a ready pre-order ships what is left, in parts only under the split policy', () => {
    assert.equal(shipmentUnits(ready), 3);
    assert.equal(shipmentUnits(ready, 2), 2);
    assert.equal(shipmentUnits({ ...ready, unitsShipped: 2 }), 1);
    assert.equal(
      code(() => shipmentUnits({ ...ready, state: 'allocated' })),
      'invalid_transition',
    );
    assert.equal(
      code(() => shipmentUnits(ready, 4)),
      'shipment_too_large',
    );
    assert.equal(
      code(() => shipmentUnits(ready, 0)),
      'shipment_too_large',
    );
    assert.equal(
      code(() => shipmentUnits({ ...ready, policy: 'ship_complete' }, 2)),
      'partial_shipment_refused',
    );
    assert.equal(shipmentUnits({ ...ready, policy: 'ship_complete' }), 3);
  });

  test('property: parcels never ship more than the quantity, and the pre-order is done exactly at its quantity', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.array(fc.integer({ min: 0, max: 60 }), { maxLength: 20 }),
        (quantity, asks) => {
          let shipped = 0;
          for (const ask of asks) {
            if (shipped === quantity) break;
            try {
              shipped += shipmentUnits(
                { state: 'ready', quantity, unitsShipped: shipped, policy: 'split' },
                ask || null,
              );
            } catch (error) {
              if (!(error instanceof DomainError)) throw error;
            }
            assert.ok(shipped <= quantity);
          }
        },
      ),
    );
  });

  test('an export line per pre-order, a perk’s bonus item on a line of its own with the first parcel', () => {
    const perks = perksOf(
      priceUnits(
        {
          priceAmount: 100,
          earlyBird: [
            {
              name: 'First 2',
              firstUnits: 2,
              percentOff: 10,
              perk: { sku: 'STAND', quantity: 1, note: 'Signed' },
            },
          ],
        },
        1,
        3,
        new Date(0),
      ).lines,
    );
    assert.deepEqual(
      perks,
      [{ tier: 'First 2', sku: 'STAND', quantity: 1, note: 'Signed' }],
      'one unit was in the tier',
    );
    assert.deepEqual(exportLines({ sku: 'LAMP', quantity: 3, unitsShipped: 0 }, perks), [
      { sku: 'LAMP', quantity: 3, perk: null, note: 'Signed' },
      { sku: 'STAND', quantity: 1, perk: 'First 2', note: null },
    ]);
    assert.deepEqual(exportLines({ sku: 'LAMP', quantity: 3, unitsShipped: 1 }, perks), [
      { sku: 'LAMP', quantity: 2, perk: null, note: 'Signed' },
    ]);
  });
});

describe('backorders', () => {
  test('property: incoming units serve the waiting first, the rest goes on the shelf, none is lost', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.nat(1000), fc.nat(1000), (previous, onHand, waiting) => {
        const { toBackorders, shelf } = restock(previous, onHand, waiting);
        assert.equal(toBackorders + shelf, onHand);
        assert.ok(toBackorders <= waiting && toBackorders <= Math.max(0, onHand - previous));
        if (onHand > previous && waiting > 0) assert.ok(toBackorders > 0, 'backorders come first');
      }),
    );
  });

  test('a campaign opens on an empty shelf only when stock paused it, and pauses once every backorder is served', () => {
    const base = { status: 'open' as const, stockPaused: false, shelf: 5, unitsWaiting: 0 };
    assert.equal(backorderStatus(base), 'paused');
    assert.equal(backorderStatus({ ...base, unitsWaiting: 1 }), null);
    assert.equal(backorderStatus({ ...base, status: 'paused', stockPaused: true, shelf: 0 }), 'open');
    assert.equal(
      backorderStatus({ ...base, status: 'paused', stockPaused: false, shelf: 0 }),
      null,
      'the merchant’s pause',
    );
  });

  test('availability is worded whole in every language', () => {
    const window = { from: '2027-01-11', to: '2027-01-14' };
    const words = (locale: string) =>
      (['in_stock', 'backorder', 'preorder'] as const).map((kind) =>
        wordAvailability(kind, kind === 'in_stock' ? null : window, { locale, today: '2027-01-01' }),
      );
    assert.deepEqual(words('en-GB'), [
      'In stock',
      'Backorder — ships by 14 January',
      'Pre-order — ships the week of 11 January',
    ]);
    assert.deepEqual(words('de-DE')[0], 'Auf Lager');
    assert.deepEqual(words('fr-FR')[0], 'En stock');
    assert.deepEqual(words('ja-JP')[0], '在庫あり');
    for (const locale of ['de-DE', 'fr-FR', 'ja-JP']) {
      for (const message of words(locale).slice(1))
        assert.ok(!/ships|Pre-order|Backorder/.test(message), message);
    }
  });
});

describe('the slip impact', () => {
  const candidate = (id: number, fields: Partial<SlipCandidate> = {}): SlipCandidate => ({
    preorderId: `po_${id}`,
    email: `c${id}@example.com`,
    oldWindow: { from: '2027-01-10', to: '2027-01-17' },
    newWindow: { from: '2027-02-07', to: '2027-02-14' },
    firstPromise: { from: '2027-01-10', to: '2027-01-17' },
    paid: 1_000,
    deposit: true,
    outstanding: 4_000,
    ...fields,
  });
  const history = { delayed: 0, cancelledAfter: 0 };

  test('counts who moves by how much, who passes the first promise, the money and the notices', () => {
    const impact = slipImpact(
      [
        candidate(1),
        candidate(2, { firstPromise: { from: '2027-03-01', to: '2027-03-08' } }),
        candidate(3, { newWindow: { from: '2027-01-11', to: '2027-01-18' } }),
        candidate(4, { newWindow: null }),
        candidate(5, { newWindow: candidate(5).oldWindow }),
      ],
      { toleranceDays: 2, history },
    );
    assert.deepEqual([impact.moved, impact.announced, impact.quiet, impact.losePromise], [4, 3, 1, 1]);
    assert.deepEqual(impact.histogram, [
      { days: 1, preorders: 1 },
      { days: 28, preorders: 2 },
    ]);
    assert.deepEqual(impact.pastFirstPromise, { preorders: 2, preorderIds: ['po_1', 'po_4'] });
    assert.deepEqual(impact.money, { paid: 4_000, deposits: 4_000, balancesNotCollected: 16_000 });
    assert.deepEqual(impact.expectedCancellations, { rate: 0.1, basis: 'default', preorders: 0, history });
    assert.deepEqual(impact.notices, [
      { kind: 'delay_consent', customers: 2 },
      { kind: 'promise_changed', customers: 1 },
      { kind: 'progress_update', customers: 1 },
    ]);
  });

  test('property: the counts add up, and a customer gets one notice at most', () => {
    const day = fc
      .integer({ min: 0, max: 60 })
      .map((n) => `2027-01-${String(1 + (n % 28)).padStart(2, '0')}`);
    const window = fc.option(
      fc.tuple(day, fc.integer({ min: 0, max: 10 })).map(([from]) => ({ from, to: from })),
      { nil: null },
    );
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            email: fc.constantFrom('a', 'b', 'c', 'd'),
            oldWindow: window,
            newWindow: window,
            firstPromise: window,
          }),
          { maxLength: 30 },
        ),
        fc.nat(5),
        (rows, tolerance) => {
          const impact = slipImpact(
            rows.map((row, i) => candidate(i, row)),
            { toleranceDays: tolerance, history: { delayed: 10, cancelledAfter: 3 } },
          );
          assert.equal(impact.moved, impact.announced + impact.quiet);
          const bars = impact.histogram.reduce((sum, bar) => sum + bar.preorders, 0);
          assert.ok(bars + impact.losePromise <= impact.moved);
          assert.ok(impact.pastFirstPromise.preorders <= impact.announced);
          const notified = impact.notices.reduce((sum, notice) => sum + notice.customers, 0);
          assert.ok(notified <= new Set(rows.map((row) => row.email)).size);
          assert.equal(impact.expectedCancellations.preorders, Math.round(0.3 * impact.announced));
        },
      ),
    );
  });
});

describe('webhook signatures', () => {
  test('a receiver that follows the specification verifies them, with every secret during a rotation', () => {
    const current = webhookSecret(Buffer.alloc(32, 1));
    const old = webhookSecret(Buffer.alloc(24, 2));
    const body = '{"type":"preorder.placed","timestamp":"2027-01-01T00:00:00.000Z","data":{}}';
    const message = { id: 'webhooks:evt_01', timestamp: 1_800_000_000, body };
    const header = signatureHeader(message, [current, old]);
    assert.match(header, /^v1,[A-Za-z0-9+/]{43}= v1,[A-Za-z0-9+/]{43}=$/);
    const headers = {
      'webhook-id': message.id,
      'webhook-timestamp': String(message.timestamp),
      'webhook-signature': header,
    };
    for (const secret of [current, old])
      assert.ok(verifyStandardWebhook(headers, body, secret, message.timestamp));
    assert.ok(!verifyStandardWebhook(headers, `${body} `, current, message.timestamp), 'the body as sent');
    assert.ok(!verifyStandardWebhook(headers, body, current, message.timestamp + 301), 'a stale timestamp');
    assert.ok(!verifyStandardWebhook(headers, body, webhookSecret(Buffer.alloc(32, 3)), message.timestamp));
    assert.throws(() => signatureHeader({ ...message, id: 'a.b' }, [current]), /full stop/);
  });

  test('internal addresses are told apart from public ones', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.8',
      '172.20.1.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '::1',
      'fe80::1',
      'fd00::1',
      '::ffff:10.0.0.1',
    ]) {
      assert.ok(internalAddressReason(address), address);
    }
    for (const address of ['8.8.8.8', '93.184.216.34', '2606:4700:4700::1111'])
      assert.equal(internalAddressReason(address), null);
  });
});
