/** Settings read from the environment: what each accepts, and a clear refusal for the rest. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
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
