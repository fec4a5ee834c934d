import type { LeaseState } from "../../../events/lease-state";
import type { LeaseRequestedData, MachineData } from "../../../events/payloads/lease";
import { crabboxLabels } from "../../../providers/labels";
import type { MachineSpec, ProviderMachine, ProvisionedMachine } from "../../../providers/provider";
import { reservation } from "../leases/prices";
import type { NormalizedLeaseRequest } from "../leases/request";

/**
 * Pure translations between the log and the provider: the recorded request back into a
 * normalised one, a lease into the machine spec a provider creates, and a provider's machine
 * into the `MachineData` the log records.
 */

/** The normalised request as `LeaseRequested` recorded it (to repeat the create for adoption). */
export function requestFromLog(data: LeaseRequestedData): NormalizedLeaseRequest {
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

export function machineSpec(lease: LeaseState, request: NormalizedLeaseRequest): MachineSpec {
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

export function machineData(machine: ProvisionedMachine, hourlyUSD: number, ttlSeconds: number): MachineData {
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
export function adoptedMachineData(machine: ProviderMachine, lease: LeaseState): MachineData {
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
