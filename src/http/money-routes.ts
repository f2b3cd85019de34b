import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { chargeBalanceNow, releaseCampaign } from '../services/balances.ts';
import { cancelPreorder } from '../services/cancellation.ts';
import { cashReport, cashReportCsv } from '../services/cash-report.ts';
import type { ServiceContext } from '../services/context.ts';
import type { Payments } from '../services/payment-operations.ts';
import { receiveWebhook } from '../services/payment-webhooks.ts';
import { confirmFirstStep, preorderLedger } from '../services/payments.ts';
import { getPreorder, preorderView } from '../services/preorders.ts';
import { refundPreorder } from '../services/refunds.ts';
import type { KeyAuthenticator } from '../services/shops.ts';
import { authenticateAdmin } from './admin-routes.ts';
import { ADMIN_CODES, errorBody, errorResponses, REQUEST_CODES, STOREFRONT_CODES } from './errors.ts';
import {
  campaignParams,
  cancelBody,
  cancelResult,
  cashReportQuery,
  cashReport as cashReportSchema,
  chargeResult,
  ledger,
  placedPreorder,
  preorderParams,
  refundBody,
  refundResult,
  webhookParams,
} from './money-schemas.ts';
import { campaign, idempotencyHeaders } from './schemas.ts';
import { placedAnswer, storefrontLocale } from './storefront-routes.ts';
import { campaignView } from './views.ts';

const adminSecurity = [{ adminKey: [] }];

/** The merchant's money API: `Authorization: Bearer <secret key>`. */
export function moneyAdminRoutes(
  ctx: ServiceContext,
  keys: KeyAuthenticator,
  payments: Payments,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', authenticateAdmin(keys));

    app.post(
      '/v1/preorders/:id/cancel',
      {
        schema: {
          operationId: 'cancelPreorder',
          tags: ['money'],
          summary: 'Cancel a pre-order: refund by policy (or override), units back on sale, in one step',
          description:
            'A cancel sent again for a cancelled pre-order moves no money: it answers 200 when it asks for what ' +
            'happened (the policy, or `full` when all is refunded, or `none` when nothing was) and 409 ' +
            'already_cancelled otherwise; refund more with POST /v1/preorders/{id}/refunds. A refund the provider ' +
            'has not confirmed stays pending and is retried with the same idempotency key, so it happens once.',
          security: adminSecurity,
          params: preorderParams,
          body: cancelBody,
          response: {
            200: cancelResult,
            ...errorResponses(
              ADMIN_CODES,
              'not_found',
              'invalid_transition',
              'reason_required',
              'already_cancelled',
              'refund_elsewhere',
            ),
          },
        },
      },
      async (request) => {
        const result = await cancelPreorder(ctx, payments, request.shop, request.params.id, request.body);
        return { object: 'cancellation' as const, state: 'cancelled' as const, ...result };
      },
    );

    app.post(
      '/v1/preorders/:id/refunds',
      {
        schema: {
          operationId: 'refundPreorder',
          tags: ['money'],
          summary: 'Refund money of a pre-order outside a cancellation: goodwill, or the rest after a cancel',
          description:
            'Gives back `amount` (or all that is still refundable) across the payments that took it, newest first. ' +
            'The pre-order’s state and what it owes do not change. Requires an Idempotency-Key: the same key and ' +
            'amount answer the first refund again (200, `Idempotent-Replayed: true`) and move no more money; the ' +
            'same key with another amount is refused (409 idempotency_conflict).',
          security: adminSecurity,
          params: preorderParams,
          headers: idempotencyHeaders,
          body: refundBody,
          response: {
            200: refundResult,
            201: refundResult,
            ...errorResponses(
              ADMIN_CODES,
              'not_found',
              'nothing_refundable',
              'refund_exceeds_payment',
              'idempotency_conflict',
              'refund_elsewhere',
            ),
          },
        },
      },
      async (request, reply) => {
        const { created, ...result } = await refundPreorder(ctx, payments, request.shop, request.params.id, {
          ...request.body,
          idempotencyKey: request.headers['idempotency-key'],
        });
        if (!created) reply.header('idempotent-replayed', 'true');
        return reply.status(created ? 201 : 200).send({ object: 'refund' as const, ...result });
      },
    );

    app.post(
      '/v1/preorders/:id/charge-balance',
      {
        schema: {
          operationId: 'chargeBalance',
          tags: ['money'],
          summary:
            'Charge what the pre-order still owes now, off session (counts as one of the balance tries)',
          security: adminSecurity,
          params: preorderParams,
          response: {
            200: chargeResult,
            ...errorResponses(
              ADMIN_CODES,
              'not_found',
              'invalid_transition',
              'nothing_owed',
              'no_saved_card',
              'payment_in_progress',
            ),
          },
        },
      },
      async (request) => {
        const settled = await chargeBalanceNow(ctx, payments, request.shop, request.params.id);
        const { operation } = settled;
        return {
          object: 'charge_attempt' as const,
          preorderId: request.params.id,
          state: settled.preorderState,
          attempt: { amount: operation.amount, status: operation.status, code: operation.lastErrorCode },
        };
      },
    );

    app.get(
      '/v1/preorders/:id/ledger',
      {
        schema: {
          operationId: 'getPreorderLedger',
          tags: ['money'],
          summary: 'The pre-order’s money movements, and what is paid, refundable and outstanding',
          security: adminSecurity,
          params: preorderParams,
          response: { 200: ledger, ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) => {
        const result = await preorderLedger(ctx, request.shop, request.params.id);
        return {
          object: 'ledger' as const,
          ...result,
          entries: result.entries.map((entry) => ({
            kind: entry.kind,
            amount: entry.amount,
            provider: entry.provider,
            paymentReference: entry.paymentReference,
            refundReference: entry.refundReference ?? null,
            createdAt: entry.createdAt.toISOString(),
          })),
        };
      },
    );

    app.post(
      '/v1/campaigns/:id/release',
      {
        schema: {
          operationId: 'releaseCampaign',
          tags: ['campaigns'],
          summary: 'Mark the product released: balances due on release and pay-later charges fall due',
          security: adminSecurity,
          params: campaignParams,
          response: { 200: campaign, ...errorResponses(ADMIN_CODES, 'not_found', 'invalid_transition') },
        },
      },
      async (request) => campaignView(await releaseCampaign(ctx, request.shop, request.params.id)),
    );

    app.get(
      '/v1/reports/cash',
      {
        schema: {
          operationId: 'getCashReport',
          tags: ['money'],
          summary: 'Cash collected, balances scheduled by week, at risk, refunded, refundable; JSON or CSV',
          security: adminSecurity,
          querystring: cashReportQuery,
          response: {
            200: {
              description: 'The report: JSON, or CSV with `format=csv` or `Accept: text/csv`',
              content: {
                'application/json': { schema: cashReportSchema },
                'text/csv': { schema: z.string() },
              },
            },
            ...errorResponses(ADMIN_CODES, 'not_found', 'invalid_range'),
          },
        },
      },
      async (request, reply) => {
        const { campaign: campaignId, from, to, format } = request.query;
        const report = await cashReport(ctx, request.shop, { campaignId, from, to });
        const csv = format === 'csv' || (format === undefined && wantsCsv(request.headers.accept));
        if (csv) {
          // Text, past the JSON schema's serializer (which the route's types describe).
          return reply
            .type('text/csv; charset=utf-8')
            .header('content-disposition', 'attachment; filename="cash-report.csv"')
            .serializer((payload: unknown) => String(payload))
            .send(cashReportCsv(report) as never);
        }
        return { object: 'cash_report' as const, ...report };
      },
    );
  };
}

/** The shopper's side of a payment, inside the storefront scope (publishable key, CORS, rate limit). */
export function moneyStorefrontRoutes(ctx: ServiceContext, payments: Payments): FastifyPluginAsyncZod {
  return async (app) => {
    app.post(
      '/v1/storefront/preorders/:id/confirm',
      {
        schema: {
          operationId: 'confirmPreorderPayment',
          tags: ['storefront'],
          summary:
            'After the shopper paid in the browser: complete the first payment step and answer the pre-order',
          security: [{ publishableKey: [] }],
          params: preorderParams,
          response: { 200: placedPreorder, ...errorResponses(STOREFRONT_CODES, 'not_found') },
        },
      },
      async (request) => {
        const step = await confirmFirstStep(ctx, payments, request.shop, request.params.id);
        const preorder = await getPreorder(ctx, request.shop.id, request.params.id);
        const placed = preorderView(preorder, request.shop, ctx.clock());
        const locale = storefrontLocale(request.shop, undefined, request.headers['accept-language']);
        return placedAnswer(ctx, request.shop, { placed, payment: step.payment }, locale);
      },
    );
  };
}

/**
 * `POST /v1/webhooks/{provider}`: the provider's events, verified against the raw body; a forged one is
 * answered 400 and changes nothing.
 */
export function webhookRoutes(ctx: ServiceContext, payments: Payments): FastifyPluginAsyncZod {
  return async (app) => {
    // The signature covers the bytes as sent: keep the body as text in this scope only.
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
      done(null, body),
    );
    app.post(
      '/v1/webhooks/:provider',
      {
        schema: {
          operationId: 'receivePaymentWebhook',
          tags: ['webhooks'],
          summary: 'Payment provider events (Stripe: the endpoint’s signing secret verifies them)',
          // No key: the provider's signature over the body authenticates the call.
          security: [],
          params: webhookParams,
          response: {
            200: z.object({ received: z.literal(true), handled: z.boolean() }),
            ...errorResponses(REQUEST_CODES, 'invalid_webhook', 'not_found'),
          },
        },
      },
      async (request, reply) => {
        if (request.params.provider !== payments.provider.name) {
          return reply
            .status(404)
            .send(errorBody('not_found', `payments go through ${payments.provider.name} here`));
        }
        const result = await receiveWebhook(ctx, payments, {
          body: typeof request.body === 'string' ? request.body : '',
          headers: request.headers,
        });
        return { received: true as const, handled: result.handled };
      },
    );
  };
}

function wantsCsv(accept: string | undefined): boolean {
  return !!accept && /\btext\/csv\b/i.test(accept) && !/\bapplication\/json\b/i.test(accept);
}
