import { describe, expect, it } from "vitest";
import { AwsProvider } from "../../../src/providers/aws";
import { FakeEc2 } from "../../support/fake-ec2";
import { machineSpec } from "../../support/machine-spec";

describe("AWS provider inside workerd", () => {
  it("drives the real EC2 SDK (signing, query serialisation, XML parsing) through the Workers fetch", async () => {
    const fake = new FakeEc2();
    fake.refusals.set("c7a.48xlarge/spot", "InsufficientInstanceCapacity");
    fake.inject({ action: "DescribeInstances", fault: { kind: "throttle" } });
    const provider = new AwsProvider({
      credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey },
      endpoint: (region) => `https://ec2.${region}.fake`,
      fetch: fake.fetch,
      retry: { timeoutMs: 2_000, maxRetries: 2, backoffMs: 1 },
      pollMs: 1,
    });
    const spec = machineSpec("aws", { sshCIDRs: ["203.0.113.7/32", "2001:db8::/64"] });
    const machine = await provider.create(spec);
    expect(machine).toMatchObject({ serverType: "c7i.48xlarge", market: "spot", region: "eu-west-1" });
    expect(machine.attempts[0]).toMatchObject({ serverType: "c7a.48xlarge", category: "capacity" });
    expect(machine.host).toMatch(/^198\.51\.100\./);
    expect(fake.inventory().groups[0]?.ingress.map((r) => r.cidr)).toEqual([
      "203.0.113.7/32",
      "2001:db8::/64",
      "203.0.113.7/32",
      "2001:db8::/64",
    ]);
    expect(fake.requests.every((r) => r.signed)).toBe(true);
    expect(await provider.hourlyPriceUSD("c7a.48xlarge")).toBe(2.9876);
    expect((await provider.list()).map((m) => m.cloudID)).toEqual([machine.cloudID]);
    expect(
      await provider.delete({ cloudID: machine.cloudID, leaseID: spec.leaseID, region: machine.region }),
    ).toBe("deleted");
    expect(fake.inventory()).toEqual({ instances: [], keyPairs: [], groups: [] });
  });
});
