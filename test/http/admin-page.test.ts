/** The admin app as served: its page at /admin, its bundle within the size budget the issue sets. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { webBundles } from '../../src/http/web-assets.ts';
import { testApp } from '../support/app.ts';
import { describeOnEachEngine } from '../support/databases.ts';

/** The first screen's JavaScript, gzipped, at most (issue 14); the app is one bundle. */
const ADMIN_BUDGET_BYTES = 300 * 1024;

test(`the admin app stays within ${ADMIN_BUDGET_BYTES / 1024} KB gzipped`, async () => {
  const admin = (await webBundles()).get('admin');
  assert.ok(admin);
  console.log(`admin: ${admin.code.length} bytes minified, ${admin.gzip.length} bytes gzipped`);
  assert.ok(admin.gzip.length <= ADMIN_BUDGET_BYTES, `${admin.gzip.length} bytes gzipped`);
  assert.deepEqual(gunzipSync(admin.gzip), admin.code);
});

describeOnEachEngine('the admin page', ({ db }) => {
  test('/admin is one page that loads the content-hashed bundle, with no key in it', async () => {
    const { app } = await testApp(db());
    const page = await app.inject({ url: '/admin' });
    assert.equal(page.statusCode, 200);
    assert.match(String(page.headers['content-type']), /^text\/html/);
    assert.equal(page.headers['cache-control'], 'no-cache');
    const src = /<script src="(\/admin\.[0-9a-f]{16}\.js)"><\/script>/.exec(page.body)?.[1];
    assert.ok(src, page.body);
    assert.doesNotMatch(page.body, /sk_/);
    const bundle = await app.inject({ url: src, headers: { 'accept-encoding': 'gzip' } });
    assert.equal(bundle.statusCode, 200);
    assert.equal(bundle.headers['cache-control'], 'public, max-age=31536000, immutable');
    await app.close();
  });
});
