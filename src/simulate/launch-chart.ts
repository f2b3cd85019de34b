/**
 * The chart of a simulated launch, as a small hand-written SVG: one panel per policy, customers in the
 * order they pre-ordered along the bottom, days since the opening up the side; the end of the first window
 * each was promised (a line) against the day each shipped (dots), and cancellations marked.
 */
import type { CustomerOutcome } from './launch-metrics.ts';

export interface ChartPanel {
  title: string;
  outcomes: readonly CustomerOutcome[];
}

const WIDTH = 760;
const PANEL_HEIGHT = 260;
const MARGIN = { left: 56, right: 16, top: 34, bottom: 40 };
/** More customers than this are thinned evenly: the shape is the same and the file stays small. */
const MAX_POINTS = 400;

export function launchChartSvg(panels: readonly ChartPanel[], title: string): string {
  const all = panels.flatMap((panel) => panel.outcomes);
  const lastDay = Math.max(
    1,
    ...all.flatMap((o) => [o.firstWindowEnd ?? 0, o.shippedDay ?? 0, o.cancelledDay ?? 0]),
  );
  const top = Math.ceil(lastDay / 30) * 30;
  const height = panels.length * PANEL_HEIGHT + 30;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="11">`,
    `<title>${escapeXml(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${WIDTH / 2}" y="18" text-anchor="middle" font-size="13">${escapeXml(title)}</text>`,
    ...panels.map((panel, index) => panelSvg(panel, 24 + index * PANEL_HEIGHT, top)),
    '</svg>',
  ];
  return `${parts.join('\n')}\n`;
}

function panelSvg(panel: ChartPanel, offset: number, top: number): string {
  const inner = {
    width: WIDTH - MARGIN.left - MARGIN.right,
    height: PANEL_HEIGHT - MARGIN.top - MARGIN.bottom,
  };
  const shown = thinned(panel.outcomes);
  const count = Math.max(panel.outcomes.length - 1, 1);
  const x = (index: number) => (MARGIN.left + (index / count) * inner.width).toFixed(1);
  const y = (day: number) => (offset + MARGIN.top + inner.height * (1 - day / top)).toFixed(1);
  const promised = shown
    .filter(({ outcome }) => outcome.firstWindowEnd !== null)
    .map(({ index, outcome }) => `${x(index)},${y(outcome.firstWindowEnd as number)}`);
  const dots = shown
    .filter(({ outcome }) => outcome.shippedDay !== null)
    .map(({ index, outcome }) => {
      const late = (outcome.shippedDay as number) > (outcome.firstWindowEnd ?? Number.POSITIVE_INFINITY);
      return `<circle cx="${x(index)}" cy="${y(outcome.shippedDay as number)}" r="1.8" fill="${late ? '#c0392b' : '#27ae60'}"/>`;
    });
  const crosses = shown
    .filter(({ outcome }) => outcome.cancelledDay !== null)
    .map(({ index, outcome }) => {
      const cx = Number(x(index));
      const cy = Number(y(outcome.cancelledDay as number));
      return `<path d="M${cx - 2},${cy - 2}L${cx + 2},${cy + 2}M${cx - 2},${cy + 2}L${cx + 2},${cy - 2}" stroke="#7f8c8d"/>`;
    });
  const grid = [];
  for (let day = 0; day <= top; day += 30) {
    grid.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + inner.width}" y1="${y(day)}" y2="${y(day)}" stroke="#eee"/>`,
      `<text x="${MARGIN.left - 6}" y="${y(day)}" text-anchor="end" dominant-baseline="middle">${day}</text>`,
    );
  }
  const bottom = offset + MARGIN.top + inner.height;
  return [
    `<g>`,
    `<text x="${MARGIN.left}" y="${offset + MARGIN.top - 10}" font-size="12" font-weight="bold">${escapeXml(panel.title)}</text>`,
    ...grid,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + inner.width}" y1="${bottom}" y2="${bottom}" stroke="#999"/>`,
    `<text x="${MARGIN.left + inner.width / 2}" y="${bottom + 28}" text-anchor="middle">customers in the order they pre-ordered (${panel.outcomes.length})</text>`,
    `<text x="14" y="${offset + MARGIN.top + inner.height / 2}" transform="rotate(-90 14 ${offset + MARGIN.top + inner.height / 2})" text-anchor="middle">days since the opening</text>`,
    `<polyline points="${promised.join(' ')}" fill="none" stroke="#2c3e50" stroke-width="1.5"/>`,
    ...dots,
    ...crosses,
    `<text x="${MARGIN.left + inner.width}" y="${offset + MARGIN.top - 10}" text-anchor="end">line: end of first window promised · green: shipped inside it · red: shipped later · ×: cancelled</text>`,
    `</g>`,
  ].join('\n');
}

function thinned(outcomes: readonly CustomerOutcome[]) {
  const step = Math.max(1, Math.ceil(outcomes.length / MAX_POINTS));
  return outcomes.map((outcome, index) => ({ outcome, index })).filter(({ index }) => index % step === 0);
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
