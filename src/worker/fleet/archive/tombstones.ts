/**
 * Tombstones (migration 0007, docs/event-log.md "Archive"): one row per archive object, what
 * left the DO and where it went. The export, replay and events reads find archived ranges here.
 */

export interface Tombstone {
  stream: string;
  firstVersion: number;
  lastVersion: number;
  firstSeq: number;
  lastSeq: number;
  objectKey: string;
  bytes: number;
  sha256: string;
  events: number;
  /** Time of the object's last event (unix ms). */
  lastAt: number;
  /** True when the object holds the stream's last event (the stream row left with it). */
  final: boolean;
  archivedAt: number;
  rowsAgedAt: number | null;
}

export interface TombstoneRow extends Record<string, SqlStorageValue> {
  stream: string;
  first_version: number;
  last_version: number;
  first_seq: number;
  last_seq: number;
  object_key: string;
  bytes: number;
  sha256: string;
  events: number;
  last_at: number;
  final: number;
  archived_at: number;
  rows_aged_at: number | null;
}

export function tombstoneFromRow(row: TombstoneRow): Tombstone {
  return {
    stream: row.stream,
    firstVersion: row.first_version,
    lastVersion: row.last_version,
    firstSeq: row.first_seq,
    lastSeq: row.last_seq,
    objectKey: row.object_key,
    bytes: row.bytes,
    sha256: row.sha256,
    events: row.events,
    lastAt: row.last_at,
    final: row.final === 1,
    archivedAt: row.archived_at,
    rowsAgedAt: row.rows_aged_at,
  };
}

export function insertTombstone(sql: SqlStorage, t: Omit<Tombstone, "rowsAgedAt">): void {
  sql.exec(
    `INSERT INTO archive_tombstones (stream, first_version, last_version, first_seq, last_seq, object_key,
       bytes, sha256, events, last_at, final, archived_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    t.stream,
    t.firstVersion,
    t.lastVersion,
    t.firstSeq,
    t.lastSeq,
    t.objectKey,
    t.bytes,
    t.sha256,
    t.events,
    t.lastAt,
    t.final ? 1 : 0,
    t.archivedAt,
  );
}

/** A stream's objects in version order (empty when none of it is archived). */
export function tombstonesOfStream(sql: SqlStorage, stream: string): Tombstone[] {
  return sql
    .exec<TombstoneRow>("SELECT * FROM archive_tombstones WHERE stream = ? ORDER BY first_version", stream)
    .toArray()
    .map(tombstoneFromRow);
}

/** Every object, in first-seq order (replay reads the whole archive). */
export function allTombstones(sql: SqlStorage): Tombstone[] {
  return sql
    .exec<TombstoneRow>("SELECT * FROM archive_tombstones ORDER BY first_seq")
    .toArray()
    .map(tombstoneFromRow);
}

/** The highest version archived of `stream`, 0 when none. */
export function archivedThrough(sql: SqlStorage, stream: string): number {
  return (
    sql
      .exec<{ v: number | null }>(
        "SELECT MAX(last_version) AS v FROM archive_tombstones WHERE stream = ?",
        stream,
      )
      .one().v ?? 0
  );
}

/** Streams whose every event is archived and whose rows have not aged out yet. */
export function streamsToAge(sql: SqlStorage, endedBefore: number, limit: number): string[] {
  return sql
    .exec<{ stream: string }>(
      `SELECT stream FROM archive_tombstones WHERE final = 1 AND rows_aged_at IS NULL AND last_at < ?
       ORDER BY last_at LIMIT ?`,
      endedBefore,
      limit,
    )
    .toArray()
    .map((r) => r.stream);
}

/** When the oldest not-yet-aged archived stream falls out of the history window. */
export function nextAgeingDue(sql: SqlStorage, historyMs: number): number | undefined {
  const at = sql
    .exec<{ at: number | null }>(
      "SELECT MIN(last_at) AS at FROM archive_tombstones WHERE final = 1 AND rows_aged_at IS NULL",
    )
    .one().at;
  return at === null ? undefined : at + historyMs;
}

/** Streams whose projection rows aged out (replay drops the same rows from its rebuild). */
export function agedStreams(sql: SqlStorage): Set<string> {
  return new Set(
    sql
      .exec<{ stream: string }>("SELECT stream FROM archive_tombstones WHERE rows_aged_at IS NOT NULL")
      .toArray()
      .map((r) => r.stream),
  );
}
