-- Usage keeps monthly totals forever (docs/event-log.md#usage-roll-up): one row per UTC month of
-- creation, owner, org, provider and server type, summing the leases that ended. The per-lease
-- `lease_usage` rows then age out with the lease row (the history window); `GET /v1/usage`
-- reads the live leases' rows and these totals, never a table that grows with every lease.
CREATE TABLE usage_months (
  month TEXT NOT NULL,
  owner TEXT NOT NULL,
  org TEXT NOT NULL,
  provider TEXT NOT NULL,
  server_type TEXT NOT NULL,
  leases INTEGER NOT NULL,
  runtime_seconds INTEGER NOT NULL,
  -- Whole cents (src/projections/usage-cost.ts), so sums are exact.
  estimated_cents INTEGER NOT NULL,
  reserved_cents INTEGER NOT NULL,
  PRIMARY KEY (month, owner, org, provider, server_type)
) WITHOUT ROWID;
-- The leases that ended before this migration, counted the way usage-cost.ts counts.
INSERT INTO usage_months
  SELECT month, owner, org, provider, server_type, count(*), sum(runtime),
         sum(estimated), sum(CASE WHEN max_estimated_usd <> 0 THEN round(max_estimated_usd * 100) ELSE estimated END)
  FROM (
    SELECT *, CAST(round((runtime / 3600.0) * estimated_hourly_usd * 100) AS INTEGER) AS estimated
    FROM (
      SELECT *, max(0, CAST((coalesce(ended_at, created_at) - created_at) / 1000 AS INTEGER)) AS runtime
      FROM lease_usage WHERE state NOT IN ('active', 'provisioning')
    )
  )
  GROUP BY month, owner, org, provider, server_type;
-- The summary reads the month's live leases only; this keeps that read off the ended ones.
CREATE INDEX lease_usage_live ON lease_usage (month) WHERE state IN ('active', 'provisioning');
