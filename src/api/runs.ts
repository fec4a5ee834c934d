/**
 * Run wire shapes (docs/api.md#runs), shared by the Worker and the CLI.
 * Size bounds (16 KiB messages, 8 MiB log tail, result caps) are applied by the coordinator,
 * which truncates rather than refuses, as the reference does.
 */
import { z } from "zod";
import { boundedArray, boundedString, bounds, identifierString } from "./bounds";
import { afterParam, isoTimestamp, leaseIdField, limitParam, nullAsAbsent } from "./shared";
import { TelemetryInput, TelemetrySample } from "./telemetry";

/** The CLI opens a run before it knows its lease, sending `leaseID: ""`. */
const optionalLeaseId = z.union([z.literal(""), leaseIdField]).optional();

/** One argv entry: bounded, but control characters are allowed (scripts carry newlines). */
const commandArg = boundedString(bounds.commandArg);

export const RunCreateRequest = z.object({
  leaseID: optionalLeaseId,
  provider: identifierString().optional(),
  target: identifierString().optional(),
  windowsMode: identifierString().optional(),
  class: identifierString().optional(),
  serverType: identifierString().optional(),
  command: nullAsAbsent(boundedArray(commandArg, bounds.commandArgs)),
});
export type RunCreateRequest = z.infer<typeof RunCreateRequest>;

export const RunState = z.enum(["running", "succeeded", "failed", "interrupted"]);
export type RunState = z.infer<typeof RunState>;

export const TestFailure = z.object({
  suite: z.string(),
  name: z.string(),
  classname: z.string().optional(),
  file: z.string().optional(),
  message: z.string().optional(),
  type: z.string().optional(),
  kind: z.enum(["failure", "error"]),
});
export type TestFailure = z.infer<typeof TestFailure>;

const count = z.number().int().nonnegative();

/** JUnit summary (docs/api.md#runs); Go clients send `null` for empty slices. */
export const TestResultSummary = z.object({
  format: z.literal("junit").default("junit"),
  files: nullAsAbsent(z.array(z.string())).transform((value) => value ?? []),
  suites: count.default(0),
  tests: count.default(0),
  failures: count.default(0),
  errors: count.default(0),
  skipped: count.default(0),
  timeSeconds: z.number().nonnegative().default(0),
  failed: nullAsAbsent(z.array(TestFailure)).transform((value) => value ?? []),
});
export type TestResultSummary = z.infer<typeof TestResultSummary>;

/** One file a run copied back (docs/cli.md "Artifacts"); the coordinator keeps at most 256. */
export const ArtifactEntry = z.object({
  path: z.string(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string(),
});
export type ArtifactEntry = z.infer<typeof ArtifactEntry>;

export const RunTelemetryInput = z.object({
  start: nullAsAbsent(TelemetryInput),
  end: nullAsAbsent(TelemetryInput),
  samples: nullAsAbsent(z.array(TelemetryInput)),
});

export const RunTelemetry = z.object({
  start: TelemetrySample.optional(),
  end: TelemetrySample.optional(),
  samples: z.array(TelemetrySample).optional(),
});
export type RunTelemetry = z.infer<typeof RunTelemetry>;

export const RunRecord = z.object({
  id: z.string(),
  leaseID: z.string(),
  slug: z.string().optional(),
  provider: z.string(),
  target: z.string(),
  windowsMode: z.string().optional(),
  class: z.string(),
  serverType: z.string(),
  owner: z.string(),
  org: z.string(),
  command: z.array(z.string()),
  state: RunState,
  phase: z.string(),
  exitCode: z.number().optional(),
  syncMs: z.number().optional(),
  commandMs: z.number().optional(),
  durationMs: z.number().optional(),
  logBytes: z.number().optional(),
  logTruncated: z.boolean().optional(),
  results: TestResultSummary.optional(),
  artifacts: z.array(ArtifactEntry).optional(),
  telemetry: RunTelemetry.optional(),
  startedAt: isoTimestamp,
  lastEventAt: isoTimestamp.optional(),
  eventCount: z.number(),
  endedAt: isoTimestamp.optional(),
});
export type RunRecord = z.infer<typeof RunRecord>;

export const RunEnvelope = z.object({ run: RunRecord });
export type RunEnvelope = z.infer<typeof RunEnvelope>;
export const RunListEnvelope = z.object({ runs: z.array(RunRecord) });
export type RunListEnvelope = z.infer<typeof RunListEnvelope>;

/** `GET /v1/runs` query; non-admin callers always see only their own owner/org. */
export const RunListQuery = z.object({
  leaseID: identifierString().optional(),
  owner: identifierString().optional(),
  org: identifierString().optional(),
  state: RunState.optional(),
  limit: limitParam(50, 500),
});
export type RunListQuery = z.infer<typeof RunListQuery>;

/** `POST /v1/runs/{id}/events` body (docs/api.md#runs). */
export const RunEventInput = z.object({
  type: identifierString().optional(),
  phase: identifierString().optional(),
  stream: z.enum(["stdout", "stderr"]).optional(),
  message: z.string().optional(),
  data: z.string().optional(),
  leaseID: optionalLeaseId,
  slug: identifierString().optional(),
  provider: identifierString().optional(),
  target: identifierString().optional(),
  windowsMode: identifierString().optional(),
  class: identifierString().optional(),
  serverType: identifierString().optional(),
  exitCode: z.number().int().optional(),
});
export type RunEventInput = z.infer<typeof RunEventInput>;

export const RunEventRecord = z.object({
  runID: z.string(),
  seq: z.number().int().positive(),
  type: z.string(),
  phase: z.string().optional(),
  stream: z.enum(["stdout", "stderr"]).optional(),
  message: z.string().optional(),
  data: z.string().optional(),
  leaseID: z.string().optional(),
  slug: z.string().optional(),
  provider: z.string().optional(),
  target: z.string().optional(),
  windowsMode: z.string().optional(),
  class: z.string().optional(),
  serverType: z.string().optional(),
  exitCode: z.number().optional(),
  createdAt: isoTimestamp,
});
export type RunEventRecord = z.infer<typeof RunEventRecord>;

export const RunEventEnvelope = z.object({ event: RunEventRecord });
export const RunEventListEnvelope = z.object({ events: z.array(RunEventRecord) });
export type RunEventListEnvelope = z.infer<typeof RunEventListEnvelope>;

/** `GET /v1/runs/{id}/events?after=&limit=`: events with `seq > after`, ascending. */
export const RunEventsQuery = z.object({
  after: afterParam,
  limit: limitParam(500, 500),
});
export type RunEventsQuery = z.infer<typeof RunEventsQuery>;

/** `POST /v1/runs/{id}/telemetry` body. */
export const RunTelemetryRequest = z.object({ telemetry: TelemetryInput });
export type RunTelemetryRequest = z.infer<typeof RunTelemetryRequest>;

/**
 * `POST /v1/runs/{id}/finish` body. `logChunks` (≤64 KiB pieces of the last 8 MiB) win over
 * `log` when non-empty; a missing or non-integer `exitCode` is recorded as 1.
 */
export const RunFinishRequest = z.object({
  exitCode: z.number().optional(),
  syncMs: z.number().nonnegative().optional(),
  commandMs: z.number().nonnegative().optional(),
  log: z.string().optional(),
  logChunks: nullAsAbsent(z.array(z.string())),
  logTruncated: z.boolean().optional(),
  results: nullAsAbsent(TestResultSummary),
  /** Malformed entries are dropped and the list is cut to 256 (src/domain/artifacts.ts). */
  artifacts: nullAsAbsent(z.array(z.unknown())),
  telemetry: nullAsAbsent(RunTelemetryInput),
});
export type RunFinishRequest = z.infer<typeof RunFinishRequest>;
