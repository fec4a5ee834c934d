-- Dedupe records are pruned after a retention window (docs/event-log.md, "Retention"): the
-- alarm deletes the oldest in bounded batches, read through this index.
CREATE INDEX commands_by_at ON commands (at);
-- A pruned key is a new request, so two events of the log may carry the same key (years
-- apart); the key stays indexed for audit look-ups but is no longer unique.
DROP INDEX events_by_dedupe_key;
CREATE INDEX events_by_dedupe_key ON events (dedupe_key) WHERE dedupe_key IS NOT NULL;
