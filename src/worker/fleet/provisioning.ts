import type { LeaseRequestedData, MachineData } from "../../events/catalogue";
import { type LeaseCommand, leaseStream } from "../../events/lease-decider";
import type { LeaseState } from "../../events/lease-state";
import type { EventMeta } from "../../events/types";
import { getLease } from "../../projections/leases-queries";
import { crabboxLabels } from "../../providers/labels";
import type { MachineSpec, Provider, ProviderMachine, ProvisionedMachine } from "../../providers/provider";
import type { MachineCleanup } from "./cleanup";
import { withDeadline } from "./deadline";
import { executeLeaseCommand, type FleetDeps, safeProviderMessage, systemMeta } from "./deps";
import type { NormalizedLeaseRequest } from "./lease-request";
import { hourlyPrice, reservation } from "./prices";

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

/** The normalised request as `LeaseRequested` recorded it (to repeat the create for adoption). */
function requestFromLog(data: LeaseRequestedData): NormalizedLeaseRequest {
  const options = data.providerOptions;
  const request: NormalizedLeaseRequest = {
    provider: data.provider as NormalizedLeaseRequest["provider"],
    target: data.target as NormalizedLeaseRequest["target"],
    desktop: data.desktop,
    browser: data.browser,
    code: data.code,
    keep: data.keep,
    profile: data.profile,
    class: data.class,
    serverType: data.requestedServerType,
    serverTypeExplicit: data.serverTypeExplicit,
    market: (data.market ?? "on-demand") as NormalizedLeaseRequest["market"],
    sshUser: data.sshUser,
    sshPort: Number(data.sshPort),
    sshFallbackPorts: data.sshFallbackPorts.map(Number),
    workRoot: data.workRoot,
    providerKey: data.providerKey,
    ttlSeconds: data.ttlSeconds,
    idleTimeoutSeconds: data.idleTimeoutSeconds,
    sshPublicKey: data.sshPublicKey,
  };
  if (data.windowsMode === "normal") request.windowsMode = "normal";
  if (data.region) request.region = data.region;
  if (typeof options.image === "string") request.image = options.image;
  if (Array.isArray(options.sshCIDRs)) request.sshCIDRs = options.sshCIDRs;
  return request;
}

function machineSpec(lease: LeaseState, request: NormalizedLeaseRequest): MachineSpec {
  const spec: MachineSpec = {
    leaseID: lease.id,
    slug: lease.slug,
    owner: lease.owner,
    org: lease.org,
    target: request.target,
    class: request.class,
    serverType: request.serverType,
    serverTypeExplicit: request.serverTypeExplicit,
    market: request.market,
    sshPublicKey: request.sshPublicKey,
    sshUser: request.sshUser,
    sshPort: request.sshPort,
    sshFallbackPorts: request.sshFallbackPorts,
    workRoot: request.workRoot,
    labels: crabboxLabels({
      leaseID: lease.id,
      slug: lease.slug,
      owner: lease.owner,
      provider: request.provider,
      target: request.target,
      ...(request.windowsMode ? { windowsMode: request.windowsMode } : {}),
      class: request.class,
      serverType: request.serverType,
      profile: request.profile,
      providerKey: request.providerKey,
      keep: request.keep,
      ...(request.provider === "aws" || request.provider === "azure" ? { market: request.market } : {}),
      createdAt: lease.createdAt,
      ttlSeconds: request.ttlSeconds,
      idleTimeoutSeconds: request.idleTimeoutSeconds,
    }),
    createdAt: lease.createdAt,
  };
  if (request.windowsMode) spec.windowsMode = request.windowsMode;
  if (request.region) spec.region = request.region;
  if (request.image) spec.image = request.image;
  if (request.sshCIDRs?.length) spec.sshCIDRs = request.sshCIDRs;
  return spec;
}

function machineData(machine: ProvisionedMachine, hourlyUSD: number, ttlSeconds: number): MachineData {
  const data: MachineData = {
    cloudID: machine.cloudID,
    serverID: /^\d+$/.test(machine.cloudID) && machine.provider === "hetzner" ? Number(machine.cloudID) : 0,
    serverName: machine.name,
    host: machine.host,
    sshUser: machine.sshUser,
    sshPort: String(machine.sshPort),
    sshFallbackPorts: machine.sshFallbackPorts.map(String),
    workRoot: machine.workRoot,
    serverType: machine.serverType,
    estimatedHourlyUSD: hourlyUSD,
    maxEstimatedUSD: reservation(ttlSeconds, hourlyUSD),
    provisioningAttempts: machine.attempts.map((a) => ({
      serverType: a.serverType,
      message: a.message,
      category: a.category,
      ...(a.region ? { region: a.region } : {}),
      ...(a.market ? { market: a.market } : {}),
    })),
  };
  if (machine.region) data.region = machine.region;
  if (machine.market) data.market = machine.market;
  return data;
}

/** What the log can say about a machine found by label: the lease's requested connection details. */
function adoptedMachineData(machine: ProviderMachine, lease: LeaseState): MachineData {
  const data: MachineData = {
    cloudID: machine.cloudID,
    serverID: /^\d+$/.test(machine.cloudID) && machine.provider === "hetzner" ? Number(machine.cloudID) : 0,
    serverName: machine.name,
    host: machine.host ?? "",
    sshUser: lease.sshUser,
    sshPort: lease.sshPort,
    sshFallbackPorts: lease.sshFallbackPorts,
    workRoot: lease.workRoot,
    serverType: machine.serverType || lease.requestedServerType,
    estimatedHourlyUSD: lease.estimatedHourlyUSD,
    maxEstimatedUSD: lease.maxEstimatedUSD,
    provisioningAttempts: [],
  };
  if (machine.region) data.region = machine.region;
  return data;
}
