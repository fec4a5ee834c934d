import { leaseDecider, leaseStream } from "../../events/lease-decider";
import {
  dueDeletes,
  endedWithUnknownMachine,
  keptPastTtl,
  leasesDueForExpiry,
  leasesProvisioningPastDeadline,
  nextDue,
  nextUnknownMachineCheck,
} from "../../projections/leases-queries";
import { retentionDue, runRetention } from "./archive/retention";
import { fleetClock } from "./clock";
import { type FleetDeps, systemMeta } from "./deps";
import type { MachineCleanup } from "./machines/cleanup";
import type { OrphanSweep } from "./machines/orphan-sweep";
import type { Provisioner } from "./machines/provisioning";
import type { RestartRecovery } from "./machines/restart-recovery";
import type { PoolKeeper } from "./pools/pool-keeper";
import type { RunSweep } from "./run-sweep";
import type { WebhookDispatcher } from "./webhooks/dispatcher";

/** Work items handled per alarm run; the alarm re-arms at once when more is due. */
const batch = 50;
/** Past-due work that could not settle (provider down) is not retried faster than this. */
const minimumGapMs = 1_000;
/** Storage key (beside the log, not in it): late-machine checks are done up to this time. */
const lateMachineCheckKey = "fleet:late-machine-checked-until";
/** When a late-machine check could not reach the provider: not retried before this time. */
const lateMachineRetryKey = "fleet:late-machine-retry-at";

/**
 * The ONE alarm of the Fleet, always set to the earliest due work: a lease expiry, a
 * provisioning deadline, a delete retry, or a delete request left unanswered by a restart.
 * Running it twice changes nothing more: every step is a decider command that decides nothing
 * once its work is done.
 */
export class AlarmScheduler {
  /** What this instance last set (undefined: unknown, e.g. after a restart). */
  private armedAt: number | null | undefined;

  constructor(
    private readonly deps: FleetDeps,
    private readonly provisioner: Provisioner,
    private readonly cleanup: MachineCleanup,
    private readonly orphans?: OrphanSweep,
    private readonly recovery?: RestartRecovery,
    private readonly webhooks?: WebhookDispatcher,
    private readonly runs?: RunSweep,
    private readonly pools?: PoolKeeper,
  ) {}

  /** The earliest due time, in Fleet-clock ms, or undefined when nothing is pending. */
  earliestDue(): number | undefined {
    const due = nextDue(this.deps.sql);
    const stalledDelete =
      due.deleteRequestedAt === undefined
        ? undefined
        : due.deleteRequestedAt + this.deps.settings.providerCallTimeoutMs;
    const pendingCheck = nextUnknownMachineCheck(this.deps.sql, this.checkedUntil());
    const lateCheck =
      pendingCheck === undefined
        ? undefined
        : Math.max(pendingCheck, this.deps.storage.kv.get<number>(lateMachineRetryKey) ?? 0);
    const sweep = this.orphans?.nextDue();
    const retention = retentionDue(this.deps);
    const times = [
      due.keptTtlEnd,
      this.recovery?.nextDue(),
      this.runs?.nextDue(),
      due.expiry,
      due.provisioningDeadline,
      due.deleteRetry,
      stalledDelete,
      lateCheck,
      sweep,
      this.webhooks?.nextDue(),
      this.pools?.nextDue(),
      retention,
    ].filter((t): t is number => t !== undefined);
    return times.length ? Math.min(...times) : undefined;
  }

  private checkedUntil(): number {
    return this.deps.storage.kv.get<number>(lateMachineCheckKey) ?? 0;
  }

  async schedule(): Promise<void> {
    const earliest = this.earliestDue();
    if (earliest === undefined) {
      if (this.armedAt !== null) await this.deps.storage.deleteAlarm();
      this.armedAt = null;
      return;
    }
    const at = Math.max(earliest, this.deps.now() + minimumGapMs);
    // An alarm armed before `at` stays (firing early only re-arms). Moving it later on every
    // call let a caller that reschedules faster than the gap (a client polling GET /v1/pool)
    // starve the due work for ever.
    if (this.armedAt !== undefined && this.armedAt !== null && this.armedAt <= at) return;
    await this.deps.storage.setAlarm(fleetClock.toRealTime(at, this.deps.env));
    this.armedAt = at;
  }

  /** Cheap path for heartbeats: only re-arm when `dueAt` comes before the armed alarm. */
  async scheduleNoLaterThan(dueAt: number): Promise<void> {
    if (this.armedAt === undefined) {
      const current = await this.deps.storage.getAlarm();
      this.armedAt = current === null ? null : fleetClock.fromRealTime(current, this.deps.env);
    }
    if (this.armedAt !== null && this.armedAt <= dueAt) return;
    await this.schedule();
  }

  /** The alarm handler. */
  async run(requestId = `alarm-${Date.now()}`): Promise<void> {
    this.armedAt = undefined;
    await this.recovery?.run(requestId);
    const now = this.deps.now();
    const deletes = new Set<string>();
    for (const lease of leasesDueForExpiry(this.deps.sql, now, batch)) {
      try {
        const result = this.deps.store.execute({
          stream: leaseStream(lease.id),
          decider: leaseDecider,
          command: { type: "Expire" },
          now,
          meta: systemMeta(requestId),
        });
        if (result.state.machineState === "delete_requested") deletes.add(lease.id);
      } catch (error) {
        console.warn(`fleet alarm: expiring ${lease.id} failed: ${(error as Error).message}`);
      }
    }
    this.runs?.run(requestId);
    // `keep` spares a machine from its lease's release, not from its TTL (docs/api.md).
    for (const lease of keptPastTtl(this.deps.sql, now, batch)) {
      try {
        const result = this.deps.store.execute({
          stream: leaseStream(lease.id),
          decider: leaseDecider,
          command: { type: "RequestMachineDelete", reason: "kept_ttl" },
          now,
          meta: systemMeta(requestId),
        });
        if (result.state.machineState === "delete_requested") deletes.add(lease.id);
      } catch (error) {
        console.warn(
          `fleet alarm: ending the kept machine of ${lease.id} failed: ${(error as Error).message}`,
        );
      }
    }
    for (const lease of leasesProvisioningPastDeadline(this.deps.sql, now, batch)) {
      await this.provisioner.reconcile(lease, requestId);
    }
    if ((this.deps.storage.kv.get<number>(lateMachineRetryKey) ?? 0) <= now) {
      for (const lease of endedWithUnknownMachine(this.deps.sql, this.checkedUntil(), now, batch)) {
        if (!(await this.provisioner.checkForLateMachine(lease, requestId))) {
          // Checks stay in deadline order: this one (and those after it) are asked again later.
          this.deps.storage.kv.put(lateMachineRetryKey, now + this.deps.settings.providerCallTimeoutMs);
          break;
        }
        this.deps.storage.kv.put(lateMachineCheckKey, lease.provisioningDeadlineAt);
      }
    }
    for (const lease of dueDeletes(
      this.deps.sql,
      now,
      now - this.deps.settings.providerCallTimeoutMs,
      batch,
    )) {
      if (!this.cleanup.isRunning(lease.id)) deletes.add(lease.id);
    }
    await Promise.all([...deletes].map((leaseID) => this.cleanup.deleteMachine(leaseID, requestId)));
    await this.pools?.run(requestId);
    await this.orphans?.runIfDue(requestId);
    await this.webhooks?.runIfDue();
    // Retention (docs/event-log.md): one bounded batch per run; a full batch re-arms at once.
    await runRetention(this.deps, now);
    await this.schedule();
  }
}
