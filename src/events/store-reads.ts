/** The event store's reads: a stream, the whole log paged, attachments, hashes, the head. */
import { upcast } from "./catalogue";
import type { ReadAllPage, ReadAllQuery } from "./store-types";
import { type EventRow, storedFields } from "./stored-row";
import type { EventMeta, RecordedEvent } from "./types";

export const maxReadLimit = 500;

/** A stream's events after `afterVersion`, in order. */
export function readStream(
  sql: SqlStorage,
  stream: string,
  afterVersion = 0,
  limit?: number,
): RecordedEvent[] {
  const rows =
    limit === undefined
      ? sql.exec<EventRow>(
          "SELECT * FROM events WHERE stream = ? AND version > ? ORDER BY version",
          stream,
          afterVersion,
        )
      : sql.exec<EventRow>(
          "SELECT * FROM events WHERE stream = ? AND version > ? ORDER BY version LIMIT ?",
          stream,
          afterVersion,
          limit,
        );
  return rows.toArray().map(toRecorded);
}

/** The whole log (or a filtered slice) after a position, paged; every filter is index-backed. */
export function readAll(sql: SqlStorage, query: ReadAllQuery = {}): ReadAllPage {
  const limit = Math.min(Math.max(1, Math.trunc(query.limit ?? maxReadLimit)), maxReadLimit);
  let after = Math.max(0, Math.trunc(query.after ?? 0));
  const where = ["seq > ?"];
  const params: SqlStorageValue[] = [];
  // Time bounds become seq bounds by a binary search over seq (the log is appended in clock
  // order), so a time window never scans the log from its start; `at` is still filtered exactly.
  if (query.since !== undefined) after = Math.max(after, firstSeqAtOrAfter(sql, query.since) - 1);
  params.push(after);
  if (query.until !== undefined) {
    where.push("seq < ?");
    params.push(firstSeqAtOrAfter(sql, query.until));
  }
  const equal: [string, string | undefined][] = [
    ["stream", query.stream],
    ["type", query.type],
    ["owner", query.owner],
  ];
  for (const [column, value] of equal) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  // The type index skips heartbeats (migration 0009): say so, so SQLite may use it.
  if (query.type !== undefined && query.type !== "Heartbeat") where.push("type <> 'Heartbeat'");
  if (query.since !== undefined) {
    where.push("at >= ?");
    params.push(query.since);
  }
  if (query.until !== undefined) {
    where.push("at < ?");
    params.push(query.until);
  }
  const rows = sql
    .exec<EventRow>(
      `SELECT * FROM events WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`,
      ...params,
      limit + 1,
    )
    .toArray();
  const page = rows.slice(0, limit).map(toRecorded);
  return { events: page, nextAfter: rows.length > limit ? (page[page.length - 1]?.seq ?? null) : null };
}

/**
 * Seq of the first event recorded at or after `at`; one past the head if none. A binary search
 * over the primary key (seqs may have gaps where the archive took streams), ~2·log2(n) point
 * reads: the log has no `at` index since migration 0009 (docs/event-log.md#write-cost-of-a-heartbeat).
 */
export function firstSeqAtOrAfter(sql: SqlStorage, at: number): number {
  const firstFrom = (seq: number) =>
    sql
      .exec<{ seq: number; at: number }>(
        "SELECT seq, at FROM events WHERE seq >= ? ORDER BY seq LIMIT 1",
        seq,
      )
      .toArray()[0];
  const last = head(sql);
  let low = firstFrom(0);
  if (!low) return last + 1;
  if (low.at >= at) return low.seq;
  // Invariant: the event at `low.seq` is before `at`; the answer is in (low.seq, hi].
  let hi = last + 1;
  let lo = low.seq;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    low = firstFrom(mid);
    if (!low || low.seq >= hi) hi = mid;
    else if (low.at >= at) hi = low.seq;
    else lo = low.seq;
  }
  return hi;
}

/** The run log (or any event attachment) as one string. */
export function readAttachment(sql: SqlStorage, seq: number): string {
  return sql
    .exec<{ body: string }>("SELECT body FROM event_attachments WHERE seq = ? ORDER BY part", seq)
    .toArray()
    .map((r) => r.body)
    .join("");
}

/** The chain hash of each of these events (those still in the live log). */
export function hashesOf(sql: SqlStorage, seqs: readonly number[]): Map<number, string> {
  const hashes = new Map<number, string>();
  if (seqs.length === 0) return hashes;
  const rows = sql.exec<{ seq: number; hash: string | null }>(
    `SELECT seq, hash FROM events WHERE seq IN (${seqs.map(() => "?").join(",")})`,
    ...seqs,
  );
  for (const row of rows) if (row.hash !== null) hashes.set(row.seq, row.hash);
  return hashes;
}

/** Position of the last event, 0 for an empty log. */
export function head(sql: SqlStorage): number {
  return sql.exec<{ seq: number | null }>("SELECT MAX(seq) AS seq FROM events").one().seq ?? 0;
}

export function readSeqRange(sql: SqlStorage, first: number, last: number): RecordedEvent[] {
  return sql
    .exec<EventRow>("SELECT * FROM events WHERE seq BETWEEN ? AND ? ORDER BY seq", first, last)
    .toArray()
    .map(toRecorded);
}

function toRecorded(row: EventRow): RecordedEvent {
  const stored = storedFields(row);
  return { ...stored, data: upcast(row.type, row.schema, stored.data), meta: stored.meta as EventMeta };
}
