-- The event log: the only source of truth of the Fleet Durable Object.
-- seq is the rowid: gap-free, strictly increasing, never reused (one writer, synchronous transactions).
CREATE TABLE events (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  stream TEXT NOT NULL,
  version INTEGER NOT NULL,
  type TEXT NOT NULL,
  schema INTEGER NOT NULL,
  data TEXT NOT NULL,
  meta TEXT NOT NULL,
  dedupe_key TEXT,
  owner TEXT,
  at INTEGER NOT NULL,
  UNIQUE (stream, version)
);
-- Audit filters page by seq; SQLite keeps each index ordered by (column, rowid), so these serve
-- "type = ? AND seq > ? ORDER BY seq" without a sort or a scan of the log.
-- Partial: most events carry no key, and they cost no index entry.
CREATE UNIQUE INDEX events_by_dedupe_key ON events (dedupe_key) WHERE dedupe_key IS NOT NULL;
CREATE INDEX events_by_type ON events (type);
CREATE INDEX events_by_owner ON events (owner);
CREATE INDEX events_by_at ON events (at);

-- Bulky bytes that belong to an event but not to its audit record (the run log tail),
-- written in the same transaction as the event, in parts under the 2 MB row limit.
CREATE TABLE event_attachments (
  seq INTEGER NOT NULL,
  part INTEGER NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (seq, part)
) WITHOUT ROWID;

-- One row per stream: its current version (the optimistic-concurrency guard) and a snapshot
-- of the folded state, so that deciding on a stream with 10,000 heartbeats reads one row.
CREATE TABLE streams (
  stream TEXT PRIMARY KEY,
  version INTEGER NOT NULL,
  snapshot TEXT NOT NULL,
  snapshot_schema INTEGER NOT NULL,
  updated_at INTEGER NOT NULL
) WITHOUT ROWID;

-- Idempotency: the outcome of every command that carried a dedupe key, bound to the
-- fingerprint of its request. Rejections by a decider are remembered too.
CREATE TABLE commands (
  dedupe_key TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  stream TEXT NOT NULL,
  status TEXT NOT NULL,
  outcome TEXT NOT NULL,
  at INTEGER NOT NULL
) WITHOUT ROWID;
