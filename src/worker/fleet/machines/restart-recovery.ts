import { getLease } from "../../../projections/leases-queries";
import type { FleetDeps } from "../deps";
import type { Provisioner } from "./provisioning";

/**
 * Intents a previous incarnation of the Fleet left in flight. A lease that is `provisioning`
 * when this instance starts had its create running in an instance that is gone (a crash, a
 * redeploy, an eviction): nobody will record its outcome. Waiting for the provisioning
 * deadline (minutes away) left such leases `provisioning` with their machine running, so they
 * are reconciled at once, on the first alarm after start (docs/design.md, "Effects"): adopt
 * the machine the provider has for the lease, or fail the lease when it has none (a machine
 * that turns up later is adopted and deleted by the late-machine check).
 */
export class RestartRecovery {
  /** Lease ID → when to reconcile it (now, or later after the provider could not be asked). */
  private readonly pending = new Map<string, number>();

  constructor(
    private readonly deps: FleetDeps,
    private readonly provisioner: Provisioner,
  ) {}

  /** Called once per instance, before it serves anything: every provisioning lease is orphaned. */
  snapshot(): void {
    for (const { id } of this.deps.sql
      .exec<{ id: string }>("SELECT id FROM leases WHERE state = 'provisioning'")
      .toArray()) {
      this.pending.set(id, 0);
    }
  }

  /** The earliest time something is left to reconcile. */
  nextDue(): number | undefined {
    return this.pending.size ? Math.min(...this.pending.values()) : undefined;
  }

  async run(requestId: string): Promise<void> {
    const now = this.deps.now();
    for (const [leaseID, dueAt] of [...this.pending]) {
      if (dueAt > now) continue;
      const lease = getLease(this.deps.sql, leaseID);
      if (lease?.state !== "provisioning") {
        this.pending.delete(leaseID);
        continue;
      }
      await this.provisioner.reconcile(lease, requestId);
      // A provider that could not be asked leaves the lease provisioning: asked again after
      // a provider-call timeout; the provisioning deadline still bounds it.
      if (getLease(this.deps.sql, leaseID)?.state !== "provisioning") this.pending.delete(leaseID);
      else this.pending.set(leaseID, now + this.deps.settings.providerCallTimeoutMs);
    }
  }
}
