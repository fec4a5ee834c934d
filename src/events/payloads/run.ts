/** Payloads of the run events (stream `run:<runID>`, docs/event-log.md#events). */
import { z } from "zod";
import { boundedArray, boundedString, bounds } from "../../api/bounds";
import { RunEventFields } from "../../api/runs";
import { telemetrySampleSchema, text } from "./shared";

export const runStartedSchema = z.object({
  runID: text,
  leaseID: text,
  slug: text,
  provider: text,
  target: text,
  windowsMode: text.optional(),
  class: text,
  serverType: text,
  owner: text,
  org: text,
  command: boundedArray(boundedString(bounds.commandArg), bounds.commandArgs),
  /** Optional, so runs started before shards existed stay valid as they are (docs/cli.md "Shards"). */
  shard: z
    .object({
      group: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/),
      index: z.number().int().min(1).max(bounds.shards),
      total: z.number().int().min(1).max(bounds.shards),
    })
    .optional(),
});
export type RunStartedData = z.infer<typeof runStartedSchema>;

/** A run event record (docs/event-log.md#run-lifecycle-rundecider), bounded, with its per-run `seq`. */
export const runEventAppendedSchema = RunEventFields;
export type RunEventAppendedData = z.infer<typeof runEventAppendedSchema>;

export const runTelemetryRecordedSchema = z.object({ sample: telemetrySampleSchema });

export const testFailureSchema = z.object({
  suite: z.string(),
  name: z.string(),
  classname: z.string().optional(),
  file: z.string().optional(),
  message: z.string().optional(),
  type: z.string().optional(),
  kind: z.enum(["failure", "error"]),
});
export const testResultsSchema = z.object({
  format: z.literal("junit"),
  files: z.array(z.string()),
  suites: z.number().int().nonnegative(),
  tests: z.number().int().nonnegative(),
  failures: z.number().int().nonnegative(),
  errors: z.number().int().nonnegative(),
  skipped: z.number().int().nonnegative(),
  timeSeconds: z.number().nonnegative(),
  failed: z.array(testFailureSchema),
});
export type TestResults = z.infer<typeof testResultsSchema>;

/** A file the run copied back (src/domain/artifacts.ts bounds the list before it is decided). */
export const artifactEntrySchema = z.object({
  path: z.string().min(1),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

export const runFinishedSchema = z.object({
  /** Per-run seq of the `command.finished` record this finish adds to the run's events. */
  seq: z.number().int().positive(),
  exitCode: z.number().int(),
  /** `interrupted`: the client was stopped (Ctrl-C, SIGTERM) and said so with `run.interrupted`. */
  state: z.enum(["succeeded", "failed", "interrupted"]),
  syncMs: z.number().nonnegative().optional(),
  commandMs: z.number().nonnegative().optional(),
  durationMs: z.number().nonnegative(),
  /** Bytes of the stored log tail (≤ 8 MiB); the text itself is this event's attachment. */
  logBytes: z.number().int().nonnegative(),
  logTruncated: z.boolean(),
  results: testResultsSchema.optional(),
  /** Optional, so schema-1 payloads written before artifacts existed stay valid as they are. */
  artifacts: z.array(artifactEntrySchema).optional(),
  telemetryStart: telemetrySampleSchema.optional(),
  telemetryEnd: telemetrySampleSchema.optional(),
  telemetrySamples: z.array(telemetrySampleSchema).optional(),
});
export type RunFinishedData = z.infer<typeof runFinishedSchema>;
