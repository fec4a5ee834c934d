import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type RunningStack, runStack } from "../../src/stack";
import { type LocalCloudMachine, localCloudMachine } from "../cli/direct/local-machine";
import { runCli } from "../cli/support";
import { checkoutWithOrigin } from "../cli/sync/git/git-fixture";
import { isolatedEnv } from "../stack/support";
import { type ArmResourceType, FakeArm } from "../support/fake-arm-core";

const armHost = "https://arm.fake.test";
const loginHost = "https://login.fake.test";
const perLease: ArmResourceType[] = ["virtualMachine", "networkInterface", "publicIPAddress", "disk"];

/**
 * Brokered Azure end to end: the local stack's coordinator (the Worker in workerd, with its
 * Durable Object and event log) configured for Azure as docs/deploy.md describes, its ARM
 * and Entra ID calls answered by the ARM fake (workerd cannot trust a loopback certificate,
 * so the stack's outbound fetches are routed to the fake in this process), and the VM's
 * public IP a local machine on port 2222 of its own 127.x address that accepts exactly the
 * key in the VM request. The user runs `crabbox run --provider azure` through the CLI's main.
 */
describe("brokered Azure through the local stack", () => {
  let ctx: Awaited<ReturnType<typeof isolatedEnv>>;
  let stack: RunningStack;
  let fake: FakeArm;
  let machine: LocalCloudMachine;
  let env: Record<string, string | undefined>;
  const machineHost = `127.${20 + Math.floor(Math.random() * 200)}.${Math.floor(Math.random() * 250)}.${1 + Math.floor(Math.random() * 250)}`;

  const outbound = async (request: Request): Promise<Response> => {
    const text = request.body ? await request.text() : "";
    if (request.url.startsWith(loginHost)) {
      const answer = fake.handleToken(text);
      return Response.json(answer.body, { status: answer.status });
    }
    if (!request.url.startsWith(armHost)) return new Response("no internet in tests", { status: 502 });
    const answer = fake.handle(
      request.method,
      request.url,
      request.headers.get("authorization") ?? undefined,
      text ? JSON.parse(text) : undefined,
      {
        ifMatch: request.headers.get("if-match") ?? undefined,
        ifNoneMatch: request.headers.get("if-none-match") ?? undefined,
      },
    );
    if (!answer) return await new Promise<Response>(() => {});
    const body = answer.body === undefined ? null : JSON.stringify(answer.body);
    return new Response(body, {
      status: answer.status,
      headers: { ...(answer.headers ?? {}), ...(body ? { "content-type": "application/json" } : {}) },
    });
  };

  beforeAll(async () => {
    fake = new FakeArm();
    fake.baseUrl = armHost;
    fake.addressFor = () => machineHost;
    machine = await localCloudMachine(
      () => {
        const put = fake.requestsTo("PUT", "virtualMachine").at(-1)?.body as
          | {
              properties?: {
                osProfile?: { linuxConfiguration?: { ssh?: { publicKeys?: { keyData: string }[] } } };
              };
            }
          | undefined;
        return put?.properties?.osProfile?.linuxConfiguration?.ssh?.publicKeys?.[0]?.keyData;
      },
      { host: machineHost, port: 2222 },
    );
    ctx = await isolatedEnv();
    stack = await runStack({
      env: ctx.env,
      coordinatorVars: {
        AZURE_TENANT_ID: fake.tenantId,
        AZURE_CLIENT_ID: fake.clientId,
        AZURE_CLIENT_SECRET: fake.clientSecret,
        AZURE_SUBSCRIPTION_ID: fake.subscriptionId,
        CRABBOX_AZURE_ARM_ENDPOINT: armHost,
        CRABBOX_AZURE_LOGIN_ENDPOINT: loginHost,
        CRABBOX_AZURE_LOCATION: "westeurope",
        CRABBOX_AZURE_SSH_CIDRS: "127.0.0.0/8",
      },
      outboundService: outbound,
    });
    env = {
      ...ctx.env,
      CRABBOX_COORDINATOR: stack.info.url,
      CRABBOX_COORDINATOR_TOKEN: stack.info.token,
      CRABBOX_OWNER: "e2e@example.com",
      CI: "e2e",
    };
  });

  afterAll(async () => {
    await stack?.stop();
    await machine?.close();
    await ctx?.cleanup();
  });

  beforeEach(() => {
    fake.reset();
  });

  const left = () => fake.all().filter((r) => perLease.includes(r.type));
  const leaseEvents = async (leaseID: string) => {
    const response = await fetch(`${stack.info.url}/v1/leases/${leaseID}/events`, {
      headers: { authorization: `Bearer ${stack.info.adminToken}`, "x-crabbox-owner": "e2e@example.com" },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { events: Array<{ type: string; data: Record<string, unknown> }> })
      .events;
  };
  const lease = async (leaseID: string) => {
    const response = await fetch(`${stack.info.url}/v1/leases/${leaseID}`, {
      headers: { authorization: `Bearer ${stack.info.adminToken}`, "x-crabbox-owner": "e2e@example.com" },
    });
    return ((await response.json()) as { lease: Record<string, unknown> }).lease;
  };

  it("runs a command on an Azure VM the coordinator leases, keeps its output and exit status, and deletes every per-lease resource", async () => {
    const c = checkoutWithOrigin("brokered-azure-run");
    const r = await runCli(
      ["run", "--provider", "azure", "--", "git rev-parse HEAD; echo on-azure; exit 3"],
      {
        env,
        cwd: c.root,
      },
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe(`${c.git("rev-parse", "HEAD")}on-azure\n`);
    const leaseID = /cbx_[0-9a-f]{12}/.exec(r.stderr)![0];

    const vm = fake.requestsTo("PUT", "virtualMachine")[0]!.body as {
      location: string;
      tags: Record<string, string>;
    };
    expect(vm.location).toBe("westeurope");
    expect(vm.tags).toMatchObject({ crabbox: "true", lease: leaseID, provider: "azure" });
    expect(vm.tags.direct).toBeUndefined();
    expect(left()).toEqual([]);
    expect(fake.all("virtualNetwork")).toHaveLength(1);

    const events = await leaseEvents(leaseID);
    const types = events.map((e) => e.type);
    const provisioned = events.find((e) => e.type === "MachineProvisioned");
    expect(provisioned, types.join(",")).toBeDefined();
    expect(provisioned!.data).toMatchObject({
      cloudID: expect.stringMatching(/^crabbox-/),
      host: machineHost,
    });
    expect(types.some((t) => t === "MachineDeleted")).toBe(true);
    expect(JSON.stringify(events)).not.toContain(fake.clientSecret);
  });

  it("falls back to a regular VM when Azure refuses spot, visible in the trail and the lease's market", async () => {
    fake.inject({
      method: "PUT",
      type: "virtualMachine",
      when: (q) => (q.body as { properties?: { priority?: string } })?.properties?.priority === "Spot",
      times: Number.POSITIVE_INFINITY,
      fault: { kind: "error", status: 409, code: "SkuNotAvailable", message: "no spot capacity (injected)" },
    });
    const c = checkoutWithOrigin("brokered-azure-spot");
    const configDir = env.CRABBOX_CONFIG_DIR!;
    const r = await runCli(
      ["run", "--provider", "azure", "--market", "spot", "--keep", "--", "echo fell-back"],
      {
        env: { ...env, CRABBOX_CONFIG_DIR: configDir },
        cwd: c.root,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("fell-back\n");
    const leaseID = /cbx_[0-9a-f]{12}/.exec(r.stderr)![0];

    const puts = fake
      .requestsTo("PUT", "virtualMachine")
      .map((q) => (q.body as { properties: { priority?: string } }).properties.priority ?? "Regular");
    expect(puts.at(-1)).toBe("Regular");
    expect(puts.filter((p) => p === "Spot").length).toBeGreaterThan(0);
    expect(fake.all("virtualMachine")).toHaveLength(1);
    expect(fake.all("virtualMachine")[0]!.body.tags.market).toBe("on-demand");

    const record = await lease(leaseID);
    expect(record.market).toBe("on-demand");
    const provisioned = (await leaseEvents(leaseID)).find((e) => e.type === "MachineProvisioned")!;
    const attempts = provisioned.data.provisioningAttempts as Array<{ category: string; market?: string }>;
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.every((a) => a.category === "spot_refused" && a.market === "spot")).toBe(true);
    expect(provisioned.data.market).toBe("on-demand");

    const stopped = await runCli(["stop", leaseID], { env, cwd: c.root });
    expect(stopped.code, stopped.stderr).toBe(0);
    // release deletes asynchronously in the coordinator: wait on the trail, not the clock
    for (let i = 0; i < 200 && left().length; i++) await new Promise((r) => setTimeout(r, 100));
    expect(left()).toEqual([]);
    expect((await leaseEvents(leaseID)).some((e) => e.type === "MachineDeleted")).toBe(true);
  });
});
