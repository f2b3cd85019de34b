import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { type Database, openDatabase } from '../../src/db/database.ts';

/**
 * The embedded engine's statements are prepared once and then only bound and executed
 * (src/db/embedded-statements.ts), and its tables are analysed as they grow (src/db/embedded-upkeep.ts).
 * What comes back must be what PGlite's own `query` gives, whatever the statement.
 */
describe('the embedded engine', () => {
  let db: Database;
  let plain: PGlite;
  before(async () => {
    db = await openDatabase();
    plain = await PGlite.create({ parsers: { 20: Number, 1700: String, 1082: String } });
    const schema = `CREATE TABLE things (
      id text PRIMARY KEY, n int, big bigint, amount numeric, day date, at timestamptz,
      doc jsonb, tags text[], ok boolean, note text)`;
    await db.exec(schema);
    await plain.exec(schema);
  });
  after(async () => {
    await db.close();
    await plain.close();
  });

  test('gives back every type as PGlite’s own query does, parameters written the same way', async () => {
    const insert = `INSERT INTO things VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING *`;
    const rows: unknown[][] = [
      [
        'a',
        1,
        9_007_199_254_740_991,
        '12.50',
        '2027-03-01',
        new Date('2027-03-01T10:00:00Z'),
        { a: [1, 'x'] },
        ['x', 'y "z"'],
        true,
        'é',
      ],
      ['b', null, null, null, null, null, null, null, null, null],
      ['c', -7, 0, '0', '1999-12-31', new Date(0), [1, 2], [], false, ''],
    ];
    for (const row of rows) {
      assert.deepEqual(await db.query(insert, row), (await plain.query(insert, row)).rows);
    }
    const select = 'SELECT * FROM things WHERE id = ANY($1) ORDER BY id';
    assert.deepEqual(
      await db.query(select, [['a', 'b', 'c']]),
      (await plain.query(select, [['a', 'b', 'c']])).rows,
    );
    assert.deepEqual(await db.query('SELECT count(*) AS n FROM things'), [{ n: 3 }]);
  });

  test('a failed statement throws the database’s error and code, and the next one runs', async () => {
    await assert.rejects(
      db.query(`INSERT INTO things (id) VALUES ($1)`, ['a']),
      (error: Error & { code?: string }) => {
        assert.equal(error.code, '23505');
        assert.match(error.message, /duplicate key/);
        return true;
      },
    );
    await assert.rejects(db.query('SELEC 1'), (error: Error & { code?: string }) => error.code === '42601');
    assert.deepEqual(await db.query('SELECT $1::int + 1 AS n', [1]), [{ n: 2 }]);
  });

  test('in a transaction, a failure rolls everything back, prepared statements stay usable', async () => {
    await assert.rejects(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO things (id) VALUES ($1)`, ['t1']);
        await tx.query(`INSERT INTO things (id) VALUES ($1)`, ['a']);
      }),
      /duplicate key/,
    );
    assert.deepEqual(await db.query('SELECT id FROM things WHERE id = $1', ['t1']), []);
    await db.transaction((tx) => tx.query(`INSERT INTO things (id) VALUES ($1)`, ['t2']));
    assert.deepEqual(await db.query('SELECT id FROM things WHERE id = $1', ['t2']), [{ id: 't2' }]);
  });

  test('a script that changes a table is seen by the statements prepared before it', async () => {
    const select = 'SELECT * FROM things WHERE id = $1';
    assert.equal('extra' in ((await db.query<Record<string, unknown>>(select, ['a']))[0] ?? {}), false);
    await db.exec('ALTER TABLE things ADD COLUMN extra int DEFAULT 5');
    assert.equal((await db.query<{ extra: number }>(select, ['a']))[0]?.extra, 5);
  });

  test('more distinct statements than it keeps prepared all still answer right', async () => {
    for (let i = 0; i < 1100; i++) {
      assert.deepEqual(await db.query(`SELECT $1::int + ${i} AS n`, [1]), [{ n: 1 + i }]);
    }
    assert.deepEqual(await db.query('SELECT $1::int + 0 AS n', [2]), [{ n: 2 }]);
  });

  test('a table is analysed once it has grown: the planner knows its rows', async () => {
    await db.exec('CREATE TABLE grown (id int PRIMARY KEY, shop text)');
    const estimate = async () =>
      (await db.query<{ n: number }>(`SELECT reltuples::int AS n FROM pg_class WHERE relname = 'grown'`))[0]
        ?.n;
    assert.ok(((await estimate()) ?? 0) <= 0, 'never analysed when made');
    for (let i = 0; i < 3000; i++) await db.query('INSERT INTO grown VALUES ($1, $2)', [i, 'shop_1']);
    const rows = (await estimate()) ?? 0;
    // Looked at every 1,000 statements, analysed when grown by a fifth: it knows most of them.
    assert.ok(rows >= 1500 && rows <= 3000, `the planner counts ${rows} rows of 3,000`);
  });
});
