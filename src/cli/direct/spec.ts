/**
 * What direct mode asks the provider for, and what it remembers locally about the machine it
 * got: the same labels and spec the coordinator would send (docs/direct-mode.md).
 */
import { providerKeyForLease } from "../../domain/ids";
import { CrabboxError } from "../../errors";
import { crabboxLabels, sanitizeLabelValue } from "../../providers/labels";
import type { MachineSpec, ProvisionedMachine } from "../../providers/provider";
import type { ResolvedConfig } from "../config";
import { directOwner } from "./owner";
import type { DirectLeaseRecord } from "./records";

type Env = Record<string, string | undefined>;

export function directSpec(
  config: ResolvedConfig,
  env: Env,
  lease: { leaseID: string; slug: string; publicKey: string; keep: boolean; nowMs: number },
  sshCIDRs?: string[],
): MachineSpec {
  const target = config.target === "windows" ? "windows" : "linux";
  if (config.target === "macos") {
    throw new CrabboxError("unsupported", "direct mode provisions linux and windows machines, not macos", {
      field: "target",
    });
  }
  const market = config.provider === "hetzner" ? undefined : config.capacity.market;
  const labels: Record<string, string> = {
    ...crabboxLabels({
      leaseID: lease.leaseID,
      slug: lease.slug,
      owner: directOwner(env),
      provider: config.provider,
      target,
      ...(target === "windows" ? { windowsMode: config.windowsMode } : {}),
      class: config.class,
      serverType: config.serverType || config.class,
      profile: config.profile,
      providerKey: providerKeyForLease(lease.leaseID),
      keep: lease.keep,
      ...(market ? { market } : {}),
      createdAt: lease.nowMs,
      ttlSeconds: Math.round(config.ttlMs / 1000),
      idleTimeoutSeconds: Math.round(config.idleTimeoutMs / 1000),
    }),
    // Marks the machine as this CLI's to clean up: a coordinator's machines never carry it.
    direct: "true",
  };
  return {
    leaseID: lease.leaseID,
    slug: lease.slug,
    owner: labels.owner!,
    org: "direct",
    target,
    ...(target === "windows" ? { windowsMode: "normal" as const } : {}),
    class: config.class,
    serverType: config.serverType || config.class,
    serverTypeExplicit: config.serverTypeExplicit,
    ...(config.capacity.regions[0] ? { region: config.capacity.regions[0] } : {}),
    market: config.capacity.market,
    sshPublicKey: lease.publicKey,
    sshUser: config.ssh.user,
    sshPort: config.ssh.port,
    sshFallbackPorts: config.ssh.fallbackPorts,
    workRoot: config.workRoot,
    ...(sshCIDRs ? { sshCIDRs } : {}),
    labels,
    createdAt: lease.nowMs,
  };
}

export function recordFor(
  machine: ProvisionedMachine,
  spec: MachineSpec,
  keep: boolean,
  repoRoot: string | undefined,
): DirectLeaseRecord {
  return {
    leaseID: spec.leaseID,
    slug: spec.slug,
    provider: machine.provider,
    cloudID: machine.cloudID,
    name: machine.name,
    ...(machine.region ? { region: machine.region } : {}),
    serverType: machine.serverType,
    host: machine.host,
    sshUser: machine.sshUser,
    sshPort: machine.sshPort,
    sshFallbackPorts: machine.sshFallbackPorts,
    workRoot: machine.workRoot,
    target: spec.target,
    keep,
    // the type the ladder settled on, as the provider labelled the machine
    labels: { ...spec.labels, server_type: sanitizeLabelValue(machine.serverType) },
    createdAt: new Date(spec.createdAt).toISOString(),
    ...(repoRoot ? { repoRoot } : {}),
  };
}
