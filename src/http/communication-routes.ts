/**
 * The merchant's side of communication: the shop's sender, alert addresses and timings; the portal secret;
 * consent to delays per campaign; email templates (read the default, save an override that is checked
 * first, preview with sample or real data, go back to the default); and progress updates (write, preview,
 * schedule, watch them go out).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { DomainError } from '../domain/errors.ts';
import { LANGUAGES, type Language, languageOf } from '../domain/languages.ts';
import { templateFor } from '../notify/compose.ts';
import { CUSTOMER_MESSAGES, type CustomerMessage } from '../notify/kinds.ts';
import type { Mail } from '../notify/mailer.ts';
import { progressModels } from '../notify/model.ts';
import { previewModel, previewTemplate } from '../notify/preview.ts';
import { checkTemplate, defaultTemplate, renderTemplate } from '../notify/templates.ts';
import {
  type CommunicationSettings,
  delayConsentSettings,
  getCommunicationSettings,
  portalSecret,
  rotatePortalSecret,
  setDelayConsentSettings,
  updateCommunicationSettings,
} from '../services/communication-settings.ts';
import type { ServiceContext } from '../services/context.ts';
import {
  createProgressUpdate,
  getProgressUpdate,
  listProgressUpdates,
  type ProgressUpdate,
  scheduleProgressUpdate,
} from '../services/progress-updates.ts';
import type { KeyAuthenticator } from '../services/shops.ts';
import { authenticateAdmin } from './admin-routes.ts';
import { ADMIN_CODES, errorResponses } from './errors.ts';
import { id, instant, text } from './schemas.ts';

const security = [{ adminKey: [] }];
const tags = ['communication'];
const address = z.email().max(320);

const settingsSchema = z
  .object({
    senderName: z
      .string()
      .nullable()
      .describe('Shown as the sender of every email; the shop’s name when null'),
    replyTo: z.string().nullable().describe('Where customers’ replies go'),
    alertEmails: z.array(z.string()).describe('Who gets merchant alerts and the daily digest'),
    portalLinkDays: z.number().int().describe('How long a portal link in an email works'),
    balanceReminderDays: z
      .number()
      .int()
      .describe('Days before a balance charge that the customer hears; 0: never'),
    cancellationAlert: z.object({ percent: z.number(), windowDays: z.number().int() }),
    readyDateAlertDays: z
      .number()
      .int()
      .describe('Days before an unconfirmed batch’s ready date that you hear'),
    updatedAt: z.string(),
  })
  .meta({ id: 'CommunicationSettings' });

const settingsBody = z.strictObject({
  senderName: text(100).nullable().optional(),
  replyTo: address.nullable().optional(),
  alertEmails: z.array(address).max(10).optional(),
  portalLinkDays: z.number().int().min(1).max(365).optional(),
  balanceReminderDays: z.number().int().min(0).max(60).optional(),
  cancellationAlert: z
    .strictObject({ percent: z.number().min(0).max(100), windowDays: z.number().int().min(1).max(90) })
    .optional(),
  readyDateAlertDays: z.number().int().min(0).max(90).optional(),
});

const consentSchema = z
  .object({
    enabled: z.boolean(),
    answerDays: z.number().int(),
    withoutAnswer: z.enum(['keep', 'cancel']),
    reminderDays: z.array(z.number().int()),
  })
  .meta({ id: 'DelayConsentSettings' });

const consentBody = z.strictObject({
  enabled: z.boolean().optional(),
  answerDays: z.number().int().min(1).max(90).optional(),
  withoutAnswer: z.enum(['keep', 'cancel']).optional(),
  reminderDays: z.array(z.number().int().min(1).max(89)).max(5).optional(),
});

const templateParams = z.object({ kind: z.enum(CUSTOMER_MESSAGES), language: z.enum(LANGUAGES) });
const templateSource = z.strictObject({
  subject: z.string().min(1).max(500),
  html: z.string().min(1).max(100_000),
  text: z.string().min(1).max(50_000),
});
const templateSchema = z
  .object({
    kind: z.enum(CUSTOMER_MESSAGES),
    language: z.enum(LANGUAGES),
    custom: z.boolean().describe('The shop’s own version; false: the default'),
    subject: z.string(),
    html: z.string(),
    text: z.string(),
  })
  .meta({ id: 'EmailTemplate' });
const rendered = z
  .object({ subject: z.string(), html: z.string(), text: z.string() })
  .meta({ id: 'RenderedEmail' });

const updateSchema = z
  .object({
    id: z.string(),
    object: z.literal('progress_update'),
    campaignId: z.string(),
    batchId: z.string().nullable(),
    subject: z.string(),
    body: z.string(),
    status: z.enum(['draft', 'scheduled', 'sending', 'sent']),
    sendAt: z.string().nullable(),
    progress: z
      .object({
        recipients: z.number().int().nullable(),
        sent: z.number().int(),
        failed: z.number().int(),
        left: z.number().int().nullable(),
      })
      .describe('Fixed when it starts sending; `left` counts down to 0'),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'ProgressUpdate' });

function settingsView(settings: CommunicationSettings) {
  return { ...settings, updatedAt: settings.updatedAt.toISOString() };
}

function updateView(update: ProgressUpdate) {
  return {
    ...update,
    object: 'progress_update' as const,
    sendAt: update.sendAt?.toISOString() ?? null,
    createdAt: update.createdAt.toISOString(),
    updatedAt: update.updatedAt.toISOString(),
  };
}

/** Where the server's links point: the configured public URL, else this request's own host. */
export function publicUrlFor(mail: Mail | undefined, request: { protocol: string; host: string }): string {
  return mail?.publicUrl ?? `${request.protocol}://${request.host}`;
}

export function communicationRoutes(
  ctx: ServiceContext,
  keys: KeyAuthenticator,
  mail: Mail | undefined,
): FastifyPluginAsyncZod {
  return async (app) => {
    app.addHook('onRequest', authenticateAdmin(keys));
    const publicUrl = (request: { protocol: string; host: string }) => publicUrlFor(mail, request);

    app.get(
      '/v1/communication/settings',
      {
        schema: {
          operationId: 'getCommunicationSettings',
          tags,
          security,
          summary: 'The shop’s email settings',
          response: { 200: settingsSchema, ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => settingsView(await getCommunicationSettings(ctx.db, request.shop.id, ctx.clock())),
    );

    app.patch(
      '/v1/communication/settings',
      {
        schema: {
          operationId: 'updateCommunicationSettings',
          tags,
          security,
          summary:
            'Change the sender name, reply-to, alert addresses, link lifetime, reminder and alert timings',
          body: settingsBody,
          response: { 200: settingsSchema, ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => settingsView(await updateCommunicationSettings(ctx, request.shop.id, request.body)),
    );

    app.post(
      '/v1/communication/portal-secret',
      {
        schema: {
          operationId: 'rotatePortalSecret',
          tags,
          security,
          summary: 'Make a new portal secret: every portal and unsubscribe link sent so far stops working',
          description:
            'The secret is in this answer only; Presell signs links with it and never shows it again.',
          response: { 200: z.object({ secret: z.string() }), ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => ({ secret: await rotatePortalSecret(ctx, request.shop.id) }),
    );

    const campaignParams = z.object({ id: id('cmp') });
    app.get(
      '/v1/campaigns/:id/delay-consent',
      {
        schema: {
          operationId: 'getDelayConsentSettings',
          tags,
          security,
          summary:
            'How a delay past the first promised window asks the campaign’s customers to keep or cancel',
          params: campaignParams,
          response: { 200: consentSchema, ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) => {
        await ensureCampaign(ctx, request.shop.id, request.params.id);
        return (await delayConsentSettings(ctx.db, request.shop.id, [request.params.id])).get(
          request.params.id,
        );
      },
    );

    app.patch(
      '/v1/campaigns/:id/delay-consent',
      {
        schema: {
          operationId: 'updateDelayConsentSettings',
          tags,
          security,
          summary:
            'Change consent to delays: on or off, days to answer, what happens without an answer, reminders',
          params: campaignParams,
          body: consentBody,
          response: { 200: consentSchema, ...errorResponses(ADMIN_CODES, 'not_found', 'invalid_campaign') },
        },
      },
      async (request) =>
        setDelayConsentSettings(ctx, request.shop.id, request.params.id, definedOnly(request.body)),
    );

    app.get(
      '/v1/email-templates',
      {
        schema: {
          operationId: 'listEmailTemplates',
          tags,
          security,
          summary: 'Every customer message in every language, and whether the shop has its own version',
          response: {
            200: z.object({
              data: z.array(templateSchema.pick({ kind: true, language: true, custom: true })),
            }),
            ...errorResponses(ADMIN_CODES),
          },
        },
      },
      async (request) => {
        const custom = await ctx.db.query<{ kind: string; language: string }>(
          'SELECT kind, language FROM email_templates WHERE shop_id = $1',
          [request.shop.id],
        );
        const mine = new Set(custom.map((row) => `${row.kind}:${row.language}`));
        return {
          data: CUSTOMER_MESSAGES.flatMap((kind) =>
            LANGUAGES.map((language) => ({ kind, language, custom: mine.has(`${kind}:${language}`) })),
          ),
        };
      },
    );

    app.get(
      '/v1/email-templates/:kind/:language',
      {
        schema: {
          operationId: 'getEmailTemplate',
          tags,
          security,
          summary: 'A message’s template as it is used now: the shop’s own or the default, as Liquid',
          params: templateParams,
          response: { 200: templateSchema, ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => {
        const { kind, language } = request.params;
        const source = await templateFor(ctx.db, request.shop.id, kind, language);
        return { kind, language, custom: source !== defaultTemplate(kind, language), ...source };
      },
    );

    app.put(
      '/v1/email-templates/:kind/:language',
      {
        schema: {
          operationId: 'replaceEmailTemplate',
          tags,
          security,
          summary: 'Use the shop’s own template for a message in a language',
          description:
            'Each part is Liquid. The template is parsed and rendered with sample data before it is saved; a broken one ' +
            'is refused with 422 invalid_template, `details.part`, `details.line` and `details.reason`.',
          params: templateParams,
          body: templateSource,
          response: { 200: templateSchema, ...errorResponses(ADMIN_CODES, 'invalid_template') },
        },
      },
      async (request) => {
        const { kind, language } = request.params;
        const model = await previewModel(ctx, request.shop, publicUrl(request), kind);
        checkTemplate(request.body, model);
        await ctx.db.query(
          `INSERT INTO email_templates (shop_id, kind, language, subject, html, text, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (shop_id, kind, language) DO UPDATE SET subject = excluded.subject, html = excluded.html,
             text = excluded.text, updated_at = excluded.updated_at`,
          [
            request.shop.id,
            kind,
            language,
            request.body.subject,
            request.body.html,
            request.body.text,
            ctx.clock(),
          ],
        );
        return { kind, language, custom: true, ...request.body };
      },
    );

    app.delete(
      '/v1/email-templates/:kind/:language',
      {
        schema: {
          operationId: 'deleteEmailTemplate',
          tags,
          security,
          summary: 'Go back to the default template for a message in a language',
          params: templateParams,
          response: { 200: templateSchema, ...errorResponses(ADMIN_CODES) },
        },
      },
      async (request) => {
        const { kind, language } = request.params;
        await ctx.db.query('DELETE FROM email_templates WHERE shop_id = $1 AND kind = $2 AND language = $3', [
          request.shop.id,
          kind,
          language,
        ]);
        return { kind, language, custom: false, ...defaultTemplate(kind, language) };
      },
    );

    app.post(
      '/v1/email-templates/:kind/:language/preview',
      {
        schema: {
          operationId: 'previewEmailTemplate',
          tags,
          security,
          summary:
            'Render a message with sample data, or a real pre-order’s: the current template, or one not saved yet',
          params: templateParams,
          body: z
            .strictObject({
              preorderId: id('po')
                .optional()
                .describe('Render with this pre-order’s data; sample data without it'),
              template: templateSource.optional().describe('Render this instead of the template in use'),
            })
            .nullish(),
          response: { 200: rendered, ...errorResponses(ADMIN_CODES, 'not_found', 'invalid_template') },
        },
      },
      async (request) => {
        const { kind, language } = request.params as { kind: CustomerMessage; language: Language };
        const template =
          request.body?.template ?? (await templateFor(ctx.db, request.shop.id, kind, language));
        return previewTemplate(
          ctx,
          request.shop,
          publicUrl(request),
          kind,
          template,
          request.body?.preorderId,
        );
      },
    );

    app.post(
      '/v1/campaigns/:id/updates',
      {
        schema: {
          operationId: 'createProgressUpdate',
          tags,
          security,
          summary:
            'Write a progress update for the campaign’s customers (or one batch’s); scheduled when sendAt is given',
          params: campaignParams,
          body: z.strictObject({
            subject: text(200),
            body: z
              .string()
              .trim()
              .min(1)
              .max(20_000)
              .regex(
                /^(?:[^\p{Cc}\p{Cs}]|[\n\r\t])*$/u,
                'must not contain control characters other than line breaks',
              )
              .describe('Plain text; blank lines separate paragraphs'),
            batchId: id('bat').nullish().describe('Only the customers this batch serves'),
            sendAt: instant.nullish(),
          }),
          response: { 201: updateSchema, ...errorResponses(ADMIN_CODES, 'not_found', 'unknown_batch') },
        },
      },
      async (request, reply) => {
        const { sendAt, ...rest } = request.body;
        const update = await createProgressUpdate(ctx, request.shop, request.params.id, {
          ...rest,
          sendAt: sendAt ? new Date(sendAt) : null,
        });
        return reply.status(201).send(updateView(update));
      },
    );

    app.get(
      '/v1/campaigns/:id/updates',
      {
        schema: {
          operationId: 'listProgressUpdates',
          tags,
          security,
          summary: 'The campaign’s progress updates with how far each has gone',
          params: campaignParams,
          response: {
            200: z.object({ data: z.array(updateSchema) }),
            ...errorResponses(ADMIN_CODES, 'not_found'),
          },
        },
      },
      async (request) => ({
        data: (await listProgressUpdates(ctx, request.shop.id, request.params.id)).map(updateView),
      }),
    );

    const updateParams = z.object({ id: id('upd') });
    app.get(
      '/v1/updates/:id',
      {
        schema: {
          operationId: 'getProgressUpdate',
          tags,
          security,
          summary: 'A progress update: sent, failed and left while it goes out',
          params: updateParams,
          response: { 200: updateSchema, ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) => updateView(await getProgressUpdate(ctx, request.shop.id, request.params.id)),
    );

    app.post(
      '/v1/updates/:id/schedule',
      {
        schema: {
          operationId: 'scheduleProgressUpdate',
          tags,
          security,
          summary: 'Schedule a progress update (now when sendAt is left out)',
          params: updateParams,
          body: z.strictObject({ sendAt: instant.nullish() }).nullish(),
          response: { 200: updateSchema, ...errorResponses(ADMIN_CODES, 'not_found', 'update_not_editable') },
        },
      },
      async (request) => {
        const sendAt = request.body?.sendAt ? new Date(request.body.sendAt) : null;
        return updateView(await scheduleProgressUpdate(ctx, request.shop, request.params.id, sendAt));
      },
    );

    app.post(
      '/v1/updates/:id/preview',
      {
        schema: {
          operationId: 'previewProgressUpdate',
          tags,
          security,
          summary: 'The progress update as a customer will get it',
          params: updateParams,
          response: { 200: rendered, ...errorResponses(ADMIN_CODES, 'not_found') },
        },
      },
      async (request) => {
        const shop = request.shop;
        const update = await getProgressUpdate(ctx, shop.id, request.params.id);
        const [campaign] = await ctx.db.query<{ name: string }>(
          'SELECT name FROM campaigns WHERE shop_id = $1 AND id = $2',
          [shop.id, update.campaignId],
        );
        const now = ctx.clock();
        const settings = await getCommunicationSettings(ctx.db, shop.id, now);
        const signer = {
          publicUrl: publicUrl(request),
          secret: await portalSecret(ctx.db, shop.id, now),
          linkDays: settings.portalLinkDays,
          now,
        };
        const model = progressModels(shop, campaign?.name ?? '', update, signer)('customer@example.com');
        const template = await templateFor(ctx.db, shop.id, 'progress_update', languageOf(shop.locale));
        return renderTemplate(template, model);
      },
    );
  };
}

async function ensureCampaign(ctx: ServiceContext, shopId: string, campaignId: string) {
  const [found] = await ctx.db.query('SELECT 1 FROM campaigns WHERE shop_id = $1 AND id = $2', [
    shopId,
    campaignId,
  ]);
  if (!found) throw new DomainError('not_found', 'no such campaign', { id: campaignId });
}

function definedOnly<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}
