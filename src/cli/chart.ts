/** Small charts for the terminal: what a person would rather see than read. */

export interface Series {
  label: string;
  /** One glyph per series so the two bars of a row stay apart without colour. */
  glyph: string;
}

/**
 * Paired horizontal bars, one group per row (e.g. per date): each series' value drawn to one scale,
 * the largest value filling `width` cells.
 */
export function groupedBarChart(
  rows: readonly { label: string; values: readonly number[] }[],
  series: readonly Series[],
  width = 40,
): string {
  const largest = Math.max(1, ...rows.flatMap((row) => row.values));
  const labelWidth = Math.max(...rows.map((row) => row.label.length), 0);
  const nameWidth = Math.max(...series.map((s) => s.label.length));
  const lines: string[] = [];
  for (const row of rows) {
    series.forEach((s, index) => {
      const value = row.values[index] ?? 0;
      const cells = Math.round((value / largest) * width);
      const bar = s.glyph.repeat(value > 0 ? Math.max(cells, 1) : 0);
      const label = index === 0 ? row.label.padEnd(labelWidth) : ' '.repeat(labelWidth);
      lines.push(`${label}  ${s.label.padEnd(nameWidth)} ${bar} ${value}`);
    });
  }
  return lines.join('\n');
}

/** Columns padded to their widest cell; numbers right-aligned. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows.map((row) => row.map(String))];
  const widths = header.map((_, column) => Math.max(...cells.map((row) => (row[column] ?? '').length)));
  const numeric = header.map(
    (_, column) => rows.length > 0 && rows.every((row) => typeof row[column] === 'number'),
  );
  return cells
    .map((row) =>
      row
        .map((cell, column) =>
          numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
        )
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/**
 * A progress bar for work done of a total: done and failed items filled (failed ones as ✗), the rest
 * empty, then the counts: `[████████✗✗░░░░] 62% 620 done, 20 failed, 360 left of 1000`.
 */
export function progressBar(progress: { done: number; failed: number; total: number }, width = 30): string {
  const { done, failed, total } = progress;
  const left = Math.max(0, total - done - failed);
  const cells = (count: number) => (total === 0 ? 0 : Math.round((count / total) * width));
  const doneCells = cells(done);
  const failedCells = Math.min(width - doneCells, cells(failed));
  const bar = '█'.repeat(doneCells) + '✗'.repeat(failedCells) + '░'.repeat(width - doneCells - failedCells);
  const percent = total === 0 ? 100 : Math.floor(((done + failed) / total) * 100);
  return `[${bar}] ${percent}% ${done} done, ${failed} failed, ${left} left of ${total}`;
}
