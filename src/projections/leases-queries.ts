/**
 * Every read of the `leases` projection the coordinator API and alarm need, and the lease's
 * wire record (`toLeaseRecord`, in ./records) with its telemetry history. Each query is served by
 * one of the projection's indexes (by id, by owner+org+slug, by slug, by created_at, by
 * state+expiry, by machine state+retry time) and is bounded by a LIMIT, so request paths never
 * walk the log or the whole table.
 */
import type { LeaseRecord } from "../api/leases";
import type { LeaseState } from "../events/lease-state";
import type { Row } from "./codec";
import { leaseTelemetryHistory } from "./lease-heartbeats";
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

export function leaseRecordWithHistory(sql: SqlStorage, lease: LeaseState): LeaseRecord {
  return toLeaseRecord(lease, leaseTelemetryHistory(sql, lease));
}

/** Live, unexpired leases holding `slug` (any owner): what a slug path parameter may mean. */
export function liveLeasesBySlug(sql: SqlStorage, slug: string, now: number): LeaseState[] {
  return leaseRows(
    sql,
    `SELECT * FROM leases WHERE slug = ? AND state IN ${liveStates} AND expires_at > ? LIMIT 50`,
    slug,
    now,
  );
}

/** Whether a live, unexpired lease of this owner+org already holds `slug`. */
export function slugTaken(sql: SqlStorage, owner: string, org: string, slug: string, now: number): boolean {
  return (
    sql
      .exec(
        `SELECT 1 FROM leases WHERE owner = ? AND org = ? AND slug = ? AND state IN ${liveStates} AND expires_at > ? LIMIT 1`,
        owner,
        org,
        slug,
        now,
      )
      .toArray().length > 0
  );
}

/**
 * Newest-first walk over leases matching `filter`, in pages, keeping those `keep` accepts,
 * until `limit` are found: the limit applies AFTER visibility, as a client expects.
 */
export function listLeasesNewestFirst(
  sql: SqlStorage,
  filter: LeaseFilter,
  keep: (lease: LeaseState) => boolean,
  limit: number,
  pageSize = 200,
): LeaseState[] {
  const { where, bindings } = leaseFilterClause(filter);
  const found: LeaseState[] = [];
  let cursor: { createdAt: number; id: string } | undefined;
  for (;;) {
    const page = cursor
      ? leaseRows(
          sql,
          `SELECT * FROM leases WHERE ${where} AND (created_at < ? OR (created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT ?`,
          ...bindings,
          cursor.createdAt,
          cursor.createdAt,
          cursor.id,
          pageSize,
        )
      : leaseRows(
          sql,
          `SELECT * FROM leases WHERE ${where} ORDER BY created_at DESC, id DESC LIMIT ?`,
          ...bindings,
          pageSize,
        );
    for (const lease of page) {
      if (keep(lease)) found.push(lease);
      if (found.length >= limit) return found;
    }
    const last = page.at(-1);
    if (page.length < pageSize || !last) return found;
    cursor = { createdAt: last.createdAt, id: last.id };
  }
}

/** The caller's own leases (owner+org index), newest first. */
export function ownLeases(
  sql: SqlStorage,
  owner: string,
  org: string,
  filter: LeaseFilter,
  limit: number,
): LeaseState[] {
  const { where, bindings } = leaseFilterClause(filter);
  return leaseRows(
    sql,
    `SELECT * FROM leases WHERE owner = ? AND org = ? AND ${where} ORDER BY created_at DESC, id DESC LIMIT ?`,
    owner,
    org,
    ...bindings,
    limit,
  );
}

/** Live leases that carry a share (state index; bounded by the number of live leases). */
export function liveSharedLeases(sql: SqlStorage): LeaseState[] {
  return leaseRows(sql, `SELECT * FROM leases WHERE state IN ${liveStates} AND share IS NOT NULL`);
}

// ---------------------------------------------------------------------------------------------
// Due work for the alarm

/**
 * Leases that ended while still provisioning and never learnt of a machine: once their
 * provisioning deadline passes, the provider is asked whether a machine appeared after all.
 */
const endedUnknownOutcome =
  "state IN ('released', 'expired') AND machine_state = 'none' AND failure_code IS NULL AND cloud_id IS NULL";

export function endedWithUnknownMachine(
  sql: SqlStorage,
  after: number,
  now: number,
  limit: number,
): LeaseState[] {
  return leaseRows(
    sql,
    `SELECT * FROM leases WHERE ${endedUnknownOutcome} AND provisioning_deadline_at > ? AND provisioning_deadline_at <= ? ORDER BY provisioning_deadline_at LIMIT ?`,
    after,
    now,
    limit,
  );
}

export function nextUnknownMachineCheck(sql: SqlStorage, after: number): number | undefined {
  const value = sql
    .exec<{ at: number | null }>(
      `SELECT MIN(provisioning_deadline_at) AS at FROM leases WHERE ${endedUnknownOutcome} AND provisioning_deadline_at > ?`,
      after,
    )
    .toArray()[0]?.at;
  return typeof value === "number" ? value : undefined;
}

/** Machines whose deletion was asked for (and not answered) or failed and is due for a retry. */
export function dueDeletes(sql: SqlStorage, now: number, stalledBefore: number, limit: number): LeaseState[] {
  return [
    ...leaseRows(
      sql,
      "SELECT * FROM leases WHERE machine_state = 'delete_failed' AND next_delete_attempt_at <= ? ORDER BY next_delete_attempt_at LIMIT ?",
      now,
      limit,
    ),
    ...leaseRows(
      sql,
      "SELECT * FROM leases WHERE machine_state = 'delete_requested' AND updated_at <= ? LIMIT ?",
      stalledBefore,
      limit,
    ),
  ];
}

/** The TTL end of a lease, in SQL: `created_at + ttl_seconds` (ms). */
const ttlEnd = "created_at + ttl_seconds * 1000";

/** Machines kept after their lease's release whose TTL is over: bounded all the same. */
export function keptPastTtl(sql: SqlStorage, now: number, limit: number): LeaseState[] {
  return leaseRows(
    sql,
    `SELECT * FROM leases WHERE machine_state = 'kept' AND ${ttlEnd} <= ? ORDER BY ${ttlEnd} LIMIT ?`,
    now,
    limit,
  );
}

function minimum(sql: SqlStorage, query: string): number | undefined {
  const value = sql.exec<{ at: number | null }>(query).toArray()[0]?.at;
  return typeof value === "number" ? value : undefined;
}

export interface NextDue {
  expiry?: number;
  /** The earliest TTL end of a machine kept after its lease's release. */
  keptTtlEnd?: number;
  provisioningDeadline?: number;
  deleteRetry?: number;
  /** `updated_at` of the oldest unanswered delete request. */
  deleteRequestedAt?: number;
}

export function nextDue(sql: SqlStorage): NextDue {
  const due: NextDue = {};
  const expiry = minimum(sql, `SELECT MIN(expires_at) AS at FROM leases WHERE state IN ${liveStates}`);
  const provisioning = minimum(
    sql,
    "SELECT MIN(provisioning_deadline_at) AS at FROM leases WHERE state = 'provisioning'",
  );
  const retry = minimum(
    sql,
    "SELECT MIN(next_delete_attempt_at) AS at FROM leases WHERE machine_state = 'delete_failed'",
  );
  const requested = minimum(
    sql,
    "SELECT MIN(updated_at) AS at FROM leases WHERE machine_state = 'delete_requested'",
  );
  const kept = minimum(sql, `SELECT MIN(${ttlEnd}) AS at FROM leases WHERE machine_state = 'kept'`);
  if (kept !== undefined) due.keptTtlEnd = kept;
  if (expiry !== undefined) due.expiry = expiry;
  if (provisioning !== undefined) due.provisioningDeadline = provisioning;
  if (retry !== undefined) due.deleteRetry = retry;
  if (requested !== undefined) due.deleteRequestedAt = requested;
  return due;
}

// ---------------------------------------------------------------------------------------------
// Cost exposure

/**
 * Every lease the guardrails must weigh: live ones (lifecycle or machine not yet gone) and
 * those created since `since` (the start of the month). Three indexed lookups, deduplicated.
 */
export function costRelevantLeases(sql: SqlStorage, since: number): LeaseState[] {
  const byId = new Map<string, LeaseState>();
  for (const lease of [
    ...leaseRows(sql, `SELECT * FROM leases WHERE state IN ${liveStates}`),
    ...leaseRows(sql, "SELECT * FROM leases WHERE machine_state IN ('delete_requested', 'delete_failed')"),
    ...leaseRows(sql, "SELECT * FROM leases WHERE created_at >= ?", since),
  ]) {
    byId.set(lease.id, lease);
  }
  return [...byId.values()];
}
