/** The `runs` projection: one row per run, the run aggregate's state as columns. */
import { eventTypesOn, type RunEvent } from "../events/catalogue";
import { evolveRun } from "../events/run-decider";
import { initialRunState, type RunState } from "../events/run-state";
import type { EvolvableEvent } from "../events/types";
import { aggregateRowProjection } from "./aggregate-row";
import { type ColumnSpec, column, decodeRow, type Row } from "./codec";
import type { Projection } from "./projection";

export const runColumns: readonly ColumnSpec<RunState>[] = [
  column("id", "id", "text"),
  column("leaseID", "lease_id", "text"),
  column("slug", "slug", "text"),
  column("provider", "provider", "text"),
  column("target", "target", "text"),
  column("windowsMode", "windows_mode", "text", true),
  column("class", "class", "text"),
  column("serverType", "server_type", "text"),
  column("owner", "owner", "text"),
  column("org", "org", "text"),
  column("command", "command", "json"),
  column("state", "state", "text"),
  column("phase", "phase", "text"),
  column("finished", "finished", "bool"),
  column("exitCode", "exit_code", "int", true),
  column("syncMs", "sync_ms", "real", true),
  column("commandMs", "command_ms", "real", true),
  column("durationMs", "duration_ms", "real", true),
  column("logBytes", "log_bytes", "int"),
  column("logTruncated", "log_truncated", "bool"),
  column("results", "results", "json", true),
  column("artifacts", "artifacts", "json", true),
  column("shardGroup", "shard_group", "text", true),
  column("shardIndex", "shard_index", "int", true),
  column("shardTotal", "shard_total", "int", true),
  column("telemetry", "telemetry", "json"),
  column("startedAt", "started_at", "int"),
  column("lastEventAt", "last_event_at", "int"),
  column("eventCount", "event_count", "int"),
  column("endedAt", "ended_at", "int", true),
];

export function runStateFromRow(row: Row): RunState {
  return decodeRow(row, runColumns, { ...initialRunState(), exists: true });
}

export function runIdOfStream(stream: string): string {
  return stream.slice("run:".length);
}

export const runsProjection: Projection = aggregateRowProjection<RunState>({
  name: "runs",
  table: "runs",
  handles: eventTypesOn("run"),
  columns: runColumns,
  idOfStream: runIdOfStream,
  initial: initialRunState,
  evolve: (state, event) => evolveRun(state, event as EvolvableEvent<RunEvent>),
  fromRow: runStateFromRow,
  exists: (state) => state.exists,
});
