-- A flat Durable Object (docs/event-log.md#heartbeat-summaries): an ended lease's summary keeps
-- its history as columns (`src/projections/history-codec.ts`), ~1 KB instead of ~15 KB for 60
-- samples.
--
-- First, the summaries 0012 carried over from the old ring (the ring's samples, count and
-- capture times, an empty range; none for a lease without samples) are folded again from the
-- lease's heartbeats as the projection folds them (`src/projections/heartbeat-fold.ts`), when the
-- live log still holds them all (no tombstone for the stream). Only rows with an empty range are
-- candidates: every other row was written by the fold.
CREATE TABLE _beats_0014 AS
SELECT l.id AS lease_id, e.version, e.at,
       CASE WHEN json_type(e.data, '$.telemetry') = 'object' THEN e.data -> '$.telemetry' END AS telemetry
FROM leases l JOIN events e ON e.stream = 'lease:' || l.id AND e.type = 'Heartbeat'
WHERE l.state IN ('released', 'expired', 'failed')
  AND NOT EXISTS (SELECT 1 FROM archive_tombstones t WHERE t.stream = 'lease:' || l.id)
  AND NOT EXISTS (SELECT 1 FROM lease_heartbeats h WHERE h.lease_id = l.id AND h.telemetry_range <> '{}');
CREATE TABLE _folds_0014 AS
WITH
-- Each numeric field but the capture time, [min, max], in the order the fold first met it.
cells AS (
  SELECT b.lease_id, b.version, f.id AS pos, f.key AS field, f.value AS v,
         b.telemetry -> ('$."' || f.key || '"') AS text
  FROM _beats_0014 b, json_each(b.telemetry) f
  WHERE b.telemetry IS NOT NULL AND f.key <> 'capturedAt' AND f.type IN ('integer', 'real')
),
bounds AS (
  SELECT lease_id, field, version, pos,
         first_value(text) OVER (PARTITION BY lease_id, field ORDER BY v) AS lo,
         first_value(text) OVER (PARTITION BY lease_id, field ORDER BY v DESC) AS hi
  FROM cells
),
fields AS (
  SELECT lease_id, field, min(lo) AS lo, min(hi) AS hi, min(version * 1000000 + pos) AS seen
  FROM bounds GROUP BY lease_id, field
),
ranges AS (
  SELECT lease_id, json_group_object(field, json_array(json(lo), json(hi)) ORDER BY seen) AS telemetry_range
  FROM fields GROUP BY lease_id
),
-- The samples of the last 60 heartbeats that carried one; of one capture time the later wins.
recent AS (
  SELECT lease_id, version, telemetry, telemetry ->> '$.capturedAt' AS captured,
         row_number() OVER (PARTITION BY lease_id ORDER BY version DESC) AS back
  FROM _beats_0014 WHERE telemetry IS NOT NULL
),
kept AS (
  SELECT lease_id, captured, telemetry,
         row_number() OVER (PARTITION BY lease_id, captured ORDER BY version DESC) AS later
  FROM recent WHERE back <= 60
),
histories AS (
  SELECT lease_id, json_group_array(json(telemetry) ORDER BY captured) AS history
  FROM kept WHERE later = 1 GROUP BY lease_id
)
SELECT b.lease_id, count(*) AS heartbeats,
       (SELECT at FROM _beats_0014 f WHERE f.lease_id = b.lease_id ORDER BY version LIMIT 1) AS first_at,
       (SELECT at FROM _beats_0014 f WHERE f.lease_id = b.lease_id ORDER BY version DESC LIMIT 1) AS last_at,
       coalesce((SELECT telemetry_range FROM ranges r WHERE r.lease_id = b.lease_id), '{}') AS telemetry_range,
       coalesce((SELECT history FROM histories h WHERE h.lease_id = b.lease_id), '[]') AS history
FROM _beats_0014 b GROUP BY b.lease_id;
INSERT OR REPLACE INTO lease_heartbeats (lease_id, heartbeats, first_at, last_at, telemetry_range, history)
  SELECT lease_id, heartbeats, first_at, last_at, telemetry_range, history FROM _folds_0014;
DROP TABLE _folds_0014;
DROP TABLE _beats_0014;
--
-- Then every row's history, an array of samples, is rewritten as columns, byte for byte as the
-- code writes it: the fields in code-unit order; a field every sample has with one value as that
-- value; a field every sample has as a non-negative safe integer as {"d": [first, step]} or
-- {"d": [first, delta…]}; any other as the array of its values, null where a sample lacks it.
-- Values keep their JSON text (`->`), so numbers read back exactly as they were written.
CREATE TABLE _history_0014 AS
WITH
samples AS (
  SELECT h.lease_id, json_array_length(h.history) AS n, CAST(s.key AS INTEGER) AS i, s.value AS sample
  FROM lease_heartbeats h, json_each(h.history) s
),
cells AS (
  SELECT s.lease_id, s.i, f.key AS field, f.type, f.value AS v, s.sample -> ('$."' || f.key || '"') AS text
  FROM samples s, json_each(s.sample) f
  WHERE f.type <> 'null'
),
fields AS (SELECT DISTINCT lease_id, field FROM cells),
grid AS (
  SELECT s.lease_id, s.n, fl.field, s.i, c.type, c.v, c.text,
         c.v - lag(c.v) OVER (PARTITION BY s.lease_id, fl.field ORDER BY s.i) AS delta
  FROM fields fl
  JOIN samples s ON s.lease_id = fl.lease_id
  LEFT JOIN cells c ON c.lease_id = s.lease_id AND c.field = fl.field AND c.i = s.i
),
columns AS (
  SELECT lease_id, n, field,
    CASE
      WHEN count(text) = n AND count(DISTINCT text) = 1 THEN json(min(text))
      WHEN count(text) = n AND min(type = 'integer' AND v >= 0 AND v <= 9007199254740991) THEN
        json_object('d', CASE
          WHEN count(DISTINCT delta) = 1 THEN json_array(min(CASE WHEN i = 0 THEN v END), min(delta))
          ELSE json_group_array(coalesce(delta, v) ORDER BY i)
        END)
      ELSE json_group_array(json(text) ORDER BY i)
    END AS col
  FROM grid
  GROUP BY lease_id, field
)
SELECT lease_id, json_object('n', min(n), 'c', json_group_object(field, json(col) ORDER BY field)) AS history
FROM columns
GROUP BY lease_id;
-- Rows without samples have no fields.
UPDATE lease_heartbeats SET history = coalesce(
  (SELECT c.history FROM _history_0014 c WHERE c.lease_id = lease_heartbeats.lease_id),
  '{"n":0,"c":{}}'
);
DROP TABLE _history_0014;
