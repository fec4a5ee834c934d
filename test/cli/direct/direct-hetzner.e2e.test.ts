import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeHetzner, type FakeServer } from "../../support/fake-hetzner";
import { closeCoordinators, coordinator, json, runCli } from "../support";
import { checkoutWithOrigin, gitIn } from "../sync/git/git-fixture";
import { directHome, type LocalCloudMachine, localCloudMachine } from "./local-machine";

/**
 * Direct mode through the CLI's `main`: the CLI creates the server on the loopback Hetzner
 * fake with the caller's token, and "the server" is a local machine (the same SSH server the
 * local stack's machines run, real shell and git) on 127.0.0.1, which the fake hands out as
 * the server's address. It accepts exactly the lease key the provider uploaded, the way
 * cloud-init installs it, and has `crabbox-ready` once "bootstrapped".
 */
describe("direct mode on Hetzner (fake API, local machine)", () => {
  let fake: FakeHetzner;
  let api: { url: string; close: () => Promise<void> };
  let machine: LocalCloudMachine;
  let home: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    fake = new FakeHetzner();
    fake.addressFor = () => "127.0.0.1";
    api = await fake.listen();
    machine = await localCloudMachine(() => [...fake.keys.values()].at(-1)?.public_key);
  });

  afterAll(async () => {
    await machine?.close();
    await api?.close();
    closeCoordinators();
  });

  beforeEach(() => {
    ({ home, env } = directHome(machine, {
      provider: "hetzner",
      owner: "tester@laptop",
      env: { HCLOUD_TOKEN: fake.token, CRABBOX_HETZNER_API_URL: api.url },
    }));
  });

  afterEach(() => {
    fake.servers.clear();
    fake.keys.clear();
    fake.requests.length = 0;
  });

  const records = () => {
    const dir = join(home, "state", "direct-leases");
    return existsSync(dir) ? readdirSync(dir) : [];
  };

  it("leases a server with local credentials, syncs a git checkout, runs, and deletes the server", async () => {
    const c = checkoutWithOrigin("direct-run");
    c.write("README.md", "dirty\n");
    const r = await runCli(
      ["run", "--", "echo ran on $(hostname); git rev-parse HEAD; git diff --stat origin/main"],
      {
        env: { ...env, CRABBOX_SYNC_BASE_REF: "origin/main" },
        cwd: c.root,
      },
    );
    expect(r.stderr).toContain("provider=hetzner");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("ran on");
    expect(r.stdout).toContain(`${c.git("rev-parse", "HEAD")}${c.git("diff", "--stat", "origin/main")}`);

    const create = fake.requests.find((q) => q.method === "POST" && q.path === "/servers");
    const labels = (create!.body as { labels: Record<string, string> }).labels;
    expect(labels).toMatchObject({
      crabbox: "true",
      created_by: "crabbox",
      direct: "true",
      owner: "tester_laptop",
      provider: "hetzner",
      state: "leased",
      keep: "false",
    });
    expect(Number(labels.expires_at)).toBeGreaterThan(Date.now() / 1000);
    const relabel = fake.requests.find((q) => q.method === "PUT" && q.path.startsWith("/servers/"));
    const relabelled = (relabel!.body as { labels: Record<string, string> }).labels;
    expect(relabelled.state).toBe("ready");
    // a touch keeps every label the server was created with, including the type actually chosen
    expect(relabelled).toEqual({
      ...labels,
      state: "ready",
      last_touched_at: relabelled.last_touched_at,
      expires_at: relabelled.expires_at,
    });
    expect(fake.requests.every((q) => q.authorized)).toBe(true);
    // released: the server and its key are gone, and so is the local record
    expect(fake.inventory()).toEqual({ servers: [], keys: [] });
    expect(records()).toEqual([]);
  });

  it("refreshes last_touched_at and expires_at while a command runs", async () => {
    const c = checkoutWithOrigin("direct-heartbeat");
    const r = await runCli(["run", "--idle-timeout", "15s", "--", "sleep 6"], { env, cwd: c.root });
    expect(r.code).toBe(0);
    const touches = fake.requests
      .filter((q) => q.method === "PUT")
      .map((q) => (q.body as { labels: Record<string, string> }).labels);
    expect(touches.length).toBeGreaterThanOrEqual(2);
    const last = touches.at(-1)!;
    expect(Number(last.last_touched_at)).toBeGreaterThan(Number(touches[0]!.created_at));
    expect(Number(last.expires_at)).toBe(Number(last.last_touched_at) + 15);
  });

  it("keeps a --keep lease, records it outside the repo, and reuses it with --id <slug>", async () => {
    const c = checkoutWithOrigin("direct-keep");
    const first = await runCli(["run", "--keep", "--", "true"], { env, cwd: c.root });
    expect(first.code).toBe(0);
    expect(fake.servers.size).toBe(1);
    const [file] = records();
    const record = JSON.parse(readFileSync(join(home, "state", "direct-leases", file!), "utf8"));
    expect(record).toMatchObject({ provider: "hetzner", host: "127.0.0.1", keep: true });
    expect(existsSync(join(c.root, ".crabbox.yaml"))).toBe(false);
    expect(gitIn(c.root, "status", "--porcelain")).toBe("");

    const again = await runCli(["run", "--id", record.slug, "--", "echo reused"], { env, cwd: c.root });
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("reused");
    expect(again.stderr).toContain(`using direct lease ${record.leaseID}`);
    expect(fake.servers.size).toBe(1);
    expect(fake.requests.filter((q) => q.method === "POST" && q.path === "/servers")).toHaveLength(1);

    const stopped = await runCli(["stop", record.slug], { env, cwd: c.root });
    expect(stopped.code).toBe(0);
    expect(stopped.stderr).toContain(`released direct lease=${record.leaseID}`);
    expect(fake.inventory()).toEqual({ servers: [], keys: [] });
    expect(records()).toEqual([]);
    const unknown = await runCli(["stop", record.slug], { env, cwd: c.root });
    expect(unknown.code).toBe(4);
  });

  it("warmup leases a direct server that run --id uses and stop releases", async () => {
    const c = checkoutWithOrigin("direct-warmup");
    const warm = await runCli(["warmup", "--json"], { env, cwd: c.root });
    expect(warm.code, warm.stderr).toBe(0);
    const { leaseID, slug } = JSON.parse(warm.stdout);
    expect(fake.servers.size).toBe(1);
    const run = await runCli(["run", "--id", leaseID, "--", "git rev-parse HEAD"], { env, cwd: c.root });
    expect(run.stdout).toBe(c.git("rev-parse", "HEAD"));
    expect((await runCli(["stop", slug], { env, cwd: c.root })).code).toBe(0);
    expect(fake.inventory()).toEqual({ servers: [], keys: [] });
  });

  it("list and status show a warm direct lease: listed as direct with its server, ready over SSH", async () => {
    const c = checkoutWithOrigin("direct-list-status");
    const warm = await runCli(["warmup", "--json"], { env, cwd: c.root });
    expect(warm.code, warm.stderr).toBe(0);
    const { leaseID, slug } = JSON.parse(warm.stdout);

    const list = await runCli(["list", "--json"], { env, cwd: c.root });
    expect(list.code, list.stderr).toBe(0);
    const [server] = [...fake.servers.values()];
    expect(JSON.parse(list.stdout)).toMatchObject({
      leases: [],
      direct: [
        {
          id: leaseID,
          slug,
          provider: "hetzner",
          state: "ready",
          host: "127.0.0.1",
          cloudID: String(server!.id),
        },
      ],
    });

    const status = await runCli(["status", slug], { env, cwd: c.root });
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(
      new RegExp(`^${leaseID} slug=${slug} provider=hetzner state=ready .*direct=true ready=true`),
    );

    expect((await runCli(["stop", slug], { env, cwd: c.root })).code).toBe(0);
    const after = await runCli(["list"], { env, cwd: c.root });
    expect(after.stdout).toBe("");
  });

  it("deletes the server when the run is interrupted before the machine is ready", async () => {
    const c = checkoutWithOrigin("direct-abort");
    const closed = mkdtempSync(join(tmpdir(), "crabbox-cfg-"));
    writeFileSync(
      join(closed, "config.yaml"),
      ["provider: hetzner", "ssh:", "  port: 9", "  fallbackPorts: []", ""].join("\n"),
    );
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 2500);
    const r = await runCli(["run", "--", "true"], {
      env: { ...env, CRABBOX_CONFIG_DIR: closed },
      cwd: c.root,
      signal: controller.signal,
    });
    expect(r.code).not.toBe(0);
    expect(fake.requests.some((q) => q.method === "POST" && q.path === "/servers")).toBe(true);
    expect(fake.inventory().servers).toEqual([]);
    expect(records()).toEqual([]);
  });

  it("uses a configured coordinator unless --direct is given", async () => {
    const broker = await coordinator((_req, _body, res) =>
      json(res, 401, { error: "unauthorized", message: "no" }),
    );
    const c = checkoutWithOrigin("direct-coordinator");
    const withBroker = { ...env, CRABBOX_COORDINATOR: broker.url, CRABBOX_COORDINATOR_TOKEN: "t" };

    const brokered = await runCli(["run", "--", "true"], { env: withBroker, cwd: c.root });
    expect(brokered.code).toBe(3);
    expect(broker.requests.length).toBeGreaterThan(0);
    expect(fake.requests).toEqual([]);

    broker.requests.length = 0;
    const direct = await runCli(["run", "--direct", "--", "echo direct"], { env: withBroker, cwd: c.root });
    expect(direct.code).toBe(0);
    expect(direct.stdout).toContain("direct");
    expect(broker.requests).toEqual([]);
    expect(fake.inventory().servers).toEqual([]);

    const refused = await runCli(["cleanup"], { env: withBroker, cwd: c.root });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain("crabbox cleanup --direct");
    const allowed = await runCli(["cleanup", "--direct", "--dry-run"], { env: withBroker, cwd: c.root });
    expect(allowed.code).toBe(0);
  });

  it("cleanup --dry-run lists, and cleanup deletes, only this owner's expired direct crabbox machines", async () => {
    const now = Math.floor(Date.now() / 1000);
    const labels = (lease: string, extra: Record<string, string>) => ({
      crabbox: "true",
      created_by: "crabbox",
      direct: "true",
      owner: "tester_laptop",
      lease,
      keep: "false",
      state: "ready",
      created_at: String(now - 7200),
      expires_at: String(now - 60),
      ...extra,
    });
    const machines: Array<[string, Record<string, string>]> = [
      ["expired", labels("cbx_00000000000a", {})],
      ["failed", labels("cbx_00000000000b", { state: "failed", expires_at: String(now + 3600) })],
      ["still-valid", labels("cbx_00000000000c", { expires_at: String(now + 3600) })],
      ["kept", labels("cbx_00000000000d", { keep: "true" })],
      ["someone-else", labels("cbx_00000000000e", { owner: "colleague" })],
      [
        "brokered",
        Object.fromEntries(Object.entries(labels("cbx_00000000000f", {})).filter(([k]) => k !== "direct")),
      ],
      ["running-recently", labels("cbx_000000000010", { state: "running" })],
      ["bad-lease-label", labels("not-a-lease", {})],
    ];
    let id = 500;
    for (const [name, l] of machines) {
      const machine: FakeServer = {
        id: id++,
        name: `crabbox-${name}`,
        status: "running",
        server_type: "cx22",
        location: "fsn1",
        image: "ubuntu-24.04",
        labels: l,
        ssh_keys: [],
        user_data: "",
        ip: "192.0.2.9",
        ipAfterPolls: 0,
      };
      fake.servers.set(machine.id, machine);
    }
    const cwd = mkdtempSync(join(tmpdir(), "crabbox-cleanup-cwd-"));

    const dry = await runCli(["cleanup", "--dry-run"], { env, cwd });
    expect(dry.code).toBe(0);
    const listed = dry.stdout.split("\n").filter(Boolean);
    expect(listed).toHaveLength(2);
    expect(listed.join("\n")).toMatch(
      /would delete server id=500 name=crabbox-expired .*reason=expired state=ready/,
    );
    expect(listed.join("\n")).toMatch(/would delete server id=501 name=crabbox-failed .*reason=state=failed/);
    expect(fake.servers.size).toBe(machines.length);
    expect(fake.requests.some((q) => q.method === "DELETE")).toBe(false);

    const real = await runCli(["cleanup"], { env, cwd });
    expect(real.code).toBe(0);
    expect([...fake.servers.values()].map((s) => s.name).sort()).toEqual(
      [
        "crabbox-bad-lease-label",
        "crabbox-brokered",
        "crabbox-kept",
        "crabbox-running-recently",
        "crabbox-someone-else",
        "crabbox-still-valid",
      ].sort(),
    );
    expect(real.stderr).toContain("cleanup provider=hetzner deleted=2 skipped=6");
  });

  it("refuses direct mode without credentials, naming the variable", async () => {
    const c = checkoutWithOrigin("direct-no-token");
    const { HCLOUD_TOKEN: _, ...without } = env;
    const r = await runCli(["run", "--", "true"], { env: without, cwd: c.root });
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("HCLOUD_TOKEN or HETZNER_TOKEN");
    expect(fake.requests).toEqual([]);
  });
});
