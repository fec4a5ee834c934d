-- The `crabbox shard` group a run belongs to and its place in it (docs/cli.md "Shards");
-- NULL for every other run. Indexed: the portal and `GET /v1/runs?shardGroup=` list a group.
ALTER TABLE runs ADD COLUMN shard_group TEXT;
ALTER TABLE runs ADD COLUMN shard_index INTEGER;
ALTER TABLE runs ADD COLUMN shard_total INTEGER;
CREATE INDEX runs_by_shard_group ON runs (shard_group, shard_index) WHERE shard_group IS NOT NULL;
