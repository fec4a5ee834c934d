/**
 * Admin and audit wire shapes: pool inventory, admin lease routes, the event log
 * pages and the replay report (docs/api.md#endpoints).
 */
import { z } from "zod";
import { identifierString } from "./bounds";
import { LeaseState, ProviderName } from "./leases";
import { afterParam, isoTimestamp, limitParam } from "./shared";

export const PoolQuery = z.object({ provider: ProviderName.optional() });
export type PoolQuery = z.infer<typeof PoolQuery>;

export const PoolMachine = z.object({
  provider: ProviderName,
  id: z.string(),
  cloudID: z.string(),
  region: z.string().optional(),
  name: z.string(),
  status: z.string(),
  serverType: z.string(),
  host: z.string().optional(),
  labels: z.record(z.string(), z.string()),
});
export type PoolMachine = z.infer<typeof PoolMachine>;

/** One configured ready pool and the machines it holds now (docs/api.md#ready-pools). */
export const ReadyPool = z.object({
  provider: ProviderName,
  class: z.string(),
  region: z.string(),
  min: z.number().int(),
  max: z.number().int(),
  maxReadyAgeSeconds: z.number().int(),
  ready: z.number().int(),
  provisioning: z.number().int(),
  /** What the pool's ready and booting machines cost per hour, together. */
  hourlyUSD: z.number(),
  machines: z.array(
    z.object({
      id: z.string(),
      state: z.enum(["provisioning", "ready", "expired"]),
      cloudID: z.string().optional(),
      requestedAt: isoTimestamp,
      readyAt: isoTimestamp.optional(),
    }),
  ),
});
export type ReadyPool = z.infer<typeof ReadyPool>;

export const PoolResponse = z.object({
  machines: z.array(PoolMachine),
  /** Absent from coordinators older than ready pools. */
  pools: z.array(ReadyPool).optional(),
  /** Why `CRABBOX_POOLS` configured no pool, when it is malformed. */
  poolConfigError: z.string().optional(),
});
export type PoolResponse = z.infer<typeof PoolResponse>;

/** `GET /v1/admin/leases` query (createdAt descending). */
export const AdminLeaseListQuery = z.object({
  state: LeaseState.optional(),
  owner: identifierString().optional(),
  org: identifierString().optional(),
  limit: limitParam(100, 500),
});
export type AdminLeaseListQuery = z.infer<typeof AdminLeaseListQuery>;

/** A time bound: ISO-8601 or unix milliseconds; read as unix ms. */
export const timeBound = z.union([
  z.coerce.number().int().nonnegative(),
  z.iso.datetime({ offset: true }).transform((value) => Date.parse(value)),
]);

/** `GET /v1/leases/{id}/events`: one lease stream, paged by stream position. */
export const StreamEventsQuery = z.object({
  after: afterParam,
  limit: limitParam(500, 500),
});
export type StreamEventsQuery = z.infer<typeof StreamEventsQuery>;

/** `GET /v1/admin/events`: the whole log, paged by global `seq`, with filters. */
export const AdminEventsQuery = z.object({
  after: afterParam,
  limit: limitParam(500, 500),
  stream: identifierString().min(1).optional(),
  type: identifierString().min(1).optional(),
  owner: identifierString().min(1).optional(),
  since: timeBound.optional(),
  until: timeBound.optional(),
});
export type AdminEventsQuery = z.infer<typeof AdminEventsQuery>;

/** One entry of the append-only log, as stored (secret-free by construction). */
export const LogEvent = z.object({
  seq: z.number().int().positive(),
  id: z.string(),
  stream: z.string(),
  version: z.number().int().positive(),
  type: z.string(),
  schema: z.number().int().positive(),
  data: z.unknown(),
  meta: z.unknown(),
  at: isoTimestamp,
  /** The event's link in the hash chain (docs/event-log.md); absent on per-lease trails. */
  hash: z.string().optional(),
  /** Set when the event was read back from the archive: the R2 object key it lives in. */
  archivedIn: z.string().optional(),
});
export type LogEvent = z.infer<typeof LogEvent>;

/** A page of the log; `next` is the `after` value for the following page, absent at the end. */
export const EventsPage = z.object({
  events: z.array(LogEvent),
  next: z.number().int().nonnegative().optional(),
});
export type EventsPage = z.infer<typeof EventsPage>;

export const ReplayDifference = z.object({
  table: z.string(),
  key: z.string(),
  kind: z.enum(["missing_live", "missing_rebuilt", "different"]),
  live: z.unknown().optional(),
  rebuilt: z.unknown().optional(),
});
export type ReplayDifference = z.infer<typeof ReplayDifference>;

/** `POST /v1/admin/replay`: rebuild projections from the log and compare with the live ones. */
export const ReplayReport = z.object({
  ok: z.boolean(),
  events: z.number().int().nonnegative(),
  differences: z.array(ReplayDifference),
});
export type ReplayReport = z.infer<typeof ReplayReport>;

/**
 * Why a crabbox-labelled machine is listed by `GET /v1/admin/orphans`. The first three make it
 * an orphan candidate of the sweep; the last two are machines without a live lease that the
 * sweep leaves alone on purpose (the lease's own delete retries own it, or it was kept).
 */
export const OrphanReason = z.enum([
  "missing_lease_label",
  "unknown_lease",
  "lease_ended",
  "lease_delete_pending",
  "kept",
]);
export type OrphanReason = z.infer<typeof OrphanReason>;

/**
 * Where the sweep stands with it: `pending` (a candidate no complete inventory has recorded
 * yet), `first_seen` (recorded once; detected when seen again a grace period later),
 * `detected` (`OrphanDetected`), `deleted` (`OrphanDeleted`), `skipped` (not a candidate).
 */
export const OrphanSweepState = z.enum(["pending", "first_seen", "detected", "deleted", "skipped"]);
export type OrphanSweepState = z.infer<typeof OrphanSweepState>;

const EventRef = z.object({ eventID: z.string(), seq: z.number().int().positive(), at: isoTimestamp });

export const OrphanEntry = z.object({
  machine: z.object({
    provider: ProviderName,
    cloudID: z.string(),
    name: z.string(),
    region: z.string().optional(),
    /** The provider's status; `absent` when its complete inventory no longer lists it, `unknown` when that inventory failed. */
    status: z.string(),
    serverType: z.string().optional(),
    labels: z.record(z.string(), z.string()),
    /** Listed by the provider's inventory just now. */
    inInventory: z.boolean(),
  }),
  reason: OrphanReason,
  /** The lease its `lease` label names, as the log knows it. */
  lease: z
    .object({
      id: z.string(),
      slug: z.string(),
      owner: z.string(),
      org: z.string(),
      state: LeaseState,
      machineState: z.string(),
      cloudID: z.string().optional(),
    })
    .optional(),
  sweep: z.object({
    state: OrphanSweepState,
    firstSeenAt: isoTimestamp.optional(),
    detected: EventRef.optional(),
    deleted: EventRef.extend({ alreadyGone: z.boolean() }).optional(),
    /** Why the sweep may delete it: the lease stream that names this cloud ID. */
    proof: z.object({ stream: z.string(), cloudID: z.string() }).optional(),
    /** Why the sweep only reports it: no proof, or the sweep is report-only. */
    reportOnly: z.enum(["no_proof", "delete_disabled"]).optional(),
  }),
  /** The lease stream's latest events and the fleet events about this machine, by `seq`. */
  trail: z.array(LogEvent),
  /** Older lease-stream events left out of `trail`. */
  trailOmitted: z.number().int().nonnegative(),
});
export type OrphanEntry = z.infer<typeof OrphanEntry>;

export const OrphanInventory = z.object({
  provider: ProviderName,
  complete: z.boolean(),
  /** Crabbox-labelled machines listed (0 when the inventory failed). */
  machines: z.number().int().nonnegative(),
  error: z.string().optional(),
});
export type OrphanInventory = z.infer<typeof OrphanInventory>;

/** `GET /v1/admin/orphans`. */
export const OrphansResponse = z.object({
  orphans: z.array(OrphanEntry),
  inventories: z.array(OrphanInventory),
  sweep: z.object({
    intervalMs: z.number().positive(),
    graceMs: z.number().positive(),
    deleteEnabled: z.boolean(),
    nextAt: isoTimestamp.optional(),
  }),
});
export type OrphansResponse = z.infer<typeof OrphansResponse>;
