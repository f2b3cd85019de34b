/** Settings read from the environment: what each accepts, and a clear refusal for the rest. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readServerSettings, SETTINGS, SettingError, settingsHelp } from '../../src/cli/settings.ts';
import { ConfigError, rateLimitFromEnv, trustProxyFromEnv } from '../../src/server.ts';

test('PRESELL_RATE_LIMIT is requests per seconds', () => {
  assert.equal(rateLimitFromEnv({}), undefined);
  assert.deepEqual(rateLimitFromEnv({ PRESELL_RATE_LIMIT: '300/60' }), { max: 300, timeWindow: 60_000 });
  for (const bad of ['300', '0/60', '10/0', 'ten/60', '10/100000', '-1/5']) {
    assert.throws(() => rateLimitFromEnv({ PRESELL_RATE_LIMIT: bad }), ConfigError, bad);
  }
});

test('PRESELL_TRUST_PROXY is off, on, or a list of proxies', () => {
  assert.equal(trustProxyFromEnv({}), false);
  assert.equal(trustProxyFromEnv({ PRESELL_TRUST_PROXY: 'false' }), false);
  assert.equal(trustProxyFromEnv({ PRESELL_TRUST_PROXY: 'true' }), true);
  assert.deepEqual(trustProxyFromEnv({ PRESELL_TRUST_PROXY: '10.0.0.1, 10.0.0.0/8' }), [
    '10.0.0.1',
    '10.0.0.0/8',
  ]);
});

test('readServerSettings reads every server setting at once and refuses a bad one by name', async () => {
  const { settings } = await readServerSettings(
    { PRESELL_RATE_LIMIT: '300/60', PRESELL_WEBHOOKS_ALLOW_PRIVATE: 'true' },
    'http://127.0.0.1:3000',
  );
  assert.deepEqual(settings.rateLimit, { max: 300, timeWindow: 60_000 });
  assert.equal(settings.webhooksAllowInternal, true);
  assert.equal(settings.shopify, false);
  assert.equal(settings.payments.provider.constructor.name, 'TestPaymentProvider');
  for (const [name, value] of [
    ['PRESELL_RATE_LIMIT', '120'],
    ['PRESELL_PAYMENTS', 'stripe'],
    ['PRESELL_PLACEMENT_TIMEOUT_MINUTES', '0'],
    ['PRESELL_SHOPIFY_TOKEN_KEY', 'short'],
    ['SMTP_URL', 'mail.example.com:25'],
    ['PRESELL_PUBLIC_URL', 'ftp://example.com'],
  ] as const) {
    await assert.rejects(
      readServerSettings({ [name]: value }, 'http://127.0.0.1:3000'),
      (error: Error) => error instanceof SettingError && error.message.includes(name),
      name,
    );
  }
});

test('a PRESELL_ name that is no setting is reported; the help lists every setting once', async () => {
  const { unknown } = await readServerSettings(
    { PRESELL_RATELIMIT: '1/1', PRESELL_DATA: '/tmp/x', PATH: '/bin' },
    'http://127.0.0.1:3000',
  );
  assert.deepEqual(unknown, ['PRESELL_RATELIMIT']);
  const help = settingsHelp();
  for (const { name } of SETTINGS) {
    assert.equal(help.match(new RegExp(`^  ${name}\\b`, 'gm'))?.length, 1, name);
  }
});
