/**
 * Reads of the `leases` projection the coordinator API and alarm need, each on an index,
 * and the lease's wire record (`toLeaseRecord`, in ./records) with its telemetry ring.
 */
import type { LeaseRecord } from "../api/leases";
import type { LeaseState } from "../events/lease-state";
import type { Row } from "./codec";
import { leaseTelemetryHistory } from "./lease-telemetry";
import { leaseStateFromRow } from "./leases";
import { toLeaseRecord } from "./records";

/** The lease states whose machine is wanted: SQL list for `state IN …`. */
export const liveStates = "('provisioning', 'active')";

/** Every lease row a query returns, as aggregate state. */
export function leaseRows(sql: SqlStorage, query: string, ...bindings: SqlStorageValue[]): LeaseState[] {
  return sql
    .exec<Row>(query, ...bindings)
    .toArray()
    .map(leaseStateFromRow);
}

export interface LeaseFilter {
  state?: string;
  owner?: string;
  org?: string;
}

/** Equality conditions for the filter's set fields; `1 = 1` when none is set. */
export function leaseFilterClause(filter: LeaseFilter): { where: string; bindings: SqlStorageValue[] } {
  const parts: string[] = [];
  const bindings: SqlStorageValue[] = [];
  for (const [column, value] of [
    ["state", filter.state],
    ["owner", filter.owner],
    ["org", filter.org],
  ] as const) {
    if (value === undefined) continue;
    parts.push(`${column} = ?`);
    bindings.push(value);
  }
  return { where: parts.length ? parts.join(" AND ") : "1 = 1", bindings };
}

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

export interface LeaseListQuery extends LeaseFilter {
  /** Only leases created strictly before this time (paging cursor, unix ms). */
  createdBefore?: number;
  limit: number;
}

/** Newest first. Visibility filtering is the caller's; page with `createdBefore`. */
export function listLeases(sql: SqlStorage, query: LeaseListQuery): LeaseState[] {
  const { where, bindings } = leaseFilterClause(query);
  const before = query.createdBefore === undefined ? "" : " AND created_at < ?";
  const cursor = query.createdBefore === undefined ? [] : [query.createdBefore];
  return leaseRows(
    sql,
    `SELECT * FROM leases WHERE ${where}${before} ORDER BY created_at DESC, id DESC LIMIT ?`,
    ...bindings,
    ...cursor,
    query.limit,
  );
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

/** `toLeaseRecord` with the telemetry ring read from its projection. */
export function leaseRecordWithHistory(sql: SqlStorage, lease: LeaseState): LeaseRecord {
  return toLeaseRecord(lease, leaseTelemetryHistory(sql, lease.id));
}
