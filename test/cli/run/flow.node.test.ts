import { afterEach, describe, expect, it } from "vitest";
import { tempRepo } from "../../e2e/repo";
import { closeCoordinators, coordinator, json, leaseJson, runCli, sandbox } from "../support";

afterEach(closeCoordinators);

function lease(id: string, port: number) {
  return leaseJson(id, { sshPort: String(port) });
}

describe("run flow guarantees", () => {
  it("fails a repo that cannot sync before anything is leased (exit 6, no create)", async () => {
    const s = sandbox();
    const repo = tempRepo();
    const c = await coordinator((_req, _body, res) => json(res, 500, { error: "internal" }));
    const env = {
      ...s.env,
      CRABBOX_COORDINATOR: c.url,
      CRABBOX_COORDINATOR_TOKEN: "t",
      CRABBOX_SYNC_FAIL_FILES: "2",
    };
    const r = await runCli(["run", "--", "true"], { env, cwd: repo.root });
    expect(r.code).toBe(6);
    expect(r.stderr).toMatch(/force-sync-large/);
    expect(c.requests).toEqual([]);
  });

  it("without a coordinator, a cloud provider needs its credentials (direct mode) and says which, exit 3", async () => {
    const s = sandbox();
    const repo = tempRepo();
    const r = await runCli(["run", "--provider", "hetzner", "--", "true"], { env: s.env, cwd: repo.root });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/HCLOUD_TOKEN/);
  });

  it("releases the lease and forgets its key when Ctrl-C arrives while waiting for SSH", async () => {
    const s = sandbox();
    const repo = tempRepo();
    let created = "";
    const c = await coordinator((req, body, res) => {
      if (req.method === "POST" && req.url === "/v1/leases") {
        created = JSON.parse(body).leaseID;
        return json(res, 201, { lease: lease(created, 9) }); // port 9: nothing answers SSH there
      }
      if (req.method === "POST" && req.url === "/v1/runs") return json(res, 503, { error: "internal" });
      if (req.url?.endsWith("/release"))
        return json(res, 200, { lease: { ...lease(created, 9), state: "released" } });
      if (req.url?.endsWith("/heartbeat")) return json(res, 200, { lease: lease(created, 9) });
      json(res, 404, { error: "not_found" });
    });
    const env = { ...s.env, CRABBOX_COORDINATOR: c.url, CRABBOX_COORDINATOR_TOKEN: "t" };
    const controller = new AbortController();
    const running = runCli(["run", "--", "true"], { env, cwd: repo.root, signal: controller.signal });
    while (!c.requests.some((q) => q.url.endsWith("/heartbeat"))) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    const r = await running;
    expect(r.code).toBe(130);
    const release = c.requests.find((q) => q.url === `/v1/leases/${created}/release`);
    expect(release?.body).toBe(JSON.stringify({ delete: true }));
    expect(r.stderr).toMatch(/released cbx_/);
    const { existsSync } = await import("node:fs");
    const { join } = await import("node:path");
    expect(existsSync(join(s.configDir, "leases", created))).toBe(false);
  });
  it("ends the run record once, as failed, when the coordinator cannot provide the machine", async () => {
    const s = sandbox();
    const repo = tempRepo();
    let created = "";
    const now = new Date().toISOString();
    const run = {
      id: "run_1",
      leaseID: "",
      provider: "local",
      target: "linux",
      class: "beast",
      serverType: "",
      owner: "o",
      org: "g",
      command: ["true"],
      state: "running",
      phase: "leasing",
      startedAt: now,
      eventCount: 0,
    };
    const c = await coordinator((req, body, res) => {
      if (req.method === "POST" && req.url === "/v1/runs") return json(res, 201, { run });
      if (req.url === "/v1/runs/run_1/events") return json(res, 201, {});
      if (req.url === "/v1/runs/run_1/finish") return json(res, 200, { run: { ...run, state: "failed" } });
      if (req.method === "POST" && req.url === "/v1/leases") {
        created = JSON.parse(body).leaseID;
        return json(res, 201, {
          lease: { ...lease(created, 9), state: "failed", failureMessage: "no capacity" },
        });
      }
      if (req.url?.endsWith("/release"))
        return json(res, 200, { lease: { ...lease(created, 9), state: "released" } });
      json(res, 404, { error: "not_found" });
    });
    const env = { ...s.env, CRABBOX_COORDINATOR: c.url, CRABBOX_COORDINATOR_TOKEN: "t" };
    const r = await runCli(["run", "--", "true"], { env, cwd: repo.root });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no capacity/);
    const finishes = c.requests.filter((q) => q.url === "/v1/runs/run_1/finish");
    expect(finishes).toHaveLength(1);
    expect(JSON.parse(finishes[0]!.body).exitCode).toBe(1);
    const events = c.requests
      .filter((q) => q.url === "/v1/runs/run_1/events")
      .map((q) => JSON.parse(q.body).type);
    expect(events).toContain("run.failed");
    // released before the record ends, so the record can name the release
    const released = c.requests.findIndex((q) => q.url === `/v1/leases/${created}/release`);
    expect(released).toBeGreaterThan(-1);
    expect(released).toBeLessThan(c.requests.indexOf(finishes[0]!));
  });
});
