import assert from 'node:assert/strict';
import { test } from 'node:test';
import { migrate } from '../../src/db/migrate.ts';
import { PRIORITY_RANGE } from '../../src/domain/promise.ts';
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

describeOnEachEngine('units left, defined once by the database', ({ db }) => {
  const cases: [cap: number | null, supplyLimit: number | null, held: number, unitsLeft: number | null][] = [
    [null, null, 0, null],
    [null, null, 42, null],
    [0, null, 0, 0],
    [10, null, 3, 7],
    [10, null, 10, 0],
    [null, 10, 3, 7],
    [5, 10, 3, 2],
    [50, 10, 3, 7],
    [null, 0, 0, 0],
    [null, 3, 5, 0],
  ];
  test('is what the cap and the supply limit leave of the units held, never below 0', async () => {
    await db().query(
      `INSERT INTO shops (id, name, currency, time_zone, locale) VALUES ('shop_u', 'S', 'EUR', 'Europe/Paris', 'fr-FR')`,
    );
    await db().query(
      `INSERT INTO campaigns (id, shop_id, name, mode, status, price_amount, currency, payment_terms)
       VALUES ('cmp_u', 'shop_u', 'C', 'preorder', 'open', 100, 'EUR', '{"kind":"full"}')`,
    );
    for (const [index, [cap, supplyLimit, held, expected]] of cases.entries()) {
      await db().query(`INSERT INTO variants (id, shop_id, sku, name) VALUES ($1, 'shop_u', $1, 'V')`, [
        `var_u${index}`,
      ]);
      const [row] = await db().query<{ units_left: number | null }>(
        `INSERT INTO campaign_variants (shop_id, campaign_id, variant_id, cap, supply_limit, held)
         VALUES ('shop_u', 'cmp_u', $1, $2, $3, $4) RETURNING units_left`,
        [`var_u${index}`, cap, supplyLimit, held],
      );
      assert.equal(row?.units_left, expected, `cap ${cap}, supply limit ${supplyLimit}, held ${held}`);
    }
  });
});

describeOnEachEngine('one priority range', ({ db }) => {
  test('the database’s priority range is the engine’s and the API’s', async () => {
    const [constraint] = await db().query<{ definition: string }>(
      `SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname = 'preorders_priority_range'`,
    );
    assert.ok(constraint, 'the priority constraint exists');
    const numbers = (constraint.definition.match(/-?\d+/g) ?? []).map(Number);
    assert.deepEqual(
      [Math.min(...numbers), Math.max(...numbers)],
      [PRIORITY_RANGE.min, PRIORITY_RANGE.max],
      constraint.definition,
    );
  });
});
