import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { errorCodes } from "../../../src/errors";
import { closeCoordinators, coordinator, json, runCli, sandbox, write } from "../support";

afterEach(closeCoordinators);

describe("crabbox main: parsing, help and exit codes", () => {
  it("prints help and exits 2 without a command, 0 with --help", async () => {
    const s = sandbox();
    const bare = await runCli([], s);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toContain("crabbox");
    const help = await runCli(["--help"], s);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/crabbox whoami/);
  });

  it("answers a command's --help before doing anything (no config is read or written)", async () => {
    const s = sandbox();
    write(join(s.cwd, "crabbox.yaml"), "this is: [not valid yaml\n");
    for (const argv of [
      ["stop", "--help"],
      ["login", "--help"],
      ["config", "set-broker", "-h"],
      ["help", "stop"],
    ]) {
      const r = await runCli(argv, s);
      expect(r.code, argv.join(" ")).toBe(0);
      expect(r.stdout).toMatch(/\$ crabbox/);
    }
    expect(existsSync(s.configDir)).toBe(false);
  });

  it("never contacts the coordinator for run/warmup/stop --help", async () => {
    const s = sandbox();
    const c = await coordinator((_req, _body, res) => json(res, 500, { error: "internal" }));
    const env = { ...s.env, CRABBOX_COORDINATOR: c.url, CRABBOX_COORDINATOR_TOKEN: "t" };
    for (const argv of [
      ["run", "--help"],
      ["run", "--keep", "--help", "--", "make"],
      ["warmup", "-h"],
      ["stop", "x", "--help"],
    ]) {
      const r = await runCli(argv, { ...s, env });
      expect(r.code, argv.join(" ")).toBe(0);
    }
    expect(c.requests).toEqual([]);
    expect(existsSync(join(s.configDir, "leases"))).toBe(false);
  });

  it("exits 2 with a one-line hint for an unknown command or flag", async () => {
    const s = sandbox();
    const unknown = await runCli(["bogus"], s);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown command: crabbox bogus");
    expect(unknown.stderr.split("\n").length).toBeLessThan(4);
    const flag = await runCli(["list", "--nope"], s);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/--nope/);
  });

  it("prints the version", async () => {
    const r = await runCli(["--version"], sandbox());
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it("exits 2 with the fix when a coordinator-only command has no coordinator", async () => {
    const r = await runCli(["history"], sandbox());
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/needs a coordinator.*crabbox dev/);
  });

  it("exits 2 on a bad config file and names the field", async () => {
    const s = sandbox();
    write(join(s.cwd, "crabbox.yaml"), "ttl: forever\n");
    const r = await runCli(["config", "show"], s);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/ttl: "forever" is not a duration/);
  });

  it("maps coordinator answers to the documented exit codes: 401→3, 404→4, 504→5", async () => {
    const s = sandbox();
    let status = 401;
    const c = await coordinator((_req, _body, res) =>
      json(res, status, { error: status === 404 ? "not_found" : "unauthorized", message: "nope" }),
    );
    const env = { ...s.env, CRABBOX_COORDINATOR: c.url, CRABBOX_COORDINATOR_TOKEN: "secret-token" };
    const auth = await runCli(["whoami"], { ...s, env });
    expect(auth.code).toBe(3);
    expect(auth.stderr).toMatch(/crabbox login/);
    expect(auth.stderr).not.toContain("secret-token");
    status = 404;
    expect((await runCli(["inspect", "blue-lobster"], { ...s, env })).code).toBe(4);
    expect(c.requests.at(-1)?.url).toBe("/v1/leases/blue-lobster");
    expect(errorCodes.timeout.exit).toBe(5);
    expect(errorCodes.sync_failed.exit).toBe(6);
    expect(errorCodes.ssh_failed.exit).toBe(7);
  });

  it("retries a GET after a 503 and succeeds, sending the bearer token", async () => {
    const s = sandbox();
    let calls = 0;
    const c = await coordinator((_req, _body, res) => {
      calls++;
      if (calls === 1) return json(res, 503, { error: "internal" });
      json(res, 200, { owner: "ada@example.com", org: "acme", auth: "bearer", admin: false, kind: "shared" });
    });
    const env = { ...s.env, CRABBOX_COORDINATOR: c.url, CRABBOX_COORDINATOR_TOKEN: "tok" };
    const r = await runCli(["whoami", "--json"], { ...s, env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ owner: "ada@example.com", org: "acme" });
    expect(c.requests.map((q) => q.auth)).toEqual(["Bearer tok", "Bearer tok"]);
  });
});

describe("login, logout, config set-broker, config show, init", () => {
  it("stores a token from stdin in the user config (0600), verifies it, and logout removes only the token", async () => {
    const s = sandbox();
    const c = await coordinator((_req, _body, res) =>
      json(res, 200, { owner: "ada@example.com", org: "acme", auth: "bearer", admin: false, kind: "shared" }),
    );
    const login = await runCli(["login", "--url", c.url, "--token-stdin"], { ...s, stdin: "tok-123\n" });
    expect(login.code).toBe(0);
    expect(login.stdout).toMatch(/logged in broker=.* user=ada@example.com org=acme/);
    const path = join(s.configDir, "config.yaml");
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, "utf8")).toContain("tok-123");
    expect(c.requests[0]?.auth).toBe("Bearer tok-123");

    const show = await runCli(["config", "show", "--json"], s);
    expect(JSON.parse(show.stdout)).toMatchObject({ coordinator: c.url, brokerAuth: "configured" });
    expect(show.stdout).not.toContain("tok-123");

    expect((await runCli(["logout"], s)).code).toBe(0);
    expect(readFileSync(path, "utf8")).not.toContain("tok-123");
    expect(readFileSync(path, "utf8")).toContain(c.url);
  });

  it("refuses an empty token on stdin", async () => {
    const s = sandbox();
    const r = await runCli(["config", "set-broker", "--url", "http://127.0.0.1:9", "--token-stdin"], {
      ...s,
      stdin: "",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/stdin was empty/);
  });

  it("init writes a crabbox.yaml that loads, and refuses to overwrite without --force", async () => {
    const s = sandbox();
    const first = await runCli(["init"], s);
    expect(first.code).toBe(0);
    expect(existsSync(join(s.cwd, "crabbox.yaml"))).toBe(true);
    expect((await runCli(["config", "show"], s)).code).toBe(0);
    const again = await runCli(["init"], s);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/--force/);
    expect((await runCli(["init", "--force"], s)).code).toBe(0);
  });

  it("cleanup refuses when a coordinator is configured", async () => {
    const s = sandbox();
    const r = await runCli(["cleanup"], {
      ...s,
      env: { ...s.env, CRABBOX_COORDINATOR: "http://127.0.0.1:9" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/coordinator is configured/);
  });
});
