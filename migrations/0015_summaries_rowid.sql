-- A flat Durable Object, part 2 (docs/event-log.md#heartbeat-summaries): `lease_heartbeats`
-- becomes a rowid table. A WITHOUT ROWID table is an index b-tree, which keeps at most ~1,000
-- bytes of a row on its page (4 KiB pages) and spills the rest to an overflow page of its own:
-- a 1.5 KB summary took ~4.7 KB of pages, two to a page in a rowid table ~2.1 KB each
-- (test/events/migrate-backfill.int.test.ts). The primary key becomes an index of small entries.
CREATE TABLE _lease_heartbeats_0015 AS SELECT * FROM lease_heartbeats;
DROP TABLE lease_heartbeats;
CREATE TABLE lease_heartbeats (
  lease_id TEXT PRIMARY KEY,
  -- Heartbeats of the lease, and the first and last one's time (unix ms).
  heartbeats INTEGER NOT NULL,
  first_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  -- JSON object: each numeric telemetry field seen, as [min, max]; {} without telemetry.
  telemetry_range TEXT NOT NULL,
  -- JSON object: the samples of the last 60 heartbeats that carried one, by capture time, as
  -- columns (src/projections/history-codec.ts).
  history TEXT NOT NULL
);
INSERT INTO lease_heartbeats (lease_id, heartbeats, first_at, last_at, telemetry_range, history)
  SELECT lease_id, heartbeats, first_at, last_at, telemetry_range, history FROM _lease_heartbeats_0015;
DROP TABLE _lease_heartbeats_0015;
