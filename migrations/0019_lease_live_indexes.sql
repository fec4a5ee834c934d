-- A flat Durable Object, part 4 (docs/event-log.md#retention-benchmark): two `leases` indexes
-- stop holding an entry per ended lease, which the 90-day history window keeps.
-- `leases_by_slug` serves one read, the live leases holding a slug (`liveLeasesBySlug` in
-- src/projections/leases-queries.ts: `state IN ('provisioning', 'active')`), so it holds the
-- live leases only. `leases_by_cloud_id` serves no read: the only `cloud_id` terms are
-- `cloud_id IS NULL` among the ended-lease checks (planned through `leases_by_machine_retry`)
-- and the pool join's `l.cloud_id != p.cloud_id` (after the id lookup). The plans of every read
-- of `leases` stay the same (test/events/migrate-backfill.int.test.ts); no row changes.
DROP INDEX leases_by_slug;
CREATE INDEX leases_by_slug ON leases (slug) WHERE state IN ('provisioning', 'active');
DROP INDEX leases_by_cloud_id;
