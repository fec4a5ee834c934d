import { describe, expect, it } from "vitest";
import { providerKeyForLease, providerMachineName } from "../../../src/domain/ids";
import { linuxCloudInit } from "../../../src/providers/bootstrap/linux";
import { fakeAwsForFile } from "./fake-aws";

const { fake, sleeps, provider, spec } = fakeAwsForFile();
const calls = (action: string) => fake.requests.filter((r) => r.action === action && !r.fault);
const runsKey = (p: URLSearchParams) =>
  `${p.get("InstanceType")}/${p.get("InstanceMarketOptions.MarketType") ?? "on-demand"}`;
const runs = () =>
  calls("RunInstances").map(
    (r) =>
      `${r.params.get("InstanceType")}/${r.params.get("InstanceMarketOptions.MarketType") ?? "on-demand"}`,
  );

function tagsIn(params: URLSearchParams, n: number): Record<string, string> {
  const tags: Record<string, string> = {};
  for (let m = 1; params.has(`TagSpecification.${n}.Tag.${m}.Key`); m++) {
    tags[params.get(`TagSpecification.${n}.Tag.${m}.Key`)!] = params.get(
      `TagSpecification.${n}.Tag.${m}.Value`,
    )!;
  }
  return tags;
}

describe("AWS create", () => {
  it("imports the lease key, makes a lease security group and launches a tagged spot instance", async () => {
    const s = spec();
    const machine = await provider().create(s);

    const [importKey] = calls("ImportKeyPair");
    expect(importKey?.params.get("KeyName")).toBe(providerKeyForLease(s.leaseID));
    expect(atob(importKey?.params.get("PublicKeyMaterial") ?? "")).toBe(s.sshPublicKey);
    expect(importKey?.params.get("TagSpecification.1.ResourceType")).toBe("key-pair");

    const [group] = fake.inventory().groups;
    expect(group?.tags).toMatchObject({ crabbox: "true", lease: s.leaseID });
    expect(group?.ingress).toEqual([
      { protocol: "tcp", port: 2222, cidr: "203.0.113.7/32", description: "Crabbox SSH" },
      { protocol: "tcp", port: 22, cidr: "203.0.113.7/32", description: "Crabbox SSH" },
    ]);

    const [run] = calls("RunInstances");
    const p = run!.params;
    expect(p.get("ClientToken")).toBe(s.leaseID);
    expect(p.get("ImageId")).toBe("ami-0a1b2c3d4e5f60002");
    expect(p.get("InstanceType")).toBe("c7a.48xlarge");
    expect(p.get("KeyName")).toBe(providerKeyForLease(s.leaseID));
    expect(p.get("SecurityGroupId.1")).toBe(group?.id);
    expect(p.get("InstanceMarketOptions.MarketType")).toBe("spot");
    expect(p.get("InstanceMarketOptions.SpotOptions.SpotInstanceType")).toBe("one-time");
    expect(p.get("InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior")).toBe("terminate");
    expect(p.get("BlockDeviceMapping.1.Ebs.VolumeSize")).toBe("400");
    expect(p.get("BlockDeviceMapping.1.Ebs.Encrypted")).toBe("true");
    expect(p.get("MetadataOptions.HttpTokens")).toBe("required");
    expect(atob(p.get("UserData") ?? "")).toBe(linuxCloudInit(s));
    const expectedTags = {
      ...s.labels,
      market: "spot",
      server_type: "c7a.48xlarge",
      Name: providerMachineName(s.leaseID, s.slug),
    };
    expect([1, 2, 3].map((n) => p.get(`TagSpecification.${n}.ResourceType`))).toEqual([
      "instance",
      "volume",
      "spot-instances-request",
    ]);
    expect(tagsIn(p, 1)).toEqual(expectedTags);
    expect(tagsIn(p, 2)).toEqual(expectedTags);

    const [instance] = fake.inventory().instances;
    expect(machine).toEqual({
      provider: "aws",
      cloudID: instance?.id,
      name: providerMachineName(s.leaseID, s.slug),
      serverType: "c7a.48xlarge",
      region: "eu-west-1",
      market: "spot",
      host: instance?.ip,
      sshUser: "crabbox",
      sshPort: 2222,
      sshFallbackPorts: [22],
      workRoot: "/work/crabbox",
      attempts: [],
    });
    expect(fake.requests.every((r) => r.signed && r.region === "eu-west-1")).toBe(true);
  });

  it("tries on-demand only for types whose spot launch was refused for capacity or market reasons", async () => {
    fake.refusals.set("c7a.48xlarge/spot", "InsufficientInstanceCapacity");
    fake.refusals.set("c7i.48xlarge/spot", "SpotMaxPriceTooLow");
    fake.refusals.set("m7a.48xlarge/spot", "Unsupported");
    fake.refusals.set("m7i.48xlarge/spot", "InsufficientInstanceCapacity");
    fake.refusals.set("r7a.48xlarge/spot", "InsufficientInstanceCapacity");
    for (const t of [
      "c7a.32xlarge",
      "c7i.32xlarge",
      "m7a.32xlarge",
      "c7a.24xlarge",
      "c7a.16xlarge",
      "t3.small",
    ]) {
      fake.refusals.set(`${t}/spot`, "InsufficientInstanceCapacity");
    }
    fake.refusals.set("c7a.48xlarge/on-demand", "InsufficientInstanceCapacity");
    const machine = await provider().create(spec());
    expect(runs()).toEqual([
      "c7a.48xlarge/spot",
      "c7i.48xlarge/spot",
      "m7a.48xlarge/spot",
      "m7i.48xlarge/spot",
      "r7a.48xlarge/spot",
      "c7a.32xlarge/spot",
      "c7i.32xlarge/spot",
      "m7a.32xlarge/spot",
      "c7a.24xlarge/spot",
      "c7a.16xlarge/spot",
      "t3.small/spot",
      "c7a.48xlarge/on-demand",
      "c7i.48xlarge/on-demand",
    ]);
    expect(machine).toMatchObject({ serverType: "c7i.48xlarge", market: "on-demand" });
    expect(machine.attempts.slice(0, 3).map((a) => a.category)).toEqual([
      "capacity",
      "spot_refused",
      "provider",
    ]);
    // Every attempt after the first carries its own token, so a retried ladder stays idempotent.
    const tokens = calls("RunInstances").map((r) => r.params.get("ClientToken"));
    expect(new Set(tokens).size).toBe(tokens.length);
    expect(tokens[0]).toBe(spec().leaseID);
  });

  it("gives each (type, market) the same token in every retry of the ladder", async () => {
    for (const t of ["c7a.4xlarge", "t3.small"]) {
      fake.refusals.set(`${t}/spot`, "InsufficientInstanceCapacity");
      fake.refusals.set(`${t}/on-demand`, "InsufficientInstanceCapacity");
    }
    const s = spec({ class: "c7a.4xlarge", serverType: "c7a.4xlarge" });
    const p = provider();
    await expect(p.create(s)).rejects.toMatchObject({ code: "capacity_unavailable" });
    await expect(p.create(s)).rejects.toMatchObject({ code: "capacity_unavailable" });
    const launches = calls("RunInstances").map((r) => `${runsKey(r.params)}=${r.params.get("ClientToken")}`);
    expect(launches).toHaveLength(8);
    expect(launches.slice(4)).toEqual(launches.slice(0, 4));
    expect(launches[0]).toBe(`c7a.4xlarge/spot=${s.leaseID}`);
    expect(new Set(launches).size).toBe(4);
  });

  it("does not hammer a vCPU quota: bigger types in that market are skipped, smaller ones tried", async () => {
    fake.refusals.set("c7a.48xlarge/spot", "VcpuLimitExceeded");
    const machine = await provider().create(spec({ class: "beast" }));
    expect(runs()).toEqual(["c7a.48xlarge/spot", "c7a.32xlarge/spot"]);
    expect(machine.serverType).toBe("c7a.32xlarge");
    expect(machine.attempts.filter((a) => a.message.startsWith("skipped")).map((a) => a.serverType)).toEqual([
      "c7i.48xlarge",
      "m7a.48xlarge",
      "m7i.48xlarge",
      "r7a.48xlarge",
    ]);
  });

  it("moves to on-demand at once when the account's spot instance count is exhausted", async () => {
    fake.refusals.set("c7a.48xlarge/spot", "MaxSpotInstanceCountExceeded");
    const machine = await provider().create(spec());
    expect(runs()).toEqual(["c7a.48xlarge/spot", "c7a.48xlarge/on-demand"]);
    expect(machine.market).toBe("on-demand");
  });

  it("stops at an error that is not about capacity, and cleans up key and group", async () => {
    fake.refusals.set("c7a.48xlarge/spot", "InvalidParameterValue");
    await expect(provider().create(spec())).rejects.toThrow(/InvalidParameterValue/);
    expect(runs()).toEqual(["c7a.48xlarge/spot"]);
    expect(fake.inventory()).toEqual({ instances: [], keyPairs: [], groups: [] });
  });

  it("launches exactly the explicit type and reports capacity_unavailable with attempts", async () => {
    fake.refusals.set("m7i.large/spot", "InsufficientInstanceCapacity");
    fake.refusals.set("m7i.large/on-demand", "InsufficientInstanceCapacity");
    const explicit = spec({ serverType: "m7i.large", serverTypeExplicit: true });
    await expect(provider().create(explicit)).rejects.toMatchObject({
      code: "capacity_unavailable",
      details: {
        attempts: [
          { serverType: "m7i.large", market: "spot" },
          { serverType: "m7i.large", market: "on-demand" },
        ],
      },
    });
    expect(runs()).toEqual(["m7i.large/spot", "m7i.large/on-demand"]);
    expect(fake.inventory()).toEqual({ instances: [], keyPairs: [], groups: [] });
  });

  it("falls back to the next region, cleaning up the first region's key and group", async () => {
    fake.refusals.set("eu-west-1/c7a.4xlarge/spot", "InsufficientInstanceCapacity");
    fake.refusals.set("eu-west-1/c7a.4xlarge/on-demand", "InsufficientInstanceCapacity");
    const machine = await provider({ fallbackRegions: ["eu-central-1"] }).create(
      spec({ serverType: "c7a.4xlarge", serverTypeExplicit: true }),
    );
    expect(machine.region).toBe("eu-central-1");
    const left = fake.inventory();
    expect(left.instances.map((i) => i.region)).toEqual(["eu-central-1"]);
    expect(left.keyPairs.map((k) => k.region)).toEqual(["eu-central-1"]);
    expect(left.groups.map((g) => g.region)).toEqual(["eu-central-1"]);
  });

  it("retries throttling after the server's Retry-After, and 5xx a bounded number of times", async () => {
    fake.inject({ action: "RunInstances", fault: { kind: "rate_limit", retryAfterSeconds: 2 } });
    fake.inject({ action: "DescribeImages", fault: { kind: "server_error" }, times: 2 });
    fake.inject({ action: "ImportKeyPair", fault: { kind: "throttle" } });
    await provider().create(spec());
    expect(sleeps).toContain(2_000);
    expect(fake.inventory().instances).toHaveLength(1);

    fake.inject({ action: "DescribeSpotPriceHistory", fault: { kind: "server_error" }, times: 3 });
    await expect(provider().hourlyPriceUSD("c7a.48xlarge")).rejects.toThrow(/internal error/i);
    expect(fake.requests.filter((r) => r.action === "DescribeSpotPriceHistory")).toHaveLength(3);
  });

  it("adopts the instance of a launch that timed out but landed (same ClientToken)", async () => {
    fake.inject({ action: "RunInstances", fault: { kind: "late" } });
    const machine = await provider().create(spec());
    expect(fake.inventory().instances.map((i) => i.id)).toEqual([machine.cloudID]);
    expect(
      fake.requests.filter((r) => r.action === "RunInstances").map((r) => r.params.get("ClientToken")),
    ).toEqual([spec().leaseID, spec().leaseID]);
  });

  it("a second create of the same lease adopts the first machine", async () => {
    const p = provider();
    const first = await p.create(spec());
    const second = await p.create(spec());
    expect(second.cloudID).toBe(first.cloudID);
    expect(fake.inventory().instances).toHaveLength(1);
  });

  it("terminates the instance and removes key and group when no public IP arrives", async () => {
    fake.ipAfterPolls = 1_000_000;
    await expect(provider({ ipWaitMs: 20 }).create(spec())).rejects.toMatchObject({ code: "timeout" });
    expect(fake.inventory()).toEqual({ instances: [], keyPairs: [], groups: [] });
  });

  it("needs SSH source CIDRs and refuses malformed ones, before touching the cloud", async () => {
    await expect(provider().create(spec({ sshCIDRs: [] }))).rejects.toMatchObject({
      details: { field: "sshCIDRs" },
    });
    await expect(provider().create(spec({ sshCIDRs: ["1.2.3.4/40"] }))).rejects.toMatchObject({
      details: { field: "sshCIDRs" },
    });
    await expect(provider().create(spec({ region: "eu-west-1.evil.com" }))).rejects.toMatchObject({
      details: { field: "region" },
    });
    expect(fake.requests).toHaveLength(0);
  });

  it("uses an operator's security group as is and the Windows Server 2022 image for Windows", async () => {
    fake.groups.set("sg-0123456789abcdef0", {
      region: "eu-west-1",
      id: "sg-0123456789abcdef0",
      name: "operators",
      vpcId: "vpc-default-eu-west-1",
      description: "managed by the operator",
      tags: {},
      ingress: [],
    });
    const machine = await provider({ securityGroupID: "sg-0123456789abcdef0" }).create(
      spec({
        target: "windows",
        class: "standard",
        serverType: "m7i.large",
        sshCIDRs: undefined,
        sshUser: "administrator",
      }),
    );
    const [run] = calls("RunInstances");
    expect(run?.params.get("ImageId")).toBe("ami-0a1b2c3d4e5f60005");
    expect(run?.params.get("SecurityGroupId.1")).toBe("sg-0123456789abcdef0");
    expect(atob(run?.params.get("UserData") ?? "")).toContain("enableOpenSsh");
    expect(calls("CreateSecurityGroup")).toHaveLength(0);
    expect(machine.serverType).toBe("m7i.large");
  });
});

describe("AWS delete, list and price", () => {
  it("terminates, waits, deletes the lease group and key; a second delete finds it gone", async () => {
    const p = provider();
    const s = spec();
    const machine = await p.create(s);
    expect(await p.delete({ cloudID: machine.cloudID, leaseID: s.leaseID, region: machine.region })).toBe(
      "deleted",
    );
    expect(fake.inventory()).toEqual({ instances: [], keyPairs: [], groups: [] });
    expect(await p.delete({ cloudID: machine.cloudID, leaseID: s.leaseID, region: machine.region })).toBe(
      "already_gone",
    );
    expect(await p.delete({ cloudID: "i-0000000000000dead", leaseID: s.leaseID })).toBe("already_gone");
  });

  it("never deletes a key pair or group that is not tagged with the lease", async () => {
    const s = spec();
    fake.keyPairs.set(`eu-west-1/${providerKeyForLease(s.leaseID)}`, {
      region: "eu-west-1",
      name: providerKeyForLease(s.leaseID),
      id: "key-x",
      publicKey: "ssh-ed25519 AAAA",
      tags: {},
    });
    await provider().delete({ cloudID: "", leaseID: s.leaseID });
    expect(fake.inventory().keyPairs).toHaveLength(1);
  });

  it("lists live crabbox instances across regions", async () => {
    const p = provider({ fallbackRegions: ["us-east-1"] });
    await p.create(spec({ leaseID: "cbx_00000000000a" }));
    await p.create(spec({ leaseID: "cbx_00000000000b", region: "us-east-1" }));
    const machines = await p.list();
    expect(machines.map((m) => [m.region, m.labels.lease])).toEqual([
      ["eu-west-1", "cbx_00000000000a"],
      ["us-east-1", "cbx_00000000000b"],
    ]);
    expect(await p.findByLease("cbx_00000000000b")).toHaveLength(1);
  });

  it("prices from the cheapest current spot price", async () => {
    expect(await provider().hourlyPriceUSD("c7a.48xlarge")).toBe(2.9876);
    expect(await provider().hourlyPriceUSD("t3.small")).toBeUndefined();
  });
});

describe("a launch that appears only after the caller gave up", () => {
  it("is found by findByLease and removed by delete", async () => {
    fake.inject({ action: "RunInstances", fault: { kind: "deferred" }, times: 10 });
    const s = spec({ serverType: "c7a.4xlarge", serverTypeExplicit: true, market: "on-demand" });
    // The deferred call never answers, so any budget runs out; a wider one keeps the calls before it
    // from timing out on a busy machine.
    const p = provider({ retry: { timeoutMs: 1_000, maxRetries: 1, backoffMs: 0, sleep: async () => {} } });
    await expect(p.create(s)).rejects.toMatchObject({ details: { cleanup: "incomplete" } });
    // The invisible instance still holds the lease's group, so clean-up could not finish.
    expect(fake.inventory().groups).toHaveLength(1);

    fake.releaseDeferred();
    // Only the launch is meant to time out; a 50 ms budget would also time a busy machine.
    const patient = provider();
    const found = await patient.findByLease(s.leaseID);
    expect(found).toHaveLength(1);
    expect(found[0]?.labels.lease).toBe(s.leaseID);
    expect(
      await patient.delete({ cloudID: found[0]!.cloudID, leaseID: s.leaseID, region: found[0]?.region }),
    ).toBe("deleted");
    expect(fake.inventory()).toEqual({ instances: [], keyPairs: [], groups: [] });
  });
});

describe("ownership tags", () => {
  it("always tag the instance with the lease, even when the caller's labels lack it", async () => {
    const s = spec({ labels: {} });
    await provider().create(s);
    expect(fake.inventory().instances[0]?.tags).toMatchObject({
      crabbox: "true",
      created_by: "crabbox",
      lease: s.leaseID,
    });
    expect(fake.inventory().instances[0]?.volumeTags).toMatchObject({ lease: s.leaseID });
  });

  it("puts the lease group in the configured subnet's VPC, and names the setting when the subnet does not exist", async () => {
    fake.subnets.set("subnet-0abc", "vpc-0123");
    await provider({ subnetID: "subnet-0abc" }).create(spec());
    expect(calls("CreateSecurityGroup")[0]!.params.get("VpcId")).toBe("vpc-0123");
    expect(calls("RunInstances")[0]!.params.get("NetworkInterface.1.SubnetId")).toBe("subnet-0abc");

    fake.reset();
    const error = await provider({ subnetID: "subnet-0dead" })
      .create(spec())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "config", details: { field: "CRABBOX_AWS_SUBNET_ID" } });
    expect((error as Error).message).toMatch(/subnet subnet-0dead does not exist/);
    expect(calls("RunInstances")).toEqual([]);
    expect(fake.inventory().instances).toEqual([]);
  });
});
