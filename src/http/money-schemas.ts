/** The money API's shapes: payments at placement, cancellation, ledger, balances, the cash report. */
import { z } from 'zod';
import { PREORDER_STATES } from '../domain/lifecycle.ts';
import { currency, dueTerms, id, isoDate, placePreorderBody, preorder, text } from './schemas.ts';

/** Money as answered: sums of many pre-orders may pass the bound a single request's amount has. */
const money = z.object({ amount: z.number().int(), currency });

export const paymentMethod = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[\x20-\x7e]+$/, 'printable ASCII')
  .describe(
    'How the shopper pays now: with the test provider a test card number (4242 4242 4242 4242) or a Stripe test ' +
      'PaymentMethod (pm_card_visa); with Stripe a PaymentMethod id. Without one, the answer carries a client ' +
      'secret and the payment completes in the shopper’s browser.',
  );

export const placePreorderWithPaymentBody = placePreorderBody.extend({
  paymentMethod: paymentMethod.optional(),
});

export const paymentStatus = z
  .object({
    status: z.enum([
      'succeeded',
      'requires_action',
      'requires_payment_method',
      'processing',
      'failed',
      'none',
    ]),
    clientSecret: z
      .string()
      .nullable()
      .describe(
        'For the provider’s client library while the shopper must act (Stripe.js); keep it out of logs',
      ),
    code: z.string().nullable().describe('Why the last try failed, e.g. card_declined'),
  })
  .meta({ id: 'PaymentStatus' });

export const placedPreorder = preorder
  .extend({
    payment: paymentStatus.optional().describe('The first payment step: charge, deposit or saved card'),
    due: dueTerms.describe(
      'What this pre-order pays now and later, by the terms locked when it was placed, in the shop’s language',
    ),
  })
  .meta({ id: 'PlacedPreorder' });

export const cancelBody = z.strictObject({
  reason: text(500)
    .optional()
    .describe(
      'Why, in the merchant’s words: kept in the event and told to the customer; required for an override of the policy',
    ),
  refund: z
    .enum(['policy', 'full', 'none'])
    .default('policy')
    .describe('policy: what the campaign’s cancellation policy gives; full or none: the merchant’s override'),
});

const operationSummary = z.object({
  amount: money,
  status: z.enum(['pending', 'requires_action', 'succeeded', 'failed']),
});

export const cancelResult = z
  .object({
    object: z.literal('cancellation'),
    preorderId: z.string(),
    state: z.enum(PREORDER_STATES),
    basis: z
      .enum(['policy_before_cutoff', 'policy_after_cutoff', 'merchant_full_refund', 'merchant_no_refund'])
      .nullable()
      .describe('null when the pre-order had already been cancelled: nothing more is refunded'),
    refunds: z
      .array(operationSummary)
      .describe('pending: the provider has not confirmed it yet; it is retried'),
  })
  .meta({ id: 'Cancellation' });

export const refundBody = z.strictObject({
  amount: z
    .number()
    .int()
    .min(1)
    .max(Number.MAX_SAFE_INTEGER)
    .optional()
    .describe(
      'In the pre-order’s currency’s minor units; left out, everything still refundable is given back',
    ),
  reason: text(500).describe('Why, in the merchant’s words: kept in the event and the audit log'),
});

export const refundResult = z
  .object({
    object: z.literal('refund'),
    preorderId: z.string(),
    amount: money.describe('What this request gives back in all'),
    reason: z.string(),
    refunds: z
      .array(operationSummary)
      .describe(
        'One provider refund per payment that took the money (a deposit and a balance are two); pending: not confirmed yet, retried',
      ),
  })
  .meta({ id: 'Refund' });

export const chargeResult = z
  .object({
    object: z.literal('charge_attempt'),
    preorderId: z.string(),
    state: z.enum(PREORDER_STATES),
    attempt: operationSummary.extend({ code: z.string().nullable() }),
  })
  .meta({ id: 'ChargeAttempt' });

export const ledger = z
  .object({
    object: z.literal('ledger'),
    preorderId: z.string(),
    entries: z.array(
      z.object({
        kind: z.enum(['authorisation', 'charge', 'refund']),
        amount: money,
        provider: z.string(),
        paymentReference: z.string(),
        refundReference: z.string().nullable(),
        createdAt: z.string(),
      }),
    ),
    charged: money,
    refunded: money,
    netPaid: money,
    refundable: money,
    outstanding: money.describe('What the plan has yet to collect'),
  })
  .meta({ id: 'Ledger' });

export const preorderParams = z.object({ id: id('po') });
export const campaignParams = z.object({ id: id('cmp') });

export const cashReportQuery = z.strictObject({
  campaign: id('cmp')
    .optional()
    .describe('One campaign (archived too); without it, every campaign not archived'),
  from: isoDate.optional().describe('Shop-local date, included'),
  to: isoDate.optional().describe('Shop-local date, included'),
  format: z
    .enum(['json', 'csv'])
    .optional()
    .describe('csv: the same figures as CSV (or send Accept: text/csv)'),
});

const cashFigures = {
  collected: money,
  refunded: money,
  net: money,
  scheduled: z
    .array(z.object({ week: z.string().nullable().describe('null: due on release'), amount: money }))
    .describe('Balances still to collect, by the first day of the week they fall due'),
  atRisk: money.describe('Owed by pre-orders whose balance failed and is being retried'),
  refundableIfAllCancelled: money,
  weekly: z.array(z.object({ week: z.string(), collected: money, refunded: money })),
};

export const cashReport = z
  .object({
    object: z.literal('cash_report'),
    currency: z.string(),
    from: z.string().nullable(),
    to: z.string().nullable(),
    total: z.object(cashFigures),
    campaigns: z.array(z.object({ campaignId: z.string(), name: z.string(), ...cashFigures })),
  })
  .meta({ id: 'CashReport' });

export const webhookParams = z.object({
  provider: z
    .string()
    .max(40)
    .regex(/^[a-z]+$/),
});
