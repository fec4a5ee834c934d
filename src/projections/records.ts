import type { LeaseRecord } from "../api/leases";
import type { RunEventRecord, RunRecord } from "../api/runs";
import type { TelemetrySample as WireSample } from "../api/telemetry";
import type { TelemetrySample as DomainSample } from "../domain/telemetry";
import type { LeaseState } from "../events/lease-state";
import type { TelemetrySample as EventSample } from "../events/payloads/shared";
import type { RunState } from "../events/run-state";

/**
 * The wire records the reference's clients read (`{"lease": …}`, `{"run": …}`), built from the
 * aggregate states kept by the projections: unix ms become ISO strings, telemetry samples get
 * their ISO `capturedAt` back, and fields that are not known yet are absent.
 */

const iso = (ms: number) => new Date(ms).toISOString();

export function wireSample(sample: EventSample): WireSample {
  return { ...sample, capturedAt: iso(sample.capturedAt) };
}

/** Sanitised domain sample (ISO time) → the event catalogue's compact form (unix ms). */
export function eventSample(sample: DomainSample): EventSample {
  return { ...sample, capturedAt: Date.parse(sample.capturedAt) };
}

export function toLeaseRecord(lease: LeaseState, telemetryHistory?: readonly EventSample[]): LeaseRecord {
  const record: LeaseRecord = {
    id: lease.id,
    slug: lease.slug,
    provider: lease.provider as LeaseRecord["provider"],
    target: lease.target,
    desktop: lease.desktop,
    browser: lease.browser,
    code: lease.code,
    owner: lease.owner,
    org: lease.org,
    profile: lease.profile,
    class: lease.class,
    serverType: lease.serverType,
    requestedServerType: lease.requestedServerType,
    provisioningAttempts: lease.provisioningAttempts,
    serverID: lease.serverID,
    serverName: lease.serverName,
    providerKey: lease.providerKey,
    sshUser: lease.sshUser,
    sshPort: lease.sshPort,
    sshFallbackPorts: lease.sshFallbackPorts,
    workRoot: lease.workRoot,
    keep: lease.keep,
    ttlSeconds: lease.ttlSeconds,
    idleTimeoutSeconds: lease.idleTimeoutSeconds,
    estimatedHourlyUSD: lease.estimatedHourlyUSD,
    maxEstimatedUSD: lease.maxEstimatedUSD,
    state: lease.state,
    machineState: lease.machineState,
    deleteAttempts: lease.deleteAttempts,
    createdAt: iso(lease.createdAt),
    updatedAt: iso(lease.updatedAt),
    lastTouchedAt: iso(lease.lastTouchedAt),
    expiresAt: iso(lease.expiresAt),
  };
  if (lease.windowsMode !== undefined) record.windowsMode = lease.windowsMode;
  if (lease.cloudID !== undefined) record.cloudID = lease.cloudID;
  if (lease.region !== undefined) record.region = lease.region;
  if (lease.market !== undefined) record.market = lease.market;
  if (lease.host) record.host = lease.host;
  if (lease.capacityHints !== undefined)
    record.capacityHints = lease.capacityHints as LeaseRecord["capacityHints"];
  if (lease.share) {
    record.share = {
      users: lease.share.users,
      ...(lease.share.org ? { org: lease.share.org } : {}),
      updatedAt: iso(lease.share.updatedAt),
      updatedBy: lease.share.updatedBy,
    };
  }
  if (lease.failureMessage !== undefined) record.failureMessage = lease.failureMessage;
  if (lease.nextDeleteAttemptAt !== undefined) record.nextDeleteAttemptAt = iso(lease.nextDeleteAttemptAt);
  if (lease.telemetry) record.telemetry = wireSample(lease.telemetry);
  if (telemetryHistory) record.telemetryHistory = telemetryHistory.map(wireSample);
  if (lease.releasedAt !== undefined) record.releasedAt = iso(lease.releasedAt);
  if (lease.endedAt !== undefined) record.endedAt = iso(lease.endedAt);
  return record;
}

export function toRunRecord(run: RunState): RunRecord {
  const record: RunRecord = {
    id: run.id,
    leaseID: run.leaseID,
    provider: run.provider,
    target: run.target,
    class: run.class,
    serverType: run.serverType,
    owner: run.owner,
    org: run.org,
    command: run.command,
    state: run.state,
    phase: run.phase,
    logBytes: run.logBytes,
    logTruncated: run.logTruncated,
    startedAt: iso(run.startedAt),
    lastEventAt: iso(run.lastEventAt),
    eventCount: run.eventCount,
  };
  if (run.slug) record.slug = run.slug;
  if (run.windowsMode !== undefined) record.windowsMode = run.windowsMode;
  if (run.exitCode !== undefined) record.exitCode = run.exitCode;
  if (run.syncMs !== undefined) record.syncMs = run.syncMs;
  if (run.commandMs !== undefined) record.commandMs = run.commandMs;
  if (run.durationMs !== undefined) record.durationMs = run.durationMs;
  if (run.results !== undefined) record.results = run.results;
  if (run.artifacts !== undefined) record.artifacts = run.artifacts;
  if (run.shardGroup !== undefined && run.shardIndex !== undefined && run.shardTotal !== undefined)
    record.shard = { group: run.shardGroup, index: run.shardIndex, total: run.shardTotal };
  const telemetry: NonNullable<RunRecord["telemetry"]> = {};
  if (run.telemetry.start) telemetry.start = wireSample(run.telemetry.start);
  if (run.telemetry.end) telemetry.end = wireSample(run.telemetry.end);
  if (run.telemetry.samples.length) telemetry.samples = run.telemetry.samples.map(wireSample);
  if (Object.keys(telemetry).length) record.telemetry = telemetry;
  if (run.endedAt !== undefined) record.endedAt = iso(run.endedAt);
  return record;
}

type RunEventRow = Record<string, SqlStorageValue>;

export function toRunEventRecord(row: RunEventRow): RunEventRecord {
  const record: RunEventRecord = {
    runID: String(row.run_id),
    seq: Number(row.seq),
    type: String(row.type),
    createdAt: iso(Number(row.created_at)),
  };
  const text = (column: string) =>
    row[column] === null || row[column] === undefined ? undefined : String(row[column]);
  const phase = text("phase");
  if (phase !== undefined) record.phase = phase;
  const stream = text("stream");
  if (stream === "stdout" || stream === "stderr") record.stream = stream;
  for (const [key, column] of [
    ["message", "message"],
    ["data", "data"],
    ["leaseID", "lease_id"],
    ["slug", "slug"],
    ["provider", "provider"],
    ["target", "target"],
    ["windowsMode", "windows_mode"],
    ["class", "class"],
    ["serverType", "server_type"],
  ] as const) {
    const value = text(column);
    if (value !== undefined) record[key] = value;
  }
  if (row.exit_code !== null && row.exit_code !== undefined) record.exitCode = Number(row.exit_code);
  return record;
}
