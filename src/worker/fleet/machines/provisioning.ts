import { type LeaseCommand, leaseStream } from "../../../events/lease-decider";
import type { LeaseState } from "../../../events/lease-state";
import type { LeaseRequestedData, MachineData } from "../../../events/payloads/lease";
import type { EventMeta } from "../../../events/types";
import { getLease } from "../../../projections/leases-queries";
import type { Provider, ProviderMachine, ProvisionedMachine } from "../../../providers/provider";
import { withDeadline } from "../deadline";
import { executeLeaseCommand, type FleetDeps, safeProviderMessage, systemMeta } from "../deps";
import { hourlyPrice } from "../leases/prices";
import type { NormalizedLeaseRequest } from "../leases/request";
import type { MachineCleanup } from "./cleanup";
import { adoptedMachineData, machineData, machineSpec, requestFromLog } from "./machine-spec";

/**
 * Provisioning effects. The log already holds `LeaseRequested` when these run (the intent is
 * recorded first); the provider is called outside any transaction, and its outcome is appended
 * afterwards. While a Durable Object awaits, other requests run: a retried create finds the
 * in-flight promise here and waits for the same outcome instead of creating a second machine.
 * After a restart the promise is gone; the alarm then reconciles at the provisioning deadline.
 */
export class Provisioner {
  private readonly inflight = new Map<string, Promise<void>>();
  /** Leases whose reconcile failed to reach the provider: not retried before this time. */
  private readonly reconcileNotBefore = new Map<string, number>();

  constructor(
    private readonly deps: FleetDeps,
    private readonly cleanup: MachineCleanup,
  ) {}

  inFlight(leaseID: string): Promise<void> | undefined {
    return this.inflight.get(leaseID);
  }

  /** Work on a lease other than a create (a pool machine's key hand-over) that a retry must wait for. */
  track(leaseID: string, work: Promise<void>): Promise<void> {
    const tracked = work.finally(() => this.inflight.delete(leaseID));
    this.inflight.set(leaseID, tracked);
    return tracked;
  }

  start(
    lease: LeaseState,
    request: NormalizedLeaseRequest,
    provider: Provider,
    meta: EventMeta,
  ): Promise<void> {
    const work = this.provision(lease, request, provider, meta).finally(() => this.inflight.delete(lease.id));
    this.inflight.set(lease.id, work);
    return work;
  }

  /** Records an outcome; a lease that moved on meanwhile (reconciled, released) keeps its own story. */
  private record(leaseID: string, command: LeaseCommand, meta: EventMeta): boolean {
    try {
      const result = executeLeaseCommand(this.deps, leaseID, command, meta);
      return result.events.some((event) => event.type === "MachineDeleteRequested");
    } catch (error) {
      console.warn(`fleet: could not record ${command.type} for ${leaseID}: ${(error as Error).message}`);
      return false;
    }
  }

  private async provision(
    lease: LeaseState,
    request: NormalizedLeaseRequest,
    provider: Provider,
    meta: EventMeta,
  ): Promise<void> {
    const outcomeMeta = systemMeta(meta.requestId ?? "provision");
    let machine: ProvisionedMachine;
    try {
      machine = await withDeadline(
        `provider ${provider.name} create`,
        this.deps.settings.providerCreateTimeoutMs,
        (signal) => provider.create(machineSpec(lease, request), signal),
      );
    } catch (error) {
      if ((error as { code?: unknown }).code === "timeout") {
        // Unknown outcome: the machine may or may not exist. The alarm reconciles against the
        // provider's inventory at the provisioning deadline (adopt or fail).
        return;
      }
      const { code, message } = safeProviderMessage(error, `provider ${provider.name} create`);
      this.record(
        lease.id,
        { type: "RecordProvisioningFailed", code, message, provisioningAttempts: [] },
        outcomeMeta,
      );
      // A provider cleans up its partial creates before failing; make sure nothing survived.
      await this.adoptStragglers(lease.id, provider, outcomeMeta);
      return;
    }
    const hourly = await hourlyPrice(this.deps, provider, machine.serverType, machine.region);
    const deleteRequested = this.record(
      lease.id,
      { type: "RecordMachineProvisioned", machine: machineData(machine, hourly, lease.ttlSeconds) },
      outcomeMeta,
    );
    // The lease ended while the provider worked: the decider asked for the machine's deletion.
    if (deleteRequested) await this.cleanup.deleteMachine(lease.id, outcomeMeta.requestId ?? "provision");
  }

  /**
   * A lease that ended before its machine was known: adopt (and so delete) any that appeared
   * late. False when the provider could not be asked (the check must be repeated).
   */
  async checkForLateMachine(lease: LeaseState, requestId: string): Promise<boolean> {
    if (this.inflight.has(lease.id)) return false;
    let provider: Provider;
    try {
      provider = this.deps.provider(lease.provider);
    } catch {
      return true; // the provider is gone from this coordinator: nothing to ask
    }
    return this.adoptStragglers(lease.id, provider, systemMeta(requestId));
  }

  /**
   * Machines labelled with a lease whose provisioning failed: name them in the log (adopted
   * into an ended lease, which asks for their deletion) and delete them.
   */
  private async adoptStragglers(leaseID: string, provider: Provider, meta: EventMeta): Promise<boolean> {
    let found: ProviderMachine[];
    try {
      found = await withDeadline(
        `provider ${provider.name} findByLease`,
        this.deps.settings.providerCallTimeoutMs,
        () => provider.findByLease(leaseID),
      );
    } catch {
      return false;
    }
    const [first] = found;
    const lease = getLease(this.deps.sql, leaseID);
    if (!first || !lease || lease.cloudID) return true;
    if (this.record(leaseID, { type: "AdoptMachine", machine: adoptedMachineData(first, lease) }, meta)) {
      await this.cleanup.deleteMachine(leaseID, meta.requestId ?? "reconcile");
    }
    return true;
  }

  /**
   * Full connection details of a machine found by label: providers adopt on a repeated create
   * for the same lease, so repeating the recorded request returns the existing machine with
   * its host, port and work root. Undefined when that fails (the label's view is used).
   */
  private async connectionDetails(lease: LeaseState, provider: Provider): Promise<MachineData | undefined> {
    const requested = this.deps.store.readStream(leaseStream(lease.id), 0, 1)[0];
    if (requested?.type !== "LeaseRequested") return undefined;
    try {
      const machine = await withDeadline(
        `provider ${provider.name} create`,
        this.deps.settings.providerCallTimeoutMs,
        (signal) =>
          provider.create(machineSpec(lease, requestFromLog(requested.data as LeaseRequestedData)), signal),
      );
      return machineData(machine, lease.estimatedHourlyUSD, lease.ttlSeconds);
    } catch {
      return undefined;
    }
  }

  /**
   * A lease still `provisioning` past its deadline with no create in flight (the coordinator
   * restarted, or the create timed out): ask the provider what exists for the lease. A machine
   * → adopt it (the lease becomes active); none → the provisioning failed.
   */
  async reconcile(lease: LeaseState, requestId: string): Promise<void> {
    if (this.inflight.has(lease.id)) return;
    const now = this.deps.now();
    if ((this.reconcileNotBefore.get(lease.id) ?? 0) > now) return;
    const meta = systemMeta(requestId);
    let provider: Provider;
    let found: ProviderMachine[];
    try {
      provider = this.deps.provider(lease.provider);
      found = await withDeadline(
        `provider ${lease.provider} findByLease`,
        this.deps.settings.providerCallTimeoutMs,
        () => provider.findByLease(lease.id),
      );
    } catch (error) {
      if ((error as { code?: unknown }).code === "unsupported") {
        const { code, message } = safeProviderMessage(error, "provider lookup");
        this.record(
          lease.id,
          { type: "RecordProvisioningFailed", code, message, provisioningAttempts: [] },
          meta,
        );
        return;
      }
      this.reconcileNotBefore.set(lease.id, now + this.deps.settings.providerCallTimeoutMs);
      return;
    }
    this.reconcileNotBefore.delete(lease.id);
    const [first, ...extra] = found;
    if (!first) {
      this.record(
        lease.id,
        {
          type: "RecordProvisioningFailed",
          code: "timeout",
          message: `provider ${lease.provider} did not provision a machine before the deadline`,
          provisioningAttempts: [],
        },
        meta,
      );
      return;
    }
    const machine = (await this.connectionDetails(lease, provider)) ?? adoptedMachineData(first, lease);
    if (this.record(lease.id, { type: "AdoptMachine", machine }, meta)) {
      await this.cleanup.deleteMachine(lease.id, requestId);
    }
    // More than one machine for one lease can only come from a provider that ignored its
    // idempotency contract: the extras are deleted at once, they were never anyone's lease.
    for (const machine of extra) {
      await withDeadline(`provider ${lease.provider} delete`, this.deps.settings.providerCallTimeoutMs, () =>
        provider.delete({
          cloudID: machine.cloudID,
          leaseID: lease.id,
          ...(machine.region ? { region: machine.region } : {}),
        }),
      ).catch(() => undefined);
    }
  }
}
