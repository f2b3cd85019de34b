/** CSV: what is written reads back the same, however the bytes are cut into chunks. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { type CsvSyntaxError, csvRow, readCsv } from '../../src/csv.ts';

async function read(chunks: readonly string[]) {
  const records = [];
  for await (const record of readCsv(
    (async function* () {
      yield* chunks;
    })(),
  ))
    records.push(record);
  return records;
}

/** Cuts a text at the given fractions. */
function cut(text: string, at: readonly number[]) {
  const points = [...new Set(at.map((f) => Math.floor(f * text.length)))].sort((a, b) => a - b);
  const parts: string[] = [];
  let start = 0;
  for (const point of points) {
    parts.push(text.slice(start, point));
    start = point;
  }
  parts.push(text.slice(start));
  return parts;
}

test('property: rows written read back field for field, in any chunking', async () => {
  const field = fc
    .string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', 'é', '1') })
    .filter((value) => !/^[=+\-@]/.test(value));
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(field, { minLength: 2, maxLength: 4 }), { minLength: 1, maxLength: 8 }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
      async (rows, at) => {
        const text = rows.map(csvRow).join('');
        const records = await read(cut(text, at));
        assert.deepEqual(
          records.map((record) => record.fields),
          rows,
        );
      },
    ),
  );
});

test('lines are counted across quoted line breaks; blank lines and a BOM are skipped', async () => {
  const records = await read(['\ufeffa,b\r\n\r\n"x\ny",2\n', 'last,3']);
  assert.deepEqual(
    records.map((record) => [record.line, record.fields]),
    [
      [1, ['a', 'b']],
      [3, ['x\ny', '2']],
      [5, ['last', '3']],
    ],
  );
});

test('a quote left open or inside a field is a syntax error with its line', async () => {
  await assert.rejects(read(['a,b\n"open,2\n']), (error: CsvSyntaxError) => error.line === 2);
  await assert.rejects(read(['a,b\nx"y,2\n']), (error: CsvSyntaxError) => error.line === 2);
});

test('a formula is neutralised, a phone number or a negative amount is not', () => {
  assert.equal(
    csvRow(['=SUM(A1)', '+44 20 7946 0000', '-120', '@x']),
    `'=SUM(A1),+44 20 7946 0000,-120,'@x\r\n`,
  );
});
