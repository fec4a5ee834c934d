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
  // Time bounds become seq bounds through the `at` index (the log is appended in clock order),
  // so a time window never scans the log from its start; `at` is still filtered exactly.
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

/** Seq of the first event recorded at or after `at`; one past the head if none. */
function firstSeqAtOrAfter(sql: SqlStorage, at: number): number {
  const row = sql
    .exec<{ seq: number }>("SELECT seq FROM events WHERE at >= ? ORDER BY at, seq LIMIT 1", at)
    .toArray()[0];
  return row ? row.seq : head(sql) + 1;
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
