import { existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { ArmResourceType } from "../../support/fake-arm";
import { cliEnvFor, type RunningFakeArm, startFakeArm } from "../../support/fake-arm";
import { runCli } from "../support";
import { checkoutWithOrigin } from "../sync/git/git-fixture";
import { directHome, type LocalCloudMachine, localCloudMachine } from "./local-machine";

const perLease: ArmResourceType[] = ["virtualMachine", "networkInterface", "publicIPAddress", "disk"];
const shared: ArmResourceType[] = ["resourceGroup", "virtualNetwork", "subnet", "networkSecurityGroup"];

/**
 * Direct mode on Azure through the CLI's `main`: the CLI signs in to the loopback Entra ID
 * fake and drives the ARM fake over TLS (both trusted through NODE_EXTRA_CA_CERTS, which the
 * CLI reads from the environment it is given), and the VM's public IP is a local machine
 * (real shell and git) that accepts exactly the key the VM request carried.
 */
describe("direct mode on Azure (ARM fake over TLS, local machine)", () => {
  let arm: RunningFakeArm;
  let machine: LocalCloudMachine;
  let home: string;
  let env: Record<string, string>;
  let caFile: string;

  beforeAll(async () => {
    arm = await startFakeArm({ loginTls: true });
    arm.fake.addressFor = () => "127.0.0.1";
    caFile = join(mkdtempSync(join(tmpdir(), "crabbox-azure-ca-")), "ca.pem");
    writeFileSync(caFile, arm.ca);
    machine = await localCloudMachine(() => {
      const put = arm.fake.requestsTo("PUT", "virtualMachine").at(-1)?.body as
        | {
            properties?: {
              osProfile?: { linuxConfiguration?: { ssh?: { publicKeys?: { keyData: string }[] } } };
            };
          }
        | undefined;
      return put?.properties?.osProfile?.linuxConfiguration?.ssh?.publicKeys?.[0]?.keyData;
    });
  });

  afterAll(async () => {
    await machine?.close();
    await arm?.close();
  });

  beforeEach(() => {
    ({ home, env } = directHome(machine, {
      provider: "azure",
      owner: "tester@laptop",
      config: ["capacity:", "  market: spot"],
      env: {
        ...cliEnvFor(arm),
        CRABBOX_AZURE_LOCATION: "westeurope",
        CRABBOX_AZURE_SSH_CIDRS: "127.0.0.1/32",
        NODE_EXTRA_CA_CERTS: caFile,
      },
    }));
  });

  afterEach(() => {
    arm.fake.reset();
  });

  const left = (types: ArmResourceType[]) => arm.fake.all().filter((r) => types.includes(r.type));
  const records = () => {
    const dir = join(home, "state", "direct-leases");
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  it("leases a tagged spot VM, syncs a git checkout, runs the command, and deletes every per-lease resource", async () => {
    const c = checkoutWithOrigin("azure-run");
    c.write("README.md", "dirty\n");
    const r = await runCli(
      [
        "run",
        "--direct",
        "--provider",
        "azure",
        "--",
        "git rev-parse HEAD; git diff --stat origin/main; exit 7",
      ],
      { env: { ...env, CRABBOX_SYNC_BASE_REF: "origin/main" }, cwd: c.root },
    );
    expect(r.stderr).toContain("provider=azure");
    expect(r.code, r.stderr).toBe(7);
    expect(r.stdout).toBe(`${c.git("rev-parse", "HEAD")}${c.git("diff", "--stat", "origin/main")}`);

    const vmPut = arm.fake.requestsTo("PUT", "virtualMachine")[0]!.body as {
      location: string;
      tags: Record<string, string>;
      properties: { priority?: string; osProfile: { customData: string } };
    };
    expect(vmPut.location).toBe("westeurope");
    expect(vmPut.properties.priority).toBe("Spot");
    expect(vmPut.tags).toMatchObject({
      crabbox: "true",
      direct: "true",
      owner: "tester_laptop",
      provider: "azure",
      market: "spot",
    });
    // the cloud-init contract: the same document the other clouds get, carrying the lease key
    expect(Buffer.from(vmPut.properties.osProfile.customData, "base64").toString("utf8")).toMatch(
      /^#cloud-config/,
    );
    const rule = arm.fake.find("networkSecurityGroup", "crabbox-nsg").properties.securityRules[0];
    expect(rule.properties.sourceAddressPrefix).toBe("127.0.0.1/32");
    // the tags were refreshed to ready through PATCH on the VM
    expect(arm.fake.requestsTo("PATCH", "virtualMachine").length).toBeGreaterThan(0);

    expect(left(perLease)).toEqual([]);
    expect(
      left(shared)
        .map((s) => s.type)
        .sort(),
    ).toEqual([...shared].sort());
    expect(records()).toEqual([]);
    expect(JSON.stringify(arm.fake.requests)).not.toContain(arm.fake.clientSecret);
    expect(r.stderr).not.toContain(arm.fake.clientSecret);
  });

  it("warmup leases a VM that run --id uses and stop releases, resources and all", async () => {
    const c = checkoutWithOrigin("azure-warmup");
    const warm = await runCli(["warmup", "--json"], { env, cwd: c.root });
    expect(warm.code, warm.stderr).toBe(0);
    const { leaseID, slug } = JSON.parse(warm.stdout);
    expect(arm.fake.all("virtualMachine")).toHaveLength(1);

    const run = await runCli(["run", "--id", leaseID, "--", "git rev-parse HEAD"], { env, cwd: c.root });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toBe(c.git("rev-parse", "HEAD"));
    expect(run.stderr).toContain(`using direct lease ${leaseID}`);
    expect(arm.fake.requestsTo("PUT", "virtualMachine")).toHaveLength(1);
    expect(arm.fake.all("virtualMachine")).toHaveLength(1);

    const stopped = await runCli(["stop", slug], { env, cwd: c.root });
    expect(stopped.code, stopped.stderr).toBe(0);
    expect(stopped.stderr).toContain(`released direct lease=${leaseID}`);
    expect(left(perLease)).toEqual([]);
    expect(records()).toEqual([]);
  });

  it("list and status show a warm direct Azure lease with its VM, ready over SSH", async () => {
    const c = checkoutWithOrigin("azure-list-status");
    const warm = await runCli(["warmup", "--json"], { env, cwd: c.root });
    expect(warm.code, warm.stderr).toBe(0);
    const { leaseID, slug } = JSON.parse(warm.stdout);
    const [vm] = arm.fake.all("virtualMachine");

    const list = await runCli(["list", "--json"], { env, cwd: c.root });
    expect(list.code, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toMatchObject({
      leases: [],
      direct: [
        { id: leaseID, slug, provider: "azure", state: "ready", host: "127.0.0.1", cloudID: vm!.name },
      ],
    });
    const status = await runCli(["status", slug], { env, cwd: c.root });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(`^${leaseID} slug=${slug} provider=azure state=ready .*direct=true ready=true`),
    );

    expect((await runCli(["stop", slug], { env, cwd: c.root })).code).toBe(0);
    expect((await runCli(["list"], { env, cwd: c.root })).stdout).toBe("");
    expect(left(perLease)).toEqual([]);
  });

  for (const moment of ["while the VM is being created", "while waiting for SSH"] as const) {
    it(`deletes every per-lease resource when the run is interrupted ${moment}`, async () => {
      const c = checkoutWithOrigin("azure-abort");
      const closed = mkdtempSync(join(tmpdir(), "crabbox-cfg-"));
      writeFileSync(
        join(closed, "config.yaml"),
        ["provider: azure", "ssh:", "  port: 9", "  fallbackPorts: []", ""].join("\n"),
      );
      const controller = new AbortController();
      const reached = () =>
        moment === "while the VM is being created"
          ? arm.fake.requestsTo("PUT", "virtualMachine").length > 0
          : arm.fake.requestsTo("PATCH", "virtualMachine").length > 0 ||
            arm.fake.all("virtualMachine").some((v) => v.body.properties.provisioningState === "Succeeded");
      const watch = setInterval(() => reached() && controller.abort(), 5);
      const r = await runCli(["run", "--", "true"], {
        env: { ...env, CRABBOX_CONFIG_DIR: closed },
        cwd: c.root,
        signal: controller.signal,
      }).finally(() => clearInterval(watch));
      expect(controller.signal.aborted).toBe(true);
      expect(r.code).not.toBe(0);
      expect(arm.fake.requestsTo("PUT", "virtualMachine").length).toBeGreaterThan(0);
      expect(left(perLease)).toEqual([]);
      expect(records()).toEqual([]);
    });
  }

  it("cleanup --dry-run lists an expired kept lease and cleanup deletes its VM, NIC, IP and disk", async () => {
    const c = checkoutWithOrigin("azure-cleanup");
    const kept = await runCli(["run", "--keep", "--", "true"], { env, cwd: c.root });
    expect(kept.code, kept.stderr).toBe(0);
    const [vm] = arm.fake.all("virtualMachine");
    expect(vm!.body.tags.state).toBe("ready");
    expect(left(perLease)).toHaveLength(4);

    const early = await runCli(["cleanup", "--dry-run"], { env, cwd: c.root });
    expect(early.code).toBe(0);
    expect(early.stdout).toBe("");
    expect(early.stderr).toMatch(new RegExp(`skip server id=${vm!.name} .*reason=keep=true`));

    // what a kept lease looks like once its owner stopped keeping it and its time ran out
    vm!.body.tags = {
      ...vm!.body.tags,
      keep: "false",
      expires_at: String(Math.floor(Date.now() / 1000) - 60),
    };
    const dry = await runCli(["cleanup", "--dry-run"], { env, cwd: c.root });
    expect(dry.stdout).toMatch(
      new RegExp(`^would delete server id=${vm!.name} .*reason=expired state=ready\\n$`),
    );
    expect(left(perLease)).toHaveLength(4);
    expect(arm.fake.requests.some((q) => q.method === "DELETE")).toBe(false);

    const real = await runCli(["cleanup"], { env, cwd: c.root });
    expect(real.code, real.stderr).toBe(0);
    expect(real.stdout).toMatch(new RegExp(`deleted server id=${vm!.name}`));
    expect(left(perLease)).toEqual([]);
    expect(left(shared)).toHaveLength(shared.length);
  });

  it("refuses direct mode on Azure without the service principal, naming the variable", async () => {
    const c = checkoutWithOrigin("azure-no-secret");
    const { AZURE_CLIENT_SECRET: _, ...without } = env;
    const r = await runCli(["run", "--", "true"], { env: without, cwd: c.root });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("AZURE_CLIENT_SECRET");
    expect(arm.fake.requests).toEqual([]);
  });

  it("fails with a config error naming the variable when the CA bundle cannot be read", async () => {
    const c = checkoutWithOrigin("azure-bad-ca");
    const r = await runCli(["run", "--", "true"], {
      env: { ...env, NODE_EXTRA_CA_CERTS: join(home, "missing.pem") },
      cwd: c.root,
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("NODE_EXTRA_CA_CERTS");
    expect(arm.fake.requests).toEqual([]);
  });
});
