/**
 * Wires the real AzureProvider (real SDK clients, real TLS, real fetch for the token) to the
 * loopback ARM fake with timings small enough for tests.
 */

import { slugForLeaseId } from "../../../src/domain/ids";
import type { AzureProviderInput, AzureProviderOptions } from "../../../src/providers/azure";
import { AzureProvider } from "../../../src/providers/azure";
import { crabboxLabels } from "../../../src/providers/labels";
import type { MachineSpec } from "../../../src/providers/provider";
import type { RunningFakeArm } from "../../support/fake-arm";

/** The ARM resource types one lease owns (docs/providers-azure.md). */
export const leaseResourceTypes = ["virtualMachine", "networkInterface", "publicIPAddress", "disk"] as const;

export const testPublicKey =
  "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl crabbox-test";

export function providerFor(
  running: RunningFakeArm,
  overrides: Partial<AzureProviderInput> = {},
  options: AzureProviderOptions = {},
): AzureProvider {
  const { fake } = running;
  return new AzureProvider(
    {
      subscriptionId: fake.subscriptionId,
      tenantId: fake.tenantId,
      clientId: fake.clientId,
      clientSecret: fake.clientSecret,
      armEndpoint: running.armEndpoint,
      loginEndpoint: running.loginEndpoint,
      tlsCA: running.ca,
      pollIntervalMs: 5,
      deleteAttempts: 6,
      deleteRetryDelayMs: 20,
      retry: { maxRetries: 3, retryDelayMs: 5, maxRetryDelayMs: 50 },
      timeouts: { callMs: 2000, networkMs: 3000, vmCreateMs: 3000, extensionMs: 3000, ipWaitMs: 2000 },
      ...overrides,
    },
    options,
  );
}

export function leaseSpec(overrides: Partial<MachineSpec> = {}): MachineSpec {
  const leaseID = overrides.leaseID ?? "cbx_0123456789ab";
  const slug = overrides.slug ?? slugForLeaseId(leaseID);
  const target = overrides.target ?? "linux";
  const className = overrides.class ?? "standard";
  const serverType =
    overrides.serverType ?? (target === "windows" ? "Standard_D2ads_v6" : "Standard_D32ads_v6");
  const createdAt = 1_780_000_000_000;
  return {
    leaseID,
    slug,
    owner: "dev@example.com",
    org: "example",
    target,
    class: className,
    serverType,
    serverTypeExplicit: false,
    market: "spot",
    sshPublicKey: testPublicKey,
    sshUser: "crabbox",
    sshPort: 2222,
    sshFallbackPorts: [22],
    workRoot: target === "windows" ? "C:\\crabbox" : "/work/crabbox",
    createdAt,
    labels: crabboxLabels({
      leaseID,
      slug,
      owner: "dev@example.com",
      provider: "azure",
      target,
      windowsMode: target === "windows" ? "normal" : undefined,
      class: className,
      serverType,
      profile: "default",
      providerKey: `crabbox-${leaseID.replace("_", "-")}`,
      keep: false,
      createdAt,
      ttlSeconds: 5400,
      idleTimeoutSeconds: 1800,
    }),
    ...overrides,
  };
}
