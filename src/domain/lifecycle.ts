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
