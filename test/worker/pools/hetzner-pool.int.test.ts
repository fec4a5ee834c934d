import { beforeEach, describe, it } from "vitest";
import { PoolAgentClient } from "../../../src/providers/pool-agent/client";
import { FakeHetzner } from "../../support/fake-hetzner";
import { FakePoolAgents } from "../../support/fake-pool-agents";
import { hetznerOnFake } from "../../support/hetzner-on-fake";
import { poolFillClaimRelease } from "./cloud-pool-flow";
import { drainPools } from "./support";

// The real Hetzner provider against the fake Hetzner API, with each server's pool agent served
// by the test from the cloud-init the server was created with (test/support/fake-pool-agents.ts).

const secret = "fleet-secret-of-the-hetzner-pool-test";

beforeEach(drainPools);

describe("a Hetzner ready pool", () => {
  it("fills once the agent reports ready, hands the machine to a lease's key, never logs the token, and deletes it all", async () => {
    const fake = new FakeHetzner();
    const machines = () =>
      fake
        .inventory()
        .servers.flatMap((s) => (s.ip ? [{ host: s.ip, userData: s.user_data, labels: s.labels }] : []));
    const agents = new FakePoolAgents(machines);
    const provider = hetznerOnFake(fake, {
      poolAgent: new PoolAgentClient({ connect: agents.connect, secret }),
    });
    await poolFillClaimRelease({
      name: "hetzner",
      machineClass: "beast",
      provider,
      agents,
      secret,
      machines,
      leftOf: (id, host) => {
        const left = fake.inventory();
        return [
          ...left.servers.filter((s) => s.ip === host || s.labels.lease === id),
          ...left.keys.filter((k) => k.labels.lease === id),
        ];
      },
    });
  });
});
