/**
 * Payload pieces more than one stream's events share (docs/event-log.md#events).
 * Strings and lists that come from a client are bounded by `src/api/bounds.ts`, the same source
 * the wire schemas use: whatever the API edge accepts, the catalogue accepts too.
 */
import { z } from "zod";
import { boundedString } from "../../api/bounds";

/** A client-supplied string in a payload. */
export const text = boundedString();

export const ms = z.number().int().nonnegative();

/** A sanitised telemetry sample (docs/api.md#heartbeat-release-expiry-clean-up), with `capturedAt` as unix ms to keep heartbeats small. */
export const telemetrySampleSchema = z.object({
  capturedAt: ms,
  source: z.string().max(32).optional(),
  load1: z.number().nonnegative().optional(),
  load5: z.number().nonnegative().optional(),
  load15: z.number().nonnegative().optional(),
  memoryUsedBytes: z.number().int().nonnegative().optional(),
  memoryTotalBytes: z.number().int().nonnegative().optional(),
  memoryPercent: z.number().nonnegative().optional(),
  diskUsedBytes: z.number().int().nonnegative().optional(),
  diskTotalBytes: z.number().int().nonnegative().optional(),
  diskPercent: z.number().nonnegative().optional(),
  uptimeSeconds: z.number().int().nonnegative().optional(),
});
export type TelemetrySample = z.infer<typeof telemetrySampleSchema>;

export const provisioningAttemptSchema = z.object({
  region: z.string().optional(),
  serverType: z.string(),
  market: z.string().optional(),
  category: z.string().optional(),
  message: z.string(),
});
export type ProvisioningAttempt = z.infer<typeof provisioningAttemptSchema>;

export const capacityHintSchema = z.object({
  code: z.string(),
  message: z.string(),
  action: z.string().optional(),
  region: z.string().optional(),
  market: z.string().optional(),
  class: z.string().optional(),
  serverType: z.string().optional(),
  regionsTried: z.array(z.string()).optional(),
});

export const shareRoleSchema = z.enum(["use", "manage"]);
export type ShareRole = z.infer<typeof shareRoleSchema>;
