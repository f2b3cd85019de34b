/**
 * A launch to simulate: demand, supply, customers and cards, as a JSON file the merchant can edit. Days
 * count from the campaign's opening. docs/simulation.md gives the reason for each default value.
 */
import { z } from 'zod';

const share = z.number().min(0).max(1);
const days = z.number().min(0).max(365);

const paymentOption = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('full'), weight: z.number().positive() }),
  z.strictObject({
    kind: z.literal('deposit'),
    percent: z.number().int().min(1).max(99),
    weight: z.number().positive(),
  }),
  z.strictObject({ kind: z.literal('later'), weight: z.number().positive() }),
]);

export const scenarioSchema = z.strictObject({
  /** The campaign opens at the start of this day (UTC) and sells for windowDays days. */
  opensOn: z.iso.date(),
  windowDays: z.number().int().min(1).max(365),
  /** The unit price in minor units of the currency. */
  price: z.strictObject({ amount: z.number().int().positive(), currency: z.string().regex(/^[A-Z]{3}$/) }),
  /** Bass diffusion of pre-orders: innovation p and imitation q per day, m pre-orders in the market. */
  demand: z.strictObject({
    p: z.number().positive().max(1),
    q: z.number().min(0).max(2),
    m: z.number().int().positive().max(200_000),
  }),
  quantities: z
    .array(z.strictObject({ units: z.number().int().min(1).max(20), weight: z.number().positive() }))
    .min(1),
  paymentTerms: z.array(paymentOption).min(1),
  /** The supply plan as the supplier first gives it: ready on day readyDay after the opening. */
  batches: z
    .array(
      z.strictObject({ readyDay: z.number().int().min(1).max(730), quantity: z.number().int().positive() }),
    )
    .min(1)
    .max(50),
  supply: z.strictObject({
    /** Share of batches ready on their planned day. */
    onTimeShare: share,
    /** The others are late by 1 day plus an exponential wait of this mean. */
    meanLateDays: days,
    /** Days before the planned day the merchant hears of a slip (exponential mean); never after it. */
    meanNoticeDays: days,
    /** Share of batches that arrive short; the rest of such a batch comes restDays later. */
    shortShare: share,
    shortFraction: share,
    restDays: days,
  }),
  customers: z.strictObject({
    /** Chance per day that a waiting customer changes their mind whatever happens. */
    changeOfMindPerDay: share,
    /** Cancelling on being told of a delay: 1 − e^(−this × weeks of delay). */
    perWeekOfDelay: z.number().min(0).max(10),
    /** Cancelling while past the window with no word: 1 − e^(−this × weeks of silence). */
    perWeekOfSilence: z.number().min(0).max(10),
  }),
  cards: z.strictObject({
    /** Share of deposit and pay-later customers whose card fails when the balance is charged. */
    balanceFailureShare: share,
    /** Share of those who give a new card, recoveryDays after the first failure. */
    recoveredShare: share,
    recoveryDays: z.number().int().min(0).max(60),
  }),
  /** The presell policy's buffer on every batch, in days. */
  bufferDays: z.number().int().min(0).max(90),
});

export type Scenario = z.infer<typeof scenarioSchema>;
export type PaymentOption = z.infer<typeof paymentOption>;

export const DEFAULT_SCENARIO: Scenario = {
  opensOn: '2027-03-01',
  windowDays: 42,
  price: { amount: 12_900, currency: 'EUR' },
  demand: { p: 0.012, q: 0.1, m: 5_000 },
  quantities: [
    { units: 1, weight: 85 },
    { units: 2, weight: 12 },
    { units: 3, weight: 3 },
  ],
  paymentTerms: [
    { kind: 'full', weight: 50 },
    { kind: 'deposit', percent: 20, weight: 30 },
    { kind: 'later', weight: 20 },
  ],
  batches: [
    { readyDay: 60, quantity: 1_200 },
    { readyDay: 75, quantity: 1_200 },
    { readyDay: 90, quantity: 1_200 },
    { readyDay: 105, quantity: 1_200 },
    { readyDay: 120, quantity: 1_200 },
  ],
  supply: {
    onTimeShare: 0.6,
    meanLateDays: 12,
    meanNoticeDays: 10,
    shortShare: 0.2,
    shortFraction: 0.15,
    restDays: 14,
  },
  customers: { changeOfMindPerDay: 0.0003, perWeekOfDelay: 0.05, perWeekOfSilence: 0.25 },
  cards: { balanceFailureShare: 0.05, recoveredShare: 0.5, recoveryDays: 3 },
  bufferDays: 7,
};

/** The scenario in a file, over the defaults: a field left out keeps its default (one level deep). */
export function scenarioOf(input: unknown): { scenario: Scenario } | { problem: string } {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { problem: 'the scenario must be a JSON object' };
  }
  const merged: Record<string, unknown> = { ...DEFAULT_SCENARIO };
  for (const [key, value] of Object.entries(input)) {
    const base = (DEFAULT_SCENARIO as Record<string, unknown>)[key];
    merged[key] = isPlainObject(base) && isPlainObject(value) ? { ...base, ...value } : value;
  }
  const parsed = scenarioSchema.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0] as z.core.$ZodIssue;
    return { problem: `${issue.path.join('.') || 'scenario'}: ${issue.message}` };
  }
  return { scenario: parsed.data };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
