/**
 * Small hand-made SVG charts: a line chart over calendar dates (with steps and a threshold line) and a
 * bar chart. Each is an image with a label that says what it shows; the figures beside it carry the numbers.
 */

export interface Series {
  name: string;
  /** Calendar dates (YYYY-MM-DD), ascending. */
  points: { date: string; value: number }[];
  /** Hold each value until the next point (supply arriving in batches). */
  step?: boolean;
  tone: 'primary' | 'secondary' | 'alert';
}

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 48, right: 12, top: 12, bottom: 28 };
const dayOf = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
const shortDate = (date: string) => date.slice(5);

function ticks(max: number): number[] {
  if (max <= 0) return [0];
  const rough = max / 4;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? rough;
  return Array.from({ length: Math.floor(max / step) + 1 }, (_, i) => i * step);
}

export function LineChart(props: {
  label: string;
  series: Series[];
  threshold?: { value: number; name: string };
  format?: (value: number) => string;
}) {
  const format = props.format ?? String;
  const dates = props.series.flatMap((s) => s.points.map((p) => dayOf(p.date)));
  const values = props.series.flatMap((s) => s.points.map((p) => p.value));
  if (props.threshold) values.push(props.threshold.value);
  if (dates.length === 0) return <p class="empty">Nothing to chart yet.</p>;
  const first = Math.min(...dates);
  const last = Math.max(...dates, first + 1);
  const top = Math.max(...values, 1) * 1.1;
  const x = (day: number) => PAD.left + ((day - first) / (last - first)) * (WIDTH - PAD.left - PAD.right);
  const y = (value: number) => HEIGHT - PAD.bottom - (value / top) * (HEIGHT - PAD.top - PAD.bottom);
  const path = (series: Series) =>
    series.points
      .map((point, index) => {
        const px = x(dayOf(point.date));
        const py = y(point.value);
        if (index === 0) return `M${px},${py}`;
        return series.step ? `H${px}V${py}` : `L${px},${py}`;
      })
      .join('');
  const startDate = new Date(first * 86_400_000).toISOString().slice(0, 10);
  const endDate = new Date(last * 86_400_000).toISOString().slice(0, 10);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.label}>
        {ticks(top).map((tick) => (
          <g key={tick}>
            <line class="grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(tick)} y2={y(tick)} />
            <text class="axis" x={PAD.left - 6} y={y(tick) + 4} text-anchor="end">
              {format(tick)}
            </text>
          </g>
        ))}
        <text class="axis" x={PAD.left} y={HEIGHT - 8}>
          {shortDate(startDate)}
        </text>
        <text class="axis" x={WIDTH - PAD.right} y={HEIGHT - 8} text-anchor="end">
          {shortDate(endDate)}
        </text>
        {props.threshold && (
          <line
            class="threshold"
            x1={PAD.left}
            x2={WIDTH - PAD.right}
            y1={y(props.threshold.value)}
            y2={y(props.threshold.value)}
          />
        )}
        {props.series.map((series) => (
          <g key={series.name} class={series.tone}>
            <path class={`line ${series.tone}`} d={path(series)} />
            {/* A dot per point: a series of one day is still seen. */}
            {series.points.map((point) => (
              <circle
                key={point.date}
                class={`dot ${series.tone}`}
                cx={x(dayOf(point.date))}
                cy={y(point.value)}
                r={3.5}
              />
            ))}
          </g>
        ))}
      </svg>
      <figcaption class="legend">
        {props.series.map((series) => (
          <span key={series.name} class={`key ${series.tone}`}>
            {series.name}
          </span>
        ))}
        {props.threshold && <span class="key alert">{props.threshold.name}</span>}
      </figcaption>
    </figure>
  );
}

export function BarChart(props: { label: string; bars: { name: string; value: number }[] }) {
  if (props.bars.length === 0) return <p class="empty">Nothing to chart yet.</p>;
  const top = Math.max(...props.bars.map((bar) => bar.value), 1) * 1.15;
  const slot = (WIDTH - PAD.left - PAD.right) / props.bars.length;
  const y = (value: number) => HEIGHT - PAD.bottom - (value / top) * (HEIGHT - PAD.top - PAD.bottom);
  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={props.label}>
        {props.bars.map((bar, index) => (
          <g key={bar.name}>
            <rect
              class="bar"
              x={PAD.left + index * slot + slot * 0.15}
              width={slot * 0.7}
              y={y(bar.value)}
              height={HEIGHT - PAD.bottom - y(bar.value)}
            />
            <text class="axis" x={PAD.left + (index + 0.5) * slot} y={y(bar.value) - 4} text-anchor="middle">
              {bar.value}
            </text>
            <text class="axis" x={PAD.left + (index + 0.5) * slot} y={HEIGHT - 8} text-anchor="middle">
              {bar.name}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}
