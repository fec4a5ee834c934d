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
import { linuxCloudInit, sshPortsOf } from "../bootstrap/linux";
import { windowsBootstrapScript } from "../bootstrap/windows";
import { type PoolAgentClient, poolAgentCalls } from "../pool-agent/client";
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
import { waitForAddress } from "./address";
import { createFailureCategory, safeErrorText } from "./arm-errors";
import { climbLadder, deleteWholeLease, leaseVm } from "./attempts";
import { deleteLeaseResources } from "./cleanup";
import { createArmClients } from "./clients";
import { type AzureProviderConfig, type AzureProviderInput, resolveAzureConfig } from "./config";
import { type AzureContext, armId } from "./context";
import { ClientSecretFetchCredential } from "./credential";
import { deadlineSignal } from "./deadline";
import { listCrabboxResources, listCrabboxVms } from "./inventory";
import type { Candidate } from "./ladder";
import { bootstrapDone, createLeaseVm, runBootstrap } from "./lease-resources";
import {
  crabboxVmNamePattern,
  type LeaseResourceNames,
  namesForLease,
  namesForVm,
  parseCompanionCloudID,
  toAzureTags,
} from "./names";
import { leaseLocation, toMarket } from "./placement";
import { ensureSharedInfra } from "./shared-infra";
import { imageReference, randomAdminPassword, vmRequest } from "./vm-request";

export interface AzureProviderOptions {
  /** Randomness for the Windows admin password (a test seam); defaults to crypto. */
  random?: (n: number) => Uint8Array;
  now?: () => number;
  /** Ready pools: reaches pool machines' agents (docs/providers.md#ready-pools). */
  poolAgent?: PoolAgentClient;
}

export class AzureProvider implements Provider {
  readonly name = "azure" as const;
  readonly config: AzureProviderConfig;
  readonly credential: ClientSecretFetchCredential;
  private readonly ctx: AzureContext;
  private readonly random: (n: number) => Uint8Array;
  private readonly now: () => number;
  private readonly pool: ReturnType<typeof poolAgentCalls>;

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
    this.pool = poolAgentCalls("azure", options.poolAgent, (leaseID) => this.findByLease(leaseID));
  }

  async create(spec: MachineSpec, signal?: AbortSignal): Promise<ProvisionedMachine> {
    const location = leaseLocation(spec, this.config.location);
    if (spec.target === "windows" && spec.windowsMode !== undefined && spec.windowsMode !== "normal") {
      throw new CrabboxError("unsupported", "azure supports only native Windows (windowsMode normal)", {
        field: "windowsMode",
      });
    }
    // Bad input (a malformed key, user or work root) fails here, before anything is created.
    if (spec.target === "windows") windowsBootstrapScript(spec);
    else linuxCloudInit(spec);
    imageReference(
      spec.image ?? (spec.target === "windows" ? this.config.windowsImage : this.config.linuxImage),
    );
    const names = namesForLease(spec.leaseID, spec.slug);
    const adopted = await this.adopt(spec, names, location, signal);
    if (adopted) return adopted;

    // A pool machine's agent port gets the same rule as SSH (docs/providers.md#ready-pools).
    const ports = [...sshPortsOf(spec), ...(spec.poolAgent ? [spec.poolAgent.port] : [])];
    const cidrs = spec.sshCIDRs?.length ? spec.sshCIDRs : this.config.sshCIDRs;
    const infra = await this.guard(() => ensureSharedInfra(this.ctx, location, ports, cidrs, signal));
    const attempts: ProvisionAttempt[] = [];
    try {
      return await climbLadder({
        ctx: this.ctx,
        spec,
        base: names,
        location,
        infra,
        networkTags: this.tags(spec, spec.market),
        attempts,
        signal,
        createCandidate: (attemptNames, candidate) =>
          this.createCandidate(spec, attemptNames, location, candidate, attempts, signal),
      });
    } catch (error) {
      await this.cleanupAfterFailure(spec, names, error, signal);
      throw this.toCrabboxError(error, attempts);
    }
  }

  /** The lease's VMs only: a companion without its VM is not a machine to adopt. */
  async findByLease(leaseID: string): Promise<ProviderMachine[]> {
    const vms = await this.guard(() => listCrabboxVms(this.ctx));
    return vms.filter((machine) => machine.labels.lease === leaseID);
  }

  /** VMs, and the NICs, public IPs and OS disks whose VM is gone (`kind` set). */
  async list(): Promise<ProviderMachine[]> {
    return this.guard(() => listCrabboxResources(this.ctx));
  }

  /**
   * A VM name deletes that VM, its companions and whatever other attempts of its lease left;
   * a companion id (`nic/<name>`, `public_ip/<name>`, `os_disk/<name>`, as `list` reports one
   * found without its VM) deletes only that resource, and only if its tag names the lease.
   */
  async delete(target: DeleteTarget): Promise<DeleteOutcome> {
    const companion = parseCompanionCloudID(target.cloudID);
    if (companion) {
      return deleteLeaseResources(this.ctx, namesForVm(companion.vm), target.leaseID, undefined, {
        only: [companion.kind],
      });
    }
    if (!crabboxVmNamePattern.test(target.cloudID)) {
      throw new CrabboxError("invalid_request", "azure cloudID must be a crabbox VM name", {
        field: "cloudID",
      });
    }
    return deleteWholeLease(this.ctx, target.cloudID, target.leaseID);
  }

  /** Ready pools: the machine's pool agent says its readiness marker is written. */
  isReady(target: DeleteTarget): Promise<boolean> {
    return this.pool.isReady(target);
  }

  /** Ready pools: the machine's pool agent replaces the throw-away key, once. */
  authorizeKey(target: DeleteTarget, sshPublicKey: string): Promise<void> {
    return this.pool.authorizeKey(target, sshPublicKey);
  }

  async updateLabels(target: DeleteTarget, labels: Record<string, string>): Promise<void> {
    const { clients, config } = this.ctx;
    const vm = await this.guard(() =>
      clients.compute.virtualMachines.get(config.resourceGroup, target.cloudID, {
        abortSignal: deadlineSignal(config.timeouts.callMs),
      }),
    );
    if (vm.tags?.lease !== target.leaseID) {
      throw new CrabboxError(
        "forbidden",
        `azure VM ${target.cloudID} does not belong to lease ${target.leaseID}`,
      );
    }
    await this.guard(() =>
      clients.compute.virtualMachines.update(
        config.resourceGroup,
        target.cloudID,
        { tags: { ...vm.tags, ...toAzureTags(labels) } },
        { abortSignal: deadlineSignal(config.timeouts.networkMs), updateIntervalInMs: config.pollIntervalMs },
      ),
    );
  }

  private tags(spec: MachineSpec, market: Market, size?: string): Record<string, string> {
    return toAzureTags({ ...spec.labels, market, ...(size ? { server_type: size } : {}) });
  }

  private async createCandidate(
    spec: MachineSpec,
    names: LeaseResourceNames,
    location: string,
    candidate: Candidate,
    attempts: ProvisionAttempt[],
    signal?: AbortSignal,
  ): Promise<ProvisionedMachine> {
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
    const vm = await createLeaseVm(this.ctx, names, request, signal);
    if (spec.target === "windows") {
      await runBootstrap(this.ctx, names, location, tags, this.unixNow(), signal);
    }
    const host = await waitForAddress(this.ctx, names, signal);
    const size = vm.hardwareProfile?.vmSize ?? candidate.size;
    return this.machine(spec, names, location, size, candidate.market, host, attempts);
  }

  /** A VM this lease already made (an earlier create that ended on our side) is adopted. */
  private async adopt(
    spec: MachineSpec,
    base: LeaseResourceNames,
    location: string,
    signal?: AbortSignal,
  ): Promise<ProvisionedMachine | undefined> {
    const found = await this.guard(() => leaseVm(this.ctx, base.vm, spec.leaseID, signal));
    if (!found) return undefined;
    const { vm } = found;
    const names = namesForVm(found.name);
    try {
      if (spec.target === "windows" && !(await bootstrapDone(this.ctx, names, signal))) {
        // The earlier call ended before the bootstrap finished: run it (again) on this VM.
        await runBootstrap(this.ctx, names, location, vm.tags ?? {}, this.unixNow(), signal);
      }
      const host = await waitForAddress(this.ctx, names, signal);
      const size = vm.hardwareProfile?.vmSize ?? spec.serverType;
      return this.machine(spec, names, location, size, toMarket(vm.priority), host, []);
    } catch (error) {
      await this.cleanupAfterFailure(spec, names, error, signal);
      throw this.toCrabboxError(error, []);
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

  private unixNow(): number {
    return Math.floor(this.now() / 1000);
  }

  private async cleanupAfterFailure(
    spec: MachineSpec,
    names: LeaseResourceNames,
    cause: unknown,
    signal?: AbortSignal,
  ): Promise<void> {
    try {
      await deleteWholeLease(this.ctx, names.vm, spec.leaseID, signal?.aborted ? undefined : signal);
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
    if (createFailureCategory(error, "on-demand") === "timeout") {
      return new CrabboxError("timeout", `azure call timed out: ${text}`, { provider: "azure", attempts });
    }
    return new CrabboxError("provider_error", `azure: ${text}`, { provider: "azure", attempts });
  }
}
