-- Webhook endpoints and deliveries (docs/api.md, "Webhooks"), beside the log and never in it:
-- an endpoint row holds its signing secret. A migration, like every table of the Fleet, so that a
-- Durable Object has the same schema whether or not webhooks were ever used since it started.
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  url TEXT NOT NULL,
  event_types TEXT NOT NULL,
  description TEXT,
  secret TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  created_by TEXT NOT NULL,
  cursor INTEGER NOT NULL,
  dedupe_key TEXT UNIQUE,
  fingerprint TEXT
);
CREATE TABLE webhook_deliveries (
  endpoint_id TEXT NOT NULL,
  event_seq INTEGER NOT NULL,
  id TEXT NOT NULL,
  event_type TEXT NOT NULL,
  stream TEXT NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'failed')),
  attempts INTEGER NOT NULL,
  next_attempt_at INTEGER,
  last_status INTEGER,
  last_error TEXT,
  last_attempt_at INTEGER,
  delivered_at INTEGER,
  PRIMARY KEY (endpoint_id, event_seq)
) WITHOUT ROWID;
CREATE INDEX webhook_deliveries_pending
  ON webhook_deliveries (endpoint_id, stream, event_seq) WHERE state = 'pending';
CREATE INDEX webhook_deliveries_due
  ON webhook_deliveries (next_attempt_at) WHERE state = 'pending';
