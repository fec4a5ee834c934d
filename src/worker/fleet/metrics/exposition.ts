/**
 * The Prometheus text exposition format (version 0.0.4, which OpenMetrics scrapers also accept):
 * `# HELP`, `# TYPE`, then one `name{label="value"} number` line per sample. Pure: the
 * coordinator's numbers go in, text comes out (docs/api.md, "Metrics").
 */

export type MetricType = "gauge" | "counter" | "histogram";

export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

export interface Family {
  name: string;
  help: string;
  type: MetricType;
  samples: Sample[];
}

/** Histogram buckets (upper bounds, ascending) with their counts, as one family's samples. */
export interface HistogramData {
  bounds: readonly number[];
  /** Per-bucket counts, not cumulative: `counts[i]` observations ≤ bounds[i] and > bounds[i-1]; one more for +Inf. */
  counts: readonly number[];
  sum: number;
}

export const contentType = "text/plain; version=0.0.4; charset=utf-8";

/** Label values escape backslash, double quote and newline (the format's only escapes). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n");
}

function escapeHelp(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}

function formatLabels(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return "";
  return `{${entries.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
}

/** The samples of a histogram family: cumulative `_bucket`s, `_sum` and `_count`. */
export function histogramSamples(name: string, data: HistogramData): { name: string; sample: Sample }[] {
  const out: { name: string; sample: Sample }[] = [];
  let cumulative = 0;
  data.bounds.forEach((bound, i) => {
    cumulative += data.counts[i] ?? 0;
    out.push({ name: `${name}_bucket`, sample: { labels: { le: formatValue(bound) }, value: cumulative } });
  });
  cumulative += data.counts[data.bounds.length] ?? 0;
  out.push({ name: `${name}_bucket`, sample: { labels: { le: "+Inf" }, value: cumulative } });
  out.push({ name: `${name}_sum`, sample: { value: data.sum } });
  out.push({ name: `${name}_count`, sample: { value: cumulative } });
  return out;
}

export function renderFamily(family: Family): string {
  const lines = [`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`];
  for (const sample of family.samples) {
    lines.push(`${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
  }
  return lines.join("\n");
}

export function renderHistogram(name: string, help: string, data: HistogramData): string {
  const lines = [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} histogram`];
  for (const { name: sampleName, sample } of histogramSamples(name, data)) {
    lines.push(`${sampleName}${formatLabels(sample.labels)} ${formatValue(sample.value)}`);
  }
  return lines.join("\n");
}
