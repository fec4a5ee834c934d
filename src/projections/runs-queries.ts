/** Reads of the run projections (runs, run events, run log) and the reference's record shapes (§4.2, §4.3). */
import type { RunState } from "../events/run-state";
import type { Row } from "./codec";
import { telemetryToWire } from "./leases-queries";
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

const iso = (ms: number) => new Date(ms).toISOString();

/** The run as the reference's clients read it: `{"run": toRunRecord(...)}`. */
export function toRunRecord(run: RunState): Record<string, unknown> {
  const record: Record<string, unknown> = {
    id: run.id,
    leaseID: run.leaseID,
    slug: run.slug,
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
  if (run.windowsMode !== undefined) record.windowsMode = run.windowsMode;
  if (run.exitCode !== undefined) record.exitCode = run.exitCode;
  if (run.syncMs !== undefined) record.syncMs = run.syncMs;
  if (run.commandMs !== undefined) record.commandMs = run.commandMs;
  if (run.durationMs !== undefined) record.durationMs = run.durationMs;
  if (run.results !== undefined) record.results = run.results;
  const t = run.telemetry;
  if (t.start || t.end || t.samples.length) {
    const telemetry: Record<string, unknown> = {};
    if (t.start) telemetry.start = telemetryToWire(t.start);
    if (t.end) telemetry.end = telemetryToWire(t.end);
    if (t.samples.length) telemetry.samples = t.samples.map(telemetryToWire);
    record.telemetry = telemetry;
  }
  if (run.endedAt !== undefined) record.endedAt = iso(run.endedAt);
  return record;
}

/** Run event records with `seq > after`, ascending, at most `limit` (reference §3.8). */
export function runEventsAfter(
  sql: SqlStorage,
  runID: string,
  after: number,
  limit: number,
): Record<string, unknown>[] {
  return sql
    .exec<Row>(
      "SELECT * FROM run_events WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
      runID,
      after,
      limit,
    )
    .toArray()
    .map((row) => {
      const record: Record<string, unknown> = { runID, seq: row.seq, type: row.type };
      const optional: [string, string][] = [
        ["phase", "phase"],
        ["stream", "stream"],
        ["message", "message"],
        ["data", "data"],
        ["leaseID", "lease_id"],
        ["slug", "slug"],
        ["provider", "provider"],
        ["target", "target"],
        ["windowsMode", "windows_mode"],
        ["class", "class"],
        ["serverType", "server_type"],
        ["exitCode", "exit_code"],
      ];
      for (const [field, column] of optional)
        if (row[column] !== null && row[column] !== undefined) record[field] = row[column];
      record.createdAt = iso(Number(row.created_at));
      return record;
    });
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
