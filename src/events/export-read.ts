/**
 * Reads the log as stored, with its hash chain, for `GET /v1/admin/export`
 * (docs/event-log.md, "Export format"). Contiguous by seq: no filters but a time window, so
 * every entry's `prevHash` is the hash of the entry before it.
 */
import type { ExportEntry } from "../api/export";
import { head, firstSeqAtOrAfter as seqAtOrAfter } from "./store-reads";
import { type EventRow, storedFields } from "./stored-row";

/** An exported row: the chain is repaired at start-up, so every row has its hash. */
type StoredRow = EventRow & { hash: string };

export interface ExportWindow {
  after: number;
  limit: number;
  since?: number;
  until?: number;
}

export function toExportEntry(row: StoredRow, prevHash: string): ExportEntry {
  return { ...storedFields(row), prevHash, hash: row.hash };
}

/** Seq bound of the first event at or after `at` (binary search over seq); null when none. */
function firstSeqAtOrAfter(sql: SqlStorage, at: number): number | null {
  const seq = seqAtOrAfter(sql, at);
  return seq > head(sql) ? null : seq;
}

/** Live rows of the window in seq order, one more than `limit` to tell whether a page follows. */
export function readExportRows(sql: SqlStorage, window: ExportWindow): StoredRow[] {
  let after = window.after;
  if (window.since !== undefined) {
    const first = firstSeqAtOrAfter(sql, window.since);
    if (first === null) return [];
    after = Math.max(after, first - 1);
  }
  let before = Number.MAX_SAFE_INTEGER;
  if (window.until !== undefined) before = firstSeqAtOrAfter(sql, window.until) ?? before;
  return sql
    .exec<StoredRow>(
      "SELECT * FROM events WHERE seq > ? AND seq < ? ORDER BY seq LIMIT ?",
      after,
      before,
      window.limit + 1,
    )
    .toArray();
}
