/**
 * Heartbeat summaries (docs/event-log.md#heartbeat-summaries). A heartbeat writes no row here:
 * a live lease's telemetry history is read from its own heartbeat events. When the lease ends
 * (released, expired, failed: no heartbeat can follow), one row folds all its heartbeats, so
 * the history and the telemetry range outlive the events once the archive takes them.
 */
import { eventTypesOn } from "../events/catalogue";
import type { LeaseState } from "../events/lease-state";
import { type TelemetrySample, telemetrySampleSchema } from "../events/payloads/shared";
import type { RecordedEvent } from "../events/types";
import { byCaptureTime, type HeartbeatFold, heartbeatFold, telemetryHistorySize } from "./heartbeat-fold";
import { decodeHistory, encodeHistory } from "./history-codec";
import { leaseIdOfStream } from "./leases";
import type { Projection, Replayer, TableName } from "./projection";

/** The events that end a lease: the summary is written at each. */
const endings = eventTypesOn("lease", { only: ["Released", "Expired", "ProvisioningFailed"] });

const telemetryOf = (data: unknown) => (data as { telemetry?: TelemetrySample }).telemetry;

function writeSummary(sql: SqlStorage, t: string, leaseID: string, fold: HeartbeatFold): void {
  const summary = fold.summary();
  if (!summary) return;
  sql.exec(
    `INSERT OR REPLACE INTO ${t} (lease_id, heartbeats, first_at, last_at, telemetry_range, history)
     VALUES (?, ?, ?, ?, ?, ?)`,
    leaseID,
    summary.heartbeats,
    summary.firstAt,
    summary.lastAt,
    JSON.stringify(summary.telemetryRange),
    encodeHistory(summary.history),
  );
}

export const leaseHeartbeatsProjection: Projection = {
  name: "lease_heartbeats",
  tables: [{ name: "lease_heartbeats", key: ["lease_id"] }],
  handles: endings,
  apply(sql: SqlStorage, event: RecordedEvent, table: TableName): void {
    // The lease is live up to this event, so none of its heartbeats has left for the archive.
    const fold = heartbeatFold();
    const rows = sql
      .exec<{ at: number; data: string }>(
        "SELECT at, data FROM events WHERE stream = ? AND version < ? AND type = 'Heartbeat' ORDER BY version",
        event.stream,
        event.version,
      )
      .toArray();
    for (const row of rows) fold.add(row.at, telemetryOf(JSON.parse(row.data)));
    writeSummary(sql, table("lease_heartbeats"), leaseIdOfStream(event.stream), fold);
  },
  createReplayer(sql: SqlStorage, table: TableName): Replayer {
    // Folds of the leases still live at this point of the replay; an ending writes and drops one.
    const live = new Map<string, HeartbeatFold>();
    return {
      apply(event) {
        if (!event.stream.startsWith("lease:")) return;
        if (event.type === "Heartbeat") {
          const fold = live.get(event.stream) ?? heartbeatFold();
          live.set(event.stream, fold);
          fold.add(event.at, telemetryOf(event.data));
          return;
        }
        if (!endings.has(event.type)) return;
        const fold = live.get(event.stream);
        live.delete(event.stream);
        if (fold) writeSummary(sql, table("lease_heartbeats"), leaseIdOfStream(event.stream), fold);
      },
      flush() {},
    };
  },
};

const endedStates = new Set<string>(["released", "expired", "failed"]);

/** The lease's telemetry history, oldest capture first (at most 60 samples). */
export function leaseTelemetryHistory(
  sql: SqlStorage,
  lease: Pick<LeaseState, "id" | "state">,
): TelemetrySample[] {
  if (endedStates.has(lease.state)) {
    const row = sql
      .exec<{ history: string }>("SELECT history FROM lease_heartbeats WHERE lease_id = ?", lease.id)
      .toArray()[0];
    return row ? parseSamples(decodeHistory(row.history)) : [];
  }
  // The newest heartbeats that carried a sample, walking the `(stream, version)` index back.
  const rows = sql
    .exec<{ data: string }>(
      `SELECT data FROM events WHERE stream = ? AND type = 'Heartbeat'
         AND json_extract(data, '$.telemetry') IS NOT NULL ORDER BY version DESC LIMIT ?`,
      `lease:${lease.id}`,
      telemetryHistorySize,
    )
    .toArray()
    .reverse();
  return byCaptureTime(parseSamples(rows.map((row) => telemetryOf(JSON.parse(row.data)))));
}

function parseSamples(samples: readonly unknown[]): TelemetrySample[] {
  return samples.map((sample) => telemetrySampleSchema.parse(sample));
}
