/**
 * What a lease's heartbeats said, folded (docs/event-log.md#heartbeat-summaries): how many,
 * the first and last one's time, each telemetry number's range, and the samples of the last
 * 60 heartbeats that carried one. The summary projection and the live history read both fold
 * through this one function, so a replay gives the same row as the live write.
 */
import type { TelemetrySample } from "../events/payloads/shared";

export const telemetryHistorySize = 60;

export interface HeartbeatSummary {
  heartbeats: number;
  firstAt: number;
  lastAt: number;
  /** Numeric telemetry field → [min, max]. */
  telemetryRange: Record<string, [number, number]>;
  /** The samples of the last 60 heartbeats that carried one, by capture time. */
  history: TelemetrySample[];
}

export interface HeartbeatFold {
  add(at: number, telemetry: TelemetrySample | undefined): void;
  /** Undefined before the first heartbeat. */
  summary(): HeartbeatSummary | undefined;
}

export function heartbeatFold(): HeartbeatFold {
  let heartbeats = 0;
  let firstAt = 0;
  let lastAt = 0;
  const range: Record<string, [number, number]> = {};
  const recent: TelemetrySample[] = [];
  return {
    add(at, telemetry) {
      if (heartbeats === 0) firstAt = at;
      heartbeats += 1;
      lastAt = at;
      if (!telemetry) return;
      recent.push(telemetry);
      if (recent.length > telemetryHistorySize) recent.shift();
      for (const [field, value] of Object.entries(telemetry)) {
        if (field === "capturedAt" || typeof value !== "number") continue;
        const known = range[field];
        range[field] = known ? [Math.min(known[0], value), Math.max(known[1], value)] : [value, value];
      }
    },
    summary() {
      if (heartbeats === 0) return undefined;
      return { heartbeats, firstAt, lastAt, telemetryRange: { ...range }, history: byCaptureTime(recent) };
    },
  };
}

/** Oldest capture first; of two samples captured at the same time the later heartbeat's wins. */
export function byCaptureTime(samples: readonly TelemetrySample[]): TelemetrySample[] {
  const byTime = new Map<number, TelemetrySample>();
  for (const sample of samples) byTime.set(sample.capturedAt, sample);
  return [...byTime.values()].sort((a, b) => a.capturedAt - b.capturedAt);
}
