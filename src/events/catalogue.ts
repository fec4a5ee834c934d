/**
 * The event catalogue: every event the coordinator records, the stream it belongs to, its
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
  machineClaimedFromPoolSchema,
  poolMachineClaimedSchema,
  poolMachineDeletedSchema,
  poolMachineExpiredSchema,
  poolMachineFailedSchema,
  poolMachineReadySchema,
  poolMachineRequestedSchema,
} from "./payloads/pool";
import {
  runEventAppendedSchema,
  runFinishedSchema,
  runStartedSchema,
  runTelemetryRecordedSchema,
} from "./payloads/run";
import type { EventDraft } from "./types";

/** The kind of stream an event is appended to: `lease:<id>`, `run:<id>`, `pool:<id>` or `fleet`. */
export type StreamKind = "lease" | "run" | "pool" | "fleet";

interface CatalogueEntry {
  /** The stream kind every event of this type is appended to. */
  stream: StreamKind;
  /** Current schema version: what `decide` writes. */
  schema: number;
  parse: z.ZodType;
  /** `upcast[v]` lifts a stored version-`v` payload to version `v + 1`. */
  upcast?: Record<number, (data: unknown) => unknown>;
}

export const catalogue = {
  LeaseRequested: { stream: "lease", schema: 1, parse: leaseRequestedSchema },
  MachineProvisioned: { stream: "lease", schema: 1, parse: machineSchema },
  ProvisioningFailed: { stream: "lease", schema: 1, parse: provisioningFailedSchema },
  Heartbeat: {
    stream: "lease",
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
  ShareChanged: { stream: "lease", schema: 1, parse: shareChangedSchema },
  Released: { stream: "lease", schema: 1, parse: releasedSchema },
  Expired: { stream: "lease", schema: 1, parse: expiredSchema },
  MachineDeleteRequested: { stream: "lease", schema: 1, parse: machineDeleteRequestedSchema },
  MachineDeleted: { stream: "lease", schema: 1, parse: machineDeletedSchema },
  MachineDeleteFailed: { stream: "lease", schema: 1, parse: machineDeleteFailedSchema },
  MachineAdopted: { stream: "lease", schema: 1, parse: machineSchema },
  MachineClaimedFromPool: { stream: "lease", schema: 1, parse: machineClaimedFromPoolSchema },
  RunStarted: { stream: "run", schema: 1, parse: runStartedSchema },
  RunEventAppended: { stream: "run", schema: 1, parse: runEventAppendedSchema },
  RunTelemetryRecorded: { stream: "run", schema: 1, parse: runTelemetryRecordedSchema },
  RunFinished: { stream: "run", schema: 1, parse: runFinishedSchema },
  OrphanDetected: { stream: "fleet", schema: 1, parse: orphanDetectedSchema },
  OrphanDeleted: { stream: "fleet", schema: 1, parse: orphanDeletedSchema },
  PoolMachineRequested: { stream: "pool", schema: 1, parse: poolMachineRequestedSchema },
  PoolMachineReady: { stream: "pool", schema: 1, parse: poolMachineReadySchema },
  PoolMachineFailed: { stream: "pool", schema: 1, parse: poolMachineFailedSchema },
  PoolMachineClaimed: { stream: "pool", schema: 1, parse: poolMachineClaimedSchema },
  PoolMachineExpired: { stream: "pool", schema: 1, parse: poolMachineExpiredSchema },
  PoolMachineDeleted: { stream: "pool", schema: 1, parse: poolMachineDeletedSchema },
} as const satisfies Record<string, CatalogueEntry>;

export type EventType = keyof typeof catalogue;
export type DataOf<T extends EventType> = z.infer<(typeof catalogue)[T]["parse"]>;
type Draft<T extends EventType> = EventDraft<T, DataOf<T>>;

/** The event types appended to streams of kind `K`, read from each entry's `stream`. */
export type EventTypeOn<K extends StreamKind> = {
  [T in EventType]: (typeof catalogue)[T]["stream"] extends K ? T : never;
}[EventType];
type DraftOn<K extends StreamKind> = { [T in EventTypeOn<K>]: Draft<T> }[EventTypeOn<K>];

export type LeaseEvent = DraftOn<"lease">;
export type RunEvent = DraftOn<"run">;
export type FleetEvent = DraftOn<"fleet">;
export type PoolEvent = DraftOn<"pool">;

/**
 * The event types a projection of stream kind `K` reads: all of them, or `only` some, or all
 * `except` some (docs/event-log.md#projections-and-queries). The names are checked against the
 * catalogue, so an event added to a stream reaches the projections that fold the whole stream.
 */
export function eventTypesOn<K extends StreamKind>(
  stream: K,
  pick: { only?: readonly EventTypeOn<K>[]; except?: readonly EventTypeOn<K>[] } = {},
): ReadonlySet<string> {
  const all = (Object.keys(catalogue) as EventType[]).filter(
    (type): type is EventTypeOn<K> => catalogue[type].stream === stream,
  );
  const only = pick.only ? new Set<string>(pick.only) : undefined;
  const except = new Set<string>(pick.except ?? []);
  return new Set(all.filter((type) => (only ? only.has(type) : true) && !except.has(type)));
}

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
