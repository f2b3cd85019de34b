import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type RowColumn, rowsAs } from '../../src/db/rows.ts';
import { describeOnEachEngine } from '../support/databases.ts';

const COLUMNS: RowColumn[] = [
  ['id', 'text'],
  ['from', 'text'],
  ['amount', 'bigint'],
  ['count', 'int'],
  ['on', 'date'],
  ['at', 'timestamptz'],
  ['flag', 'boolean'],
  ['doc', 'jsonb'],
];

const ROWS = [
  {
    id: 'a',
    from: 'placed',
    amount: 9_007_199_254,
    count: 3,
    on: '2027-03-01',
    at: new Date('2027-03-01T10:00:00.123Z'),
    flag: true,
    doc: [{ batchId: 'bat_1', units: 2, inStock: false }],
  },
  { id: 'b', from: 'confirmed', amount: 1, count: 0, on: null, at: null, flag: false, doc: 'just text' },
  { id: 'c', from: "it's", amount: 0, count: -1, on: '2999-12-31', at: null, flag: null, doc: null },
];

/** What the relation reads back, every column as the engine gives it. */
async function readBack(query: (sql: string, params: unknown[]) => Promise<unknown[]>, rows: typeof ROWS) {
  const params: unknown[] = [];
  const from = rowsAs('s', COLUMNS, rows, params);
  return query(
    `SELECT s.id, s."from", s.amount, s.count, s."on"::text AS "on", s.at, s.flag, s.doc FROM ${from} ORDER BY s.id`,
    params,
  );
}

describeOnEachEngine('rows as a relation', ({ db }) => {
  test('one row (parameters) and many (a recordset) read back the same values, of every type', async () => {
    const query = (sql: string, params: unknown[]) => db().query(sql, params);
    const many = await readBack(query, ROWS);
    const one = (await Promise.all(ROWS.map((row) => readBack(query, [row])))).flat();
    assert.deepEqual(one, many);
    assert.deepEqual(many, [
      { ...ROWS[0], on: '2027-03-01' },
      { ...ROWS[1], on: null },
      { ...ROWS[2], on: '2999-12-31' },
    ]);
  });

  test('no rows read back as none', async () => {
    assert.deepEqual(await readBack((sql, params) => db().query(sql, params), []), []);
  });
});
