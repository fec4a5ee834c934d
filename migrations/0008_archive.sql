-- The archive (docs/event-log.md, "Archive"): events of ended streams move to R2 as gzip
-- NDJSON objects; one tombstone per object says what left the DO and where it went. A stream
-- too long for one bounded batch is archived in several objects (one tombstone each).
CREATE TABLE archive_tombstones (
  stream TEXT NOT NULL,
  first_version INTEGER NOT NULL,
  last_version INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  object_key TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  events INTEGER NOT NULL,
  -- Time of the object's last event (unix ms): the history window counts from the stream's end.
  last_at INTEGER NOT NULL,
  -- 1 when this object holds the stream's last event: the stream row left with it.
  final INTEGER NOT NULL,
  archived_at INTEGER NOT NULL,
  -- Set when the stream's projection rows (lease, run) aged out of the history window.
  rows_aged_at INTEGER,
  PRIMARY KEY (stream, first_version)
) WITHOUT ROWID;
-- Export and replay find the objects overlapping a seq range through these.
CREATE INDEX archive_tombstones_by_last_seq ON archive_tombstones (last_seq);
CREATE INDEX archive_tombstones_by_first_seq ON archive_tombstones (first_seq);
-- No index on streams.updated_at: it would add a written row to every append (a heartbeat's
-- write cost, docs/event-log.md); the archiver scans `streams`, which archiving keeps small.
-- Streams whose projection rows are still inside the history window, oldest end first.
CREATE INDEX archive_tombstones_to_age ON archive_tombstones (last_at) WHERE final = 1 AND rows_aged_at IS NULL;
