/**
 * Prunes dedupe records (`commands` rows) older than the retention window, oldest first, in
 * bounded batches run by the alarm (docs/event-log.md, "Retention"). Once a key's record is
 * gone, a request carrying it is a new request: it is decided and appended again.
 */

/** Rows deleted per alarm step: one short transaction, far below the DO's time budget. */
export const pruneBatch = 500;

/** Deletes up to `limit` records older than `now - retentionMs`; returns how many. */
export function pruneCommands(sql: SqlStorage, now: number, retentionMs: number, limit = pruneBatch): number {
  const cutoff = now - retentionMs;
  const due = sql
    .exec<{ n: number }>(
      "SELECT COUNT(*) AS n FROM (SELECT 1 FROM commands WHERE at < ? LIMIT ?)",
      cutoff,
      limit,
    )
    .one().n;
  if (due === 0) return 0;
  sql.exec(
    "DELETE FROM commands WHERE dedupe_key IN (SELECT dedupe_key FROM commands WHERE at < ? ORDER BY at LIMIT ?)",
    cutoff,
    limit,
  );
  return due;
}

/** When the oldest record falls out of the window (Fleet-clock ms), or undefined when none. */
export function nextPruneDue(sql: SqlStorage, retentionMs: number): number | undefined {
  const oldest = sql.exec<{ at: number | null }>("SELECT MIN(at) AS at FROM commands").one().at;
  return oldest === null ? undefined : oldest + retentionMs;
}
