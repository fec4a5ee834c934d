/** Test data for the lease and run aggregates: complete, valid payloads with overridable fields. */
import type { LeaseRequestedData, MachineData } from "../../src/events/payloads/lease";
import type { RunStartedData } from "../../src/events/payloads/run";
import type { TelemetrySample } from "../../src/events/payloads/shared";
import type { EventMeta } from "../../src/events/types";

export const t0 = Date.UTC(2026, 10, 28, 12, 0, 0);

export function leaseRequest(overrides: Partial<LeaseRequestedData> = {}): LeaseRequestedData {
  return {
    leaseID: "cbx_abcdef123456",
    slug: "blue-prawn",
    owner: "peter@example.com",
    org: "openclaw",
    provider: "local",
    target: "linux",
    desktop: false,
    browser: false,
    code: false,
    profile: "default",
    class: "beast",
    requestedServerType: "local-small",
    serverTypeExplicit: false,
    providerOptions: {},
    providerKey: "crabbox-cbx-abcdef123456",
    sshUser: "crabbox",
    sshPort: "2222",
    sshFallbackPorts: ["22"],
    sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForTests crabbox",
    workRoot: "/work/crabbox",
    keep: false,
    ttlSeconds: 5400,
    idleTimeoutSeconds: 1800,
    estimatedHourlyUSD: 0.5,
    maxEstimatedUSD: 0.75,
    provisioningDeadlineAt: t0 + 120_000,
    ...overrides,
  };
}

export function machine(overrides: Partial<MachineData> = {}): MachineData {
  return {
    cloudID: "local-1",
    serverID: 0,
    serverName: "crabbox-blue-prawn-c80c2195",
    host: "127.0.0.1",
    sshUser: "crabbox",
    sshPort: "40022",
    sshFallbackPorts: [],
    workRoot: "/tmp/crabbox/work",
    serverType: "local-small",
    estimatedHourlyUSD: 0.5,
    maxEstimatedUSD: 0.75,
    provisioningAttempts: [],
    ...overrides,
  };
}

export function sample(capturedAt: number, overrides: Partial<TelemetrySample> = {}): TelemetrySample {
  return {
    capturedAt,
    source: "linux",
    load1: 0.42,
    load5: 0.3,
    load15: 0.2,
    memoryUsedBytes: 1_234_567_890,
    memoryTotalBytes: 8_000_000_000,
    memoryPercent: 15.4,
    diskUsedBytes: 12_345_678_901,
    diskTotalBytes: 100_000_000_000,
    diskPercent: 12.3,
    uptimeSeconds: 3600,
    ...overrides,
  };
}

export function runStart(overrides: Partial<RunStartedData> = {}): RunStartedData {
  return {
    runID: "run_0123456789ab",
    leaseID: "cbx_abcdef123456",
    slug: "blue-prawn",
    provider: "local",
    target: "linux",
    class: "beast",
    serverType: "local-small",
    owner: "peter@example.com",
    org: "openclaw",
    command: ["pnpm", "test"],
    ...overrides,
  };
}

export const userMeta: EventMeta = {
  actor: { kind: "github", owner: "peter@example.com", org: "openclaw" },
  requestId: "01JREQUEST0000000000000000",
};
export const systemMeta: EventMeta = { actor: { kind: "system", owner: "coordinator", org: "openclaw" } };
