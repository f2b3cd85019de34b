/**
 * The provider's webhooks: verified by the provider adapter (a forged or stale one never gets here), then
 * applied like any other answer. Replays and events out of order change nothing: an operation that has
 * succeeded is final, and the ledger books each key once.
 */
import type { PaymentEvent, WebhookRequest } from '../payments/provider.ts';
import type { ServiceContext } from './context.ts';
import {
  findOperations,
  type Operation,
  type Outcome,
  outcomeOfPayment,
  outcomeOfRefund,
  outcomeOfSetup,
  type Payments,
} from './payment-operations.ts';
import { settle } from './payments.ts';

export async function receiveWebhook(
  ctx: ServiceContext,
  payments: Payments,
  request: WebhookRequest,
): Promise<{ handled: boolean }> {
  const event = await payments.provider.parseWebhook(request);
  const target = answerOf(event);
  if (!target) return { handled: false };
  const [op] = await operationFor(ctx, payments, target.operationId, target.ref);
  if (!op) return { handled: false };
  await settle(ctx, payments, op, target.outcome, 'report');
  return { handled: true };
}

interface Answer {
  /** Our operation, from the metadata we gave the call; absent on objects made elsewhere. */
  operationId: string | undefined;
  ref: string;
  outcome: Outcome;
}

function answerOf(event: PaymentEvent): Answer | undefined {
  switch (event.type) {
    case 'payment.succeeded':
    case 'payment.requires_action':
    case 'payment.authorised':
    case 'payment.canceled':
      return {
        operationId: event.payment.metadata.operationId,
        ref: event.payment.paymentId,
        outcome: outcomeOfPayment(event.payment),
      };
    case 'payment.failed':
      return {
        operationId: event.payment.metadata.operationId,
        ref: event.payment.paymentId,
        outcome: {
          kind: 'declined',
          code: event.payment.failure?.code ?? 'card_declined',
          ref: event.payment.paymentId,
        },
      };
    case 'setup.succeeded':
      return {
        operationId: event.setup.metadata.operationId,
        ref: event.setup.setupId,
        outcome: outcomeOfSetup(event.setup),
      };
    case 'setup.failed':
      return {
        operationId: event.setup.metadata.operationId,
        ref: event.setup.setupId,
        outcome: {
          kind: 'declined',
          code: event.setup.failure?.code ?? 'card_declined',
          ref: event.setup.setupId,
        },
      };
    case 'refund.updated':
      return {
        operationId: event.refund.metadata.operationId,
        ref: event.refund.refundId,
        outcome: outcomeOfRefund(event.refund),
      };
    case 'ignored':
      return undefined;
  }
}

function operationFor(
  ctx: ServiceContext,
  payments: Payments,
  operationId: string | undefined,
  ref: string,
): Promise<Operation[]> {
  return operationId
    ? findOperations(ctx.db, 'o.id = $1 AND o.provider = $2', [operationId, payments.provider.name])
    : findOperations(ctx.db, 'o.provider_ref = $1 AND o.provider = $2', [ref, payments.provider.name]);
}
