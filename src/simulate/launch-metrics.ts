/** The figures of one simulated launch under one policy, from what happened to each customer. */

/** What happened to one customer, in days since the opening. */
export interface CustomerOutcome {
  placedDay: number;
  /** The end of the first window they were promised; null when none was (no supply left to promise). */
  firstWindowEnd: number | null;
  /** Each time their window's end moved later: the day they were told, the old end and the new. */
  moves: readonly { day: number; oldEnd: number; newEnd: number }[];
  shippedDay: number | null;
  cancelledDay: number | null;
}

export interface CashPoint {
  day: number;
  /** Charged less refunded so far, in minor units. */
  collected: number;
}

export interface LaunchFigures {
  preorders: number;
  /** Shipped no later than the end of the first window promised, of all pre-orders. */
  shippedInFirstWindow: number;
  /** Customers whose window moved later at least once. */
  moved: number;
  /**
   * Of those, the share told of every move before the last day of the window they had been given: news on
   * the day itself, when the parcel should be leaving, is not news ahead.
   */
  toldBeforeWindowEnded: number;
  cancelled: number;
  refunds: { count: number; amount: number };
  shipped: number;
  /** Still waiting when the run ended. */
  waiting: number;
  /** From placement to shipment, of those shipped. */
  daysWaited: { median: number; p90: number };
  cash: CashPoint[];
}

export function launchFigures(
  outcomes: readonly CustomerOutcome[],
  refunds: { count: number; amount: number },
  cash: readonly CashPoint[],
): LaunchFigures {
  const shipped = outcomes.filter((o) => o.shippedDay !== null);
  const inFirst = shipped.filter(
    (o) => o.firstWindowEnd !== null && (o.shippedDay as number) <= o.firstWindowEnd,
  );
  const moved = outcomes.filter((o) => o.moves.length > 0);
  const toldInTime = moved.filter((o) => o.moves.every((move) => move.day < move.oldEnd));
  const waits = shipped.map((o) => (o.shippedDay as number) - o.placedDay).sort((a, b) => a - b);
  return {
    preorders: outcomes.length,
    shippedInFirstWindow: ratio(inFirst.length, outcomes.length),
    moved: moved.length,
    toldBeforeWindowEnded: ratio(toldInTime.length, moved.length),
    cancelled: outcomes.filter((o) => o.cancelledDay !== null).length,
    refunds,
    shipped: shipped.length,
    waiting: outcomes.filter((o) => o.shippedDay === null && o.cancelledDay === null).length,
    daysWaited: { median: quantile(waits, 0.5), p90: quantile(waits, 0.9) },
    cash: [...cash],
  };
}

/** The nearest-rank quantile of sorted values (0 for none): a day someone actually waited. */
export function quantile(sorted: readonly number[], fraction: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.max(1, Math.ceil(fraction * sorted.length));
  return sorted[rank - 1] as number;
}

function ratio(part: number, whole: number): number {
  return whole === 0 ? 0 : part / whole;
}
