/**
 * Rows from the application as a relation a statement reads, so that one statement writes many rows.
 *
 * Many rows travel as one jsonb parameter read by `jsonb_to_recordset`. One row travels as a VALUES row
 * of parameters instead, which the planner folds into the statement: setting up the recordset function
 * costs the embedded engine about 0.3 ms a statement, more than a short statement costs to run, and most
 * writes of one pre-order (a cancellation, a refund) are one row. The statement's text differs between the
 * two; what it reads does not.
 */

/** A column of the relation: its name and its PostgreSQL type. */
export type RowColumn = readonly [name: string, type: string];

/**
 * A FROM item giving `rows` as the relation `alias(columns)`; their values are appended to `params`,
 * whose placeholders the returned SQL names. A value is what the column's type takes as a parameter:
 * a jsonb column's value is any JSON value (it is written as JSON here), a timestamptz a Date.
 */
export function rowsAs(
  alias: string,
  columns: readonly RowColumn[],
  rows: readonly Record<string, unknown>[],
  params: unknown[],
): string {
  const names = columns.map(([name]) => quoted(name)).join(', ');
  if (rows.length === 1) {
    const row = rows[0] as Record<string, unknown>;
    const values = columns.map(([name, type]) => {
      const value = row[name] ?? null;
      // JSON goes as its text, so that no driver takes a string for a document already written.
      if (type === 'jsonb') {
        params.push(value === null ? null : JSON.stringify(value));
        return `$${params.length}::text::jsonb`;
      }
      params.push(value);
      return `$${params.length}::${type}`;
    });
    return `(VALUES (${values.join(', ')})) AS ${alias}(${names})`;
  }
  params.push(JSON.stringify(rows));
  const typed = columns.map(([name, type]) => `${quoted(name)} ${type}`).join(', ');
  return `jsonb_to_recordset($${params.length}::jsonb) AS ${alias}(${typed})`;
}

function quoted(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
