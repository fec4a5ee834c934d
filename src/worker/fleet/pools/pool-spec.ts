import { CrabboxError } from "../../../errors";
import { crabboxLabels } from "../../../providers/labels";
import { poolAgentPort, poolAgentSecretVariable } from "../../../providers/pool-agent/client";
import { poolAgentToken } from "../../../providers/pool-agent/signature";
import type { MachineSpec } from "../../../providers/provider";
import { leaseDefaults } from "../leases/request";
import { agentPoolProviders, type PoolSetting } from "./pool-settings";

/**
 * What a pool machine is created as (docs/api.md#ready-pools): the class's default server
 * type, Linux, on-demand, the default SSH user, ports and work root. A lease is claimable
 * from a pool only when it asks for exactly this (`claimable.ts`).
 */
export const poolMachineShape = {
  target: "linux",
  sshUser: leaseDefaults.sshUser,
  sshPort: leaseDefaults.sshPort,
  sshFallbackPorts: [...leaseDefaults.sshFallbackPorts],
  workRoot: "/work/crabbox",
  market: "on-demand",
} as const;

export const poolOwner = "crabbox-pool";

export function poolServerType(pool: PoolSetting): string {
  return pool.provider === "local" ? "local" : pool.class;
}

export function poolMachineSpec(
  id: string,
  pool: PoolSetting,
  sshPublicKey: string,
  createdAt: number,
): MachineSpec {
  const ttlSeconds = Math.ceil(pool.maxReadyAgeMs / 1000);
  const slug = `pool-${id.slice(-6)}`;
  const serverType = poolServerType(pool);
  const spec: MachineSpec = {
    leaseID: id,
    slug,
    owner: poolOwner,
    org: poolOwner,
    target: poolMachineShape.target,
    class: pool.class,
    serverType,
    serverTypeExplicit: false,
    market: poolMachineShape.market,
    sshPublicKey,
    sshUser: poolMachineShape.sshUser,
    sshPort: poolMachineShape.sshPort,
    sshFallbackPorts: [...poolMachineShape.sshFallbackPorts],
    workRoot: poolMachineShape.workRoot,
    labels: {
      ...crabboxLabels({
        leaseID: id,
        slug,
        owner: poolOwner,
        provider: pool.provider,
        target: poolMachineShape.target,
        class: pool.class,
        serverType,
        profile: leaseDefaults.profile,
        providerKey: leaseDefaults.providerKey,
        keep: false,
        createdAt,
        ttlSeconds,
        idleTimeoutSeconds: ttlSeconds,
      }),
      pool: "true",
    },
    createdAt,
  };
  if (pool.region) spec.region = pool.region;
  return spec;
}

/**
 * The pool agent a cloud pool machine runs (docs/providers.md#ready-pools): its token is
 * derived from the fleet secret and the machine's id, never stored; undefined for local.
 */
export async function poolAgentSpec(
  pool: PoolSetting,
  env: Record<string, unknown>,
  id: string,
): Promise<MachineSpec["poolAgent"]> {
  if (!agentPoolProviders.includes(pool.provider)) return undefined;
  const secret = env[poolAgentSecretVariable];
  if (typeof secret !== "string" || secret.trim() === "") {
    throw new CrabboxError(
      "config",
      `ready pools on ${pool.provider} need the ${poolAgentSecretVariable} secret`,
      {
        field: poolAgentSecretVariable,
      },
    );
  }
  return { port: poolAgentPort, token: await poolAgentToken(secret.trim(), id) };
}

/**
 * A fresh Ed25519 public key in OpenSSH form whose private half is never exported: the key a
 * pool machine is created with, so that nobody can open it before a lease's key replaces it.
 */
export async function throwAwayPublicKey(): Promise<string> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const raw = new Uint8Array((await crypto.subtle.exportKey("raw", pair.publicKey)) as ArrayBuffer);
  const name = new TextEncoder().encode("ssh-ed25519");
  const blob = new Uint8Array(4 + name.length + 4 + raw.length);
  const view = new DataView(blob.buffer);
  view.setUint32(0, name.length);
  blob.set(name, 4);
  view.setUint32(4 + name.length, raw.length);
  blob.set(raw, 8 + name.length);
  let binary = "";
  for (const byte of blob) binary += String.fromCharCode(byte);
  return `ssh-ed25519 ${btoa(binary)} crabbox-pool`;
}
