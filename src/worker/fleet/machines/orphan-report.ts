import type { OrphanEntry, OrphanInventory, OrphansResponse } from "../../../api/admin";
import { isLeaseId } from "../../../domain/ids";
import { fleetStream } from "../../../events/fleet-decider";
import { leaseDecider, leaseStream } from "../../../events/lease-decider";
import type { LeaseState } from "../../../events/lease-state";
import type { RecordedEvent } from "../../../events/types";
import { getLease } from "../../../projections/leases-queries";
import { type OrphanSnapshot, orphanKey } from "../../../providers/orphans";
import { type ProviderMachine, type ProviderName, providerNames } from "../../../providers/provider";
import { requireAdmin } from "../admin/gate";
import { withDeadline } from "../deadline";
import { type FleetDeps, safeProviderMessage } from "../deps";
import { toLogEvent } from "../events-page";
import type { Caller } from "../rpc";
import { leaseFacts, nextSweepAt, sweepSnapshot } from "./orphan-sweep";
import { classify, type Deleted, type Detected, lastSeq, type Recorded, sweepView } from "./orphan-view";

/** Latest lease-stream events shown per machine (a long-lived lease has thousands of heartbeats). */
const leaseTrailLength = 20;
/** Orphans the sweep deleted that are still listed, newest first. */
const deletedShown = 50;

interface Inventory {
  machines: Map<string, ProviderMachine>;
  /** Providers whose inventory was complete just now. */
  complete: Set<ProviderName>;
  summary: OrphanInventory[];
}

/**
 * `GET /v1/admin/orphans` (and the portal's orphans page): every crabbox-labelled machine that
 * no live lease owns, from the configured providers' inventories, joined with what the sweep
 * remembers (first sightings), what the `fleet` stream recorded (`OrphanDetected`,
 * `OrphanDeleted`) and the trail of the lease its labels name. Reads only: it never records
 * a detection nor deletes anything — that stays the alarm's sweep.
 */
export class OrphanReport {
  constructor(private readonly deps: FleetDeps) {}

  async list(caller: Caller): Promise<OrphansResponse> {
    requireAdmin(caller.identity);
    const settings = this.deps.settings.orphanSweep;
    const inventory = await this.inventory();
    const recorded = this.recorded();
    const view = leaseFacts(this.deps.sql);
    const snapshots = new Map<ProviderName, OrphanSnapshot | undefined>();
    const snapshotOf = (provider: ProviderName) => {
      if (!snapshots.has(provider)) snapshots.set(provider, sweepSnapshot(this.deps.storage, provider));
      return snapshots.get(provider);
    };
    const entry = (machine: ProviderMachine, inInventory: boolean): OrphanEntry | undefined => {
      const leaseID = machine.labels.lease ?? "";
      const lease = isLeaseId(leaseID) ? getLease(this.deps.sql, leaseID) : undefined;
      const reason = classify(machine, view, lease);
      if (!reason) return undefined;
      const key = orphanKey(machine.provider, machine.cloudID);
      const found = recorded.get(key);
      const status = inInventory
        ? machine.status
        : inventory.complete.has(machine.provider)
          ? "absent"
          : "unknown";
      const trail = this.trail(lease, found?.events ?? []);
      return {
        machine: {
          provider: machine.provider,
          cloudID: machine.cloudID,
          name: machine.name,
          ...(machine.region ? { region: machine.region } : {}),
          status,
          ...(inInventory ? { serverType: machine.serverType } : {}),
          labels: machine.labels,
          inInventory,
        },
        reason,
        ...(lease
          ? {
              lease: {
                id: lease.id,
                slug: lease.slug,
                owner: lease.owner,
                org: lease.org,
                state: lease.state,
                machineState: lease.machineState,
                ...(lease.cloudID ? { cloudID: lease.cloudID } : {}),
              },
            }
          : {}),
        sweep: sweepView(
          machine,
          inInventory,
          reason,
          found,
          snapshotOf(machine.provider),
          view,
          settings.deleteEnabled,
        ),
        trail: trail.events,
        trailOmitted: trail.omitted,
      };
    };

    const orphans: OrphanEntry[] = [];
    const listed = [...inventory.machines.values()].sort(
      (a, b) => a.provider.localeCompare(b.provider) || a.name.localeCompare(b.name),
    );
    for (const machine of listed) {
      const found = entry(machine, true);
      if (found) orphans.push(found);
    }
    // Recorded orphans the inventory no longer lists: open ones always, deleted ones newest first.
    const gone = [...recorded.entries()]
      .filter(([key]) => !inventory.machines.has(key))
      .map(([, found]) => found)
      .sort((a, b) => lastSeq(b) - lastSeq(a));
    let deletedCount = 0;
    for (const found of gone) {
      if (found.deleted && ++deletedCount > deletedShown) continue;
      const data = found.detected.data;
      const machine: ProviderMachine = {
        provider: data.provider as ProviderName,
        cloudID: data.cloudID,
        name: data.name,
        // Rebuilt from its detection: the inventory has no status or type for it.
        status: "",
        serverType: "",
        labels: data.labels,
        ...(data.region ? { region: data.region } : {}),
      };
      const shown = entry(machine, false);
      if (shown) orphans.push(shown);
    }

    const nextAt = nextSweepAt(this.deps.storage);
    return {
      orphans,
      inventories: inventory.summary,
      sweep: {
        intervalMs: settings.intervalMs,
        graceMs: settings.graceMs,
        deleteEnabled: settings.deleteEnabled,
        ...(nextAt !== undefined ? { nextAt: new Date(nextAt).toISOString() } : {}),
      },
    };
  }

  /** Every configured provider's crabbox-labelled machines, listed in parallel under the call deadline. */
  private async inventory(): Promise<Inventory> {
    const result: Inventory = { machines: new Map(), complete: new Set(), summary: [] };
    const configured = providerNames.flatMap((name) => {
      try {
        return [this.deps.provider(name)];
      } catch {
        return []; // not configured here
      }
    });
    const answers = await Promise.all(
      configured.map(async (provider) => {
        try {
          const machines = await withDeadline(
            `provider ${provider.name} list`,
            this.deps.settings.providerCallTimeoutMs,
            () => provider.list(),
          );
          return { provider: provider.name, machines };
        } catch (error) {
          return { provider: provider.name, error };
        }
      }),
    );
    for (const answer of answers) {
      if ("error" in answer) {
        const { message } = safeProviderMessage(answer.error, `provider ${answer.provider} list`);
        result.summary.push({ provider: answer.provider, complete: false, machines: 0, error: message });
        continue;
      }
      const own = answer.machines.filter((m) => m.provider === answer.provider);
      result.complete.add(answer.provider);
      result.summary.push({ provider: answer.provider, complete: true, machines: own.length });
      for (const machine of own) result.machines.set(orphanKey(machine.provider, machine.cloudID), machine);
    }
    return result;
  }

  /** The `fleet` stream grouped by machine: its latest detection, the deletion that closed it, and every event. */
  private recorded(): Map<string, Recorded> {
    const byKey = new Map<string, Recorded>();
    const eventsByKey = new Map<string, RecordedEvent[]>();
    for (const event of this.deps.store.readStream(fleetStream)) {
      const data = event.data as { provider: string; cloudID: string };
      const key = orphanKey(data.provider as ProviderName, data.cloudID);
      const events = eventsByKey.get(key) ?? [];
      events.push(event);
      eventsByKey.set(key, events);
      if (event.type === "OrphanDetected") byKey.set(key, { detected: event as Detected, events });
      else if (event.type === "OrphanDeleted") {
        const found = byKey.get(key);
        if (found) found.deleted = event as Deleted;
      }
    }
    return byKey;
  }

  /** The lease stream's latest events plus the fleet events about the machine, in log order. */
  private trail(
    lease: LeaseState | undefined,
    fleetEvents: readonly RecordedEvent[],
  ): { events: OrphanEntry["trail"]; omitted: number } {
    let leaseEvents: RecordedEvent[] = [];
    let omitted = 0;
    if (lease) {
      const stream = leaseStream(lease.id);
      const { version } = this.deps.store.load(stream, leaseDecider);
      omitted = Math.max(0, version - leaseTrailLength);
      leaseEvents = this.deps.store.readStream(stream, omitted);
    }
    const events = [...leaseEvents, ...fleetEvents].sort((a, b) => a.seq - b.seq).map(toLogEvent);
    return { events, omitted };
  }
}
