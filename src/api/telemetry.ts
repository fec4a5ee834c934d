/**
 * Machine telemetry samples (docs/api.md#heartbeat-release-expiry-clean-up). The wire schema checks types only; range rules
 * (negative → dropped, caps, integer truncation, "at least one metric") are applied by the
 * coordinator's sanitiser so that a sample with one bad metric still keeps the good ones.
 */
import { z } from "zod";
import { boundedIsoTimestamp, boundedString } from "./bounds";
import { isoTimestamp } from "./shared";

export const telemetryMetricNames = [
  "load1",
  "load5",
  "load15",
  "memoryUsedBytes",
  "memoryTotalBytes",
  "memoryPercent",
  "diskUsedBytes",
  "diskTotalBytes",
  "diskPercent",
  "uptimeSeconds",
] as const;

const metric = z.number().optional();

/** What a client may send: every field optional; `capturedAt` defaults to the coordinator's now. */
export const TelemetryInput = z.object({
  capturedAt: boundedIsoTimestamp.optional(),
  source: boundedString().optional(),
  load1: metric,
  load5: metric,
  load15: metric,
  memoryUsedBytes: metric,
  memoryTotalBytes: metric,
  memoryPercent: metric,
  diskUsedBytes: metric,
  diskTotalBytes: metric,
  diskPercent: metric,
  uptimeSeconds: metric,
});
export type TelemetryInput = z.infer<typeof TelemetryInput>;

/** A stored, sanitised sample as the coordinator returns it. */
export const TelemetrySample = TelemetryInput.extend({ capturedAt: isoTimestamp });
export type TelemetrySample = z.infer<typeof TelemetrySample>;
