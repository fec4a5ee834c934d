import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeEc2 } from "../../support/fake-ec2";
import { runCli } from "../support";
import { checkoutWithOrigin } from "../sync/git/git-fixture";
import { directHome, type LocalCloudMachine, localCloudMachine } from "./local-machine";

/** Direct mode on AWS through the CLI: the loopback EC2 fake, a local machine as the instance. */
describe("direct mode on AWS (fake EC2, local machine)", () => {
  let fake: FakeEc2;
  let api: { url: string; close: () => Promise<void> };
  let machine: LocalCloudMachine;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = new FakeEc2();
    fake.ipAfterPolls = 0;
    fake.addressFor = () => "127.0.0.1";
    api = await fake.listen();
    machine = await localCloudMachine(() => [...fake.keyPairs.values()].at(-1)?.publicKey);
    ({ env } = directHome(machine, {
      provider: "aws",
      owner: "tester",
      config: ["capacity:", "  market: on-demand"],
      env: {
        AWS_ACCESS_KEY_ID: fake.accessKeyId,
        AWS_SECRET_ACCESS_KEY: fake.secretAccessKey,
        CRABBOX_AWS_REGION: "eu-west-1",
        CRABBOX_AWS_ENDPOINT: api.url,
        CRABBOX_AWS_SSH_CIDRS: "127.0.0.1/32",
        CRABBOX_SYNC_BASE_REF: "origin/main",
      },
    }));
  });

  afterAll(async () => {
    await machine?.close();
    await api?.close();
  });

  const live = () => [...fake.instances.values()].filter((i) => i.state !== "terminated");

  it("launches a tagged instance with the caller's keys, runs with git sync, and terminates it", async () => {
    const c = checkoutWithOrigin("aws-run");
    const r = await runCli(["run", "--", "git rev-parse HEAD; git diff --stat origin/main"], {
      env,
      cwd: c.root,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${c.git("rev-parse", "HEAD")}${c.git("diff", "--stat", "origin/main")}`);
    const launched = [...fake.instances.values()].at(-1)!;
    expect(launched.tags).toMatchObject({
      crabbox: "true",
      direct: "true",
      owner: "tester",
      provider: "aws",
    });
    expect(fake.requests.every((q) => q.signed)).toBe(true);
    const ingress = fake.requests.find((q) => q.action === "AuthorizeSecurityGroupIngress");
    expect([...(ingress?.params.values() ?? [])]).toContain("127.0.0.1/32");
    expect(live()).toEqual([]);
    expect(fake.keyPairs.size).toBe(0);
  });

  it("leaves a kept instance until it expires, then cleanup --dry-run lists it and cleanup terminates it", async () => {
    const c = checkoutWithOrigin("aws-keep");
    const kept = await runCli(["run", "--keep", "--", "true"], { env, cwd: c.root });
    expect(kept.code).toBe(0);
    const [instance] = live();
    expect(instance?.tags.state).toBe("ready");

    const early = await runCli(["cleanup", "--dry-run"], { env, cwd: c.root });
    expect(early.code).toBe(0);
    expect(early.stdout).toBe("");
    expect(early.stderr).toMatch(new RegExp(`skip server id=${instance!.id} .*reason=keep=true`));

    // what a kept lease looks like once its owner stopped keeping it and its time ran out
    instance!.tags = {
      ...instance!.tags,
      keep: "false",
      expires_at: String(Math.floor(Date.now() / 1000) - 60),
    };
    const dry = await runCli(["cleanup", "--dry-run"], { env, cwd: c.root });
    expect(dry.stdout).toMatch(
      new RegExp(`^would delete server id=${instance!.id} .*reason=expired state=ready\\n$`),
    );
    expect(live()).toHaveLength(1);

    const real = await runCli(["cleanup"], { env, cwd: c.root });
    expect(real.code).toBe(0);
    expect(real.stdout).toMatch(new RegExp(`deleted server id=${instance!.id}`));
    expect(live()).toEqual([]);
  });

  it("cleanup finds a direct lease's security group and key pair left without an instance, and deletes them", async () => {
    const c = checkoutWithOrigin("aws-leftover");
    // A release whose DeleteSecurityGroup EC2 refused until the budget ran out, long ago.
    const labels = {
      crabbox: "true",
      created_by: "crabbox",
      lease: "cbx_00000000beef",
      owner: "tester",
      direct: "true",
    };
    fake.groups.set("sg-0000000000000beef", {
      region: "eu-west-1",
      id: "sg-0000000000000beef",
      name: "crabbox-cbx-00000000beef",
      vpcId: "vpc-default-eu-west-1",
      description: "Crabbox lease cbx_00000000beef",
      tags: { ...labels },
      ingress: [],
    });
    fake.keyPairs.set("eu-west-1/crabbox-cbx-00000000beef", {
      region: "eu-west-1",
      name: "crabbox-cbx-00000000beef",
      id: "key-0000000000000beef",
      publicKey: "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl old",
      tags: { ...labels },
    });
    const dry = await runCli(["cleanup", "--dry-run"], { env, cwd: c.root });
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/would delete security_group id=sg-0000000000000beef .*reason=leftover/);
    expect(dry.stdout).toMatch(/would delete key_pair id=key-0000000000000beef .*reason=leftover/);
    const real = await runCli(["cleanup"], { env, cwd: c.root });
    expect(real.code, real.stderr).toBe(0);
    expect(fake.groups.has("sg-0000000000000beef")).toBe(false);
    expect(fake.keyPairs.size).toBe(0);
  });
});
