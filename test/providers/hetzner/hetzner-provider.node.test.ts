import { afterEach, describe, expect, it } from "vitest";
import { providerKeyForLease, providerMachineName } from "../../../src/domain/ids";
import { linuxCloudInit } from "../../../src/providers/bootstrap/linux";
import { HetznerProvider } from "../../../src/providers/hetzner";
import { FakeHetzner } from "../../support/fake-hetzner";
import { machineSpec } from "../../support/machine-spec";
import { servedDuringFile } from "../../support/served-during-file";

const fake = new FakeHetzner();
const server = servedDuringFile(fake);
let sleeps: number[];

afterEach(() => {
  fake.servers.clear();
  fake.keys.clear();
  fake.requests.length = 0;
  fake.unavailableTypes.clear();
  fake.clearFaults();
  fake.ipAfterPolls = 0;
});

function provider(change: Partial<ConstructorParameters<typeof HetznerProvider>[0]> = {}) {
  sleeps = [];
  return new HetznerProvider({
    token: fake.token,
    baseUrl: server.url,
    retry: {
      // Generous: no test here relies on this budget running out, and a busy CI machine is slow.
      timeoutMs: 5_000,
      maxRetries: 2,
      backoffMs: 1,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    },
    ipPollMs: 1,
    ipWaitMs: 2_000,
    ...change,
  });
}

const posts = (path: string) => fake.requests.filter((r) => r.method === "POST" && r.path === path);

describe("Hetzner create", () => {
  it("creates a per-lease key and a labelled server with the cloud-init and returns its IPv4", async () => {
    const spec = machineSpec("hetzner");
    const machine = await provider().create(spec);

    const [keyRequest] = posts("/ssh_keys");
    expect(keyRequest?.body).toEqual({
      name: providerKeyForLease(spec.leaseID),
      public_key: spec.sshPublicKey,
      labels: { crabbox: "true", created_by: "crabbox", lease: spec.leaseID },
    });
    const [createRequest] = posts("/servers");
    expect(createRequest?.body).toEqual({
      name: providerMachineName(spec.leaseID, spec.slug),
      server_type: "ccx63",
      image: "ubuntu-24.04",
      location: "fsn1",
      labels: spec.labels,
      ssh_keys: [providerKeyForLease(spec.leaseID)],
      user_data: linuxCloudInit(spec),
      start_after_create: true,
      public_net: { enable_ipv4: true, enable_ipv6: false },
    });
    expect(fake.requests.every((r) => r.authorized)).toBe(true);
    const [created] = fake.inventory().servers;
    expect(machine).toEqual({
      provider: "hetzner",
      cloudID: String(created?.id),
      name: providerMachineName(spec.leaseID, spec.slug),
      serverType: "ccx63",
      region: "fsn1",
      host: created?.ip,
      sshUser: "crabbox",
      sshPort: 2222,
      sshFallbackPorts: [22],
      workRoot: "/work/crabbox",
      attempts: [],
    });
  });

  it("falls back along the class chain on capacity errors and labels the type it got", async () => {
    fake.unavailableTypes.add("ccx63");
    fake.unavailableTypes.add("ccx53");
    const machine = await provider().create(machineSpec("hetzner"));
    expect(posts("/servers").map((r) => (r.body as { server_type: string }).server_type)).toEqual([
      "ccx63",
      "ccx53",
      "ccx43",
    ]);
    expect(machine.serverType).toBe("ccx43");
    expect(machine.attempts.map((a) => [a.serverType, a.category])).toEqual([
      ["ccx63", "capacity"],
      ["ccx53", "capacity"],
    ]);
    expect(fake.inventory().servers[0]?.labels.server_type).toBe("ccx43");
  });

  it("treats quota refusals as a reason to try the next type too", async () => {
    fake.inject({
      method: "POST",
      path: /^\/servers$/,
      fault: { kind: "error", status: 403, code: "resource_limit_exceeded" },
    });
    const machine = await provider().create(machineSpec("hetzner"));
    expect(machine.serverType).toBe("ccx53");
    expect(machine.attempts[0]?.category).toBe("quota");
  });

  it("tries exactly the explicit type, and leaves nothing behind when it is unavailable", async () => {
    fake.unavailableTypes.add("cpx62");
    const spec = machineSpec("hetzner", { serverType: "cpx62", serverTypeExplicit: true });
    await expect(provider().create(spec)).rejects.toMatchObject({ code: "capacity_unavailable" });
    expect(posts("/servers")).toHaveLength(1);
    expect(fake.inventory()).toEqual({ servers: [], keys: [] });
  });

  it("stops at the first error that is not about capacity and deletes the key it made", async () => {
    fake.inject({
      method: "POST",
      path: /^\/servers$/,
      fault: { kind: "error", status: 400, code: "invalid_input" },
    });
    await expect(provider().create(machineSpec("hetzner"))).rejects.toThrow(/invalid_input/);
    expect(posts("/servers")).toHaveLength(1);
    expect(fake.inventory()).toEqual({ servers: [], keys: [] });
  });

  it("waits until RateLimit-Reset on 429", async () => {
    fake.inject({ method: "POST", path: /^\/servers$/, fault: { kind: "rate_limit", resetSeconds: 3 } });
    await provider().create(machineSpec("hetzner"));
    expect(sleeps.some((ms) => ms > 1_000 && ms <= 3_000)).toBe(true);
    expect(fake.inventory().servers).toHaveLength(1);
  });

  it("retries 5xx a bounded number of times, then gives up", async () => {
    fake.inject({ method: "GET", path: /^\/ssh_keys$/, fault: { kind: "server_error" }, times: 2 });
    await provider().create(machineSpec("hetzner", { leaseID: "cbx_00000000000a" }));
    expect(fake.inventory().servers).toHaveLength(1);

    fake.inject({ method: "GET", path: /^\/server_types$/, fault: { kind: "server_error" }, times: 3 });
    await expect(provider().hourlyPriceUSD("ccx63")).rejects.toThrow(/http 503/);
    expect(fake.requests.filter((r) => r.path === "/server_types")).toHaveLength(3);
  });

  it("adopts a server whose create timed out but landed, instead of making a second one", async () => {
    fake.inject({ method: "POST", path: /^\/servers$/, fault: { kind: "late" } });
    const spec = machineSpec("hetzner");
    const machine = await provider().create(spec);
    const { servers } = fake.inventory();
    expect(servers).toHaveLength(1);
    expect(machine.cloudID).toBe(String(servers[0]?.id));
    expect(servers[0]?.labels.lease).toBe(spec.leaseID);
  });

  it("adopts the server of an earlier create of the same lease", async () => {
    const spec = machineSpec("hetzner");
    const first = await provider().create(spec);
    const second = await provider().create(spec);
    expect(second.cloudID).toBe(first.cloudID);
    expect(fake.inventory().servers).toHaveLength(1);
    expect(fake.inventory().keys).toHaveLength(1);
  });

  it("polls until the IPv4 is assigned", async () => {
    fake.ipAfterPolls = 3;
    const machine = await provider().create(machineSpec("hetzner"));
    expect(machine.host).toMatch(/^192\.0\.2\./);
    expect(fake.requests.filter((r) => r.method === "GET" && /^\/servers\/\d+$/.test(r.path)).length).toBe(3);
  });

  it("deletes the server and the key when the IPv4 never comes", async () => {
    fake.ipAfterPolls = 1_000_000;
    await expect(provider({ ipWaitMs: 30 }).create(machineSpec("hetzner"))).rejects.toMatchObject({
      code: "timeout",
    });
    expect(fake.inventory()).toEqual({ servers: [], keys: [] });
  });

  it("refuses a key name that exists with other key material", async () => {
    const spec = machineSpec("hetzner");
    fake.keys.set(1, {
      id: 1,
      name: providerKeyForLease(spec.leaseID),
      public_key: "ssh-ed25519 AAAAOTHER other",
      labels: {},
    });
    await expect(provider().create(spec)).rejects.toThrow(/different public key/);
    expect(posts("/servers")).toHaveLength(0);
    expect(fake.inventory().keys).toHaveLength(1);
  });
});

describe("Hetzner delete, list and price", () => {
  it("deletes the server and the lease key, and a second delete finds them gone", async () => {
    const spec = machineSpec("hetzner");
    const p = provider();
    const machine = await p.create(spec);
    expect(await p.delete({ cloudID: machine.cloudID, leaseID: spec.leaseID })).toBe("deleted");
    expect(fake.inventory()).toEqual({ servers: [], keys: [] });
    expect(await p.delete({ cloudID: machine.cloudID, leaseID: spec.leaseID })).toBe("already_gone");
  });

  it("never deletes a key that is not labelled with the lease", async () => {
    const spec = machineSpec("hetzner");
    fake.keys.set(7, {
      id: 7,
      name: providerKeyForLease(spec.leaseID),
      public_key: "ssh-ed25519 AAAA x",
      labels: {},
    });
    await provider().delete({ cloudID: "12345", leaseID: spec.leaseID });
    expect(fake.inventory().keys).toHaveLength(1);
  });

  it("lists crabbox servers by label selector across pages", async () => {
    for (let i = 0; i < 60; i++) {
      fake.servers.set(i + 1, {
        id: i + 1,
        name: `s${i}`,
        status: "running",
        server_type: "cx53",
        location: "nbg1",
        image: "ubuntu-24.04",
        labels:
          i % 2 === 0 ? { crabbox: "true", lease: `cbx_${String(i).padStart(12, "0")}` } : { other: "x" },
        ssh_keys: [],
        user_data: "",
        ip: "192.0.2.9",
        ipAfterPolls: 0,
      });
    }
    const machines = await provider().list();
    expect(machines).toHaveLength(30);
    expect(fake.requests.every((r) => r.query.get("label_selector") === "crabbox=true")).toBe(true);
    expect(machines[0]).toMatchObject({
      provider: "hetzner",
      cloudID: "1",
      region: "nbg1",
      host: "192.0.2.9",
    });
  });

  it("prices a server type in USD from the location's gross hourly EUR price", async () => {
    expect(await provider().hourlyPriceUSD("ccx63", "fsn1")).toBe(1.08);
    expect(await provider().hourlyPriceUSD("nope")).toBeUndefined();
  });

  it("refuses Windows leases with an error naming the field", async () => {
    await expect(provider().create(machineSpec("hetzner", { target: "windows" }))).rejects.toMatchObject({
      code: "unsupported",
      details: { field: "target" },
    });
  });
});

describe("Hetzner key material already in the project", () => {
  it("uses the existing key of another name, and leaves it in place on delete", async () => {
    const spec = machineSpec("hetzner");
    fake.keys.set(5, {
      id: 5,
      name: "laptop",
      public_key: `${spec.sshPublicKey.split(" ").slice(0, 2).join(" ")} me@laptop`,
      labels: {},
    });
    const p = provider();
    const machine = await p.create(spec);
    expect(posts("/servers")[0]?.body).toMatchObject({ ssh_keys: ["laptop"] });
    await p.delete({ cloudID: machine.cloudID, leaseID: spec.leaseID });
    expect(fake.inventory()).toEqual({ servers: [], keys: [fake.keys.get(5)] });
  });
});

describe("a create that appears only after the caller gave up", () => {
  it("is found by findByLease and removed by delete", async () => {
    fake.inject({ method: "POST", path: /^\/servers$/, fault: { kind: "deferred" }, times: 10 });
    const spec = machineSpec("hetzner", { serverType: "cx53", serverTypeExplicit: true });
    // The deferred call never answers, so any budget runs out; a wider one keeps the calls before it
    // from timing out on a busy machine.
    const p = provider({ retry: { timeoutMs: 1_000, maxRetries: 1, backoffMs: 0, sleep: async () => {} } });
    await expect(p.create(spec)).rejects.toMatchObject({
      code: "capacity_unavailable",
      details: { attempts: [{ serverType: "cx53", category: "timeout" }] },
    });

    fake.releaseDeferred();
    // Only the create is meant to time out; a 50 ms budget would also time a busy machine.
    const patient = provider();
    const found = await patient.findByLease(spec.leaseID);
    expect(found).toHaveLength(1);
    expect(found[0]?.labels.lease).toBe(spec.leaseID);
    expect(await patient.delete({ cloudID: found[0]!.cloudID, leaseID: spec.leaseID })).toBe("deleted");
    expect(fake.inventory()).toEqual({ servers: [], keys: [] });
  });
});

describe("a lease that names only its class", () => {
  it("starts with the class's first type, not the class name", async () => {
    const machine = await provider().create(machineSpec("hetzner", { class: "large", serverType: "large" }));
    expect(posts("/servers").map((r) => (r.body as { server_type: string }).server_type)).toEqual(["ccx53"]);
    expect(machine.serverType).toBe("ccx53");
  });
});

describe("ownership labels", () => {
  it("always label the server with the lease, even when the caller's labels lack it", async () => {
    const spec = machineSpec("hetzner", { labels: { owner: "someone" } });
    await provider().create(spec);
    expect(fake.inventory().servers[0]?.labels).toEqual({
      owner: "someone",
      crabbox: "true",
      created_by: "crabbox",
      lease: spec.leaseID,
      server_type: "ccx63",
    });
  });
});
