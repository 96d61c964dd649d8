/** Small inline SVG charts: no chart library for two kinds of bars. */
export function StackedBars({ series, height = 160 }: { series: { at: number; allowed: number; denied: number; reasons?: Record<string, number> }[]; height?: number }) {
  const width = 640;
  const max = Math.max(1, ...series.map((s) => s.allowed + s.denied));
  const bar = width / Math.max(1, series.length);
  const scale = (n: number) => (n / max) * (height - 20);
  const daily = series.length > 1 && series[1].at - series[0].at >= 86_400_000;
  const label = (at: number) => {
    const d = new Date(at);
    return daily ? `${d.getMonth() + 1}/${d.getDate()}` : `${String(d.getHours()).padStart(2, '0')}h`;
  };
  const step = Math.ceil(series.length / 12);
  return (
    <svg class="chart" viewBox={`0 0 ${width} ${height + 18}`} role="img" aria-label="Decisions over time: allowed and denied">
      <line x1="0" y1={height} x2={width} y2={height} class="axis" />
      {series.map((s, i) => {
        const a = scale(s.allowed);
        const d = scale(s.denied);
        return (
          <g>
            <title>{`${new Date(s.at).toLocaleString()}: ${s.allowed} allowed, ${s.denied} denied${Object.entries(s.reasons ?? {}).map(([code, n]) => `\n  ${code}: ${n}`).join('')}`}</title>
            <rect x={i * bar + 1} y={height - a} width={Math.max(1, bar - 2)} height={a} class="bar-allow" />
            <rect x={i * bar + 1} y={height - a - d} width={Math.max(1, bar - 2)} height={d} class="bar-deny" />
            {i % step === 0 && (
              <text x={i * bar + bar / 2} y={height + 14} class="tick">
                {label(s.at)}
              </text>
            )}
          </g>
        );
      })}
      <text x="4" y="12" class="tick-left">
        {max}
      </text>
    </svg>
  );
}

export function HBars({ rows, kind = 'deny' }: { rows: { label: string; value: number; limit?: number | null }[]; kind?: 'deny' | 'neutral' }) {
  const max = Math.max(1, ...rows.map((r) => Math.max(r.value, r.limit ?? 0)));
  return (
    <div class="hbars">
      {rows.map((r) => (
        <div class="hbar">
          <span class="hbar-label">{r.label}</span>
          <span class="hbar-track">
            <span class={`hbar-fill hbar-${kind}`} style={{ width: `${(r.value / max) * 100}%` }} />
            {r.limit != null && <span class="hbar-limit" style={{ left: `${(r.limit / max) * 100}%` }} title={`limit ${r.limit}`} />}
          </span>
          <span class="hbar-value">{r.value}</span>
        </div>
      ))}
    </div>
  );
}
