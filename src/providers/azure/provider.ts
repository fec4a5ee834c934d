/**
 * Azure Linux and native Windows leases through the ARM SDK clients.
 *
 * create: shared infrastructure (adopted only when tagged managed_by=crabbox) → the lease's
 * public IP and NIC → the VM down the ladder (every size on spot with eviction Delete, then
 * every size on regular priority, moving on only for capacity, quota, spot or timeout
 * failures; a failed candidate's VM and disk are deleted before the next) → Windows: the
 * bootstrap extension → the public address. Any failure after the first resource exists
 * deletes everything the lease made before the error is thrown. Names derive from the lease,
 * so a second create for the same lease adopts the VM the first one made.
 */
import { CrabboxError } from "../../errors";
import { sshPortsOf } from "../bootstrap/linux";
import type {
  DeleteOutcome,
  DeleteTarget,
  MachineSpec,
  Market,
  Provider,
  ProviderMachine,
  ProvisionAttempt,
  ProvisionedMachine,
} from "../provider";
import { createFailureCategory, isNotFound, safeErrorText } from "./arm-errors";
import { azureSizeCandidates } from "./classes";
import { deleteLeaseResources } from "./cleanup";
import { createArmClients } from "./clients";
import { type AzureProviderConfig, type AzureProviderInput, resolveAzureConfig } from "./config";
import { type AzureContext, armId } from "./context";
import { ClientSecretFetchCredential } from "./credential";
import { deadlineSignal, sleep } from "./deadline";
import {
  crabboxVmNamePattern,
  fromAzureTags,
  type LeaseResourceNames,
  namesForLease,
  namesForVm,
  toAzureTags,
} from "./names";
import { ensureSharedInfra } from "./shared-infra";
import {
  bootstrapExtensionRequest,
  nicRequest,
  publicIPRequest,
  randomAdminPassword,
  vmRequest,
} from "./vm-request";

const locationPattern = /^[a-z0-9]{2,40}$/;

export interface AzureProviderOptions {
  /** Randomness for the Windows admin password (a test seam); defaults to crypto. */
  random?: (n: number) => Uint8Array;
  now?: () => number;
}

interface Candidate {
  size: string;
  market: Market;
}

export class AzureProvider implements Provider {
  readonly name = "azure" as const;
  readonly config: AzureProviderConfig;
  readonly credential: ClientSecretFetchCredential;
  private readonly ctx: AzureContext;
  private readonly random: (n: number) => Uint8Array;
  private readonly now: () => number;

  constructor(input: AzureProviderInput, options: AzureProviderOptions = {}) {
    this.config = resolveAzureConfig(input);
    this.credential = new ClientSecretFetchCredential({
      tenantId: this.config.tenantId,
      clientId: this.config.clientId,
      clientSecret: this.config.clientSecret,
      loginEndpoint: this.config.loginEndpoint,
      timeoutMs: this.config.timeouts.callMs,
      fetch: this.config.fetch,
    });
    this.ctx = { config: this.config, clients: createArmClients(this.config, this.credential) };
    this.random = options.random ?? ((n) => crypto.getRandomValues(new Uint8Array(n)));
    this.now = options.now ?? Date.now;
  }

  async create(spec: MachineSpec, signal?: AbortSignal): Promise<ProvisionedMachine> {
    const location = this.locationFor(spec);
    if (spec.target === "windows" && spec.windowsMode !== undefined && spec.windowsMode !== "normal") {
      throw new CrabboxError("unsupported", "azure supports only native Windows (windowsMode normal)", {
        field: "windowsMode",
      });
    }
    const names = namesForLease(spec.leaseID, spec.slug);
    const adopted = await this.adopt(spec, names, location, signal);
    if (adopted) return adopted;

    const ports = sshPortsOf(spec);
    const cidrs = spec.sshCIDRs?.length ? spec.sshCIDRs : this.config.sshCIDRs;
    const infra = await this.guard(() => ensureSharedInfra(this.ctx, ports, cidrs, signal));
    const candidates = this.candidates(spec);
    const attempts: ProvisionAttempt[] = [];
    try {
      await this.createNetwork(spec, names, location, infra, signal);
      for (const candidate of candidates) {
        try {
          const machine = await this.createVm(spec, names, location, candidate, signal);
          return { ...machine, attempts };
        } catch (error) {
          const category = createFailureCategory(error, candidate.market);
          if (!category || signal?.aborted) throw error;
          attempts.push({
            region: location,
            serverType: candidate.size,
            market: candidate.market,
            category,
            message: safeErrorText(error, [this.config.clientSecret]),
          });
          await this.discardCandidate(names, signal);
        }
      }
      throw new CrabboxError(
        "capacity_unavailable",
        `azure has no capacity for ${spec.class} in ${location}`,
        {
          provider: "azure",
          attempts,
        },
      );
    } catch (error) {
      await this.cleanupAfterFailure(spec, names, error, signal);
      throw this.toCrabboxError(error, attempts);
    }
  }

  async findByLease(leaseID: string): Promise<ProviderMachine[]> {
    return (await this.list()).filter((machine) => machine.labels.lease === leaseID);
  }

  async list(): Promise<ProviderMachine[]> {
    const rg = this.config.resourceGroup;
    const machines: ProviderMachine[] = [];
    try {
      const pages = this.ctx.clients.compute.virtualMachines.list(rg, {
        abortSignal: deadlineSignal(this.config.timeouts.callMs),
      });
      for await (const vm of pages) {
        const labels = fromAzureTags(vm.tags);
        if (labels.crabbox !== "true" || !vm.name) continue;
        machines.push({
          provider: "azure",
          cloudID: vm.name,
          name: vm.name,
          status: vm.provisioningState ?? "unknown",
          serverType: vm.hardwareProfile?.vmSize ?? "",
          region: vm.location,
          labels,
        });
      }
    } catch (error) {
      if (isNotFound(error)) return [];
      throw this.toCrabboxError(error, []);
    }
    await Promise.all(
      machines.map(async (machine) => {
        machine.host = await this.publicAddress(namesForVm(machine.cloudID)).catch(() => undefined);
      }),
    );
    return machines;
  }

  async delete(target: DeleteTarget): Promise<DeleteOutcome> {
    if (!crabboxVmNamePattern.test(target.cloudID)) {
      throw new CrabboxError("invalid_request", "azure cloudID must be a crabbox VM name", {
        field: "cloudID",
      });
    }
    return deleteLeaseResources(this.ctx, namesForVm(target.cloudID), target.leaseID);
  }

  async updateLabels(target: DeleteTarget, labels: Record<string, string>): Promise<void> {
    const vm = await this.guard(() =>
      this.ctx.clients.compute.virtualMachines.get(this.config.resourceGroup, target.cloudID, {
        abortSignal: deadlineSignal(this.config.timeouts.callMs),
      }),
    );
    if (vm.tags?.lease !== target.leaseID) {
      throw new CrabboxError(
        "forbidden",
        `azure VM ${target.cloudID} does not belong to lease ${target.leaseID}`,
      );
    }
    await this.guard(() =>
      this.ctx.clients.compute.virtualMachines.update(
        this.config.resourceGroup,
        target.cloudID,
        { tags: { ...vm.tags, ...toAzureTags(labels) } },
        {
          abortSignal: deadlineSignal(this.config.timeouts.networkMs),
          updateIntervalInMs: this.config.pollIntervalMs,
        },
      ),
    );
  }

  private locationFor(spec: MachineSpec): string {
    const location = spec.region ?? this.config.location;
    if (!locationPattern.test(location)) {
      throw new CrabboxError("invalid_request", "azure region must be a location name such as eastus", {
        field: "region",
      });
    }
    return location;
  }

  private candidates(spec: MachineSpec): Candidate[] {
    const sizes = azureSizeCandidates(spec);
    const onDemand = sizes.map((size) => ({ size, market: "on-demand" as const }));
    if (spec.market !== "spot") return onDemand;
    const spot = sizes.map((size) => ({ size, market: "spot" as const }));
    return this.config.fallbackToOnDemand ? [...spot, ...onDemand] : spot;
  }

  private tags(spec: MachineSpec, market: Market, size?: string): Record<string, string> {
    const labels = { ...spec.labels, market, ...(size ? { server_type: size } : {}) };
    return toAzureTags(labels);
  }

  /** A VM this lease already made (an earlier create that timed out on our side) is adopted. */
  private async adopt(
    spec: MachineSpec,
    names: LeaseResourceNames,
    location: string,
    signal?: AbortSignal,
  ): Promise<ProvisionedMachine | undefined> {
    let vm: Awaited<ReturnType<typeof this.ctx.clients.compute.virtualMachines.get>>;
    try {
      vm = await this.ctx.clients.compute.virtualMachines.get(this.config.resourceGroup, names.vm, {
        abortSignal: deadlineSignal(this.config.timeouts.callMs, signal),
      });
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw this.toCrabboxError(error, []);
    }
    if (vm.tags?.lease !== spec.leaseID) {
      throw new CrabboxError("slug_conflict", `azure VM ${names.vm} exists and belongs to another lease`, {
        provider: "azure",
      });
    }
    if (vm.provisioningState !== "Succeeded") return undefined;
    if (spec.target === "windows" && !(await this.guard(() => this.bootstrapDone(names, signal)))) {
      // The earlier call ended before the bootstrap finished: run it (again) on this VM.
      try {
        await this.runBootstrap(names, location, vm.tags ?? {}, signal);
      } catch (error) {
        await this.cleanupAfterFailure(spec, names, error, signal);
        throw this.toCrabboxError(error, []);
      }
    }
    const host = await this.guard(() => this.waitForAddress(names, signal));
    return this.machine(
      spec,
      names,
      location,
      vm.hardwareProfile?.vmSize ?? spec.serverType,
      toMarket(vm.priority),
      host,
      [],
    );
  }

  private async createNetwork(
    spec: MachineSpec,
    names: LeaseResourceNames,
    location: string,
    infra: { subnetId: string; nsgId: string },
    signal?: AbortSignal,
  ): Promise<void> {
    const { clients } = this.ctx;
    const rg = this.config.resourceGroup;
    const tags = this.tags(spec, spec.market);
    const lro = () => ({
      abortSignal: deadlineSignal(this.config.timeouts.networkMs, signal),
      updateIntervalInMs: this.config.pollIntervalMs,
    });
    await clients.network.publicIPAddresses.createOrUpdate(
      rg,
      names.publicIP,
      publicIPRequest(location, tags),
      lro(),
    );
    await clients.network.networkInterfaces.createOrUpdate(
      rg,
      names.nic,
      nicRequest({
        location,
        tags,
        subnetId: infra.subnetId,
        nsgId: infra.nsgId,
        publicIPId: armId(this.ctx, "Microsoft.Network", "publicIPAddresses", names.publicIP),
      }),
      lro(),
    );
  }

  private async createVm(
    spec: MachineSpec,
    names: LeaseResourceNames,
    location: string,
    candidate: Candidate,
    signal?: AbortSignal,
  ): Promise<ProvisionedMachine> {
    const { clients } = this.ctx;
    const rg = this.config.resourceGroup;
    const tags = this.tags(spec, candidate.market, candidate.size);
    const request = vmRequest({
      spec,
      config: this.config,
      names,
      location,
      size: candidate.size,
      market: candidate.market,
      nicId: armId(this.ctx, "Microsoft.Network", "networkInterfaces", names.nic),
      tags,
      adminPassword: spec.target === "windows" ? randomAdminPassword(this.random) : undefined,
    });
    const vm = await clients.compute.virtualMachines.createOrUpdate(rg, names.vm, request, {
      abortSignal: deadlineSignal(this.config.timeouts.vmCreateMs, signal),
      updateIntervalInMs: this.config.pollIntervalMs,
    });
    await clients.compute.disks
      .update(
        rg,
        names.osDisk,
        { tags },
        {
          abortSignal: deadlineSignal(this.config.timeouts.callMs, signal),
          updateIntervalInMs: this.config.pollIntervalMs,
        },
      )
      .catch((error: unknown) => {
        // An ephemeral or not-yet-listed disk has nothing to tag; clean-up finds it by name.
        if (!isNotFound(error)) throw error;
      });
    if (spec.target === "windows") await this.runBootstrap(names, location, tags, signal);
    const host = await this.waitForAddress(names, signal);
    return this.machine(
      spec,
      names,
      location,
      vm.hardwareProfile?.vmSize ?? candidate.size,
      candidate.market,
      host,
      [],
    );
  }

  /** The Windows bootstrap: the script extension finishing is what makes the machine usable. */
  private async runBootstrap(
    names: LeaseResourceNames,
    location: string,
    tags: Record<string, string>,
    signal?: AbortSignal,
  ): Promise<void> {
    await this.ctx.clients.compute.virtualMachineExtensions.createOrUpdate(
      this.config.resourceGroup,
      names.vm,
      names.extension,
      bootstrapExtensionRequest({ location, tags, timestamp: Math.floor(this.now() / 1000) }),
      {
        abortSignal: deadlineSignal(this.config.timeouts.extensionMs, signal),
        updateIntervalInMs: this.config.pollIntervalMs,
      },
    );
  }

  /** Whether an adopted Windows VM already finished its bootstrap. */
  private async bootstrapDone(names: LeaseResourceNames, signal?: AbortSignal): Promise<boolean> {
    try {
      const extension = await this.ctx.clients.compute.virtualMachineExtensions.get(
        this.config.resourceGroup,
        names.vm,
        names.extension,
        { abortSignal: deadlineSignal(this.config.timeouts.callMs, signal) },
      );
      return extension.provisioningState === "Succeeded";
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  private machine(
    spec: MachineSpec,
    names: LeaseResourceNames,
    location: string,
    size: string,
    market: Market,
    host: string,
    attempts: ProvisionAttempt[],
  ): ProvisionedMachine {
    return {
      provider: "azure",
      cloudID: names.vm,
      name: names.vm,
      serverType: size,
      region: location,
      market,
      host,
      sshUser: spec.sshUser,
      sshPort: spec.sshPort,
      sshFallbackPorts: spec.sshFallbackPorts,
      workRoot: spec.workRoot,
      attempts,
    };
  }

  private async publicAddress(names: LeaseResourceNames, signal?: AbortSignal): Promise<string | undefined> {
    const ip = await this.ctx.clients.network.publicIPAddresses.get(
      this.config.resourceGroup,
      names.publicIP,
      {
        abortSignal: deadlineSignal(this.config.timeouts.callMs, signal),
      },
    );
    return ip.ipAddress || undefined;
  }

  private async waitForAddress(names: LeaseResourceNames, signal?: AbortSignal): Promise<string> {
    const deadline = Date.now() + this.config.timeouts.ipWaitMs;
    for (;;) {
      const address = await this.publicAddress(names, signal);
      if (address) return address;
      if (Date.now() + this.config.pollIntervalMs > deadline) {
        throw new CrabboxError("timeout", `azure public IP ${names.publicIP} got no address in time`, {
          provider: "azure",
        });
      }
      await sleep(this.config.pollIntervalMs, signal);
    }
  }

  /** Between candidates only the VM and its disk go; the NIC and IP are reused. */
  private async discardCandidate(names: LeaseResourceNames, signal?: AbortSignal): Promise<void> {
    const { clients } = this.ctx;
    const rg = this.config.resourceGroup;
    const lro = (ms: number) => ({
      abortSignal: deadlineSignal(ms, signal),
      updateIntervalInMs: this.config.pollIntervalMs,
    });
    for (let attempt = 1; ; attempt++) {
      try {
        await clients.compute.virtualMachines.delete(rg, names.vm, lro(this.config.timeouts.vmCreateMs));
        await clients.compute.disks
          .delete(rg, names.osDisk, lro(this.config.timeouts.networkMs))
          .catch((error) => {
            if (!isNotFound(error)) throw error;
          });
        return;
      } catch (error) {
        if (isNotFound(error)) {
          // The VM is gone (or never appeared); its disk may still be there.
          await clients.compute.disks
            .delete(rg, names.osDisk, lro(this.config.timeouts.networkMs))
            .catch((e) => {
              if (!isNotFound(e)) throw e;
            });
          return;
        }
        if (attempt >= this.config.deleteAttempts) throw error;
        await sleep(this.config.deleteRetryDelayMs, signal);
      }
    }
  }

  private async cleanupAfterFailure(
    spec: MachineSpec,
    names: LeaseResourceNames,
    cause: unknown,
    signal?: AbortSignal,
  ): Promise<void> {
    try {
      await deleteLeaseResources(this.ctx, names, spec.leaseID, signal?.aborted ? undefined : signal);
    } catch (cleanupError) {
      const original = this.toCrabboxError(cause, []);
      throw new CrabboxError(
        "provider_error",
        `${original.message}; clean-up of ${names.vm} did not finish and must be retried: ` +
          `${(cleanupError as Error).message}`,
        { provider: "azure", cloudID: names.vm, cleanupPending: true },
      );
    }
  }

  private async guard<T>(action: () => Promise<T>): Promise<T> {
    try {
      return await action();
    } catch (error) {
      throw this.toCrabboxError(error, []);
    }
  }

  private toCrabboxError(error: unknown, attempts: ProvisionAttempt[]): CrabboxError {
    if (error instanceof CrabboxError) return error;
    const text = safeErrorText(error, [this.config.clientSecret]);
    const category = createFailureCategory(error, "on-demand");
    if (category === "timeout") {
      return new CrabboxError("timeout", `azure call timed out: ${text}`, { provider: "azure", attempts });
    }
    return new CrabboxError("provider_error", `azure: ${text}`, { provider: "azure", attempts });
  }
}

function toMarket(priority: string | undefined): Market {
  return priority === "Spot" || priority === "Low" ? "spot" : "on-demand";
}
