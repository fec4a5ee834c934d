-- The hash chain (docs/event-log.md, "Hash chain"): each event's SHA-256 covers the previous
-- event's hash. Same row as the event, so an append writes no extra row and no index entry.
-- Rows written before this migration are hashed by the DO at start-up (src/events/chain-repair.ts).
ALTER TABLE events ADD COLUMN hash TEXT;
