-- Read models, updated inline in the append transaction and rebuildable from the log.

CREATE TABLE leases (
  id TEXT PRIMARY KEY,
  slug TEXT NOT NULL,
  provider TEXT NOT NULL,
  target TEXT NOT NULL,
  windows_mode TEXT,
  desktop INTEGER NOT NULL,
  browser INTEGER NOT NULL,
  code INTEGER NOT NULL,
  owner TEXT NOT NULL,
  org TEXT NOT NULL,
  profile TEXT NOT NULL,
  class TEXT NOT NULL,
  requested_server_type TEXT NOT NULL,
  server_type TEXT NOT NULL,
  market TEXT,
  region TEXT,
  provider_key TEXT NOT NULL,
  cloud_id TEXT,
  server_id INTEGER NOT NULL,
  server_name TEXT NOT NULL,
  host TEXT NOT NULL,
  ssh_user TEXT NOT NULL,
  ssh_port TEXT NOT NULL,
  ssh_fallback_ports TEXT NOT NULL,
  work_root TEXT NOT NULL,
  keep INTEGER NOT NULL,
  ttl_seconds INTEGER NOT NULL,
  idle_timeout_seconds INTEGER NOT NULL,
  estimated_hourly_usd REAL NOT NULL,
  max_estimated_usd REAL NOT NULL,
  provisioning_attempts TEXT NOT NULL,
  capacity_hints TEXT,
  share TEXT,
  telemetry TEXT,
  state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  last_touched_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  provisioning_deadline_at INTEGER NOT NULL,
  released_at INTEGER,
  ended_at INTEGER,
  failure_code TEXT,
  failure_message TEXT,
  machine_state TEXT NOT NULL,
  delete_attempts INTEGER NOT NULL,
  next_delete_attempt_at INTEGER,
  last_delete_error TEXT,
  last_seq INTEGER NOT NULL
);
CREATE INDEX leases_by_owner_slug ON leases (owner, org, slug);
CREATE INDEX leases_by_slug ON leases (slug);
CREATE INDEX leases_by_created ON leases (created_at);
CREATE INDEX leases_by_state_expiry ON leases (state, expires_at);
CREATE INDEX leases_by_machine_retry ON leases (machine_state, next_delete_attempt_at);
CREATE INDEX leases_by_cloud_id ON leases (cloud_id);

-- Latest 60 telemetry samples per lease, by capture time.
CREATE TABLE lease_telemetry (
  lease_id TEXT NOT NULL,
  captured_at INTEGER NOT NULL,
  sample TEXT NOT NULL,
  PRIMARY KEY (lease_id, captured_at)
) WITHOUT ROWID;

CREATE TABLE runs (
  id TEXT PRIMARY KEY,
  lease_id TEXT NOT NULL,
  slug TEXT NOT NULL,
  provider TEXT NOT NULL,
  target TEXT NOT NULL,
  windows_mode TEXT,
  class TEXT NOT NULL,
  server_type TEXT NOT NULL,
  owner TEXT NOT NULL,
  org TEXT NOT NULL,
  command TEXT NOT NULL,
  state TEXT NOT NULL,
  phase TEXT NOT NULL,
  finished INTEGER NOT NULL,
  exit_code INTEGER,
  sync_ms REAL,
  command_ms REAL,
  duration_ms REAL,
  log_bytes INTEGER NOT NULL,
  log_truncated INTEGER NOT NULL,
  results TEXT,
  telemetry TEXT NOT NULL,
  started_at INTEGER NOT NULL,
  last_event_at INTEGER NOT NULL,
  event_count INTEGER NOT NULL,
  ended_at INTEGER,
  last_seq INTEGER NOT NULL
);
CREATE INDEX runs_by_owner ON runs (owner, org, started_at);
CREATE INDEX runs_by_lease ON runs (lease_id, started_at);
CREATE INDEX runs_by_started ON runs (started_at);

-- The run's progress records as the reference serves them, per-run seq from 1.
CREATE TABLE run_events (
  run_id TEXT NOT NULL,
  seq INTEGER NOT NULL,
  type TEXT NOT NULL,
  phase TEXT,
  stream TEXT,
  message TEXT,
  data TEXT,
  lease_id TEXT,
  slug TEXT,
  provider TEXT,
  target TEXT,
  windows_mode TEXT,
  class TEXT,
  server_type TEXT,
  exit_code INTEGER,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

-- Where a run's log lives: the attachment parts of its RunFinished event.
CREATE TABLE run_logs (
  run_id TEXT PRIMARY KEY,
  event_seq INTEGER NOT NULL,
  bytes INTEGER NOT NULL,
  truncated INTEGER NOT NULL,
  parts INTEGER NOT NULL
) WITHOUT ROWID;

-- One row per lease for cost accounting, keyed by the UTC month it was created in.
CREATE TABLE lease_usage (
  lease_id TEXT PRIMARY KEY,
  month TEXT NOT NULL,
  owner TEXT NOT NULL,
  org TEXT NOT NULL,
  provider TEXT NOT NULL,
  server_type TEXT NOT NULL,
  state TEXT NOT NULL,
  machine_state TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  ended_at INTEGER,
  estimated_hourly_usd REAL NOT NULL,
  max_estimated_usd REAL NOT NULL
) WITHOUT ROWID;
CREATE INDEX lease_usage_by_owner ON lease_usage (month, owner);
CREATE INDEX lease_usage_by_org ON lease_usage (month, org);
