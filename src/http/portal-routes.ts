/**
 * The customer portal: HTML pages behind signed links (src/domain/portal-link.ts). A link that does not
 * verify (changed, cut short, another shop's) gets 403; an expired one a page that emails a fresh link to
 * the address it was for, saying the same whether or not that address has pre-orders. Every page is rate
 * limited per client address. Forms post back to the same link; a repeated post changes nothing more.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from '../domain/errors.ts';
import { languageOf } from '../domain/languages.ts';
import { shownBranding } from '../domain/shop.ts';
import { senderOf, templateFor } from '../notify/compose.ts';
import { type Mail, messageIdOf, sendOnce } from '../notify/mailer.ts';
import { customerLinks, portalPath } from '../notify/model.ts';
import { renderTemplate } from '../notify/templates.ts';
import { PaymentError } from '../payments/provider.ts';
import { fill } from '../portal/copy.ts';
import { checkLink, claimedShop, type LinkPurpose } from '../portal/link.ts';
import {
  cancelPage,
  cardPage,
  expiredPage,
  keepPage,
  listPage,
  messagePage,
  type Notice,
  type PageContext,
  pageContext,
  unsubscribePage,
} from '../portal/pages.ts';
import { getCommunicationSettings, portalSecret } from '../services/communication-settings.ts';
import type { ServiceContext } from '../services/context.ts';
import {
  cancelAsCustomer,
  cancellationQuote,
  customerPreorder,
  customerPreorders,
  keepAsCustomer,
  replaceCardAsCustomer,
} from '../services/customer-portal.ts';
import type { Payments } from '../services/payment-operations.ts';
import { getShop, type Shop } from '../services/shops.ts';

export interface PortalDeps {
  ctx: ServiceContext;
  payments: Payments;
  mail: Mail | undefined;
  rateLimit: { max: number; timeWindow: number };
}

type Access =
  | { status: 'valid'; shop: Shop; email: string; page: PageContext }
  | { status: 'expired'; shop: Shop; email: string; page: PageContext }
  | { status: 'tampered'; page: PageContext };

const NOTICES: readonly Notice[] = ['cancelled', 'already_cancelled', 'kept', 'card'];
/** The link's token, from the query string (`?t=`). */
const tokenOf = (request: FastifyRequest) => {
  const value = (request.query as { t?: unknown } | undefined)?.t;
  return typeof value === 'string' ? value : '';
};
const html = (reply: FastifyReply, status: number, body: string) =>
  reply
    .status(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(body);

export function portalRoutes(deps: PortalDeps) {
  const { ctx, payments } = deps;

  /** Who a link is for, once its signature holds; the shop's language for the page either way. */
  const access = async (token: string, purpose: LinkPurpose): Promise<Access> => {
    const shopId = claimedShop(token);
    const shop = shopId ? await getShop(ctx, shopId).catch(() => undefined) : undefined;
    if (!shop) return { status: 'tampered', page: pageContext(null) };
    const page = pageContext(shop);
    const checked = checkLink(token, await portalSecret(ctx.db, shop.id, ctx.clock()), purpose, ctx.clock());
    if (checked.status === 'tampered') return { status: 'tampered', page };
    return { status: checked.status, shop, email: checked.claims.email, page };
  };

  const invalidLink = (reply: FastifyReply, page: Access['page']) =>
    html(reply, 403, messagePage(page, page.copy.invalidTitle, page.copy.invalidText));

  const refuse = (reply: FastifyReply, found: Access, token: string) =>
    found.status === 'tampered'
      ? invalidLink(reply, found.page)
      : html(reply, 200, expiredPage(found.page, portalPath(token, undefined, 'link')));

  return async (app: FastifyInstance) => {
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 4096 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    await app.register(rateLimit, {
      ...deps.rateLimit,
      keyGenerator: (request) => `portal|${request.ip}`,
    });
    app.setErrorHandler(async (error, request, reply) => {
      const found = await access(tokenOf(request), 'portal').catch(() => undefined);
      const page = found?.page ?? pageContext(null);
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 429) return html(reply, 429, messagePage(page, page.copy.tooMany, page.copy.tooMany));
      if (error instanceof DomainError && error.code === 'not_found') {
        return html(reply, 404, messagePage(page, page.copy.notFound, page.copy.notFound));
      }
      if (status && status >= 400 && status < 500) {
        return html(reply, status, messagePage(page, page.copy.error, page.copy.invalidText));
      }
      request.log.error(
        { err: { message: (error as Error).message, stack: (error as Error).stack } },
        'portal page failed',
      );
      return html(reply, 500, messagePage(page, page.copy.error, page.copy.error));
    });
    const hide = { schema: { hide: true } };
    type Params = { id: string };

    app.get('/portal', hide, async (request: FastifyRequest, reply) => {
      const token = tokenOf(request);
      const found = await access(token, 'portal');
      if (found.status !== 'valid') return refuse(reply, found, token);
      const done = (request.query as { done?: string }).done as Notice | undefined;
      const preorders = await customerPreorders(ctx, found.shop, found.email);
      const notice = done && NOTICES.includes(done) ? done : undefined;
      return html(reply, 200, listPage(found.page, token, found.email, preorders, ctx.clock(), notice));
    });

    app.post('/portal/link', hide, async (request, reply) => {
      const token = tokenOf(request);
      const found = await access(token, 'portal');
      if (found.status === 'tampered') return refuse(reply, found, token);
      await sendFreshLink(ctx, deps.mail, found.shop, found.email);
      return html(reply, 200, messagePage(found.page, found.page.copy.sentTitle, found.page.copy.sentText));
    });

    app.get('/portal/preorders/:id/cancel', hide, async (request, reply) => {
      const token = tokenOf(request);
      const { id } = request.params as Params;
      const found = await access(token, 'portal');
      if (found.status !== 'valid') return refuse(reply, found, token);
      const view = await customerPreorder(ctx, found.shop, found.email, id);
      if (!view.canCancel) return reply.redirect(portalPath(token), 303);
      const quote = await cancellationQuote(ctx, found.shop, view);
      return html(reply, 200, cancelPage(found.page, token, view, quote));
    });

    app.post('/portal/preorders/:id/cancel', hide, async (request, reply) => {
      const token = tokenOf(request);
      const { id } = request.params as Params;
      const found = await access(token, 'portal');
      if (found.status !== 'valid') return refuse(reply, found, token);
      const before = await customerPreorder(ctx, found.shop, found.email, id);
      if (before.preorder.state === 'cancelled') {
        return reply.redirect(`${portalPath(token)}&done=already_cancelled`, 303);
      }
      await cancelAsCustomer(ctx, payments, found.shop, found.email, id);
      return reply.redirect(`${portalPath(token)}&done=cancelled`, 303);
    });

    app.get('/portal/preorders/:id/keep', hide, async (request, reply) => {
      const token = tokenOf(request);
      const { id } = request.params as Params;
      const found = await access(token, 'portal');
      if (found.status !== 'valid') return refuse(reply, found, token);
      const view = await customerPreorder(ctx, found.shop, found.email, id);
      if (!view.question) return reply.redirect(portalPath(token), 303);
      return html(reply, 200, keepPage(found.page, token, view, ctx.clock()));
    });

    app.post('/portal/preorders/:id/keep', hide, async (request, reply) => {
      const token = tokenOf(request);
      const { id } = request.params as Params;
      const found = await access(token, 'portal');
      if (found.status !== 'valid') return refuse(reply, found, token);
      await keepAsCustomer(ctx, payments, found.shop, found.email, id).catch((error: unknown) => {
        // Pressed again, or the deadline answered first: the page shows where it stands.
        if (!(error instanceof DomainError && error.code === 'no_open_question')) throw error;
      });
      return reply.redirect(`${portalPath(token)}&done=kept`, 303);
    });

    const cardFormAvailable = payments.provider.name === 'test';

    app.get('/portal/preorders/:id/card', hide, async (request, reply) => {
      const token = tokenOf(request);
      const { id } = request.params as Params;
      const found = await access(token, 'portal');
      if (found.status !== 'valid') return refuse(reply, found, token);
      const view = await customerPreorder(ctx, found.shop, found.email, id);
      if (!view.canUpdateCard) return reply.redirect(portalPath(token), 303);
      return html(reply, 200, cardPage(found.page, token, view, { available: cardFormAvailable }));
    });

    app.post('/portal/preorders/:id/card', hide, async (request, reply) => {
      const token = tokenOf(request);
      const { id } = request.params as Params;
      const found = await access(token, 'portal');
      if (found.status !== 'valid') return refuse(reply, found, token);
      const view = await customerPreorder(ctx, found.shop, found.email, id);
      const card = String((request.body as { card?: unknown } | undefined)?.card ?? '').replace(/[\s-]/g, '');
      if (!cardFormAvailable || !/^\d{12,19}$/.test(card)) {
        return html(
          reply,
          422,
          cardPage(found.page, token, view, {
            available: cardFormAvailable,
            error: found.page.copy.cardHint,
          }),
        );
      }
      try {
        await replaceCardAsCustomer(ctx, payments, found.shop, found.email, id, card, request.id);
      } catch (error) {
        if (
          !(
            error instanceof PaymentError ||
            (error instanceof DomainError && error.code === 'authentication_required')
          )
        )
          throw error;
        return html(reply, 402, cardPage(found.page, token, view, { available: true, error: error.message }));
      }
      return reply.redirect(`${portalPath(token)}&done=card`, 303);
    });

    app.get('/unsubscribe', hide, async (request, reply) => {
      const token = tokenOf(request);
      const found = await access(token, 'unsubscribe');
      if (found.status !== 'valid') return invalidLink(reply, found.page);
      return html(reply, 200, unsubscribePage(found.page, `/unsubscribe?t=${token}`));
    });

    // One click (RFC 8058): mail clients post `List-Unsubscribe=One-Click` here; the page's button does too.
    app.post('/unsubscribe', hide, async (request, reply) => {
      const token = tokenOf(request);
      const found = await access(token, 'unsubscribe');
      if (found.status !== 'valid') return invalidLink(reply, found.page);
      await ctx.db.query(
        'INSERT INTO email_unsubscribes (shop_id, email, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
        [found.shop.id, found.email.toLowerCase(), ctx.clock()],
      );
      const done = fill(found.page.copy.unsubscribed, { shop: found.page.brand.name });
      return html(reply, 200, messagePage(found.page, done, found.page.copy.unsubscribeText));
    });
  };
}

/**
 * Emails a fresh portal link to an address that has pre-orders in the shop; says nothing either way. At
 * most one an hour per address: the hour is part of the Message-ID, and a message already sent is not
 * sent again.
 */
async function sendFreshLink(ctx: ServiceContext, mail: Mail | undefined, shop: Shop, email: string) {
  if (!mail?.publicUrl) return;
  const [known] = await ctx.db.query(
    'SELECT 1 FROM preorders WHERE shop_id = $1 AND lower(email) = lower($2) LIMIT 1',
    [shop.id, email],
  );
  if (!known) return;
  const now = ctx.clock();
  const settings = await getCommunicationSettings(ctx.db, shop.id, now);
  const signer = {
    publicUrl: mail.publicUrl,
    secret: await portalSecret(ctx.db, shop.id, now),
    linkDays: settings.portalLinkDays,
    now,
  };
  const language = languageOf(shop.locale);
  const model = {
    language,
    shop: shownBranding(shop),
    customer: { email },
    link: { days: settings.portalLinkDays },
    links: customerLinks(signer, shop.id, email),
  };
  const rendered = renderTemplate(await templateFor(ctx.db, shop.id, 'portal_link', language), model);
  const hour = Math.floor(now.getTime() / 3_600_000);
  const sender = senderOf(shop, settings);
  await sendOnce(
    ctx.db,
    mail,
    {
      shopId: shop.id,
      messageId: messageIdOf(['portal-link', `${email}:${hour}`], mail.fromAddress),
      kind: 'portal_link',
      fromName: sender.name,
      to: email,
      replyTo: sender.replyTo,
      subject: rendered.subject,
      html: rendered.html,
      text: rendered.text,
      headers: {},
      eventId: null,
      preorderId: null,
      language,
    },
    now,
  );
}
