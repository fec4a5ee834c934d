/**
 * Machine telemetry as the CLI reports it on heartbeats and runs (docs/api.md#heartbeat-release-expiry-clean-up). The
 * coordinator keeps only sane, bounded numbers: clients are not trusted to send sensible
 * values, and these samples land in the event log and in the portal.
 */
import { bounds } from "../api/bounds";

export interface TelemetrySample {
  capturedAt: string;
  source?: string;
  load1?: number;
  load5?: number;
  load15?: number;
  memoryUsedBytes?: number;
  memoryTotalBytes?: number;
  memoryPercent?: number;
  diskUsedBytes?: number;
  diskTotalBytes?: number;
  diskPercent?: number;
  uptimeSeconds?: number;
}

export const telemetryRingSize = bounds.telemetrySamples;
const maxSourceLength = 32;
const maxLoad = 10_000;
const maxPercent = 100;

const loadFields = ["load1", "load5", "load15"] as const;
const percentFields = ["memoryPercent", "diskPercent"] as const;
const integerFields = [
  "memoryUsedBytes",
  "memoryTotalBytes",
  "diskUsedBytes",
  "diskTotalBytes",
  "uptimeSeconds",
] as const;

function usableNumber(value: unknown): number | undefined {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) return undefined;
  return value;
}

/**
 * Returns the bounded sample, or `undefined` when nothing measurable survives (a sample of
 * only a timestamp says nothing and must not evict real samples from the ring).
 */
export function sanitizeTelemetry(input: unknown, now: number): TelemetrySample | undefined {
  if (typeof input !== "object" || input === null || Array.isArray(input)) return undefined;
  const raw = input as Record<string, unknown>;
  const sample: TelemetrySample = { capturedAt: parseCapturedAt(raw.capturedAt, now) };
  let metrics = 0;
  for (const field of loadFields) {
    const value = usableNumber(raw[field]);
    if (value === undefined) continue;
    sample[field] = Math.min(value, maxLoad);
    metrics++;
  }
  for (const field of percentFields) {
    const value = usableNumber(raw[field]);
    if (value === undefined) continue;
    sample[field] = Math.min(value, maxPercent);
    metrics++;
  }
  for (const field of integerFields) {
    const value = usableNumber(raw[field]);
    if (value === undefined) continue;
    sample[field] = Math.trunc(Math.min(value, Number.MAX_SAFE_INTEGER));
    metrics++;
  }
  if (metrics === 0) return undefined;
  if (typeof raw.source === "string") {
    const source = raw.source.trim().slice(0, maxSourceLength);
    if (source) sample.source = source;
  }
  return sample;
}

function parseCapturedAt(value: unknown, now: number): string {
  if (typeof value === "string" || typeof value === "number") {
    const parsed = new Date(value);
    const ms = parsed.getTime();
    if (Number.isFinite(ms)) return parsed.toISOString();
  }
  return new Date(now).toISOString();
}

/**
 * The ring rule for lease history and run samples: merge, one sample per `capturedAt` (the
 * later arrival wins), ascending by capture time, only the newest `size` kept.
 */
export function mergeTelemetryRing(
  existing: readonly TelemetrySample[],
  incoming: readonly TelemetrySample[],
  size = telemetryRingSize,
): TelemetrySample[] {
  const byTime = new Map<string, TelemetrySample>();
  for (const sample of [...existing, ...incoming]) byTime.set(sample.capturedAt, sample);
  return [...byTime.values()]
    .sort((a, b) => Date.parse(a.capturedAt) - Date.parse(b.capturedAt))
    .slice(-size);
}
