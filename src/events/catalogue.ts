/**
 * The event catalogue: every event the coordinator records, its
 * payload schema and schema version, and the upcasters that lift older stored versions to the
 * current one on read. Names are written for the audit trail: a reader of the log should
 * understand what happened without the code. Payloads never carry secrets (tokens, provider
 * credentials); the lease's SSH *public* key is the only key material and it is public by
 * nature. The payload schemas live in `./payloads/` by stream (docs/event-log.md#events).
 */
import type { z } from "zod";
import { CrabboxError } from "../errors";
import { orphanDeletedSchema, orphanDetectedSchema } from "./payloads/fleet";
import {
  expiredSchema,
  heartbeatSchema,
  heartbeatV1Schema,
  leaseRequestedSchema,
  machineDeletedSchema,
  machineDeleteFailedSchema,
  machineDeleteRequestedSchema,
  machineSchema,
  provisioningFailedSchema,
  releasedSchema,
  shareChangedSchema,
} from "./payloads/lease";
import {
  runEventAppendedSchema,
  runFinishedSchema,
  runStartedSchema,
  runTelemetryRecordedSchema,
} from "./payloads/run";
import type { EventDraft } from "./types";

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
  RunStarted: { schema: 1, parse: runStartedSchema },
  RunEventAppended: { schema: 1, parse: runEventAppendedSchema },
  RunTelemetryRecorded: { schema: 1, parse: runTelemetryRecordedSchema },
  RunFinished: { schema: 1, parse: runFinishedSchema },
  OrphanDetected: { schema: 1, parse: orphanDetectedSchema },
  OrphanDeleted: { schema: 1, parse: orphanDeletedSchema },
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
  | Draft<"MachineAdopted">;
export type RunEvent =
  | Draft<"RunStarted">
  | Draft<"RunEventAppended">
  | Draft<"RunTelemetryRecorded">
  | Draft<"RunFinished">;
export type FleetEvent = Draft<"OrphanDetected"> | Draft<"OrphanDeleted">;

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
