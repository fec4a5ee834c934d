/**
 * Reads of the `leases` projection the coordinator API and alarm need, each on an index,
 * and `toLeaseRecord`, the reference's lease JSON (coordinator.md §4.1) plus our additions
 * (`provisioning`/`failed` states and the machine clean-up fields).
 */
import type { TelemetrySample } from "../events/catalogue";
import type { LeaseState } from "../events/lease-state";
import type { Row } from "./codec";
import { leaseTelemetryHistory } from "./lease-telemetry";
import { leaseStateFromRow } from "./leases";

const liveStates = "('provisioning', 'active')";

export function getLease(sql: SqlStorage, leaseID: string): LeaseState | undefined {
  const row = sql.exec<Row>("SELECT * FROM leases WHERE id = ?", leaseID).toArray()[0];
  return row ? leaseStateFromRow(row) : undefined;
}

/** Live (provisioning or active) leases with this slug, owner and org (slug resolution, collisions). */
export function findLiveLeasesBySlug(
  sql: SqlStorage,
  slug: string,
  owner: string,
  org: string,
): LeaseState[] {
  return sql
    .exec<Row>(
      `SELECT * FROM leases WHERE owner = ? AND org = ? AND slug = ? AND state IN ${liveStates} ORDER BY created_at DESC`,
      owner,
      org,
      slug,
    )
    .toArray()
    .map(leaseStateFromRow);
}

/** Live leases with this slug, any owner (the caller filters by visibility). */
export function findLiveLeasesBySlugAnyOwner(sql: SqlStorage, slug: string, limit = 50): LeaseState[] {
  return sql
    .exec<Row>(
      `SELECT * FROM leases WHERE slug = ? AND state IN ${liveStates} ORDER BY created_at DESC LIMIT ?`,
      slug,
      limit,
    )
    .toArray()
    .map(leaseStateFromRow);
}

export interface LeaseListQuery {
  state?: string;
  owner?: string;
  org?: string;
  /** Only leases created strictly before this time (paging cursor, unix ms). */
  createdBefore?: number;
  limit: number;
}

/** Newest first. Visibility filtering is the caller's; page with `createdBefore`. */
export function listLeases(sql: SqlStorage, query: LeaseListQuery): LeaseState[] {
  const where: string[] = [];
  const params: SqlStorageValue[] = [];
  for (const [column, value] of [
    ["state", query.state],
    ["owner", query.owner],
    ["org", query.org],
  ] as const) {
    if (value !== undefined) {
      where.push(`${column} = ?`);
      params.push(value);
    }
  }
  if (query.createdBefore !== undefined) {
    where.push("created_at < ?");
    params.push(query.createdBefore);
  }
  const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
  return sql
    .exec<Row>(
      `SELECT * FROM leases ${clause} ORDER BY created_at DESC, id DESC LIMIT ?`,
      ...params,
      query.limit,
    )
    .toArray()
    .map(leaseStateFromRow);
}

/** Live leases counted for guardrails: every lease whose machine may still cost money. */
export function listLiveLeases(sql: SqlStorage, limit = 10_000): LeaseState[] {
  return sql
    .exec<Row>(`SELECT * FROM leases WHERE state IN ${liveStates} ORDER BY created_at LIMIT ?`, limit)
    .toArray()
    .map(leaseStateFromRow);
}

/** Live leases whose expiry has passed (alarm). */
export function leasesDueForExpiry(sql: SqlStorage, now: number, limit = 50): LeaseState[] {
  return sql
    .exec<Row>(
      `SELECT * FROM leases WHERE state IN ${liveStates} AND expires_at <= ? ORDER BY expires_at LIMIT ?`,
      now,
      limit,
    )
    .toArray()
    .map(leaseStateFromRow);
}

/** Leases still provisioning past their deadline (reconcile against the provider). */
export function leasesProvisioningPastDeadline(sql: SqlStorage, now: number, limit = 50): LeaseState[] {
  return sql
    .exec<Row>(
      "SELECT * FROM leases WHERE state = 'provisioning' AND provisioning_deadline_at <= ? ORDER BY provisioning_deadline_at LIMIT ?",
      now,
      limit,
    )
    .toArray()
    .map(leaseStateFromRow);
}

/** Machines whose deletion is requested and not yet attempted, or failed and due for a retry. */
export function machinesDueForDelete(sql: SqlStorage, now: number, limit = 16): LeaseState[] {
  return sql
    .exec<Row>(
      `SELECT * FROM leases WHERE machine_state = 'delete_requested'
       UNION ALL
       SELECT * FROM leases WHERE machine_state = 'delete_failed' AND next_delete_attempt_at <= ?
       LIMIT ?`,
      now,
      limit,
    )
    .toArray()
    .map(leaseStateFromRow);
}

/** The earliest time any lease needs the alarm: expiry, provisioning deadline or delete retry. */
export function nextLeaseDueAt(sql: SqlStorage): number | null {
  const row = sql
    .exec<{ expiry: number | null; deadline: number | null; retry: number | null; pending: number | null }>(
      `SELECT
         (SELECT MIN(expires_at) FROM leases WHERE state IN ${liveStates}) AS expiry,
         (SELECT MIN(provisioning_deadline_at) FROM leases WHERE state = 'provisioning') AS deadline,
         (SELECT MIN(next_delete_attempt_at) FROM leases WHERE machine_state = 'delete_failed') AS retry,
         (SELECT MIN(updated_at) FROM leases WHERE machine_state = 'delete_requested') AS pending`,
    )
    .one();
  const candidates = [row.expiry, row.deadline, row.retry, row.pending].filter(
    (v): v is number => v !== null,
  );
  return candidates.length ? Math.min(...candidates) : null;
}

export function findLeaseByCloudID(sql: SqlStorage, cloudID: string): LeaseState | undefined {
  const row = sql
    .exec<Row>("SELECT * FROM leases WHERE cloud_id = ? ORDER BY created_at DESC LIMIT 1", cloudID)
    .toArray()[0];
  return row ? leaseStateFromRow(row) : undefined;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function telemetryToWire(sample: TelemetrySample): Record<string, unknown> {
  return { ...sample, capturedAt: iso(sample.capturedAt) };
}

/** The lease as the reference's clients read it: `{"lease": toLeaseRecord(...)}`. */
export function toLeaseRecord(
  lease: LeaseState,
  telemetryHistory?: TelemetrySample[],
): Record<string, unknown> {
  const record: Record<string, unknown> = {
    id: lease.id,
    slug: lease.slug,
    provider: lease.provider,
    target: lease.target,
    desktop: lease.desktop,
    browser: lease.browser,
    code: lease.code,
    cloudID: lease.cloudID ?? "",
    owner: lease.owner,
    org: lease.org,
    profile: lease.profile,
    class: lease.class,
    serverType: lease.serverType,
    requestedServerType: lease.requestedServerType,
    serverID: lease.serverID,
    serverName: lease.serverName,
    providerKey: lease.providerKey,
    host: lease.host,
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
    createdAt: iso(lease.createdAt),
    updatedAt: iso(lease.updatedAt),
    lastTouchedAt: iso(lease.lastTouchedAt),
    expiresAt: iso(lease.expiresAt),
    machineState: lease.machineState,
    deleteAttempts: lease.deleteAttempts,
  };
  if (lease.windowsMode !== undefined) record.windowsMode = lease.windowsMode;
  if (lease.region !== undefined) record.region = lease.region;
  if (lease.market !== undefined) record.market = lease.market;
  if (lease.share !== undefined) {
    record.share = { ...lease.share, updatedAt: iso(lease.share.updatedAt) };
  }
  if (lease.provisioningAttempts.length) record.provisioningAttempts = lease.provisioningAttempts;
  if (lease.capacityHints !== undefined) record.capacityHints = lease.capacityHints;
  if (lease.telemetry !== undefined) record.telemetry = telemetryToWire(lease.telemetry);
  if (telemetryHistory !== undefined) record.telemetryHistory = telemetryHistory.map(telemetryToWire);
  if (lease.releasedAt !== undefined) record.releasedAt = iso(lease.releasedAt);
  if (lease.endedAt !== undefined) record.endedAt = iso(lease.endedAt);
  if (lease.state === "provisioning") record.provisioningDeadlineAt = iso(lease.provisioningDeadlineAt);
  if (lease.failureCode !== undefined)
    record.failure = { code: lease.failureCode, message: lease.failureMessage ?? "" };
  if (lease.nextDeleteAttemptAt !== undefined) record.nextDeleteAttemptAt = iso(lease.nextDeleteAttemptAt);
  if (lease.lastDeleteError !== undefined) record.lastDeleteError = lease.lastDeleteError;
  return record;
}

/** `toLeaseRecord` with the telemetry ring read from its projection. */
export function leaseRecordWithHistory(sql: SqlStorage, lease: LeaseState): Record<string, unknown> {
  return toLeaseRecord(lease, leaseTelemetryHistory(sql, lease.id));
}
