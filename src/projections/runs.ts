/** The `runs` projection: one row per run, the run aggregate's state as columns. */
import { eventTypesOn, type RunEvent } from "../events/catalogue";
import { evolveRun } from "../events/run-decider";
import { initialRunState, type RunState } from "../events/run-state";
import type { EvolvableEvent } from "../events/types";
import { aggregateRowProjection } from "./aggregate-row";
import { type ColumnKinds, type ColumnSpec, columnsOf, decodeRow, type Row } from "./codec";
import type { Projection } from "./projection";

/** The `runs` row: every field of the run state but `exists`, one column each (as for leases, docs/event-log.md#projections-and-queries). */
const runColumnKinds: ColumnKinds<RunState, "exists"> = {
  id: "text",
  leaseID: "text",
  slug: "text",
  provider: "text",
  target: "text",
  windowsMode: "text?",
  class: "text",
  serverType: "text",
  owner: "text",
  org: "text",
  command: "json",
  state: "text",
  phase: "text",
  finished: "bool",
  exitCode: "int?",
  syncMs: "real?",
  commandMs: "real?",
  durationMs: "real?",
  logBytes: "int",
  logTruncated: "bool",
  results: "json?",
  artifacts: "json?",
  shardGroup: "text?",
  shardIndex: "int?",
  shardTotal: "int?",
  telemetry: "json",
  startedAt: "int",
  lastEventAt: "int",
  eventCount: "int",
  endedAt: "int?",
};

export const runColumns: readonly ColumnSpec<RunState>[] = columnsOf(runColumnKinds);

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
