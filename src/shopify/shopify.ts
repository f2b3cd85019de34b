/**
 * The Shopify adapter as the rest of Presell holds it: its settings, Shopify's library for signatures (one
 * instance per signing secret: the app's, or a custom app's own), an Admin API client per connected store,
 * and the placements that make holds for Shopify's cart.
 */
import '@shopify/shopify-api/adapters/node';
import { LogSeverity, type Shopify as ShopifyLibrary, shopifyApi } from '@shopify/shopify-api';
import { DomainError } from '../domain/errors.ts';
import type { ServiceContext } from '../services/context.ts';
import type { PaymentSettings } from '../services/payment-operations.ts';
import { Placements } from '../services/placement.ts';
import { ShopifyAdminApi } from './admin-api.ts';
import type { ShopifySettings } from './settings.ts';
import { openSecret } from './token-vault.ts';

/** Where the adapter reports what it could not do right away (a later pass retries it). */
export interface ShopifyLog {
  warn(details: Record<string, unknown>, message: string): void;
}

export interface ActiveConnection {
  shopId: string;
  domain: string;
  method: 'oauth' | 'custom_app';
  accessToken: string;
  /** The secret its webhooks are signed with. */
  webhookSecret: string | null;
}

interface ConnectionRow {
  shop_id: string;
  domain: string;
  method: 'oauth' | 'custom_app';
  access_token: string | null;
  webhook_secret: string | null;
  status: 'active' | 'uninstalled';
}

export class Shopify {
  /** Holds for Shopify's cart: placements with no payment step that expire unless an order takes them. */
  readonly holds: Placements;
  private readonly libraries = new Map<string, ShopifyLibrary>();
  private readonly clients = new Map<string, { token: string; api: ShopifyAdminApi }>();
  private readonly lanes = new Map<string, { tail: Promise<void>; started: boolean }>();

  constructor(
    readonly ctx: ServiceContext,
    readonly settings: ShopifySettings,
    /** The server's payment timings, as the card path has them: declined balances retry on its schedule. */
    readonly paymentSettings: PaymentSettings,
    readonly log: ShopifyLog = { warn: () => {} },
    private readonly sleep?: (ms: number) => Promise<void>,
  ) {
    this.holds = new Placements(ctx, 256, undefined, settings.holdMinutes * 60_000);
  }

  /**
   * Runs `work` after the previous work of the same key in this process; callers that arrive while a run is
   * still waiting to start share it (it will see their change too), so a burst costs one run, not one each.
   */
  exclusive(key: string, work: () => Promise<void>): Promise<void> {
    const lane = this.lanes.get(key);
    if (lane && !lane.started) return lane.tail;
    const next = { tail: Promise.resolve(), started: false };
    next.tail = (lane?.tail ?? Promise.resolve())
      .catch(() => {})
      .then(() => {
        next.started = true;
        return work();
      })
      .finally(() => {
        if (this.lanes.get(key) === next) this.lanes.delete(key);
      });
    this.lanes.set(key, next);
    return next.tail;
  }

  /** Shopify's library bound to a signing secret: HMACs of webhooks and of the install callback. */
  library(secret: string): ShopifyLibrary {
    let library = this.libraries.get(secret);
    if (!library) {
      library = shopifyApi({
        apiKey: this.settings.app?.apiKey ?? 'custom-app',
        apiSecretKey: secret,
        hostName: new URL(this.settings.publicUrl).host,
        hostScheme: new URL(this.settings.publicUrl).protocol === 'http:' ? 'http' : 'https',
        apiVersion: this.settings.apiVersion as never,
        isEmbeddedApp: false,
        logger: { level: LogSeverity.Error, log: () => {} },
      });
      this.libraries.set(secret, library);
    }
    return library;
  }

  /** A store domain as Shopify writes it (`name.myshopify.com`), or `invalid_store_domain`. */
  storeDomain(input: string): string {
    const domain = this.library('domain-check').utils.sanitizeShop(input.trim().toLowerCase(), false);
    if (!domain) {
      throw new DomainError(
        'invalid_store_domain',
        'give the store’s myshopify.com domain, e.g. my-store.myshopify.com',
        {
          field: 'domain',
          received: input,
        },
      );
    }
    return domain;
  }

  /** An Admin API client with a token (the connection's, or one being checked). */
  adminWith(domain: string, accessToken: string): ShopifyAdminApi {
    return new ShopifyAdminApi({
      domain,
      accessToken,
      apiVersion: this.settings.apiVersion,
      adminOrigin: this.settings.adminOrigin,
      ...(this.sleep ? { sleep: this.sleep } : {}),
    });
  }

  /** The shop's store and the client to reach it, or `store_not_connected`. */
  async connected(shopId: string): Promise<{ connection: ActiveConnection; api: ShopifyAdminApi }> {
    const connection = await this.connection(shopId);
    if (!connection) {
      throw new DomainError(
        'store_not_connected',
        'connect a Shopify store first (POST /v1/shopify/connection)',
      );
    }
    let cached = this.clients.get(shopId);
    if (!cached || cached.token !== connection.accessToken) {
      cached = {
        token: connection.accessToken,
        api: this.adminWith(connection.domain, connection.accessToken),
      };
      this.clients.set(shopId, cached);
    }
    return { connection, api: cached.api };
  }

  /** The shop's active connection, its secrets opened; undefined when none is active. */
  async connection(shopId: string): Promise<ActiveConnection | undefined> {
    const [row] = await this.ctx.db.query<ConnectionRow>(
      'SELECT * FROM shopify_connections WHERE shop_id = $1 AND status = $2',
      [shopId, 'active'],
    );
    if (!row?.access_token) return undefined;
    return {
      shopId: row.shop_id,
      domain: row.domain,
      method: row.method,
      accessToken: openSecret(this.settings.tokenKey, row.access_token),
      webhookSecret: row.webhook_secret ? openSecret(this.settings.tokenKey, row.webhook_secret) : null,
    };
  }
}
