-- A flat Durable Object (docs/event-log.md#heartbeat-summaries): an ended lease's summary keeps
-- its history as columns (`src/projections/history-codec.ts`), ~1 KB instead of ~15 KB for 60
-- samples. This rewrites the rows written before as that code writes them, byte for byte: the
-- fields in code-unit order; a field every sample has with one value as that value; a field
-- every sample has as a non-negative safe integer as {"d": [first, step]} or
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
