import { msSetting } from "./deadline";
import { type PoolSettings, poolSettings } from "./pools/pool-settings";

/** Timings of the Fleet, each overridable from the environment (documented in docs/api.md). */
export interface FleetSettings {
  /** How long `POST /v1/leases` waits for the machine before answering 202. */
  provisionWaitMs: number;
  /** Deadline of one provider `create` call. */
  providerCreateTimeoutMs: number;
  /** Extra time after the create deadline before the alarm reconciles a stuck `provisioning` lease. */
  reconcileGraceMs: number;
  /** Deadline of provider `delete`, `findByLease`, `list` and price calls. */
  providerCallTimeoutMs: number;
  /** First delete retry delay; doubles per failed attempt up to `deleteRetryMaxMs`. */
  deleteRetryBaseMs: number;
  deleteRetryMaxMs: number;
  /** A running run with no run event and no heartbeat on its lease for this long is ended. */
  runSilenceMs: number;
  orphanSweep: OrphanSweepSettings;
  /** Dedupe records older than this are pruned by the alarm; a pruned key is a new request. */
  dedupeRetentionMs: number;
  /** A lease or run stream ended (and idle) this long moves to the R2 archive. */
  archiveAfterMs: number;
  /** After an archive step could not archive what was due (R2 down, only the log's head left). */
  archiveRetryMs: number;
  /** Lease and run rows of archived streams stay this long after their last event (history, portal). */
  historyRetentionMs: number;
  /** Ready pools (`CRABBOX_POOLS`, docs/api.md#ready-pools). */
  pools: PoolSettings;
}

/** The alarm's orphan sweep (`orphan-sweep.ts`). */
export interface OrphanSweepSettings {
  intervalMs: number;
  /** How long a machine must stay unclaimed between two complete inventories. */
  graceMs: number;
  /** `CRABBOX_ORPHAN_SWEEP_DELETE=0` makes the sweep report-only. */
  deleteEnabled: boolean;
}

export function fleetSettings(env: Record<string, unknown>): FleetSettings {
  return {
    provisionWaitMs: msSetting(env, "CRABBOX_PROVISION_WAIT_MS", 25_000),
    providerCreateTimeoutMs: msSetting(env, "CRABBOX_PROVIDER_CREATE_TIMEOUT_MS", 15 * 60_000),
    reconcileGraceMs: msSetting(env, "CRABBOX_RECONCILE_GRACE_MS", 60_000),
    providerCallTimeoutMs: msSetting(env, "CRABBOX_PROVIDER_CALL_TIMEOUT_MS", 60_000),
    deleteRetryBaseMs: msSetting(env, "CRABBOX_DELETE_RETRY_BASE_MS", 30_000),
    deleteRetryMaxMs: msSetting(env, "CRABBOX_DELETE_RETRY_MAX_MS", 30 * 60_000),
    runSilenceMs: msSetting(env, "CRABBOX_RUN_SILENCE_MS", 30 * 60_000),
    dedupeRetentionMs: msSetting(env, "CRABBOX_DEDUPE_RETENTION_MS", 7 * 86_400_000),
    archiveAfterMs: msSetting(env, "CRABBOX_ARCHIVE_AFTER_MS", 7 * 86_400_000),
    archiveRetryMs: msSetting(env, "CRABBOX_ARCHIVE_RETRY_MS", 5 * 60_000),
    historyRetentionMs: msSetting(env, "CRABBOX_HISTORY_RETENTION_MS", 90 * 86_400_000),
    pools: poolSettings(env),
    orphanSweep: {
      intervalMs: msSetting(env, "CRABBOX_ORPHAN_SWEEP_INTERVAL_MS", 3_600_000),
      graceMs: msSetting(env, "CRABBOX_ORPHAN_SWEEP_GRACE_MS", 15 * 60_000),
      deleteEnabled: String(env.CRABBOX_ORPHAN_SWEEP_DELETE ?? "1") !== "0",
    },
  };
}

/** Backoff after the `attempt`-th failed delete (1-based): base, 2×base, 4×base … capped. */
export function deleteRetryDelay(settings: FleetSettings, attempt: number): number {
  return Math.min(settings.deleteRetryBaseMs * 2 ** Math.max(0, attempt - 1), settings.deleteRetryMaxMs);
}
