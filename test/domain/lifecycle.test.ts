import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  holdsUnits,
  PREORDER_STATES,
  type PreorderMove,
  type PreorderState,
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
