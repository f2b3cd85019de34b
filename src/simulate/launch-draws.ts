/**
 * Everything chance decides about a launch, drawn once from the seed before any policy runs: when each
 * pre-order comes and what it asks for, how each batch slips, how patient each customer is. Both policies
 * then play the same launch. Each kind of draw has its own stream (randomStream).
 */
import { adoptersBetween } from './bass.ts';
import { exponential, poisson, type Random, randomStream, weighted } from './random.ts';
import type { PaymentOption, Scenario } from './scenario.ts';

export interface DrawnOrder {
  /** In placement order; the customer's number in the run. */
  index: number;
  /** Days since the opening (a whole day: the day's pre-orders are placed together). */
  day: number;
  units: number;
  terms: PaymentOption;
  /** The card stops working before the balance is charged. */
  balanceFails: boolean;
  /** …and the customer gives a new one, recoveryDays after the first failure. */
  recovers: boolean;
  /** How much irritation the customer takes before cancelling: an exponential draw of mean 1. */
  patience: number;
}

export interface DrawnBatch {
  index: number;
  quantity: number;
  /** The day the supplier first gives. */
  plannedDay: number;
  /** The day the batch actually comes: plannedDay, or later for a late batch. */
  arrivalDay: number;
  /** The day the merchant hears of the slip (null: on time), never after plannedDay. */
  slipKnownDay: number | null;
  /** Units that do not come with the batch, and the day they come after it. */
  shortUnits: number;
  restDay: number;
}

export interface LaunchDraws {
  orders: DrawnOrder[];
  batches: DrawnBatch[];
}

export function drawLaunch(scenario: Scenario, seed: number): LaunchDraws {
  return { orders: drawOrders(scenario, seed), batches: drawBatches(scenario, seed) };
}

/** Pre-orders a day: Poisson around the Bass curve's units for that day of the window. */
function dailyOrders(scenario: Scenario, random: Random): number[] {
  return Array.from({ length: scenario.windowDays }, (_, day) =>
    poisson(adoptersBetween(scenario.demand, day, day + 1), random),
  );
}

function drawOrders(scenario: Scenario, seed: number): DrawnOrder[] {
  const counts = dailyOrders(scenario, randomStream(seed, 'demand'));
  const asks = randomStream(seed, 'orders');
  const cards = randomStream(seed, 'cards');
  const customers = randomStream(seed, 'customers');
  const orders: DrawnOrder[] = [];
  counts.forEach((count, day) => {
    for (let n = 0; n < count; n++) {
      const terms = weighted(scenario.paymentTerms, asks);
      const units = weighted(scenario.quantities, asks).units;
      // Drawn for every order, so that the terms of one never shift the cards of the next.
      const fails = cards() < scenario.cards.balanceFailureShare;
      const recovers = cards() < scenario.cards.recoveredShare;
      orders.push({
        index: orders.length,
        day,
        units,
        terms,
        balanceFails: terms.kind !== 'full' && fails,
        recovers: terms.kind !== 'full' && fails && recovers,
        patience: exponential(1, customers),
      });
    }
  });
  return orders;
}

function drawBatches(scenario: Scenario, seed: number): DrawnBatch[] {
  const random = randomStream(seed, 'supply');
  const { supply } = scenario;
  return scenario.batches.map((batch, index) => {
    const late = random() >= supply.onTimeShare;
    const lateBy = 1 + Math.floor(exponential(supply.meanLateDays, random));
    const noticeDays = Math.round(exponential(supply.meanNoticeDays, random));
    const short = random() < supply.shortShare;
    const arrivalDay = batch.readyDay + (late ? lateBy : 0);
    return {
      index,
      quantity: batch.quantity,
      plannedDay: batch.readyDay,
      arrivalDay,
      // Heard of before the planned day at the earliest the day after the opening.
      slipKnownDay: late ? Math.max(1, batch.readyDay - noticeDays) : null,
      shortUnits: short ? Math.min(batch.quantity - 1, Math.round(batch.quantity * supply.shortFraction)) : 0,
      restDay: arrivalDay + supply.restDays,
    };
  });
}
