/** The schema of the Fleet DO, in order. Files live in `migrations/`; never edit an applied one, add a new one. */
import eventLog from "../../migrations/0001_event_log.sql";
import projections from "../../migrations/0002_projections.sql";
import runArtifacts from "../../migrations/0003_run_artifacts.sql";
import hashChain from "../../migrations/0004_hash_chain.sql";
import pruneCommands from "../../migrations/0005_prune_commands.sql";
import webhooks from "../../migrations/0006_webhooks.sql";
import runShards from "../../migrations/0007_run_shards.sql";
import archive from "../../migrations/0008_archive.sql";
import lightHeartbeats from "../../migrations/0009_light_heartbeats.sql";
import poolMachines from "../../migrations/0010_pool_machines.sql";
import poolClaims from "../../migrations/0011_pool_claims.sql";
import heartbeatSummaries from "../../migrations/0012_heartbeat_summaries.sql";
import usageMonths from "../../migrations/0013_usage_months.sql";
import compactHistory from "../../migrations/0014_compact_history.sql";
import summariesRowid from "../../migrations/0015_summaries_rowid.sql";
import usageLiveIndexes from "../../migrations/0018_usage_live_indexes.sql";
import leaseLiveIndexes from "../../migrations/0019_lease_live_indexes.sql";
import type { Migration } from "./migrate";

export const migrations: readonly Migration[] = [
  { id: 1, name: "0001_event_log", sql: eventLog },
  { id: 2, name: "0002_projections", sql: projections },
  { id: 3, name: "0003_run_artifacts", sql: runArtifacts },
  { id: 4, name: "0004_hash_chain", sql: hashChain },
  { id: 5, name: "0005_prune_commands", sql: pruneCommands },
  { id: 6, name: "0006_webhooks", sql: webhooks },
  { id: 7, name: "0007_run_shards", sql: runShards },
  { id: 8, name: "0008_archive", sql: archive },
  { id: 9, name: "0009_light_heartbeats", sql: lightHeartbeats },
  { id: 10, name: "0010_pool_machines", sql: poolMachines },
  { id: 11, name: "0011_pool_claims", sql: poolClaims },
  { id: 12, name: "0012_heartbeat_summaries", sql: heartbeatSummaries },
  { id: 13, name: "0013_usage_months", sql: usageMonths },
  { id: 14, name: "0014_compact_history", sql: compactHistory },
  { id: 15, name: "0015_summaries_rowid", sql: summariesRowid },
  { id: 18, name: "0018_usage_live_indexes", sql: usageLiveIndexes },
  { id: 19, name: "0019_lease_live_indexes", sql: leaseLiveIndexes },
];
