/**
 * The run-log projection. The log text is the attachment of the run's `RunFinished` event
 * (`event_attachments`, written with the event, part of the log itself); this projection
 * records where it is and how big it is, so serving `GET /v1/runs/{id}/logs` is one indexed
 * read and replaying the log rebuilds the pointer exactly without copying megabytes.
 */
import { eventTypesOn } from "../events/catalogue";
import type { RunFinishedData } from "../events/payloads/run";
import type { RecordedEvent } from "../events/types";
import type { Projection, TableName } from "./projection";
import { runIdOfStream } from "./runs";

export const runLogsProjection: Projection = {
  name: "run_logs",
  tables: [{ name: "run_logs", key: ["run_id"] }],
  handles: eventTypesOn("run", { only: ["RunFinished"] }),
  apply(sql: SqlStorage, event: RecordedEvent, table: TableName): void {
    const d = event.data as RunFinishedData;
    const parts = sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM event_attachments WHERE seq = ?", event.seq)
      .one().n;
    sql.exec(
      `INSERT OR REPLACE INTO ${table("run_logs")} (run_id, event_seq, bytes, truncated, parts) VALUES (?, ?, ?, ?, ?)`,
      runIdOfStream(event.stream),
      event.seq,
      d.logBytes,
      d.logTruncated ? 1 : 0,
      parts,
    );
  },
};
