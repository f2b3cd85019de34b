import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  automaticMoves,
  holdsUnits,
  PREORDER_STATES,
  type PreorderMove,
  type PreorderState,
  type StandingFacts,
  transition,
} from '../../src/domain/lifecycle.ts';

/** Every move, checked complete by the compiler: a new move without a row here does not type-check. */
const MOVES = Object.keys({
  confirm: true,
  allocate: true,
  requestBalance: true,
  markReady: true,
  fulfil: true,
  cancel: true,
} satisfies Record<PreorderMove, true>) as PreorderMove[];

/** The DESIGN lifecycle, written out by hand: every allowed move and where it leads. Anything else is refused. */
const ALLOWED: Record<PreorderState, Partial<Record<PreorderMove, PreorderState>>> = {
  placed: { confirm: 'confirmed', cancel: 'cancelled' },
  confirmed: { allocate: 'allocated', cancel: 'cancelled' },
  allocated: { requestBalance: 'balance_due', markReady: 'ready', cancel: 'cancelled' },
  balance_due: { markReady: 'ready', cancel: 'cancelled' },
  ready: { fulfil: 'fulfilled', cancel: 'cancelled' },
  fulfilled: {},
  cancelled: {},
};

describe('pre-order lifecycle', () => {
  test('the table covers every state the domain knows', () => {
    assert.deepEqual(Object.keys(ALLOWED).sort(), [...PREORDER_STATES].sort());
  });

  for (const from of PREORDER_STATES) {
    for (const move of MOVES) {
      const to = ALLOWED[from][move];
      if (to) {
        test(`${from} --${move}--> ${to}`, () => {
          assert.equal(transition(from, move), to);
        });
      } else {
        test(`${from} refuses ${move}`, () => {
          assert.throws(() => transition(from, move), {
            name: 'DomainError',
            code: 'invalid_transition',
            details: { from, move },
          });
        });
      }
    }
  }

  test('a paid-in-full and a balance-due pre-order both reach fulfilled', () => {
    const walk = (moves: PreorderMove[]) => moves.reduce<PreorderState>(transition, 'placed');
    assert.equal(walk(['confirm', 'allocate', 'markReady', 'fulfil']), 'fulfilled');
    assert.equal(walk(['confirm', 'allocate', 'requestBalance', 'markReady', 'fulfil']), 'fulfilled');
  });

  test('only a cancelled pre-order gives its units back', () => {
    for (const state of PREORDER_STATES) assert.equal(holdsUnits(state), state !== 'cancelled', state);
  });
});

describe('the moves a pre-order makes by itself', () => {
  const facts = (overrides: Partial<StandingFacts> = {}): StandingFacts => ({
    unitsInHand: false,
    outstanding: 0,
    dueNow: 0,
    ...overrides,
  });
  const cases: [string, PreorderState, Partial<StandingFacts>, PreorderMove[]][] = [
    ['paid, units not in hand: waits', 'confirmed', {}, []],
    [
      'paid, units in hand: allocated and ready',
      'confirmed',
      { unitsInHand: true },
      ['allocate', 'markReady'],
    ],
    [
      'units in hand, balance not yet due: allocated',
      'confirmed',
      { unitsInHand: true, outstanding: 800 },
      ['allocate'],
    ],
    [
      'units in hand, balance due: allocated and balance due',
      'confirmed',
      { unitsInHand: true, outstanding: 800, dueNow: 800 },
      ['allocate', 'requestBalance'],
    ],
    [
      'allocated, balance falls due',
      'allocated',
      { unitsInHand: true, outstanding: 800, dueNow: 800 },
      ['requestBalance'],
    ],
    ['allocated, paid meanwhile', 'allocated', { unitsInHand: true }, ['markReady']],
    ['balance due, still owed', 'balance_due', { unitsInHand: true, outstanding: 800, dueNow: 800 }, []],
    ['balance due, paid', 'balance_due', { unitsInHand: true }, ['markReady']],
    ['a placed pre-order moves only by its payment', 'placed', { unitsInHand: true }, []],
    ['ready waits for its shipment', 'ready', { unitsInHand: true }, []],
    ['fulfilled is done', 'fulfilled', { unitsInHand: true }, []],
    ['cancelled is done', 'cancelled', { unitsInHand: true }, []],
  ];
  for (const [name, state, overrides, expected] of cases) {
    test(name, () => assert.deepEqual(automaticMoves(state, facts(overrides)), expected));
  }

  test('every automatic sequence is a legal walk of the lifecycle, and applying it again adds nothing', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...PREORDER_STATES),
        fc.boolean(),
        fc.nat(1000),
        fc.nat(1000),
        (state, unitsInHand, outstanding, due) => {
          const standing = { unitsInHand, outstanding, dueNow: Math.min(due, outstanding) };
          const moves = automaticMoves(state, standing);
          const end = moves.reduce<PreorderState>(transition, state);
          assert.deepEqual(automaticMoves(end, standing), [], `${state} → ${end}`);
        },
      ),
    );
  });
});
