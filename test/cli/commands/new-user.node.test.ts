import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { main } from "../../../src/cli/main";
import { closeCoordinators, coordinator, json, leaseJson, runCli, sandbox, write } from "../support";

/** Defects a new user met (issue 13, "The CLI, tried as a new user would"), through the real `main`. */

afterEach(closeCoordinators);

describe("the CLI tried as a new user would", () => {
  it("refuses `history --limit abc` itself, naming the flag, without asking the coordinator", async () => {
    const s = sandbox();
    const c = await coordinator((_req, _body, res) => json(res, 200, { runs: [] }));
    const env = { ...s.env, CRABBOX_COORDINATOR: c.url, CRABBOX_COORDINATOR_TOKEN: "t" };
    const r = await runCli(["history", "--limit", "abc"], { ...s, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--limit must be an integer ≥ 1, got "abc"');
    expect(r.stderr).not.toMatch(/NaN/);
    expect(c.requests).toEqual([]);
  });

  it("points a missing run at `crabbox history`, not at the lease list", async () => {
    const s = sandbox();
    const c = await coordinator((_req, _body, res) =>
      json(res, 404, { error: "not_found", message: "run not found" }),
    );
    const env = { ...s.env, CRABBOX_COORDINATOR: c.url, CRABBOX_COORDINATOR_TOKEN: "t" };
    const r = await runCli(["logs", "run_0123456789abcdef"], { ...s, env });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("`crabbox history`");
    expect(r.stderr).not.toContain("list --all");
  });

  it("reports a malformed CRABBOX_PORT as a config error (exit 2) naming the variable, with no stack trace", async () => {
    const s = sandbox();
    const r = await runCli(["dev"], { ...s, env: { ...s.env, CRABBOX_PORT: "eighty" } });
    expect(r.stderr).not.toMatch(/unexpected error|\n\s+at /);
    expect(r.stderr).toContain('CRABBOX_PORT must be a port number (1-65535), got "eighty"');
    expect(r.code).toBe(2);
  });

  it("after `crabbox login` against the local stack, warmup uses the logged-in identity, as list does", async () => {
    const s = sandbox();
    const c = await coordinator((req, _body, res) => {
      if (req.url === "/v1/health") return json(res, 200, { ok: true });
      json(res, 403, { error: "forbidden", message: "stop here" });
    });
    const port = new URL(c.url).port;
    // The local stack as it publishes itself (its shared token), and the user's login token.
    const stateDir = join(s.root, "state");
    write(
      join(stateDir, "stack.json"),
      JSON.stringify({ pid: process.pid, url: c.url, port: Number(port), token: "stack-shared-token" }),
    );
    write(join(s.configDir, "config.yaml"), `broker:\n  url: ${c.url}\n  token: user-login-token\n`);
    const env = { ...s.env, CRABBOX_STATE_DIR: stateDir, CRABBOX_PORT: port };
    await runCli(["warmup"], { ...s, env });
    await runCli(["list"], { ...s, env });
    const authorized = c.requests
      .filter((r) => r.url !== "/v1/health")
      .map((r) => `${r.method} ${r.url} ${r.auth}`);
    expect(authorized.some((r) => r.startsWith("POST /v1/leases "))).toBe(true);
    expect(
      authorized.every((r) => r.endsWith("Bearer user-login-token")),
      authorized.join("\n"),
    ).toBe(true);
  });

  it("ends quietly when stdout is closed under it (`admin leases | head -5`)", async () => {
    const s = sandbox();
    const leases = Array.from({ length: 50 }, (_, i) => leaseJson(`cbx_${i.toString(16).padStart(12, "0")}`));
    const c = await coordinator((_req, _body, res) => json(res, 200, { leases }));
    const env = { ...s.env, CRABBOX_COORDINATOR: c.url, CRABBOX_ADMIN_TOKEN: "admin" };
    // What a pipe whose reader has exited does: every write fails with EPIPE.
    const closed = new Writable({
      write(_chunk, _encoding, callback) {
        callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE", errno: -32, syscall: "write" }));
      },
    });
    const errors: string[] = [];
    const stderr = new Writable({
      write(chunk, _encoding, callback) {
        errors.push(String(chunk));
        callback();
      },
    });
    const code = await main(["admin", "leases"], {
      stdout: closed,
      stderr,
      env,
      cwd: s.cwd,
      signal: new AbortController().signal,
    });
    // Give the stream's error events their turn: an unhandled one fails the test run.
    await new Promise((r) => setTimeout(r, 20));
    expect(errors.join("")).toBe("");
    expect(code).toBe(0);
  });
});
