/** Small value formats for trail sentences (docs/event-log.md#the-trail-as-sentences). */
import type { TelemetrySample } from "../../events/payloads/shared";

/** `1.2 s`, `45 s`, `12 min`, `2 h 5 min`: a span as a person says it. */
export function span(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return "?";
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 120) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 120) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
}

/** Seconds as a span (TTL and idle settings). */
export function seconds(value: number): string {
  return span(value * 1000);
}

/** A UTC time to the second: `2026-01-02 03:04:05Z`. */
export function clock(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
}

function trim(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(n < 10 ? 2 : 1).replace(/\.?0+$/, "");
}

/** `0.4` or `0.2–0.9` (a range collapses when both ends print the same). */
export function range(values: readonly number[], unit = ""): string | undefined {
  if (values.length === 0) return undefined;
  const low = trim(Math.min(...values));
  const high = trim(Math.max(...values));
  return low === high ? `${low}${unit}` : `${low}–${high}${unit}`;
}

/** `load 0.2–0.9, memory 31–40%, disk 12%` over some samples; undefined when none carry numbers. */
export function telemetryRange(samples: readonly TelemetrySample[]): string | undefined {
  const parts = [
    ["load", range(samples.flatMap((s) => (s.load1 === undefined ? [] : [s.load1])))],
    [
      "memory",
      range(
        samples.flatMap((s) => (s.memoryPercent === undefined ? [] : [s.memoryPercent])),
        "%",
      ),
    ],
    [
      "disk",
      range(
        samples.flatMap((s) => (s.diskPercent === undefined ? [] : [s.diskPercent])),
        "%",
      ),
    ],
  ].filter((part): part is [string, string] => part[1] !== undefined);
  return parts.length ? parts.map(([name, value]) => `${name} ${value}`).join(", ") : undefined;
}
