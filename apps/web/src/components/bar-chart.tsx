/** One bar group: a label (a day, a week) and one value per series. */
export interface Bar {
  label: string;
  values: number[];
}
export interface Series {
  name: string;
  className: string;
}

const HEIGHT = 160;
const AXIS = 20;

/**
 * A stacked bar chart drawn as plain SVG: each group's series stack bottom-up, every bar has
 * a <title> (hover) and the whole chart an aria-label summarising it for screen readers.
 */
export function BarChart({ bars, series, title, every = 1 }: { bars: Bar[]; series: Series[]; title: string; every?: number }) {
  const max = Math.max(1, ...bars.map((bar) => bar.values.reduce((sum, value) => sum + value, 0)));
  const width = Math.max(bars.length * 14, 280);
  const slot = width / Math.max(bars.length, 1);
  const totals = series.map((s, index) => `${s.name} ${bars.reduce((sum, bar) => sum + (bar.values[index] ?? 0), 0)}`);
  return (
    <figure className="chart">
      <svg viewBox={`0 0 ${width} ${HEIGHT + AXIS}`} role="img" aria-label={`${title}: ${totals.join(', ')}`} preserveAspectRatio="none">
        <line x1={0} x2={width} y1={HEIGHT} y2={HEIGHT} className="axis" />
        {bars.map((bar, barIndex) => {
          let y = HEIGHT;
          return (
            <g key={bar.label}>
              {bar.values.map((value, index) => {
                const h = (value / max) * (HEIGHT - 8);
                y -= h;
                return value > 0 ? (
                  <rect
                    key={index}
                    x={barIndex * slot + 1}
                    y={y}
                    width={Math.max(slot - 2, 1)}
                    height={h}
                    className={series[index].className}
                  >
                    <title>{`${bar.label}: ${value} ${series[index].name}`}</title>
                  </rect>
                ) : null;
              })}
              {barIndex % every === 0 && (
                <text x={barIndex * slot + slot / 2} y={HEIGHT + 14} textAnchor="middle" className="tick">
                  {bar.label}
                </text>
              )}
            </g>
          );
        })}
      </svg>
      <figcaption>
        {title} ({max} max) —{' '}
        {series.map((s, index) => (
          <span key={s.name} className="legend">
            <span className={`swatch ${s.className}`} aria-hidden="true" /> {totals[index]}
          </span>
        ))}
      </figcaption>
    </figure>
  );
}
