/** A page of a list in creation order; pass `nextCursor` back as `after` for the next page. */
export interface Page<T> {
  data: T[];
  nextCursor: string | null;
}

export interface PageRequest {
  limit: number;
  after?: string | undefined;
}

/** Cuts the `limit + 1` rows a query fetched into a page: the extra row only says that more exist. */
export function toPage<Row extends { id: string }, T>(
  rows: Row[],
  limit: number,
  view: (row: Row) => T,
): Page<T> {
  const more = rows.length > limit;
  const pageRows = more ? rows.slice(0, limit) : rows;
  return { data: pageRows.map(view), nextCursor: more ? (pageRows.at(-1)?.id ?? null) : null };
}
