import { describe, expect, it } from "vitest";
import { fakeAwsForFile } from "./fake-aws";

const { fake, provider, spec } = fakeAwsForFile();
const tokens = () =>
  fake.requests.filter((r) => r.action === "RunInstances").map((r) => r.params.get("ClientToken") ?? "");

/**
 * ClientToken as the EC2 reference describes it (test/support/fake-ec2.ts, runInstances): a
 * repeat returns the first reservation, even after that instance terminated.
 */
describe("aws RunInstances ClientToken", () => {
  it("a retried launch whose answer was lost returns the first instance: one machine, one token", async () => {
    fake.inject({ action: "RunInstances", fault: { kind: "late" } });
    const machine = await provider({
      retry: { timeoutMs: 1_500, maxRetries: 2, backoffMs: 1, sleep: async () => undefined },
    }).create(spec());
    expect(fake.inventory().instances.map((i) => i.id)).toEqual([machine.cloudID]);
    expect([...fake.instances.values()]).toHaveLength(1);
    expect(new Set(tokens())).toEqual(new Set([spec().leaseID]));
  });

  it("re-creating a lease after a failed attempt moves past IdempotentParameterMismatch to one new instance", async () => {
    fake.ipAfterPolls = 1_000_000;
    await expect(provider({ ipWaitMs: 20 }).create(spec())).rejects.toMatchObject({ code: "timeout" });
    fake.ipAfterPolls = 1;
    // The first attempt's security group is gone; the same token with the new group is a
    // mismatch on real EC2, which used to stop the create as fatal.
    const machine = await provider().create(spec());
    expect(fake.inventory().instances.map((i) => i.id)).toEqual([machine.cloudID]);
    const [first, repeat, fresh] = tokens();
    expect([first, repeat]).toEqual([spec().leaseID, spec().leaseID]);
    expect(fresh).toMatch(/^cbx_[0-9a-f]{12}-[0-9a-f]{8}$/);
    expect(fake.instances.get(machine.cloudID)?.clientToken).toBe(fresh);
  });

  it("with an operator's group, a re-create gets past the terminated instance EC2 keeps answering, with lost answers retried under the same token", async () => {
    fake.groups.set("sg-0f1xed", {
      region: "eu-west-1",
      id: "sg-0f1xed",
      name: "operator",
      vpcId: "vpc-default-eu-west-1",
      description: "operator's",
      tags: {},
      ingress: [],
    });
    const fixed = { securityGroupID: "sg-0f1xed" };
    fake.ipAfterPolls = 1_000_000;
    await expect(provider({ ...fixed, ipWaitMs: 20 }).create(spec())).rejects.toMatchObject({
      code: "timeout",
    });
    const [ended] = [...fake.instances.values()];
    expect(ended?.state).toMatch(/^(shutting-down|terminated)$/);
    fake.ipAfterPolls = 1;
    // Same parameters: the spent token answers with the terminated instance (valid for 24 h
    // after termination). Two answers are lost on the way; each retry repeats its token.
    fake.inject({ action: "RunInstances", fault: { kind: "late" }, times: 2 });
    const machine = await provider({
      ...fixed,
      retry: { timeoutMs: 1_500, maxRetries: 3, backoffMs: 1, sleep: async () => undefined },
    }).create(spec());
    expect(machine.cloudID).not.toBe(ended?.id);
    const live = fake.inventory().instances.filter((i) => i.state === "pending" || i.state === "running");
    expect(live.map((i) => i.id)).toEqual([machine.cloudID]);
    expect(fake.instances.size).toBe(2);
    const fresh = tokens().filter((t) => t !== spec().leaseID);
    expect(new Set(fresh).size).toBe(1);
    expect(fake.instances.get(machine.cloudID)?.clientToken).toBe(fresh[0]);
  });

  it("the same token in another region is another launch, as EC2 scopes tokens per region", async () => {
    const p = provider({ region: "eu-west-1" });
    const home = await p.create(spec());
    await p.delete({ cloudID: home.cloudID, leaseID: spec().leaseID, region: "eu-west-1" });
    const away = await p.create(spec({ region: "eu-central-1" }));
    expect(away.region).toBe("eu-central-1");
    expect(fake.instances.get(away.cloudID)?.clientToken).toBe(spec().leaseID);
    expect(fake.inventory().instances.map((i) => i.id)).toEqual([away.cloudID]);
  });
});
