/**
 * Inline SVG charts (no script, no external image): a trend line for a telemetry series and
 * horizontal bars for spend. Geometry goes in SVG attributes, never in style attributes, so
 * the strict CSP needs no 'unsafe-inline'.
 */
import { html, join, type SafeHtml } from "./html";

export interface Point {
  at: number;
  value: number;
}

const round = (n: number) => Math.round(n * 10) / 10;

/** A line chart of `points` (time on x) with min/max labels; an empty series says so. */
export function trendChart(
  label: string,
  points: readonly Point[],
  unit: string,
  fixedMax?: number,
): SafeHtml {
  const width = 320;
  const height = 90;
  const pad = 4;
  if (points.length === 0) return html`<p class="muted">No ${label} samples yet.</p>`;
  const first = points[0]?.at ?? 0;
  const last = points.at(-1)?.at ?? first;
  const span = Math.max(1, last - first);
  const values = points.map((p) => p.value);
  const max = fixedMax ?? Math.max(...values, 0.0001);
  const min = fixedMax === undefined ? Math.min(...values, 0) : 0;
  const range = Math.max(max - min, 0.0001);
  const xy = points.map((p) => {
    const x = points.length === 1 ? width / 2 : pad + ((p.at - first) / span) * (width - 2 * pad);
    const y = height - pad - ((p.value - min) / range) * (height - 2 * pad - 12);
    return `${round(x)},${round(y)}`;
  });
  const latest = values.at(-1) ?? 0;
  return html`<figure class="trend"><figcaption>${label}: <strong>${round(latest)}${unit}</strong>
<span class="muted">(${points.length} samples, max ${round(Math.max(...values))}${unit})</span></figcaption>
<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${label} trend">
<line class="axis" x1="${pad}" y1="${height - pad}" x2="${width - pad}" y2="${height - pad}"></line>
<polyline class="line" points="${xy.join(" ")}"></polyline>
${points.length === 1 ? html`<circle cx="${xy[0]?.split(",")[0]}" cy="${xy[0]?.split(",")[1]}" r="2.5" fill="currentColor"></circle>` : ""}
<text x="${pad}" y="10">${round(max)}${unit}</text></svg></figure>`;
}

export interface Bar {
  label: string;
  estimated: number;
  reserved: number;
}

/**
 * One row per group: reserved (background) and estimated (foreground) spend, with the cap as
 * a dashed line when one is configured.
 */
export function spendChart(title: string, bars: readonly Bar[], cap: number | undefined): SafeHtml {
  if (bars.length === 0) return html`<p class="muted">No spend this month.</p>`;
  const labelWidth = 130;
  const width = 420;
  const rowHeight = 22;
  const height = bars.length * rowHeight + 16;
  const scaleMax = Math.max(cap ?? 0, ...bars.map((b) => Math.max(b.estimated, b.reserved)), 0.01);
  const plot = width - labelWidth - 60;
  const scale = (value: number) => round((value / scaleMax) * plot);
  const rows = bars.map((bar, index) => {
    const y = index * rowHeight + 4;
    return html`<g><text x="0" y="${y + 13}">${bar.label.length > 20 ? `${bar.label.slice(0, 19)}…` : bar.label}</text>
<rect class="bar-res" x="${labelWidth}" y="${y + 2}" width="${scale(bar.reserved)}" height="14" rx="2"></rect>
<rect class="bar-est" x="${labelWidth}" y="${y + 5}" width="${scale(bar.estimated)}" height="8" rx="2"></rect>
<text x="${labelWidth + Math.max(scale(bar.reserved), scale(bar.estimated)) + 4}" y="${y + 13}">$${bar.estimated.toFixed(2)}</text></g>`;
  });
  const capLine =
    cap && cap > 0
      ? html`<line class="cap" x1="${labelWidth + scale(cap)}" y1="0" x2="${labelWidth + scale(cap)}" y2="${height - 12}"></line>
<text x="${labelWidth + scale(cap) - 20}" y="${height - 2}">cap $${cap.toFixed(0)}</text>`
      : "";
  return html`<svg class="chart" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}">${join(rows)}${capLine}</svg>`;
}
