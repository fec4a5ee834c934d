import { type FleetCommand, fleetDecider, fleetStream } from "../../../events/fleet-decider";
import { isLeaseLive, type LeaseState } from "../../../events/lease-state";
import { getLease } from "../../../projections/leases-queries";
import { getPoolMachine } from "../../../projections/pool-queries";
import {
  decideOrphans,
  type LeaseFacts,
  type LeaseView,
  type OrphanSnapshot,
  orphanKey,
  type ProviderInventory,
} from "../../../providers/orphans";
import { type Provider, type ProviderName, providerNames } from "../../../providers/provider";
import { withDeadline } from "../deadline";
import { type FleetDeps, systemMeta } from "../deps";

const nextSweepKey = "fleet:orphan-sweep-next";
const snapshotKey = (provider: ProviderName) => `fleet:orphan-snapshot:${provider}`;

/** What the last complete inventory of `provider` remembered (first sightings), if any. */
export function sweepSnapshot(
  storage: DurableObjectStorage,
  provider: ProviderName,
): OrphanSnapshot | undefined {
  return storage.kv.get<OrphanSnapshot>(snapshotKey(provider));
}

/** When the next sweep is due (Fleet-clock ms), without scheduling one. */
export function nextSweepAt(storage: DurableObjectStorage): number | undefined {
  return storage.kv.get<number>(nextSweepKey);
}

/** What the log says about a lease, as the sweep's decision reads it. */
export function leaseFacts(sql: SqlStorage): LeaseView {
  return (leaseID) => {
    const lease = getLease(sql, leaseID);
    if (!lease) return poolMachineFacts(sql, leaseID);
    return {
      leaseID,
      state: isLeaseLive(lease.state) ? (lease.state as "provisioning" | "active") : "ended",
      provider: lease.provider as ProviderName,
      cloudIDs: lease.cloudID ? [lease.cloudID] : [],
      machineDeleted: lease.machineState === "deleted",
    };
  };
}

/**
 * A pool machine's label names its pool machine id (docs/event-log.md#ready-pools): while the
 * pool holds it, it is as owned as a live lease's; once claimed, its lease's facts apply;
 * once expired, its deletion is the pool's own retries until `PoolMachineDeleted`.
 */
function poolMachineFacts(sql: SqlStorage, id: string): LeaseFacts | undefined {
  const m = getPoolMachine(sql, id);
  if (!m) return undefined;
  const cloudIDs = m.cloudID ? [m.cloudID] : [];
  const provider = m.provider as ProviderName;
  switch (m.state) {
    case "provisioning":
    case "ready":
    case "expired":
      return { leaseID: id, state: "active", provider, cloudIDs, machineDeleted: false };
    case "claimed": {
      const lease = m.leaseID ? getLease(sql, m.leaseID) : undefined;
      const live = lease !== undefined && isLeaseLive(lease.state);
      return {
        leaseID: id,
        state: live ? "active" : "ended",
        provider,
        cloudIDs,
        machineDeleted: lease?.machineState === "deleted",
      };
    }
    case "failed":
    case "deleted":
      return { leaseID: id, state: "ended", provider, cloudIDs, machineDeleted: true };
  }
}

/**
 * The orphan sweep, run by the alarm every `CRABBOX_ORPHAN_SWEEP_INTERVAL_MS` (1 h): each
 * configured provider's crabbox-labelled inventory is compared with the log
 * (`src/providers/orphans.ts` decides). Findings are `OrphanDetected` on the `fleet` stream;
 * a machine is deleted (`OrphanDeleted`) only with proof — its own lease stream names that
 * cloud id — and unless `CRABBOX_ORPHAN_SWEEP_DELETE=0` makes the sweep report-only. The
 * per-provider snapshot (first sightings) lives in DO storage beside the log.
 */
export class OrphanSweep {
  /**
   * `adoptLate` is the lease's own late-machine path (`Provisioner.checkForLateMachine`): asked
   * when the inventory shows a machine labelled with an ended lease whose create was given up.
   */
  constructor(
    private readonly deps: FleetDeps,
    private readonly adoptLate: (lease: LeaseState, requestId: string) => Promise<boolean>,
  ) {}

  /** When the next sweep is due (Fleet-clock ms); the first one an interval after the Fleet first asks. */
  nextDue(): number {
    const due = nextSweepAt(this.deps.storage);
    if (due !== undefined) return due;
    const first = this.deps.now() + this.interval();
    this.deps.storage.kv.put(nextSweepKey, first);
    return first;
  }

  private interval(): number {
    return this.deps.settings.orphanSweep.intervalMs;
  }

  async runIfDue(requestId: string): Promise<void> {
    const now = this.deps.now();
    if (this.nextDue() > now) return;
    this.deps.storage.kv.put(nextSweepKey, now + this.interval());
    for (const name of providerNames) {
      let provider: Provider;
      try {
        provider = this.deps.provider(name);
      } catch {
        continue; // not configured here
      }
      await this.sweep(provider, now, requestId);
    }
  }

  private get leaseView(): LeaseView {
    return leaseFacts(this.deps.sql);
  }

  private record(command: FleetCommand, requestId: string): boolean {
    try {
      this.deps.store.execute({
        stream: fleetStream,
        decider: fleetDecider,
        command,
        now: this.deps.now(),
        meta: systemMeta(requestId),
      });
      return true;
    } catch (error) {
      console.warn(`fleet orphan sweep: ${command.type} not recorded: ${(error as Error).message}`);
      return false;
    }
  }

  /**
   * A lease that ended while its create's outcome was open is checked for a late machine once,
   * at its provisioning deadline; a machine the cloud shows only after that is caught here. It
   * goes through the lease's own path (a fresh `findByLease`, then adopt and delete through the
   * log), whose proof is the lease's record made before the create, not the label alone; so it
   * needs no quarantine, and the decision below then sees a machine its lease names.
   */
  private async adoptLateMachines(inventory: ProviderInventory, requestId: string): Promise<void> {
    const asked = new Set<string>();
    for (const machine of inventory.machines) {
      const leaseID = machine.labels.lease;
      // A companion (NIC, IP, disk, group, key) is no machine to adopt; the decision below handles it.
      if (machine.kind || !leaseID || asked.has(leaseID)) continue;
      const lease = getLease(this.deps.sql, leaseID);
      if (!lease || lease.provider !== inventory.provider || isLeaseLive(lease.state)) continue;
      if (lease.cloudID || lease.machineState !== "none") continue;
      asked.add(leaseID);
      await this.adoptLate(lease, requestId);
    }
  }

  private async sweep(provider: Provider, now: number, requestId: string): Promise<void> {
    const settings = this.deps.settings;
    let inventory: ProviderInventory;
    try {
      const machines = await withDeadline(
        `provider ${provider.name} list`,
        settings.providerCallTimeoutMs,
        () => provider.list(),
      );
      inventory = { provider: provider.name, takenAt: now, complete: true, machines };
    } catch {
      return; // an incomplete inventory decides nothing
    }
    await this.adoptLateMachines(inventory, requestId);
    const { graceMs, deleteEnabled } = settings.orphanSweep;
    const previous = sweepSnapshot(this.deps.storage, provider.name);
    const open = this.deps.store.load(fleetStream, fleetDecider).state.openOrphans;
    const decision = decideOrphans(inventory, this.leaseView, previous, now, graceMs, {
      alreadyDetected: new Set(Object.keys(open)),
      deleteEnabled,
    });
    this.deps.storage.kv.put(snapshotKey(provider.name), decision.snapshot);
    for (const found of decision.detections) {
      this.record(
        {
          type: "RecordOrphanDetected",
          provider: found.provider,
          cloudID: found.cloudID,
          name: found.name,
          labels: found.labels,
          ...(found.region ? { region: found.region } : {}),
          ...(found.leaseID ? { leaseID: found.leaseID } : {}),
        },
        requestId,
      );
    }
    const stillOpen = this.deps.store.load(fleetStream, fleetDecider).state.openOrphans;
    for (const doomed of decision.deletions) {
      if (stillOpen[orphanKey(doomed.provider, doomed.cloudID)] === undefined) continue;
      try {
        const outcome = await withDeadline(
          `provider ${provider.name} delete`,
          settings.providerCallTimeoutMs,
          () =>
            provider.delete({
              cloudID: doomed.cloudID,
              leaseID: doomed.leaseID,
              ...(doomed.region ? { region: doomed.region } : {}),
            }),
        );
        this.record(
          {
            type: "RecordOrphanDeleted",
            provider: doomed.provider,
            cloudID: doomed.cloudID,
            alreadyGone: outcome === "already_gone",
          },
          requestId,
        );
      } catch {
        // Left open: the next sweep tries again.
      }
    }
  }
}
