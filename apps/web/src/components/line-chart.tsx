import type { Series } from '../lib/summary';

const width = 560;
const height = 170;
const pad = { left: 44, right: 12, top: 12, bottom: 26 };
const colors = ['#0b5cab', '#b3261e', '#2b7a0b'];
const dateLabel = new Intl.DateTimeFormat('en-US', {
  month: 'short',
  year: '2-digit',
  timeZone: 'UTC',
});

/**
 * A small SVG line chart (no chart library: nothing to download inside an EHR iframe). Values
 * are also listed in a table under "Show values" for keyboard and screen-reader users.
 */
export function LineChart({ title, series }: { title: string; series: Series[] }) {
  const points = series.flatMap((line) => line.points);
  if (points.length === 0) return <p className="muted">No {title.toLowerCase()} recorded.</p>;
  const times = points.map((point) => point.time);
  const values = points.map((point) => point.value);
  const [t0, t1] = [Math.min(...times), Math.max(...times)];
  const spread = Math.max(...values) - Math.min(...values);
  const [v0, v1] = [Math.min(...values) - spread * 0.1 - 1, Math.max(...values) + spread * 0.1 + 1];
  const x = (time: number) =>
    pad.left + (t1 === t0 ? 0.5 : (time - t0) / (t1 - t0)) * (width - pad.left - pad.right);
  const y = (value: number) =>
    pad.top + (1 - (value - v0) / (v1 - v0)) * (height - pad.top - pad.bottom);
  const unit = series[0]?.unit ?? '';
  const latest = series
    .map((line) => {
      const last = line.points.at(-1);
      return last ? `${line.label} ${last.value} ${line.unit}` : undefined;
    })
    .filter(Boolean)
    .join(', ');
  return (
    <figure className="chart">
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-label={`${title}: ${points.length} readings; latest ${latest}`}
      >
        <line
          x1={pad.left}
          x2={width - pad.right}
          y1={height - pad.bottom}
          y2={height - pad.bottom}
          className="axis"
        />
        <line x1={pad.left} x2={pad.left} y1={pad.top} y2={height - pad.bottom} className="axis" />
        <text x={pad.left - 6} y={y(v1) + 4} textAnchor="end" className="tick">
          {Math.round(v1)}
        </text>
        <text x={pad.left - 6} y={y(v0)} textAnchor="end" className="tick">
          {Math.round(v0)}
        </text>
        <text x={pad.left} y={height - 8} className="tick">
          {dateLabel.format(new Date(t0))}
        </text>
        <text x={width - pad.right} y={height - 8} textAnchor="end" className="tick">
          {dateLabel.format(new Date(t1))}
        </text>
        {series.map((line, index) => (
          <g
            key={line.label}
            stroke={colors[index % colors.length]}
            fill={colors[index % colors.length]}
          >
            <polyline
              fill="none"
              strokeWidth={2}
              points={line.points.map((point) => `${x(point.time)},${y(point.value)}`).join(' ')}
            />
            {line.points.map((point) => (
              <circle key={point.time} cx={x(point.time)} cy={y(point.value)} r={3}>
                <title>{`${line.label} ${point.value} ${line.unit} on ${new Date(point.time).toISOString().slice(0, 10)}`}</title>
              </circle>
            ))}
          </g>
        ))}
      </svg>
      <figcaption>
        {series.map((line, index) => (
          <span key={line.label} className="legend">
            <span
              className="swatch"
              style={{ background: colors[index % colors.length] }}
              aria-hidden="true"
            />
            {line.label}
          </span>
        ))}
        <span className="muted"> ({unit})</span>
      </figcaption>
      <details>
        <summary>Show values</summary>
        <table>
          <thead>
            <tr>
              <th scope="col">Date</th>
              {series.map((line) => (
                <th scope="col" key={line.label}>
                  {line.label}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {[...new Set(points.map((point) => point.time))]
              .sort((a, b) => b - a)
              .map((time) => (
                <tr key={time}>
                  <td>{new Date(time).toISOString().slice(0, 10)}</td>
                  {series.map((line) => (
                    <td key={line.label}>
                      {line.points.find((point) => point.time === time)?.value ?? ''}
                    </td>
                  ))}
                </tr>
              ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
