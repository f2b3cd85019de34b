import { DomainError } from './errors.ts';

export const PREORDER_STATES = [
  'placed',
  'confirmed',
  'allocated',
  'balance_due',
  'ready',
  'fulfilled',
  'cancelled',
] as const;
export type PreorderState = (typeof PREORDER_STATES)[number];

/** What can happen to a pre-order, and the states each move starts from and leads to. */
const MOVES = {
  /** Paid in full, deposit paid, or card saved. */
  confirm: { from: ['placed'], to: 'confirmed' },
  /** A received batch holds its units. */
  allocate: { from: ['confirmed'], to: 'allocated' },
  /** Its units are in hand and the balance is now owed. */
  requestBalance: { from: ['allocated'], to: 'balance_due' },
  /** Fully paid and its units in hand. */
  markReady: { from: ['allocated', 'balance_due'], to: 'ready' },
  /** Shipped, tracking known. */
  fulfil: { from: ['ready'], to: 'fulfilled' },
  /** By the customer, the merchant or the system, from any state before fulfilment. */
  cancel: { from: ['placed', 'confirmed', 'allocated', 'balance_due', 'ready'], to: 'cancelled' },
} as const satisfies Record<string, { from: readonly PreorderState[]; to: PreorderState }>;

export type PreorderMove = keyof typeof MOVES;

/** The state after `move`, or a DomainError `invalid_transition` when the move is not allowed from `state`. */
export function transition(state: PreorderState, move: PreorderMove): PreorderState {
  const rule = MOVES[move];
  if (!(rule.from as readonly PreorderState[]).includes(state)) {
    throw new DomainError('invalid_transition', `a ${state} pre-order cannot ${move}`, { from: state, move });
  }
  return rule.to;
}

/** Live pre-orders hold units under the cap; only a cancelled one gives them back. */
export function holdsUnits(state: PreorderState): boolean {
  return state !== 'cancelled';
}

/** States in which every unit of a pre-order is in hand: received stock is held for it. */
export const IN_HAND_STATES: readonly PreorderState[] = ['allocated', 'balance_due', 'ready', 'fulfilled'];

/** What decides the moves a pre-order makes by itself. Amounts in minor units. */
export interface StandingFacts {
  /** Every unit is in received stock (or on the shelf) in the current promise. */
  readonly unitsInHand: boolean;
  /** What the plan has yet to collect in all (total − charged). */
  readonly outstanding: number;
  /** What is owed by today (steps due so far − charged). */
  readonly dueNow: number;
}

/**
 * The moves that follow from where a pre-order stands, in order: a confirmed pre-order whose units are
 * all in hand is allocated; an allocated one is ready once nothing is outstanding, or its balance is due
 * once its plan asks for money now; a balance_due one is ready once paid. Placed, ready, fulfilled and
 * cancelled pre-orders move only by something that happens to them (a payment, a shipment, a cancel).
 */
export function automaticMoves(state: PreorderState, facts: StandingFacts): PreorderMove[] {
  const moves: PreorderMove[] = [];
  let current = state;
  const apply = (move: PreorderMove) => {
    moves.push(move);
    current = transition(current, move);
  };
  if (current === 'confirmed' && facts.unitsInHand) apply('allocate');
  if (current === 'allocated') {
    if (facts.outstanding === 0) apply('markReady');
    else if (facts.dueNow > 0) apply('requestBalance');
  }
  if (current === 'balance_due' && facts.outstanding === 0) apply('markReady');
  return moves;
}
