-- A flat Durable Object, part 3 (docs/event-log.md#retention-benchmark): the owner and org
-- indexes of `lease_usage` keep entries for live leases only. Their one reader, the usage
-- summary's live rows (src/projections/usage-queries.ts `usageRows`), asks for
-- `state IN ('active', 'provisioning')`; ended leases are counted from `usage_months`, so an
-- ended lease's two entries (~110 B of pages, kept for the 90-day history window) were never
-- read. Same columns, same plans (test/events/migrate-backfill.int.test.ts); no row changes.
DROP INDEX lease_usage_by_owner;
DROP INDEX lease_usage_by_org;
CREATE INDEX lease_usage_by_owner ON lease_usage (month, owner) WHERE state IN ('active', 'provisioning');
CREATE INDEX lease_usage_by_org ON lease_usage (month, org) WHERE state IN ('active', 'provisioning');
