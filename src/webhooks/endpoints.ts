/**
 * The merchant's webhook endpoints: a URL, the event types it wants (exact, a family such as `preorder.*`,
 * or `*`), and its own secrets. A secret is shown once, when it is made; rotating keeps the old one signing
 * beside the new one for a while, so the receiver can switch without missing a delivery.
 */
import { randomBytes } from 'node:crypto';
import { DomainError } from '../domain/errors.ts';
import { EVENT_TYPES, type EventType, event } from '../domain/events.ts';
import { newId } from '../ids.ts';
import type { ServiceContext } from '../services/context.ts';
import { type Page, toPage } from '../services/pagination.ts';
import { inTransaction } from '../services/unit-of-work.ts';
import { type AddressPolicy, assertDeliverable } from './safe-request.ts';
import { webhookSecret } from './signature.ts';

export interface WebhookEndpoint {
  id: string;
  url: string;
  description: string | null;
  eventTypes: string[];
  status: 'enabled' | 'disabled';
  disabledReason: string | null;
  /** When each secret in force stops signing (null: the current one). */
  secrets: { createdAt: Date; expiresAt: Date | null }[];
  createdAt: Date;
  updatedAt: Date;
}

interface StoredSecret {
  secret: string;
  createdAt: string;
  expiresAt: string | null;
}

interface EndpointRow {
  id: string;
  shop_id: string;
  url: string;
  description: string | null;
  event_types: string[];
  status: 'enabled' | 'disabled';
  disabled_reason: string | null;
  secrets: StoredSecret[];
  created_at: Date;
  updated_at: Date;
}

export interface NewEndpoint {
  url: string;
  eventTypes: string[];
  description?: string | null | undefined;
}

/** Whether an endpoint subscribed with these patterns wants an event of this type. */
export function wantsEvent(patterns: readonly string[], type: string): boolean {
  return patterns.some(
    (pattern) =>
      pattern === '*' ||
      pattern === type ||
      (pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1))),
  );
}

/** Refuses a pattern that names no event type. */
function assertPatterns(patterns: readonly string[]) {
  for (const pattern of patterns) {
    if (!EVENT_TYPES.some((type: EventType) => wantsEvent([pattern], type))) {
      throw new DomainError('validation_failed', `no event type matches "${pattern}"`, {
        field: 'eventTypes',
        received: pattern,
        expected: 'an event type, a family such as preorder.*, or *',
      });
    }
  }
}

export async function createEndpoint(
  ctx: ServiceContext,
  shopId: string,
  input: NewEndpoint,
  policy: AddressPolicy,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  assertPatterns(input.eventTypes);
  await assertDeliverable(input.url, policy);
  const now = ctx.clock();
  const id = newId('webhookEndpoint', now.getTime());
  const secret = webhookSecret(randomBytes(32));
  await ctx.db.query(
    `INSERT INTO webhook_endpoints (shop_id, id, url, description, event_types, status, secrets, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5, 'enabled', $6, $7, $7)`,
    [
      shopId,
      id,
      input.url,
      input.description ?? null,
      input.eventTypes,
      JSON.stringify([{ secret, createdAt: now.toISOString(), expiresAt: null }]),
      now,
    ],
  );
  return { endpoint: await getEndpoint(ctx, shopId, id), secret };
}

export interface EndpointChanges {
  url?: string | undefined;
  eventTypes?: string[] | undefined;
  description?: string | null | undefined;
  status?: 'enabled' | 'disabled' | undefined;
}

export async function updateEndpoint(
  ctx: ServiceContext,
  shopId: string,
  id: string,
  changes: EndpointChanges,
  policy: AddressPolicy,
): Promise<WebhookEndpoint> {
  if (changes.eventTypes) assertPatterns(changes.eventTypes);
  if (changes.url) await assertDeliverable(changes.url, policy);
  await inTransaction(ctx, async (uow) => {
    const current = await loadEndpoint(uow.tx, shopId, id, true);
    const status = changes.status ?? current.status;
    await uow.tx.query(
      `UPDATE webhook_endpoints SET url = $3, event_types = $4, description = $5, status = $6, disabled_reason = $7,
         updated_at = $8
       WHERE shop_id = $1 AND id = $2`,
      [
        shopId,
        id,
        changes.url ?? current.url,
        changes.eventTypes ?? current.event_types,
        changes.description !== undefined ? changes.description : current.description,
        status,
        status === 'disabled'
          ? changes.status === 'disabled'
            ? 'disabled by the merchant'
            : current.disabled_reason
          : null,
        uow.now,
      ],
    );
    if (changes.status === 'disabled' && current.status === 'enabled') {
      uow.record(
        event(shopId, 'webhook_endpoint.disabled', id, {
          url: current.url,
          reason: 'disabled by the merchant',
        }),
      );
    }
  });
  return getEndpoint(ctx, shopId, id);
}

/**
 * A new secret: it signs from now on, and the current one keeps signing beside it for `overlapSeconds`
 * (default 24 hours), so the receiver can move to the new one without missing a delivery.
 */
export async function rotateSecret(
  ctx: ServiceContext,
  shopId: string,
  id: string,
  overlapSeconds = 86_400,
): Promise<{ endpoint: WebhookEndpoint; secret: string }> {
  const secret = webhookSecret(randomBytes(32));
  await inTransaction(ctx, async (uow) => {
    const current = await loadEndpoint(uow.tx, shopId, id, true);
    const expiresAt = new Date(uow.now.getTime() + overlapSeconds * 1000).toISOString();
    const kept = current.secrets
      .filter((old) => old.expiresAt === null || Date.parse(old.expiresAt) > uow.now.getTime())
      .map((old) => ({ ...old, expiresAt: old.expiresAt ?? expiresAt }));
    await uow.tx.query(
      'UPDATE webhook_endpoints SET secrets = $3, updated_at = $4 WHERE shop_id = $1 AND id = $2',
      [
        shopId,
        id,
        JSON.stringify([{ secret, createdAt: uow.now.toISOString(), expiresAt: null }, ...kept]),
        uow.now,
      ],
    );
  });
  return { endpoint: await getEndpoint(ctx, shopId, id), secret };
}

export async function deleteEndpoint(ctx: ServiceContext, shopId: string, id: string): Promise<void> {
  const deleted = await ctx.db.query(
    'DELETE FROM webhook_endpoints WHERE shop_id = $1 AND id = $2 RETURNING 1',
    [shopId, id],
  );
  if (deleted.length === 0) throw new DomainError('not_found', 'no such webhook endpoint', { id });
}

export async function getEndpoint(ctx: ServiceContext, shopId: string, id: string): Promise<WebhookEndpoint> {
  return endpointOf(await loadEndpoint(ctx.db, shopId, id, false));
}

export async function listEndpoints(
  ctx: ServiceContext,
  shopId: string,
  page: { limit: number; after?: string | undefined },
): Promise<Page<WebhookEndpoint>> {
  const rows = await ctx.db.query<EndpointRow>(
    'SELECT * FROM webhook_endpoints WHERE shop_id = $1 AND ($2::text IS NULL OR id > $2) ORDER BY id LIMIT $3',
    [shopId, page.after ?? null, page.limit + 1],
  );
  return toPage(rows, page.limit, endpointOf);
}

/** The enabled endpoints of a shop that want an event type, with the secrets that sign now. */
export async function endpointsFor(
  ctx: ServiceContext,
  shopId: string,
  type: string,
  now: Date,
): Promise<{ id: string; url: string; secrets: string[] }[]> {
  const rows = await ctx.db.query<EndpointRow>(
    `SELECT * FROM webhook_endpoints WHERE shop_id = $1 AND status = 'enabled' ORDER BY id`,
    [shopId],
  );
  return rows
    .filter((row) => wantsEvent(row.event_types, type))
    .map((row) => ({
      id: row.id,
      url: row.url,
      secrets: row.secrets
        .filter((secret) => secret.expiresAt === null || Date.parse(secret.expiresAt) > now.getTime())
        .map((secret) => secret.secret),
    }));
}

/** The endpoint answered 410 Gone: it wants nothing more from us. */
export async function disableGoneEndpoint(ctx: ServiceContext, shopId: string, id: string, url: string) {
  await inTransaction(ctx, async (uow) => {
    const disabled = await uow.tx.query(
      `UPDATE webhook_endpoints SET status = 'disabled', disabled_reason = 'the endpoint answered 410 Gone',
         updated_at = $3
       WHERE shop_id = $1 AND id = $2 AND status = 'enabled' RETURNING 1`,
      [shopId, id, uow.now],
    );
    if (disabled.length > 0) {
      uow.record(
        event(shopId, 'webhook_endpoint.disabled', id, { url, reason: 'the endpoint answered 410 Gone' }),
      );
    }
  });
}

async function loadEndpoint(
  db: ServiceContext['db'] | Parameters<Parameters<ServiceContext['db']['transaction']>[0]>[0],
  shopId: string,
  id: string,
  lock: boolean,
): Promise<EndpointRow> {
  const [row] = await db.query<EndpointRow>(
    `SELECT * FROM webhook_endpoints WHERE shop_id = $1 AND id = $2 ${lock ? 'FOR UPDATE' : ''}`,
    [shopId, id],
  );
  if (!row) throw new DomainError('not_found', 'no such webhook endpoint', { id });
  return row;
}

function endpointOf(row: EndpointRow): WebhookEndpoint {
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    eventTypes: row.event_types,
    status: row.status,
    disabledReason: row.disabled_reason,
    secrets: row.secrets.map((secret) => ({
      createdAt: new Date(secret.createdAt),
      expiresAt: secret.expiresAt ? new Date(secret.expiresAt) : null,
    })),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
