/**
 * The same provider and the same real ARM SDK clients, running inside workerd (where the
 * coordinator runs them): the SDK's fetch-based HTTP client talks to the ARM fake through
 * the Worker's fetch, routed in-process because workerd tests cannot open a loopback server.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AzureProvider } from "../../../src/providers/azure";
import { FakeArm } from "../../support/fake-arm-core";
import { fakeArmFetch, fakeArmHost, fakeLoginHost } from "../../support/fake-arm-in-process";

const armHost = fakeArmHost;
const loginHost = fakeLoginHost;
const realFetch = globalThis.fetch;
let fake: FakeArm;

beforeEach(() => {
  // No NIC reservation here: a DELETE refused while ARM holds the NIC is rightly read again.
  fake = new FakeArm({ nicReservationMs: 0 });
  fake.baseUrl = armHost;
  globalThis.fetch = fakeArmFetch(fake, realFetch);
});
afterEach(() => {
  globalThis.fetch = realFetch;
});

function provider(): AzureProvider {
  return new AzureProvider({
    subscriptionId: fake.subscriptionId,
    tenantId: fake.tenantId,
    clientId: fake.clientId,
    clientSecret: fake.clientSecret,
    armEndpoint: armHost,
    loginEndpoint: loginHost,
    pollIntervalMs: 5,
    deleteRetryDelayMs: 10,
    retry: { maxRetries: 2, retryDelayMs: 5, maxRetryDelayMs: 20 },
  });
}

const spec = {
  leaseID: "cbx_00000000cafe",
  slug: "amber-crab",
  owner: "dev@example.com",
  org: "example",
  target: "linux" as const,
  class: "standard",
  serverType: "Standard_D32ads_v6",
  serverTypeExplicit: false,
  market: "spot" as const,
  sshPublicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl workerd",
  sshUser: "crabbox",
  sshPort: 2222,
  sshFallbackPorts: [22],
  workRoot: "/work/crabbox",
  labels: { crabbox: "true", created_by: "crabbox", lease: "cbx_00000000cafe", provider: "azure" },
  createdAt: 1_780_000_000_000,
};

describe("azure provider inside workerd", () => {
  it("creates a spot VM after a spot refusal falls back, then deletes it without re-reading", async () => {
    fake.inject({
      method: "PUT",
      type: "virtualMachine",
      fault: { kind: "asyncFail", code: "AllocationFailed", message: "no spot capacity" },
    });
    const azure = provider();
    const machine = await azure.create(spec);
    expect(machine.serverType).toBe("Standard_D32ds_v6");
    expect(machine.attempts.map((a) => a.category)).toEqual(["spot_refused"]);
    expect(machine.host).toMatch(/^192\.0\.2\./);
    expect(fake.find("virtualMachine", machine.cloudID).tags.lease).toBe(spec.leaseID);

    const before = fake.requests.length;
    await expect(azure.delete({ cloudID: machine.cloudID, leaseID: spec.leaseID })).resolves.toBe("deleted");
    const trail = fake.requests.slice(before);
    for (const del of trail.filter((r) => r.method === "DELETE")) {
      expect(trail.slice(trail.indexOf(del) + 1).some((r) => r.method === "GET" && r.path === del.path)).toBe(
        false,
      );
    }
    expect(fake.all().filter((r) => r.body?.tags?.lease === spec.leaseID)).toEqual([]);
  });
});
