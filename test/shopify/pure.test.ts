/** The adapter's pure parts: selling plan terms, the throttle's arithmetic, decimal money, sealed secrets, wording, settings. */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { fromDecimalAmount, toDecimalAmount } from '../../src/domain/decimal-money.ts';
import { DomainError } from '../../src/domain/errors.ts';
import {
  type CampaignSellingTerms,
  sellingPlanDigest,
  sellingPlanGroupInput,
  sellingPlanInput,
} from '../../src/shopify/selling-plan-input.ts';
import { shopifySettingsFromEnv } from '../../src/shopify/settings.ts';
import { throttledBackoff, waitForPoints } from '../../src/shopify/throttle.ts';
import { openSecret, sealSecret } from '../../src/shopify/token-vault.ts';
import { oversellApology } from '../../src/shopify/wording.ts';

const base: CampaignSellingTerms = {
  campaignId: 'cmp_1',
  terms: { kind: 'full' },
  currency: 'EUR',
  window: null,
  timeZone: 'Europe/Berlin',
  name: 'Pre-order',
  description: 'Date to be confirmed',
};

describe('selling plan terms', () => {
  test('paid in full: everything at checkout, no remaining balance, inventory reserved on sale', () => {
    const plan = sellingPlanInput(base);
    assert.equal(plan.category, 'PRE_ORDER');
    assert.deepEqual(plan.billingPolicy.fixed, {
      checkoutCharge: { type: 'PERCENTAGE', value: { percentage: 100 } },
      remainingBalanceChargeTrigger: 'NO_REMAINING_BALANCE',
    });
    assert.deepEqual(plan.deliveryPolicy.fixed, { fulfillmentTrigger: 'UNKNOWN' });
    assert.deepEqual(plan.inventoryPolicy, { reserve: 'ON_SALE' });
    assert.equal(sellingPlanGroupInput(base).merchantCode, 'presell-cmp_1');
  });

  test('a deposit on a date: its percentage now, the balance at the start of that day in the shop’s zone', () => {
    const plan = sellingPlanInput({
      ...base,
      terms: { kind: 'deposit', percent: 12.5, balanceDue: { kind: 'on_date', date: '2027-03-01' } },
    });
    assert.deepEqual(plan.billingPolicy.fixed, {
      checkoutCharge: { type: 'PERCENTAGE', value: { percentage: 12.5 } },
      remainingBalanceChargeTrigger: 'EXACT_TIME',
      remainingBalanceChargeExactTime: '2027-02-28T23:00:00.000Z',
    });
  });

  test('a fixed deposit is a PRICE in the currency’s decimals', () => {
    const terms = { kind: 'deposit' as const, amount: 1500, balanceDue: { kind: 'on_release' as const } };
    const yen = sellingPlanInput({ ...base, currency: 'JPY', terms });
    assert.deepEqual(yen.billingPolicy.fixed.checkoutCharge, {
      type: 'PRICE',
      value: { fixedValue: '1500' },
    });
    const dinar = sellingPlanInput({ ...base, currency: 'KWD', terms });
    assert.deepEqual(dinar.billingPolicy.fixed.checkoutCharge, {
      type: 'PRICE',
      value: { fixedValue: '1.500' },
    });
  });

  test('a balance days before shipping follows the promise; without one Shopify is shown a year', () => {
    const terms = {
      kind: 'deposit' as const,
      percent: 20,
      balanceDue: { kind: 'days_before_ship' as const, days: 10 },
    };
    const undated = sellingPlanInput({ ...base, terms });
    assert.equal(undated.billingPolicy.fixed.remainingBalanceChargeTrigger, 'TIME_AFTER_CHECKOUT');
    assert.equal(undated.billingPolicy.fixed.remainingBalanceChargeTimeAfterCheckout, 'P1Y');
    const dated = sellingPlanInput({ ...base, terms, window: { from: '2027-05-10', to: '2027-05-16' } });
    assert.equal(dated.billingPolicy.fixed.remainingBalanceChargeExactTime, '2027-05-05T22:00:00.000Z');
    assert.deepEqual(dated.deliveryPolicy.fixed, {
      fulfillmentTrigger: 'EXACT_TIME',
      fulfillmentExactTime: '2027-05-09T22:00:00.000Z',
    });
  });

  test('pay later: nothing at checkout, the balance when it ships', () => {
    const plan = sellingPlanInput({
      ...base,
      terms: { kind: 'later' },
      window: { from: '2027-05-10', to: '2027-05-16' },
    });
    assert.deepEqual(plan.billingPolicy.fixed.checkoutCharge, {
      type: 'PERCENTAGE',
      value: { percentage: 0 },
    });
    assert.equal(plan.billingPolicy.fixed.remainingBalanceChargeExactTime, '2027-05-15T22:00:00.000Z');
  });

  test('the digest changes exactly when what Shopify shows changes', () => {
    const digest = (terms: CampaignSellingTerms) =>
      sellingPlanDigest(sellingPlanGroupInput(terms), sellingPlanInput(terms));
    assert.equal(digest(base), digest({ ...base }));
    assert.notEqual(digest(base), digest({ ...base, description: 'Ships in May' }));
    assert.notEqual(digest(base), digest({ ...base, terms: { kind: 'later' } }));
  });
});

describe('the GraphQL throttle', () => {
  const status = { maximumAvailable: 1000, currentlyAvailable: 100, restoreRate: 50 };

  test('no wait when the bucket can pay; otherwise the time it takes to refill', () => {
    assert.equal(waitForPoints(status, 100, 0), 0);
    assert.equal(waitForPoints(status, 200, 0), 2000);
    assert.equal(waitForPoints(status, 200, 1000), 1000, 'what refilled since the answer counts');
    assert.equal(
      waitForPoints(status, 5000, 0),
      18_000,
      'a query dearer than the bucket waits for a full one',
    );
  });

  test('after waiting as told, the bucket covers the query', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 10_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 20_000 }),
        fc.integer({ min: 0, max: 60_000 }),
        (maximum, available, rate, cost, elapsed) => {
          const bucket = {
            maximumAvailable: maximum,
            currentlyAvailable: Math.min(available, maximum),
            restoreRate: rate,
          };
          const wait = waitForPoints(bucket, cost, elapsed);
          assert.ok(wait >= 0);
          assert.equal(waitForPoints(bucket, cost, elapsed + wait), 0);
        },
      ),
    );
  });

  test('THROTTLED backs off at least a doubling floor, at most 30 s', () => {
    assert.equal(throttledBackoff(1, undefined, 10), 250);
    assert.equal(throttledBackoff(3, undefined, 10), 1000);
    assert.equal(throttledBackoff(2, { ...status, currentlyAvailable: 0 }, 100), 2000);
    assert.equal(throttledBackoff(20, undefined, 10), 30_000);
  });
});

describe('decimal money', () => {
  test('to and from decimal text, exactly, in each currency’s minor unit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('EUR', 'JPY', 'KWD', 'USD'),
        fc.integer({ min: -1e12, max: 1e12 }),
        (currency, amount) => {
          const text = toDecimalAmount({ amount, currency });
          assert.deepEqual(fromDecimalAmount(text, currency), { amount, currency });
        },
      ),
    );
    assert.equal(toDecimalAmount({ amount: 5, currency: 'EUR' }), '0.05');
    assert.deepEqual(fromDecimalAmount('1200.0', 'JPY'), { amount: 1200, currency: 'JPY' });
  });

  test('finer than a minor unit, or not a number, is refused', () => {
    assert.throws(
      () => fromDecimalAmount('1.005', 'EUR'),
      (e) => e instanceof DomainError && e.code === 'invalid_amount',
    );
    assert.throws(() => fromDecimalAmount('12,50', 'EUR'), DomainError);
  });
});

describe('sealed secrets', () => {
  const key = randomBytes(32);

  test('open what was sealed; every seal differs; an altered one or another key does not open', () => {
    const sealed = sealSecret(key, 'shpat_secret');
    assert.equal(openSecret(key, sealed), 'shpat_secret');
    assert.notEqual(sealSecret(key, 'shpat_secret'), sealed);
    assert.ok(!sealed.includes('shpat_secret'));
    const [v, iv, tag, body] = sealed.split('.');
    const flipped = Buffer.from(body as string, 'base64url');
    flipped[0] = (flipped[0] as number) ^ 1;
    assert.throws(() => openSecret(key, [v, iv, tag, flipped.toString('base64url')].join('.')));
    assert.throws(() => openSecret(randomBytes(32), sealed));
  });
});

describe('what a Shopify customer reads', () => {
  test('the apology exists whole in every language offered, English for the others', () => {
    const texts = ['en-GB', 'de-DE', 'fr-FR', 'ja-JP'].map(oversellApology);
    assert.equal(new Set(texts).size, 4);
    for (const text of texts) assert.ok(text.length > 40);
    assert.equal(oversellApology('nl-NL'), oversellApology('en'));
    assert.equal(oversellApology('not a locale'), oversellApology('en'));
  });
});

describe('settings from the environment', () => {
  const key = randomBytes(32).toString('base64');
  const defaults = { publicUrl: 'http://127.0.0.1:3000' };

  test('off without a token key; on with one, install links with the app’s credentials', () => {
    assert.equal(shopifySettingsFromEnv({}, defaults), undefined);
    const custom = shopifySettingsFromEnv({ PRESELL_SHOPIFY_TOKEN_KEY: key }, defaults);
    assert.equal(custom?.app, undefined);
    assert.equal(custom?.holdMinutes, 15);
    const app = shopifySettingsFromEnv(
      {
        PRESELL_SHOPIFY_TOKEN_KEY: key,
        SHOPIFY_API_KEY: 'k',
        SHOPIFY_API_SECRET: 's',
        PRESELL_PUBLIC_URL: 'https://presell.example/',
      },
      defaults,
    );
    assert.equal(app?.publicUrl, 'https://presell.example');
    assert.ok(app?.app?.scopes.includes('write_payment_mandate'));
  });

  test('a setting that cannot work is a message for the person who set it', () => {
    assert.throws(
      () => shopifySettingsFromEnv({ PRESELL_SHOPIFY_TOKEN_KEY: 'short' }, defaults),
      /32 random bytes/,
    );
    assert.throws(
      () => shopifySettingsFromEnv({ PRESELL_SHOPIFY_TOKEN_KEY: key, SHOPIFY_API_KEY: 'k' }, defaults),
      /go together/,
    );
    assert.throws(
      () =>
        shopifySettingsFromEnv(
          { PRESELL_SHOPIFY_TOKEN_KEY: key, PRESELL_SHOPIFY_HOLD_MINUTES: '0' },
          defaults,
        ),
      /HOLD_MINUTES/,
    );
  });
});
