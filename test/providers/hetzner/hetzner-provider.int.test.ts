import { describe, expect, it } from "vitest";
import { FakeHetzner } from "../../support/fake-hetzner";
import { hetznerOnFake } from "../../support/hetzner-on-fake";
import { machineSpec } from "../../support/machine-spec";

describe("Hetzner provider inside workerd", () => {
  it("creates with fallback, lists and deletes through the Workers fetch API", async () => {
    const fake = new FakeHetzner();
    fake.unavailableTypes.add("ccx63");
    fake.inject({ method: "GET", path: /^\/servers$/, fault: { kind: "rate_limit", resetSeconds: 0 } });
    const provider = hetznerOnFake(fake, { retry: { timeoutMs: 2_000, maxRetries: 2, backoffMs: 1 } });
    const spec = machineSpec("hetzner");
    const machine = await provider.create(spec);
    expect(machine.serverType).toBe("ccx53");
    expect(machine.attempts).toHaveLength(1);
    expect((await provider.list()).map((m) => m.cloudID)).toEqual([machine.cloudID]);
    expect(await provider.delete({ cloudID: machine.cloudID, leaseID: spec.leaseID })).toBe("deleted");
    expect(fake.inventory()).toEqual({ servers: [], keys: [] });
  });
});
