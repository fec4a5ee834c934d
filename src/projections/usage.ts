/**
 * The usage projection: one row per lease with what cost accounting needs, keyed by the UTC
 * month the lease was created in (the reference's `GET /v1/usage` selection), and the monthly
 * totals of the leases that ended (`usage_months`, docs/event-log.md#usage-roll-up), which
 * stay when the per-lease rows age out. It reads the lease row the `leases` projection just
 * wrote, so it runs after it.
 */
import { eventTypesOn } from "../events/catalogue";
import type { RecordedEvent } from "../events/types";
import type { Row } from "./codec";
import { leaseIdOfStream } from "./leases";
import type { Projection, Replayer, TableName } from "./projection";
import { type RollupDelta, rollupDelta, writeRollup } from "./usage-rollup";

export function usageMonth(ms: number): string {
  return new Date(ms).toISOString().slice(0, 7);
}

/** Writes the lease's usage row; returns it (as stored) and the one it replaced. */
function writeUsageRow(
  sql: SqlStorage,
  leaseID: string,
  table: TableName,
  readBefore: boolean,
): { before: Row | undefined; after: Row | undefined } {
  const lease = sql.exec<Row>(`SELECT * FROM ${table("leases")} WHERE id = ?`, leaseID).toArray()[0];
  if (!lease) return { before: undefined, after: undefined };
  const before = readBefore
    ? sql.exec<Row>(`SELECT * FROM ${table("lease_usage")} WHERE lease_id = ?`, leaseID).toArray()[0]
    : undefined;
  sql.exec(
    `INSERT OR REPLACE INTO ${table("lease_usage")} (lease_id, month, owner, org, provider, server_type, state,
       machine_state, created_at, ended_at, estimated_hourly_usd, max_estimated_usd)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    lease.id ?? null,
    usageMonth(Number(lease.created_at)),
    lease.owner ?? null,
    lease.org ?? null,
    lease.provider ?? null,
    lease.server_type ?? null,
    lease.state ?? null,
    lease.machine_state ?? null,
    lease.created_at ?? null,
    lease.ended_at ?? null,
    lease.estimated_hourly_usd ?? null,
    lease.max_estimated_usd ?? null,
  );
  const after = sql.exec<Row>(`SELECT * FROM ${table("lease_usage")} WHERE lease_id = ?`, leaseID).one();
  return { before, after };
}

export const usageProjection: Projection = {
  name: "lease_usage",
  tables: [
    { name: "lease_usage", key: ["lease_id"] },
    { name: "usage_months", key: ["month", "owner", "org", "provider", "server_type"] },
  ],
  // Heartbeats and shares change nothing that costs money: skip them on the hot path.
  handles: eventTypesOn("lease", { except: ["Heartbeat", "ShareChanged"] }),
  apply(sql: SqlStorage, event: RecordedEvent, table: TableName): void {
    const { before, after } = writeUsageRow(sql, leaseIdOfStream(event.stream), table, true);
    // An ended lease moves its contribution to the totals (once; again only if it changed).
    const deltas = new Map<string, RollupDelta>();
    rollupDelta(deltas, before, -1);
    rollupDelta(deltas, after, 1);
    writeRollup(sql, table("usage_months"), deltas);
  },
  createReplayer(sql: SqlStorage, table: TableName): Replayer {
    // Usage columns only change on the events this projection handles, so the final lease row
    // (written by the leases replayer, which flushes first) gives the same row as live.
    const touched = new Set<string>();
    return {
      apply(event) {
        if (usageProjection.handles.has(event.type)) touched.add(leaseIdOfStream(event.stream));
      },
      flush() {
        const totals = new Map<string, RollupDelta>();
        for (const leaseID of touched)
          rollupDelta(totals, writeUsageRow(sql, leaseID, table, false).after, 1);
        writeRollup(sql, table("usage_months"), totals);
      },
    };
  },
};
