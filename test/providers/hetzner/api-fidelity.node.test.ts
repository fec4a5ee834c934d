import { afterEach, describe, expect, it } from "vitest";
import { HetznerProvider } from "../../../src/providers/hetzner";
import { FakeHetzner } from "../../support/fake-hetzner";
import { machineSpec } from "../../support/machine-spec";
import { servedDuringFile } from "../../support/served-during-file";

// The fake follows https://docs.hetzner.cloud/ (see test/support/fake-hetzner.ts).
const fake = new FakeHetzner();
const server = servedDuringFile(fake);
let sleeps: number[] = [];

afterEach(() => {
  fake.servers.clear();
  fake.keys.clear();
  fake.actions.clear();
  fake.requests.length = 0;
  fake.failCreateActions.clear();
  fake.clearFaults();
  fake.actionPolls = 1;
});

function provider() {
  sleeps = [];
  return new HetznerProvider({
    token: fake.token,
    baseUrl: server.url,
    retry: { timeoutMs: 5_000, maxRetries: 2, backoffMs: 1, sleep: async (ms) => void sleeps.push(ms) },
    ipPollMs: 1,
    actionPollMs: 1,
  });
}

const actionPolls = () => fake.requests.filter((r) => r.method === "GET" && r.path.startsWith("/actions/"));

describe("the Hetzner provider against an API that behaves like the reference", () => {
  it("returns a machine only after the create action has succeeded over several polls", async () => {
    fake.actionPolls = 4;
    const machine = await provider().create(machineSpec("hetzner"));
    const created = fake.servers.get(Number(machine.cloudID));
    expect(created?.status).toBe("running");
    expect(actionPolls().length).toBeGreaterThanOrEqual(4);
    expect([...fake.actions.values()].find((a) => a.command === "create_server")?.status).toBe("success");
  });

  it("moves on to the next type when the create action ends in error, leaving no failed server", async () => {
    fake.failCreateActions.set("ccx33", "resource_unavailable");
    const machine = await provider().create(
      machineSpec("hetzner", { class: "standard", serverType: "ccx33" }),
    );
    expect(machine.serverType).not.toBe("ccx33");
    expect(machine.attempts).toEqual([
      expect.objectContaining({ serverType: "ccx33", category: "capacity" }),
    ]);
    expect(fake.inventory().servers.map((s) => s.server_type)).toEqual([machine.serverType]);
  });

  it("waits for the delete action before reporting the server deleted", async () => {
    fake.actionPolls = 3;
    const hetzner = provider();
    const machine = await hetzner.create(machineSpec("hetzner"));
    fake.requests.length = 0;
    expect(await hetzner.delete({ cloudID: machine.cloudID, leaseID: machineSpec("hetzner").leaseID })).toBe(
      "deleted",
    );
    expect(actionPolls().length).toBeGreaterThanOrEqual(3);
    expect(fake.servers.size).toBe(0);
  });

  it("honours RateLimit-Reset when a 429 carries no Retry-After", async () => {
    fake.inject({ method: "GET", path: /^\/servers$/, fault: { kind: "rate_limit", resetSeconds: 30 } });
    expect(await provider().list()).toEqual([]);
    expect(sleeps.some((ms) => ms > 28_000 && ms <= 30_000)).toBe(true);
  });

  it("follows next_page through every page of a long list", async () => {
    for (let i = 0; i < 120; i++) {
      fake.servers.set(i + 1, {
        id: i + 1,
        name: `s${i}`,
        status: "running",
        server_type: "cx53",
        location: "fsn1",
        image: "ubuntu-24.04",
        labels: { crabbox: "true", lease: `cbx_${String(i).padStart(12, "0")}` },
        ssh_keys: [],
        user_data: "",
        ip: null,
        ipAfterPolls: 0,
      });
    }
    expect(await provider().list()).toHaveLength(120);
    const pages = fake.requests.filter((r) => r.path === "/servers").map((r) => r.query.get("page"));
    expect(pages).toEqual(["1", "2", "3"]);
  });
});

describe("the fake's label selectors and pagination, as the reference describes them", () => {
  const get = (query: string) =>
    fake.fetch(`http://fake/v1/servers?${query}`, { headers: { authorization: `Bearer ${fake.token}` } });

  it("accepts every documented expression and rejects anything else with invalid_input", async () => {
    fake.servers.set(1, {
      id: 1,
      name: "a",
      status: "running",
      server_type: "cx53",
      location: "fsn1",
      image: "x",
      labels: { env: "staging", crabbox: "true" },
      ssh_keys: [],
      user_data: "",
      ip: null,
      ipAfterPolls: 0,
    });
    const names = async (selector: string) => {
      const r = await get(`label_selector=${encodeURIComponent(selector)}`);
      expect(r.status, selector).toBe(200);
      return ((await r.json()) as { servers: Array<{ name: string }> }).servers.map((s) => s.name);
    };
    expect(await names("env=staging,crabbox")).toEqual(["a"]);
    expect(await names("env in (testing,staging)")).toEqual(["a"]);
    expect(await names("env notin (testing,staging)")).toEqual([]);
    expect(await names("!type,env!=prod")).toEqual(["a"]);
    expect(await names("!env")).toEqual([]);
    for (const bad of ["env in testing", "=x", "env=(a)", "a,,b"]) {
      const r = await get(`label_selector=${encodeURIComponent(bad)}`);
      expect(r.status, bad).toBe(400);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe("invalid_input");
    }
  });

  it("answers meta.pagination and rate-limit headers on every list, and refuses per_page over 50", async () => {
    const r = await get("page=1&per_page=25");
    expect(r.headers.get("ratelimit-limit")).toBe("3600");
    expect(r.headers.get("ratelimit-remaining")).toMatch(/^\d+$/);
    expect(r.headers.get("ratelimit-reset")).toMatch(/^\d+$/);
    expect(((await r.json()) as { meta: unknown }).meta).toEqual({
      pagination: {
        page: 1,
        per_page: 25,
        previous_page: null,
        next_page: null,
        last_page: 1,
        total_entries: 0,
      },
    });
    expect((await get("per_page=51")).status).toBe(400);
  });
});
