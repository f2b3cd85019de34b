/**
 * When a simulated customer cancels. Each customer has a patience drawn once (exponential, mean 1) and
 * gathers irritation: a little every day they wait (a change of mind), more for each delay they are told
 * of (in proportion to its length), and more for each day past their window with no word. They cancel
 * once the irritation reaches their patience. With exponential patience a delay of w weeks alone makes a
 * customer cancel with probability 1 − e^(−perWeekOfDelay·w), and the two policies meet the same
 * customers with the same patience.
 */
import type { Scenario } from './scenario.ts';

export type Irritant =
  | { kind: 'waiting_day' }
  | { kind: 'delay_told'; days: number }
  | { kind: 'silent_day' };

export function irritationOf(irritant: Irritant, customers: Scenario['customers']): number {
  switch (irritant.kind) {
    case 'waiting_day':
      return -Math.log(1 - customers.changeOfMindPerDay);
    case 'delay_told':
      return (customers.perWeekOfDelay * Math.max(0, irritant.days)) / 7;
    case 'silent_day':
      return customers.perWeekOfSilence / 7;
  }
}
