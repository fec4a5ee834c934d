/**
 * Projections age too (docs/event-log.md, "Archive"): the lease and run rows of an archived
 * stream stay for the history window (`crabbox history`, the portal, run logs), then go; their
 * events are already in the archive. A lease's `lease_usage` row goes too; its cost stays in
 * the monthly roll-up `usage_months`, kept forever (docs/event-log.md#usage-roll-up).
 * Replay drops the same rows from its rebuild (`agedRows`), so it still matches.
 */
import { streamsToAge } from "./tombstones";

/** Streams aged per alarm step: a handful of deletes each, one short transaction. */
export const ageingBatch = 50;

/** The rows of one stream that age out, as `[table, where, param]`; run logs first (by seq). */
function agedRowsOf(stream: string): { table: string; where: string; id: string }[] {
  if (stream.startsWith("lease:")) {
    const id = stream.slice("lease:".length);
    return [
      { table: "lease_heartbeats", where: "lease_id = ?", id },
      { table: "lease_usage", where: "lease_id = ?", id },
      { table: "leases", where: "id = ?", id },
    ];
  }
  if (stream.startsWith("run:")) {
    const id = stream.slice("run:".length);
    return [
      { table: "run_events", where: "run_id = ?", id },
      { table: "run_logs", where: "run_id = ?", id },
      { table: "runs", where: "id = ?", id },
    ];
  }
  return [];
}

/** Deletes the aged rows of `stream` from the tables `table` names (live or a replay's shadow). */
export function deleteAgedRows(sql: SqlStorage, stream: string, table: (name: string) => string): void {
  for (const rows of agedRowsOf(stream))
    sql.exec(`DELETE FROM ${table(rows.table)} WHERE ${rows.where}`, rows.id);
}

/** Ages up to `limit` archived streams that ended before `now - historyMs`; returns how many. */
export function ageProjections(
  storage: DurableObjectStorage,
  now: number,
  historyMs: number,
  limit = ageingBatch,
): number {
  const sql = storage.sql;
  const streams = streamsToAge(sql, now - historyMs, limit);
  if (streams.length === 0) return 0;
  storage.transactionSync(() => {
    for (const stream of streams) {
      if (stream.startsWith("run:")) {
        // The run's log is the attachment of its RunFinished event, kept with its row.
        sql.exec(
          "DELETE FROM event_attachments WHERE seq IN (SELECT event_seq FROM run_logs WHERE run_id = ?)",
          stream.slice("run:".length),
        );
      }
      deleteAgedRows(sql, stream, (name) => name);
      sql.exec("UPDATE archive_tombstones SET rows_aged_at = ? WHERE stream = ?", now, stream);
    }
  });
  return streams.length;
}
