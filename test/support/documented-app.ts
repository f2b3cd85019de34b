import { randomBytes } from 'node:crypto';
import type { Database } from '../../src/db/database.ts';
import { TestPaymentProvider } from '../../src/payments/test-provider.ts';
import { DEFAULT_PAYMENT_SETTINGS } from '../../src/services/payment-operations.ts';
import { SHOPIFY_API_VERSION } from '../../src/shopify/settings.ts';
import { Shopify } from '../../src/shopify/shopify.ts';
import { testApp } from './app.ts';

/**
 * The app with every optional part on (payments, the Shopify adapter, the demo inbox), so that the
 * document holds every route and each is held to the same rules.
 */
export function documentedApp(db: Database) {
  const settings = {
    tokenKey: randomBytes(32),
    publicUrl: 'https://presell.example',
    holdMinutes: 15,
    apiVersion: SHOPIFY_API_VERSION,
  };
  return testApp(db, {
    payments: { provider: new TestPaymentProvider(), settings: DEFAULT_PAYMENT_SETTINGS },
    shopify: new Shopify({ db, clock: () => new Date() }, settings, DEFAULT_PAYMENT_SETTINGS),
    inbox: true,
  });
}
