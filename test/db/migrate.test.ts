import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../../src/db/migrate.ts';
import { describeOnEachEngine } from '../support/databases.ts';

describeOnEachEngine('migrations', ({ db }) => {
  test('applying them again changes nothing', async () => {
    assert.deepEqual(await migrate(db()), { applied: [] });
  });

  test('the database refuses a campaign variant that holds more than its cap', async () => {
    await db().query(
      `INSERT INTO shops (id, name, currency, time_zone, locale) VALUES ('shop_1', 'S', 'EUR', 'Europe/Paris', 'fr-FR')`,
    );
    await db().query(
      `INSERT INTO campaigns (id, shop_id, name, mode, status, price_amount, currency, payment_terms)
       VALUES ('cmp_1', 'shop_1', 'C', 'preorder', 'open', 100, 'EUR', '{"kind":"full"}')`,
    );
    await db().query(`INSERT INTO variants (id, shop_id, sku, name) VALUES ('var_1', 'shop_1', 'A', 'A')`);
    await assert.rejects(
      db().query(
        `INSERT INTO campaign_variants (shop_id, campaign_id, variant_id, cap, held) VALUES ('shop_1', 'cmp_1', 'var_1', 1, 2)`,
      ),
      /check constraint/,
    );
  });
});
