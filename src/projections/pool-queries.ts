/** Reads of the `pool_machines` projection (docs/event-log.md#ready-pools). */
import type { PoolMachineLifecycle, PoolMachineState } from "../events/pool-state";
import type { Row } from "./codec";
import { poolMachineFromRow } from "./pool-machines";

export interface PoolRef {
  provider: string;
  class: string;
  region: string;
}

function rows(sql: SqlStorage, query: string, ...params: SqlStorageValue[]): PoolMachineState[] {
  return sql
    .exec<Row>(query, ...params)
    .toArray()
    .map(poolMachineFromRow);
}

export function getPoolMachine(sql: SqlStorage, id: string): PoolMachineState | undefined {
  return rows(sql, "SELECT * FROM pool_machines WHERE id = ?", id)[0];
}

/** The pool machine `leaseID` claimed, if any (one at most is ever waiting for its hand-over). */
export function claimedBy(sql: SqlStorage, leaseID: string): PoolMachineState | undefined {
  return rows(
    sql,
    "SELECT * FROM pool_machines WHERE lease_id = ? AND state = 'claimed' ORDER BY updated_at DESC LIMIT 1",
    leaseID,
  )[0];
}

/**
 * Claimed machines their lease never took and never will: the lease ended (or took another
 * machine) while the hand-over was cut off. They are expired and deleted like unclaimed ones.
 * Only claims since `since` are looked at (claimed rows stay for ever); an older one the
 * alarm never saw is the orphan sweep's (its lease ended without it).
 */
export function abandonedClaims(sql: SqlStorage, since: number, limit: number): PoolMachineState[] {
  return rows(
    sql,
    `SELECT p.* FROM pool_machines p JOIN leases l ON l.id = p.lease_id
     WHERE p.state = 'claimed' AND p.updated_at >= ? AND l.state != 'provisioning'
       AND (l.cloud_id IS NULL OR l.cloud_id != p.cloud_id)
     ORDER BY p.updated_at LIMIT ?`,
    since,
    limit,
  );
}

/** The pool's machines in the given states, oldest ready first. */
export function poolMachinesIn(
  sql: SqlStorage,
  pool: PoolRef,
  states: readonly PoolMachineLifecycle[],
): PoolMachineState[] {
  const marks = states.map(() => "?").join(", ");
  return rows(
    sql,
    `SELECT * FROM pool_machines WHERE provider = ? AND class = ? AND region = ? AND state IN (${marks})
     ORDER BY ready_at, requested_at`,
    pool.provider,
    pool.class,
    pool.region,
    ...states,
  );
}

/** Pool machines requested in `[from, to)` (a usage month). */
export function poolMachinesRequested(sql: SqlStorage, from: number, to: number): PoolMachineState[] {
  return rows(sql, "SELECT * FROM pool_machines WHERE requested_at >= ? AND requested_at < ?", from, to);
}

/** Every pool machine in the given states, whatever its pool. */
export function poolMachinesInState(
  sql: SqlStorage,
  states: readonly PoolMachineLifecycle[],
  limit = 100,
): PoolMachineState[] {
  const marks = states.map(() => "?").join(", ");
  return rows(
    sql,
    `SELECT * FROM pool_machines WHERE state IN (${marks}) ORDER BY updated_at LIMIT ?`,
    ...states,
    limit,
  );
}

/** Pool machines that may still cost money, or stopped costing this month (the cost caps' view). */
export function costRelevantPoolMachines(sql: SqlStorage, since: number): PoolMachineState[] {
  return rows(
    sql,
    "SELECT * FROM pool_machines WHERE state IN ('provisioning', 'ready', 'expired') OR ended_at >= ?",
    since,
  );
}
