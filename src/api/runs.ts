/**
 * Run wire shapes (docs/api.md#runs), shared by the Worker and the CLI.
 * Every string and list a client sends is bounded by `src/api/bounds.ts` and refused past its
 * bound (400 naming the field); the CLI cuts what it sends to fit (docs/api.md, "Bounds").
 */
import { z } from "zod";
import { boundedArray, boundedString, bounds, identifierString } from "./bounds";
import { afterParam, isoTimestamp, leaseIdField, limitParam, nullAsAbsent } from "./shared";
import { TelemetryInput, TelemetrySample } from "./telemetry";

/** The CLI opens a run before it knows its lease, sending `leaseID: ""`. */
const optionalLeaseId = z.union([z.literal(""), leaseIdField]).optional();

/** One argv entry: bounded, but control characters are allowed (scripts carry newlines). */
const commandArg = boundedString(bounds.commandArg);

/**
 * A run that is one shard of `crabbox shard` (docs/cli.md "Shards"): the group every shard of one
 * invocation shares, and this shard's 1-based index of the total. Bounded: a group is a short
 * word, at most 256 shards.
 */
export const RunShard = z
  .object({
    group: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, _ or -"),
    index: z.number().int().min(1).max(bounds.shards),
    total: z.number().int().min(1).max(bounds.shards),
  })
  .refine((shard) => shard.index <= shard.total, { message: "index must be at most total", path: ["index"] });
export type RunShard = z.infer<typeof RunShard>;

export const RunCreateRequest = z.object({
  leaseID: optionalLeaseId,
  provider: identifierString().optional(),
  target: identifierString().optional(),
  windowsMode: identifierString().optional(),
  class: identifierString().optional(),
  serverType: identifierString().optional(),
  command: nullAsAbsent(boundedArray(commandArg, bounds.commandArgs)),
  shard: RunShard.optional(),
});
export type RunCreateRequest = z.infer<typeof RunCreateRequest>;

export const RunState = z.enum(["running", "succeeded", "failed", "interrupted"]);
export type RunState = z.infer<typeof RunState>;

const resultString = boundedString(bounds.resultString);

export const TestFailure = z.object({
  suite: resultString,
  name: resultString,
  classname: resultString.optional(),
  file: resultString.optional(),
  message: resultString.optional(),
  type: resultString.optional(),
  kind: z.enum(["failure", "error"]),
});
export type TestFailure = z.infer<typeof TestFailure>;

const count = z.number().int().nonnegative();

/** JUnit summary (docs/api.md#runs); Go clients send `null` for empty slices. */
export const TestResultSummary = z.object({
  format: z.literal("junit").default("junit"),
  files: nullAsAbsent(boundedArray(resultString, bounds.resultFiles)).transform((value) => value ?? []),
  suites: count.default(0),
  tests: count.default(0),
  failures: count.default(0),
  errors: count.default(0),
  skipped: count.default(0),
  timeSeconds: z.number().nonnegative().default(0),
  failed: nullAsAbsent(boundedArray(TestFailure, bounds.resultFailures)).transform((value) => value ?? []),
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
  samples: nullAsAbsent(boundedArray(TelemetryInput, bounds.telemetrySamples)),
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
  shard: z.object({ group: z.string(), index: z.number(), total: z.number() }).optional(),
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
  /** Only the shards of this `crabbox shard` group. */
  shardGroup: identifierString(64).optional(),
  limit: limitParam(50, 500),
});
export type RunListQuery = z.infer<typeof RunListQuery>;

/** `POST /v1/runs/{id}/events` body (docs/api.md#runs). */
export const RunEventInput = z.object({
  type: identifierString().optional(),
  phase: identifierString().optional(),
  stream: z.enum(["stdout", "stderr"]).optional(),
  message: boundedString(bounds.message).optional(),
  data: boundedString(bounds.message).optional(),
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

/**
 * A stored run event as the log holds it: the `RunEventAppended` payload (its catalogue entry
 * takes this shape) and the wire record below, one copy of the fields.
 */
export const RunEventFields = z.object({
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
  exitCode: z.number().int().optional(),
});

export const RunEventRecord = z.object({
  runID: z.string(),
  ...RunEventFields.shape,
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
  log: boundedString(bounds.log).optional(),
  logChunks: nullAsAbsent(boundedArray(boundedString(bounds.logChunk), bounds.logChunks)),
  logTruncated: z.boolean().optional(),
  results: nullAsAbsent(TestResultSummary),
  /** Malformed entries are dropped and the list is cut to 256 (src/domain/artifacts.ts). */
  artifacts: nullAsAbsent(boundedArray(z.unknown(), bounds.artifacts)),
  telemetry: nullAsAbsent(RunTelemetryInput),
});
export type RunFinishRequest = z.infer<typeof RunFinishRequest>;
