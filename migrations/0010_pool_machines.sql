-- Ready pools (docs/event-log.md#ready-pools): one row per pool machine, the pool decider's
-- state as columns. The alarm counts and claims by (provider, class, region, state).
CREATE TABLE pool_machines (
  id TEXT PRIMARY KEY,
  provider TEXT NOT NULL,
  class TEXT NOT NULL,
  region TEXT NOT NULL,
  server_type TEXT NOT NULL,
  state TEXT NOT NULL,
  cloud_id TEXT,
  machine TEXT,
  lease_id TEXT,
  estimated_hourly_usd REAL NOT NULL,
  requested_at INTEGER NOT NULL,
  ready_at INTEGER,
  ended_at INTEGER,
  provisioning_deadline_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_seq INTEGER NOT NULL
);
CREATE INDEX pool_machines_by_pool ON pool_machines (provider, class, region, state, ready_at);
