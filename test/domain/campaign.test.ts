import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  assertCanPlace,
  assertCapFits,
  CAMPAIGN_STATUSES,
  type CampaignAction,
  type CampaignRules,
  type CampaignStatus,
  checkCampaignRules,
  type NotOpenReason,
  nextStatus,
  type OfferState,
  offerState,
  type VariantSupply,
} from '../../src/domain/campaign.ts';

const now = new Date('2025-06-01T12:00:00.000Z');
/** `ms` milliseconds after (or before, when negative) `now`. */
const at = (ms: number) => new Date(now.getTime() + ms);
const HOUR = 3_600_000;

const campaign = (overrides: Partial<CampaignRules> = {}): CampaignRules => ({
  mode: 'preorder',
  status: 'open',
  opensAt: null,
  closesAt: null,
  priceAmount: 5000,
  perCustomerLimit: null,
  earlyBird: [],
  paymentTerms: { kind: 'full' },
  ...overrides,
});
const supply = (overrides: Partial<VariantSupply> = {}): VariantSupply => ({
  cap: 100,
  held: 0,
  onHand: 0,
  unitsLeft: 100,
  ...overrides,
});

describe('checkCampaignRules', () => {
  const valid: [string, Partial<CampaignRules>][] = [
    ['no window, no tiers, pay in full', {}],
    ['a window with only an opening', { opensAt: at(HOUR) }],
    ['a window with only a close', { closesAt: at(-HOUR) }],
    ['a window one millisecond long', { opensAt: now, closesAt: at(1) }],
    [
      'tiers by units, by date, by both, at a price or a percent off',
      {
        earlyBird: [
          { name: 'first 10', firstUnits: 10, unitAmount: 0 },
          { name: 'launch week', until: at(7 * 24 * HOUR).toISOString(), percentOff: 10 },
          {
            name: 'first 50 this month',
            firstUnits: 50,
            until: at(30 * 24 * HOUR).toISOString(),
            unitAmount: 4999,
          },
        ],
      },
    ],
    [
      'a deposit as a percent',
      { paymentTerms: { kind: 'deposit', percent: 20, balanceDue: { kind: 'on_release' } } },
    ],
    [
      'a deposit of the whole price',
      { paymentTerms: { kind: 'deposit', amount: 5000, balanceDue: { kind: 'days_before_ship', days: 7 } } },
    ],
    ['pay later', { paymentTerms: { kind: 'later' } }],
  ];
  for (const [name, overrides] of valid) {
    test(`accepts ${name}`, () => assert.doesNotThrow(() => checkCampaignRules(campaign(overrides))));
  }

  const deposit = (terms: { percent?: number; amount?: number }) => ({
    paymentTerms: { kind: 'deposit' as const, ...terms, balanceDue: { kind: 'on_release' as const } },
  });
  const refused: [string, Partial<CampaignRules>, string][] = [
    ['closesAt equal to opensAt', { opensAt: now, closesAt: now }, 'closesAt'],
    ['closesAt before opensAt', { opensAt: now, closesAt: at(-1) }, 'closesAt'],
    [
      'a tier with neither firstUnits nor until (its index is named)',
      {
        earlyBird: [
          { name: 'ok', firstUnits: 5, unitAmount: 4000 },
          { name: 'forever', unitAmount: 4000 },
        ],
      },
      'earlyBird[1]',
    ],
    [
      'a tier with both a price and a percent off',
      { earlyBird: [{ name: 'both', firstUnits: 5, unitAmount: 4000, percentOff: 10 }] },
      'earlyBird[0]',
    ],
    [
      'a tier with neither a price nor a percent off',
      { earlyBird: [{ name: 'none', firstUnits: 5 }] },
      'earlyBird[0]',
    ],
    [
      'a tier priced at the regular price',
      { earlyBird: [{ name: 'same', firstUnits: 5, unitAmount: 5000 }] },
      'earlyBird[0]',
    ],
    [
      'a tier priced above the regular price',
      { earlyBird: [{ name: 'dear', firstUnits: 5, unitAmount: 5001 }] },
      'earlyBird[0]',
    ],
    [
      'two tiers with one name',
      {
        earlyBird: [
          { name: 'early', firstUnits: 5, unitAmount: 4000 },
          { name: 'early', firstUnits: 10, unitAmount: 4500 },
        ],
      },
      'earlyBird',
    ],
    ['a deposit with both a percent and an amount', deposit({ percent: 20, amount: 1000 }), 'paymentTerms'],
    ['a deposit with neither a percent nor an amount', deposit({}), 'paymentTerms'],
    ['a deposit above the price', deposit({ amount: 5001 }), 'paymentTerms.amount'],
  ];
  for (const [name, overrides, field] of refused) {
    test(`refuses ${name}`, () => {
      assert.throws(() => checkCampaignRules(campaign(overrides)), {
        name: 'DomainError',
        code: 'invalid_campaign',
        details: { field },
      });
    });
  }
});

describe('nextStatus', () => {
  const ACTIONS: readonly CampaignAction[] = ['open', 'pause', 'close'];
  /** Inside an open window; `null` is a refusal with `invalid_transition`. */
  const MOVES: Record<CampaignStatus, Record<CampaignAction, CampaignStatus | null>> = {
    draft: { open: 'open', pause: null, close: 'closed' },
    scheduled: { open: 'open', pause: 'paused', close: 'closed' },
    open: { open: 'open', pause: 'paused', close: 'closed' },
    paused: { open: 'open', pause: null, close: 'closed' },
    closed: { open: null, pause: null, close: null },
  };
  const inWindow = { opensAt: at(-HOUR), closesAt: at(HOUR) };

  for (const status of CAMPAIGN_STATUSES) {
    for (const action of ACTIONS) {
      const to = MOVES[status][action];
      test(`${status} --${action}--> ${to ?? 'refused'}`, () => {
        const move = () => nextStatus({ status, ...inWindow }, action, now);
        if (to) assert.equal(move(), to);
        else {
          assert.throws(move, {
            name: 'DomainError',
            code: 'invalid_transition',
            details: { from: status, action },
          });
        }
      });
    }
  }

  test('opening before opensAt schedules, from every status that can open', () => {
    for (const status of ['draft', 'scheduled', 'open', 'paused'] as const) {
      assert.equal(nextStatus({ status, opensAt: at(1), closesAt: null }, 'open', now), 'scheduled', status);
      assert.equal(nextStatus({ status, opensAt: now, closesAt: null }, 'open', now), 'open', status);
    }
  });

  test('opening at or after closesAt is refused with window_ended; a millisecond before, it opens', () => {
    for (const status of ['draft', 'scheduled', 'open', 'paused'] as const) {
      for (const closesAt of [now, at(-HOUR)]) {
        assert.throws(() => nextStatus({ status, opensAt: null, closesAt }, 'open', now), {
          code: 'window_ended',
          details: { closesAt: closesAt.toISOString() },
        });
      }
      assert.equal(nextStatus({ status, opensAt: null, closesAt: at(1) }, 'open', now), 'open');
    }
  });

  test('a closed campaign answers invalid_transition, not window_ended, after its window', () => {
    assert.throws(() => nextStatus({ status: 'closed', opensAt: null, closesAt: at(-HOUR) }, 'open', now), {
      code: 'invalid_transition',
      details: { from: 'closed', action: 'open' },
    });
  });

  test('pausing and closing do not look at the window', () => {
    const ended = { opensAt: at(-2 * HOUR), closesAt: at(-HOUR) };
    assert.equal(nextStatus({ status: 'open', ...ended }, 'pause', now), 'paused');
    assert.equal(nextStatus({ status: 'draft', ...ended }, 'close', now), 'closed');
  });
});

describe('offerState', () => {
  type Expected = { state: OfferState; reason?: NotOpenReason };
  const cases: [string, Partial<CampaignRules>, Partial<VariantSupply>, Expected][] = [
    ['an open campaign with units left', {}, {}, { state: 'open' }],
    ['a draft', { status: 'draft' }, {}, { state: 'closed', reason: 'draft' }],
    ['a closed campaign', { status: 'closed' }, {}, { state: 'closed', reason: 'closed' }],
    ['a paused campaign', { status: 'paused' }, {}, { state: 'closed', reason: 'paused' }],
    [
      'a draft whose window ended',
      { status: 'draft', closesAt: at(-HOUR) },
      {},
      { state: 'closed', reason: 'draft' },
    ],
    [
      'a paused campaign whose window ended',
      { status: 'paused', closesAt: at(-HOUR) },
      {},
      { state: 'closed', reason: 'window_ended' },
    ],
    [
      'a paused campaign before its window',
      { status: 'paused', opensAt: at(HOUR) },
      {},
      { state: 'closed', reason: 'paused' },
    ],
    ['exactly at opensAt', { opensAt: now }, {}, { state: 'open' }],
    ['a millisecond before opensAt', { opensAt: at(1) }, {}, { state: 'upcoming', reason: 'not_yet_open' }],
    [
      'a scheduled campaign before opensAt',
      { status: 'scheduled', opensAt: at(HOUR) },
      {},
      { state: 'upcoming', reason: 'not_yet_open' },
    ],
    [
      'a scheduled campaign at opensAt opens by itself',
      { status: 'scheduled', opensAt: now },
      {},
      { state: 'open' },
    ],
    [
      'a scheduled campaign after opensAt',
      { status: 'scheduled', opensAt: at(-HOUR) },
      {},
      { state: 'open' },
    ],
    [
      'a scheduled campaign that sold out',
      { status: 'scheduled', opensAt: at(-HOUR) },
      { cap: 3, held: 3, unitsLeft: 0 },
      { state: 'sold_out' },
    ],
    ['exactly at closesAt', { closesAt: now }, {}, { state: 'closed', reason: 'window_ended' }],
    ['a millisecond before closesAt', { closesAt: at(1) }, {}, { state: 'open' }],
    [
      'a scheduled campaign after its window',
      { status: 'scheduled', opensAt: at(-2 * HOUR), closesAt: at(-HOUR) },
      {},
      { state: 'closed', reason: 'window_ended' },
    ],
    ['no cap, however many are held', {}, { cap: null, held: 1_000_000, unitsLeft: null }, { state: 'open' }],
    ['cap 0: nothing to sell', {}, { cap: 0, held: 0, unitsLeft: 0 }, { state: 'sold_out' }],
    ['every capped unit held', {}, { cap: 5, held: 5, unitsLeft: 0 }, { state: 'sold_out' }],
    ['one capped unit left', {}, { cap: 5, held: 4, unitsLeft: 1 }, { state: 'open' }],
    [
      'no cap, but the supply plan is all held',
      {},
      { cap: null, held: 4, unitsLeft: 0 },
      { state: 'sold_out' },
    ],
    [
      'a sold-out campaign before opensAt',
      { opensAt: at(HOUR) },
      { cap: 0, unitsLeft: 0 },
      { state: 'upcoming', reason: 'not_yet_open' },
    ],
    ['a pre-order with stock on hand', {}, { onHand: 5 }, { state: 'open' }],
    ['a backorder while out of stock', { mode: 'backorder' }, { onHand: 0 }, { state: 'open' }],
    [
      'a backorder while in stock',
      { mode: 'backorder' },
      { onHand: 1 },
      { state: 'closed', reason: 'in_stock' },
    ],
    [
      'a backorder paused by its stock coming in: in stock, not unavailable',
      { mode: 'backorder', status: 'paused' },
      { onHand: 8 },
      { state: 'closed', reason: 'in_stock' },
    ],
    [
      'a backorder paused out of stock',
      { mode: 'backorder', status: 'paused' },
      { onHand: 0 },
      { state: 'closed', reason: 'paused' },
    ],
    [
      'a backorder in stock with a cap of 0',
      { mode: 'backorder' },
      { onHand: 3, cap: 0, unitsLeft: 0 },
      { state: 'closed', reason: 'in_stock' },
    ],
    [
      'a backorder in stock before its window',
      { mode: 'backorder', opensAt: at(HOUR) },
      { onHand: 3 },
      { state: 'upcoming', reason: 'not_yet_open' },
    ],
  ];
  for (const [name, rules, counters, expected] of cases) {
    test(name, () => assert.deepEqual(offerState(campaign(rules), supply(counters), now), expected));
  }
});

describe('assertCanPlace', () => {
  test('within and exactly at the per-customer limit is allowed; one more is refused', () => {
    const limited = campaign({ perCustomerLimit: 2 });
    assert.doesNotThrow(() => assertCanPlace(limited, supply(), 1, now));
    assert.doesNotThrow(() => assertCanPlace(limited, supply(), 2, now));
    assert.throws(() => assertCanPlace(limited, supply(), 3, now), {
      name: 'DomainError',
      code: 'per_customer_limit',
      details: { limit: 2 },
    });
  });

  test('without a per-customer limit any quantity passes the campaign check', () => {
    assert.doesNotThrow(() =>
      assertCanPlace(campaign(), supply({ cap: null, unitsLeft: null }), 10_000, now),
    );
  });

  test('sold out is answered before the per-customer limit', () => {
    assert.throws(
      () => assertCanPlace(campaign({ perCustomerLimit: 1 }), supply({ cap: 0, unitsLeft: 0 }), 5, now),
      {
        code: 'sold_out',
        details: { unitsLeft: 0 },
      },
    );
  });

  const notOpen: [Partial<CampaignRules>, Partial<VariantSupply>, OfferState, NotOpenReason][] = [
    [{ status: 'draft' }, {}, 'closed', 'draft'],
    [{ status: 'paused' }, {}, 'closed', 'paused'],
    [{ status: 'closed' }, {}, 'closed', 'closed'],
    [{ opensAt: at(1) }, {}, 'upcoming', 'not_yet_open'],
    [{ closesAt: now }, {}, 'closed', 'window_ended'],
    [{ mode: 'backorder' }, { onHand: 1 }, 'closed', 'in_stock'],
  ];
  for (const [rules, counters, state, reason] of notOpen) {
    test(`refuses with campaign_not_open when ${reason}`, () => {
      assert.throws(
        () => assertCanPlace(campaign({ ...rules, perCustomerLimit: 1 }), supply(counters), 5, now),
        {
          name: 'DomainError',
          code: 'campaign_not_open',
          details: { state, reason },
        },
      );
    });
  }

  test('offerState says open exactly when a pre-order of one unit passes (one rule in two forms)', () => {
    const instant = fc.option(fc.integer({ min: -3, max: 3 }).map((hours) => at(hours * HOUR)));
    fc.assert(
      fc.property(
        fc.constantFrom('preorder', 'backorder'),
        fc.constantFrom(...CAMPAIGN_STATUSES),
        instant,
        instant,
        fc.option(fc.integer({ min: 0, max: 5 })),
        fc.integer({ min: 0, max: 6 }),
        fc.integer({ min: 0, max: 2 }),
        (mode, status, opensAt, closesAt, unitsLeft, held, onHand) => {
          const rules = campaign({ mode, status, opensAt, closesAt });
          const counters = supply({ unitsLeft, held, onHand });
          const { state, reason } = offerState(rules, counters, now);
          const place = () => assertCanPlace(rules, counters, 1, now);
          if (state === 'open') assert.doesNotThrow(place);
          else if (state === 'sold_out')
            assert.throws(place, { code: 'sold_out', details: { unitsLeft: 0 } });
          else assert.throws(place, { code: 'campaign_not_open', details: { state, reason } });
        },
      ),
    );
  });
});

describe('assertCapFits', () => {
  test('no cap, a cap at or above the units held fit', () => {
    for (const [cap, held] of [
      [null, 500],
      [0, 0],
      [10, 10],
      [11, 10],
    ] as const) {
      assert.doesNotThrow(() => assertCapFits(cap, held, 'var_1'), `cap ${cap}, held ${held}`);
    }
  });

  test('a cap below the units held is refused with what is held', () => {
    for (const [cap, held] of [
      [9, 10],
      [0, 1],
    ] as const) {
      assert.throws(() => assertCapFits(cap, held, 'var_1'), {
        name: 'DomainError',
        code: 'cap_below_held',
        details: { variantId: 'var_1', held, cap },
      });
    }
  });
});
