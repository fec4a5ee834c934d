/** A valid MachineSpec for provider tests, with the real labels of its lease. */
import { providerKeyForLease, slugForLeaseId } from "../../src/domain/ids";
import { crabboxLabels } from "../../src/providers/labels";
import type { MachineSpec, ProviderName } from "../../src/providers/provider";

/** A real ed25519 public key (made with ssh-keygen): EC2's ImportKeyPair parses the blob. */
export const testPublicKey =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGm1SqQzHiUu0lZnVACUAPO/sLaCzUfcXs/w0iPur7hb lease-key";

export function machineSpec(provider: ProviderName, change: Partial<MachineSpec> = {}): MachineSpec {
  const leaseID = change.leaseID ?? "cbx_0123456789ab";
  const base: MachineSpec = {
    leaseID,
    slug: slugForLeaseId(leaseID),
    owner: "dev@example.com",
    org: "example",
    target: "linux",
    class: "beast",
    serverType: provider === "aws" ? "c7a.48xlarge" : "ccx63",
    serverTypeExplicit: false,
    market: "spot",
    sshPublicKey: testPublicKey,
    sshUser: "crabbox",
    sshPort: 2222,
    sshFallbackPorts: [22],
    workRoot: "/work/crabbox",
    labels: {},
    createdAt: Date.UTC(2026, 10, 28, 12),
    ...change,
  };
  base.labels = crabboxLabels({
    leaseID,
    slug: base.slug,
    owner: base.owner,
    provider,
    target: base.target,
    class: base.class,
    serverType: base.serverType,
    profile: "default",
    providerKey: providerKeyForLease(leaseID),
    keep: false,
    market: provider === "hetzner" ? undefined : base.market,
    createdAt: base.createdAt,
    ttlSeconds: 5400,
    idleTimeoutSeconds: 1800,
  });
  return { ...base, ...(change.labels ? { labels: change.labels } : {}) };
}
