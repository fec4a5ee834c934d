import type { LeaseCommand } from "../../../events/lease-decider";
import { getLease } from "../../../projections/leases-queries";
import { claimedBy } from "../../../projections/pool-queries";
import { withDeadline } from "../deadline";
import type { FleetDeps } from "../deps";
import { executeLeaseCommand, safeProviderMessage, systemMeta } from "../deps";
import { deleteRetryDelay } from "../settings";

/**
 * Machine clean-up: carries out a `MachineDeleteRequested` the log already holds. The outcome
 * goes back into the log (`MachineDeleted`, or `MachineDeleteFailed` with the next attempt
 * time, doubling per failure); the alarm retries due failures. One delete per lease at a time.
 */
export class MachineCleanup {
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly deps: FleetDeps) {}

  isRunning(leaseID: string): boolean {
    return this.running.has(leaseID);
  }

  deleteMachine(leaseID: string, requestId: string): Promise<void> {
    const existing = this.running.get(leaseID);
    if (existing) return existing;
    const work = this.attempt(leaseID, requestId).finally(() => this.running.delete(leaseID));
    this.running.set(leaseID, work);
    return work;
  }

  private async attempt(leaseID: string, requestId: string): Promise<void> {
    const lease = getLease(this.deps.sql, leaseID);
    if (!lease?.cloudID) return;
    if (lease.machineState !== "delete_requested" && lease.machineState !== "delete_failed") return;
    const cloudID = lease.cloudID;
    const record = (command: LeaseCommand, now = this.deps.now()) => {
      try {
        executeLeaseCommand(this.deps, leaseID, command, systemMeta(requestId), now);
      } catch (error) {
        // The lease moved on meanwhile (another path recorded the outcome): nothing to add.
        console.warn(`fleet: could not record the delete outcome of ${leaseID}: ${(error as Error).message}`);
      }
    };
    // A machine taken from a pool was made under its pool machine's id, which its companions
    // (a Hetzner key, Azure NIC/IP/disk) and tags carry (docs/providers.md#ready-pools).
    const pooled = claimedBy(this.deps.sql, leaseID);
    const ownerID = pooled?.cloudID === cloudID ? pooled.id : leaseID;
    let outcome: "deleted" | "already_gone";
    try {
      const provider = this.deps.provider(lease.provider);
      outcome = await withDeadline(
        `provider ${lease.provider} delete`,
        this.deps.settings.providerCallTimeoutMs,
        () =>
          provider.delete({ cloudID, leaseID: ownerID, ...(lease.region ? { region: lease.region } : {}) }),
      );
    } catch (error) {
      const { message } = safeProviderMessage(error, `provider ${lease.provider} delete`);
      const attempt = lease.deleteAttempts + 1;
      // One clock reading: the retry is exactly its delay after the failure the event records.
      const now = this.deps.now();
      const nextAttemptAt = now + deleteRetryDelay(this.deps.settings, attempt);
      record({ type: "RecordMachineDeleteFailed", cloudID, message, nextAttemptAt }, now);
      return;
    }
    record({ type: "RecordMachineDeleted", cloudID, alreadyGone: outcome === "already_gone" });
  }
}
