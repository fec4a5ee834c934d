/**
 * The event catalogue: every event the coordinator records, its payload schema and schema
 * version, and the upcasters that lift older stored versions to the current one on read.
 * Names are written for the audit trail: a reader of the log should understand what happened
 * without the code. Payloads never carry secrets (tokens, provider credentials); the lease's
 * SSH *public* key is the only key material and it is public by nature.
 */
import { z } from "zod";
import { boundedArray, boundedString, bounds } from "../api/bounds";
import { CrabboxError } from "../errors";
import {
  type MachineData,
  machineSchema,
  type ProvisioningAttempt,
  provisioningAttemptSchema,
} from "./catalogue-machine";
import {
  machineClaimedFromPoolSchema,
  poolMachineClaimedSchema,
  poolMachineDeletedSchema,
  poolMachineExpiredSchema,
  poolMachineFailedSchema,
  poolMachineReadySchema,
  poolMachineRequestedSchema,
} from "./pool-catalogue";
import type { EventDraft } from "./types";

export { type MachineData, machineSchema, type ProvisioningAttempt, provisioningAttemptSchema };

// ---------------------------------------------------------------------------------------------
// Shared pieces
//
// Strings and lists that come from a client are bounded by `src/api/bounds.ts`, the same
// source the wire schemas use: whatever the API edge accepts, the catalogue accepts too.

/** A client-supplied string in a payload. */
const text = boundedString();

const ms = z.number().int().nonnegative();

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

export const shareRoleSchema = z.enum(["use", "manage"]);
export type ShareRole = z.infer<typeof shareRoleSchema>;

// ---------------------------------------------------------------------------------------------
// Lease events (stream `lease:<leaseID>`)

export const leaseRequestedSchema = z.object({
  leaseID: text,
  slug: text,
  owner: text,
  org: text,
  provider: text,
  target: text,
  windowsMode: text.optional(),
  desktop: z.boolean(),
  browser: z.boolean(),
  code: z.boolean(),
  profile: text,
  class: text,
  requestedServerType: text,
  serverTypeExplicit: z.boolean(),
  market: text.optional(),
  region: text.optional(),
  /** Provider-specific, secret-free options the provider needs to create the machine (location, image, AMI…). */
  providerOptions: z.record(text, z.union([text, z.number(), z.boolean(), boundedArray(text)])),
  providerKey: text,
  sshUser: text,
  sshPort: text,
  sshFallbackPorts: boundedArray(text),
  /** Public key installed on the machine; public by nature, never a private key. */
  sshPublicKey: boundedString(bounds.sshPublicKey),
  workRoot: text,
  keep: z.boolean(),
  ttlSeconds: z.number().int().positive(),
  idleTimeoutSeconds: z.number().int().positive(),
  estimatedHourlyUSD: z.number().nonnegative(),
  maxEstimatedUSD: z.number().nonnegative(),
  /** When the coordinator gives up waiting for the provider and reconciles (unix ms). */
  provisioningDeadlineAt: ms,
});
export type LeaseRequestedData = z.infer<typeof leaseRequestedSchema>;

export const provisioningFailedSchema = z.object({
  code: z.string(),
  message: z.string(),
  provisioningAttempts: z.array(provisioningAttemptSchema),
});

export const heartbeatSchema = z.object({
  /** New idle timeout, already clamped to (0, 86400]; absent when unchanged. */
  idleTimeoutSeconds: z.number().int().positive().optional(),
  telemetry: telemetrySampleSchema.optional(),
});
/** Schema 1: the wire shape, `capturedAt` as an ISO string. */
const heartbeatV1Schema = z.object({
  idleTimeoutSeconds: z.number().int().positive().optional(),
  telemetry: telemetrySampleSchema.extend({ capturedAt: z.string() }).optional(),
});

export const shareChangedSchema = z.object({
  users: z.record(text, shareRoleSchema),
  org: shareRoleSchema.optional(),
  changedBy: z.string(),
});

export const releasedSchema = z.object({
  releasedBy: z.string(),
  /** Whether the release asked for the machine to be deleted (`delete` flag, default `!keep`). */
  deleteMachine: z.boolean(),
});

export const expiredSchema = z.object({
  reason: z.enum(["ttl", "idle"]),
  expiresAt: ms,
});

export const machineDeleteReasonSchema = z.enum([
  "released",
  "expired",
  "provisioning_failed",
  "lease_ended_before_provisioned",
  "admin",
  /** A machine kept after its lease's release, deleted at the lease's TTL end all the same. */
  "kept_ttl",
]);
export const machineDeleteRequestedSchema = z.object({
  cloudID: z.string().min(1),
  reason: machineDeleteReasonSchema,
});
export const machineDeletedSchema = z.object({
  cloudID: z.string().min(1),
  /** The provider answered that the machine did not exist (404 counts as deleted). */
  alreadyGone: z.boolean(),
});
export const machineDeleteFailedSchema = z.object({
  cloudID: z.string().min(1),
  attempt: z.number().int().positive(),
  message: z.string(),
  nextAttemptAt: ms,
});

// ---------------------------------------------------------------------------------------------
// Run events (stream `run:<runID>`)

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
export const runEventAppendedSchema = z.object({
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

// ---------------------------------------------------------------------------------------------
// Fleet events (stream `fleet`)

export const orphanDetectedSchema = z.object({
  provider: z.string(),
  cloudID: z.string().min(1),
  name: z.string(),
  region: z.string().optional(),
  /** The machine's crabbox labels (never secrets: labels are sanitised and public). */
  labels: z.record(z.string(), z.string()),
  leaseID: z.string().optional(),
});
export const orphanDeletedSchema = z.object({
  provider: z.string(),
  cloudID: z.string().min(1),
  alreadyGone: z.boolean(),
});

// ---------------------------------------------------------------------------------------------
// The catalogue proper

interface CatalogueEntry {
  /** Current schema version: what `decide` writes. */
  schema: number;
  parse: z.ZodType;
  /** `upcast[v]` lifts a stored version-`v` payload to version `v + 1`. */
  upcast?: Record<number, (data: unknown) => unknown>;
}

export const catalogue = {
  LeaseRequested: { schema: 1, parse: leaseRequestedSchema },
  MachineProvisioned: { schema: 1, parse: machineSchema },
  ProvisioningFailed: { schema: 1, parse: provisioningFailedSchema },
  Heartbeat: {
    schema: 2,
    parse: heartbeatSchema,
    upcast: {
      // Schema 1 kept the wire's ISO `capturedAt`; 2 stores unix ms (11 bytes less per heartbeat).
      1: (data) => {
        const v1 = heartbeatV1Schema.parse(data);
        if (!v1.telemetry) return { ...v1, telemetry: undefined };
        const capturedAt = Date.parse(v1.telemetry.capturedAt);
        return {
          ...v1,
          telemetry: { ...v1.telemetry, capturedAt: Number.isFinite(capturedAt) ? capturedAt : 0 },
        };
      },
    },
  },
  ShareChanged: { schema: 1, parse: shareChangedSchema },
  Released: { schema: 1, parse: releasedSchema },
  Expired: { schema: 1, parse: expiredSchema },
  MachineDeleteRequested: { schema: 1, parse: machineDeleteRequestedSchema },
  MachineDeleted: { schema: 1, parse: machineDeletedSchema },
  MachineDeleteFailed: { schema: 1, parse: machineDeleteFailedSchema },
  MachineAdopted: { schema: 1, parse: machineSchema },
  MachineClaimedFromPool: { schema: 1, parse: machineClaimedFromPoolSchema },
  RunStarted: { schema: 1, parse: runStartedSchema },
  RunEventAppended: { schema: 1, parse: runEventAppendedSchema },
  RunTelemetryRecorded: { schema: 1, parse: runTelemetryRecordedSchema },
  RunFinished: { schema: 1, parse: runFinishedSchema },
  OrphanDetected: { schema: 1, parse: orphanDetectedSchema },
  OrphanDeleted: { schema: 1, parse: orphanDeletedSchema },
  PoolMachineRequested: { schema: 1, parse: poolMachineRequestedSchema },
  PoolMachineReady: { schema: 1, parse: poolMachineReadySchema },
  PoolMachineFailed: { schema: 1, parse: poolMachineFailedSchema },
  PoolMachineClaimed: { schema: 1, parse: poolMachineClaimedSchema },
  PoolMachineExpired: { schema: 1, parse: poolMachineExpiredSchema },
  PoolMachineDeleted: { schema: 1, parse: poolMachineDeletedSchema },
} as const satisfies Record<string, CatalogueEntry>;

export type EventType = keyof typeof catalogue;
type DataOf<T extends EventType> = z.infer<(typeof catalogue)[T]["parse"]>;
type Draft<T extends EventType> = EventDraft<T, DataOf<T>>;

export type LeaseEvent =
  | Draft<"LeaseRequested">
  | Draft<"MachineProvisioned">
  | Draft<"ProvisioningFailed">
  | Draft<"Heartbeat">
  | Draft<"ShareChanged">
  | Draft<"Released">
  | Draft<"Expired">
  | Draft<"MachineDeleteRequested">
  | Draft<"MachineDeleted">
  | Draft<"MachineDeleteFailed">
  | Draft<"MachineAdopted">
  | Draft<"MachineClaimedFromPool">;
export type RunEvent =
  | Draft<"RunStarted">
  | Draft<"RunEventAppended">
  | Draft<"RunTelemetryRecorded">
  | Draft<"RunFinished">;
export type FleetEvent = Draft<"OrphanDetected"> | Draft<"OrphanDeleted">;
export type PoolEvent =
  | Draft<"PoolMachineRequested">
  | Draft<"PoolMachineReady">
  | Draft<"PoolMachineFailed">
  | Draft<"PoolMachineClaimed">
  | Draft<"PoolMachineExpired">
  | Draft<"PoolMachineDeleted">;

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(catalogue, type);
}

export function currentSchema(type: EventType): number {
  return catalogue[type].schema;
}

/** Validates a payload about to be written; a decider bug surfaces here, before anything is stored. */
export function validateForWrite(type: string, data: unknown): unknown {
  if (!isEventType(type)) throw new CrabboxError("internal", `unknown event type ${type}`);
  const parsed = catalogue[type].parse.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CrabboxError("internal", `invalid ${type} payload at ${issue?.path.join(".") || "(root)"}`);
  }
  return parsed.data;
}

/** Reads a stored payload at any known schema version and returns it at the current version. */
export function upcast(type: string, schema: number, data: unknown): unknown {
  if (!isEventType(type)) throw new CrabboxError("internal", `unknown event type ${type} in the log`);
  const entry: CatalogueEntry = catalogue[type];
  if (schema > entry.schema) {
    throw new CrabboxError("internal", `${type} schema ${schema} is newer than this code (${entry.schema})`);
  }
  // Current-schema payloads were validated on write (`validateForWrite`); reading them back
  // trusts the log, which keeps replays fast. Only upcast results are re-validated.
  if (schema === entry.schema) return data;
  let value = data;
  for (let version = schema; version < entry.schema; version++) {
    const step = entry.upcast?.[version];
    if (!step) throw new CrabboxError("internal", `no upcaster for ${type} schema ${version}`);
    value = step(value);
  }
  return entry.parse.parse(value);
}
