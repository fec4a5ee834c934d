-- Lighter heartbeats, part 2 (docs/event-log.md#write-cost-of-a-heartbeat): a heartbeat no
-- longer writes a telemetry ring row. A live lease's telemetry history is read from its own
-- heartbeat events (the `(stream, version)` index); when the lease ends, one summary row keeps
-- what its heartbeats said (docs/event-log.md#heartbeat-summaries), so the history outlives
-- the heartbeat events when the archive takes them.
CREATE TABLE lease_heartbeats (
  lease_id TEXT PRIMARY KEY,
  -- Heartbeats of the lease, and the first and last one's time (unix ms).
  heartbeats INTEGER NOT NULL,
  first_at INTEGER NOT NULL,
  last_at INTEGER NOT NULL,
  -- JSON object: each numeric telemetry field seen, as [min, max]; {} without telemetry.
  telemetry_range TEXT NOT NULL,
  -- JSON array: the samples of the last 60 heartbeats that carried one, by capture time.
  history TEXT NOT NULL
) WITHOUT ROWID;
-- Ended leases keep the ring they had: the count and times are those of its samples.
INSERT INTO lease_heartbeats (lease_id, heartbeats, first_at, last_at, telemetry_range, history)
  SELECT t.lease_id, count(*), min(t.captured_at), max(t.captured_at), '{}',
         json_group_array(json(t.sample) ORDER BY t.captured_at)
  FROM lease_telemetry t JOIN leases l ON l.id = t.lease_id
  WHERE l.state IN ('released', 'expired', 'failed')
  GROUP BY t.lease_id;
DROP TABLE lease_telemetry;
