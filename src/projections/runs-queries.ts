/** Reads of the run projections (runs, run events, run log) as wire records (docs/api.md#runs). */
import type { RunEventRecord } from "../api/runs";
import type { RunState } from "../events/run-state";
import type { Row } from "./codec";
import { toRunEventRecord } from "./records";
import { runStateFromRow } from "./runs";

export function getRun(sql: SqlStorage, runID: string): RunState | undefined {
  const row = sql.exec<Row>("SELECT * FROM runs WHERE id = ?", runID).toArray()[0];
  return row ? runStateFromRow(row) : undefined;
}

export interface RunListQuery {
  owner?: string;
  org?: string;
  leaseID?: string;
  state?: string;
  shardGroup?: string;
  /** Only runs started strictly before this time (paging cursor, unix ms). */
  startedBefore?: number;
  limit: number;
}

/** Newest first. */
export function listRuns(sql: SqlStorage, query: RunListQuery): RunState[] {
  const where: string[] = [];
  const params: SqlStorageValue[] = [];
  for (const [column, value] of [
    ["owner", query.owner],
    ["org", query.org],
    ["lease_id", query.leaseID],
    ["state", query.state],
    ["shard_group", query.shardGroup],
  ] as const) {
    if (value !== undefined) {
      where.push(`${column} = ?`);
      params.push(value);
    }
  }
  if (query.startedBefore !== undefined) {
    where.push("started_at < ?");
    params.push(query.startedBefore);
  }
  const clause = where.length ? `WHERE ${where.join(" AND ")}` : "";
  return sql
    .exec<Row>(
      `SELECT * FROM runs ${clause} ORDER BY started_at DESC, id DESC LIMIT ?`,
      ...params,
      query.limit,
    )
    .toArray()
    .map(runStateFromRow);
}

/** Run event records with `seq > after`, ascending, at most `limit` (docs/api.md#endpoints). */
export function runEventsAfter(
  sql: SqlStorage,
  runID: string,
  after: number,
  limit: number,
): RunEventRecord[] {
  return sql
    .exec<Row>(
      "SELECT * FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
      runID,
      after,
      limit,
    )
    .toArray()
    .map(toRunEventRecord);
}

/** The stored log tail of a finished run, or "" if it has none. */
export function runLogText(sql: SqlStorage, runID: string): string {
  const pointer = sql
    .exec<{ event_seq: number }>("SELECT event_seq FROM run_logs WHERE run_id = ?", runID)
    .toArray()[0];
  if (!pointer) return "";
  return sql
    .exec<{ body: string }>(
      "SELECT body FROM event_attachments WHERE seq = ? ORDER BY part",
      pointer.event_seq,
    )
    .toArray()
    .map((r) => r.body)
    .join("");
}
