import { afterEach, beforeEach, describe, it } from "vitest";
import { PoolAgentClient } from "../../../src/providers/pool-agent/client";
import { FakeArm } from "../../support/fake-arm-core";
import { azureOnFakeArm, fakeArmFetch, fakeArmHost } from "../../support/fake-arm-in-process";
import { FakePoolAgents } from "../../support/fake-pool-agents";
import { poolFillClaimRelease } from "./cloud-pool-flow";
import { drainPools } from "./support";

// The real Azure provider and ARM SDK clients against the ARM fake, routed in-process (as in
// test/providers/azure/sdk-in-workerd.int.test.ts), with each VM's pool agent served by the test
// from the customData the VM was created with.

const secret = "fleet-secret-of-the-azure-pool-test";
const realFetch = globalThis.fetch;

beforeEach(drainPools);
afterEach(() => {
  globalThis.fetch = realFetch;
});

describe("an Azure ready pool", () => {
  it("fills once the agent reports ready, hands the VM to a lease's key, never logs the token, and deletes it all", async () => {
    const fake = new FakeArm({ nicReservationMs: 0 });
    fake.baseUrl = fakeArmHost;
    globalThis.fetch = fakeArmFetch(fake, realFetch);
    const machines = () =>
      fake.all("virtualMachine").flatMap((vm) => {
        const host = fake.find("publicIPAddress", `${vm.name}-pip`)?.properties?.ipAddress as
          | string
          | undefined;
        const customData = vm.body.properties?.osProfile?.customData as string | undefined;
        return host && customData ? [{ host, userData: atob(customData), labels: vm.body.tags ?? {} }] : [];
      });
    const agents = new FakePoolAgents(machines);
    const provider = azureOnFakeArm(
      fake,
      {},
      { poolAgent: new PoolAgentClient({ connect: agents.connect, secret }) },
    );
    await poolFillClaimRelease({
      name: "azure",
      machineClass: "standard",
      provider,
      agents,
      secret,
      machines,
      leaseExtra: { capacity: { market: "on-demand" } },
      leftOf: (id) => fake.all().filter((r) => r.body.tags?.lease === id),
    });
  });
});
