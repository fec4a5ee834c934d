/** The run-events projection: the reference's per-run event records, seq from 1 (`run.started`). */
import { eventTypesOn } from "../events/catalogue";
import type { RunEventAppendedData, RunFinishedData, RunStartedData } from "../events/payloads/run";
import type { RecordedEvent } from "../events/types";
import type { Projection, TableName } from "./projection";
import { runIdOfStream } from "./runs";

interface RunEventRow {
  seq: number;
  type: string;
  phase?: string | undefined;
  stream?: string | undefined;
  message?: string | undefined;
  data?: string | undefined;
  leaseID?: string | undefined;
  slug?: string | undefined;
  provider?: string | undefined;
  target?: string | undefined;
  windowsMode?: string | undefined;
  class?: string | undefined;
  serverType?: string | undefined;
  exitCode?: number | undefined;
}

function recordFor(event: RecordedEvent): RunEventRow | undefined {
  switch (event.type) {
    case "RunStarted": {
      const d = event.data as RunStartedData;
      return {
        seq: 1,
        type: "run.started",
        phase: "starting",
        leaseID: d.leaseID || undefined,
        slug: d.slug || undefined,
        provider: d.provider || undefined,
        target: d.target || undefined,
        windowsMode: d.windowsMode,
        class: d.class || undefined,
        serverType: d.serverType || undefined,
      };
    }
    case "RunEventAppended":
      return event.data as RunEventAppendedData;
    case "RunFinished": {
      const d = event.data as RunFinishedData;
      return { seq: d.seq, type: "command.finished", phase: d.state, exitCode: d.exitCode };
    }
    default:
      return undefined;
  }
}

export const runEventsProjection: Projection = {
  name: "run_events",
  tables: [{ name: "run_events", key: ["run_id", "seq"] }],
  // Telemetry samples are not run event records (docs/api.md#runs).
  handles: eventTypesOn("run", { except: ["RunTelemetryRecorded"] }),
  apply(sql: SqlStorage, event: RecordedEvent, table: TableName): void {
    const r = recordFor(event);
    if (!r) return;
    sql.exec(
      `INSERT OR IGNORE INTO ${table("run_events")} (run_id, seq, type, phase, stream, message, data, lease_id, slug,
         provider, target, windows_mode, class, server_type, exit_code, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      runIdOfStream(event.stream),
      r.seq,
      r.type,
      r.phase ?? null,
      r.stream ?? null,
      r.message ?? null,
      r.data ?? null,
      r.leaseID ?? null,
      r.slug ?? null,
      r.provider ?? null,
      r.target ?? null,
      r.windowsMode ?? null,
      r.class ?? null,
      r.serverType ?? null,
      r.exitCode ?? null,
      event.at,
    );
  },
};
