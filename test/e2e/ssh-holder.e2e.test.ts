/**
 * The SSH connection holder (docs/sync.md#ssh-connection-holder) against the local stack: a
 * warm run of a held lease starts it, the next runs go through it (the machine sees their
 * commands arrive over one SSH connection), output, exit codes, stdin and Ctrl-C work through
 * it, its socket and directory are private, a stale socket falls back, and `stop` ends it.
 */
import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { runCli } from "../cli/support";
import { useLocalStack } from "./local-stack-suite";

const waitLong = { timeout: 60_000, interval: 100 };

function processesMatching(pattern: string): string[] {
  try {
    return execFileSync("pgrep", ["-f", pattern], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** The client end (`ip port`) of the SSH connection a command arrived on, as the machine saw it. */
function connectionOf(stdout: string): string {
  const line = stdout.split("\n").find((l) => l.startsWith("via "));
  return (line ?? "").split(" ").slice(1, 3).join(" ");
}

describe("the SSH connection holder", () => {
  const suite = useLocalStack({ cliEnv: { CI: "e2e", CRABBOX_HOLD_CONNECTION: "1" } });
  let slug = "";
  let leaseID = "";
  const socket = () => join(suite.env.CRABBOX_STATE_DIR!, "ssh", `${leaseID}.sock`);
  const via = 'echo "via $SSH_CONNECTION"';

  it("is started by a warmup; its directory is 0700 and its socket 0600", async () => {
    const r = await suite.cli("warmup", "--json");
    expect(r.code, r.stderr).toBe(0);
    ({ leaseID, slug } = JSON.parse(r.stdout));
    await vi.waitFor(() => expect(existsSync(socket())).toBe(true), waitLong);
    expect(statSync(join(suite.env.CRABBOX_STATE_DIR!, "ssh")).mode & 0o777).toBe(0o700);
    expect(statSync(socket()).mode & 0o777).toBe(0o600);
  });

  it("serves the next runs over its one connection, with output, stderr and exit codes", async () => {
    const first = await suite.cli("run", "--id", slug, "--", "sh", "-c", `${via}; echo err >&2; exit 5`);
    expect(first.code, first.stderr).toBe(5);
    expect(first.stderr).toContain("using the SSH connection holder");
    expect(first.stderr).toContain("err");
    const second = await suite.cli("run", "--id", slug, "--", "sh", "-c", via);
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("using the SSH connection holder");
    // the same client address and port: no new SSH connection was made for the second run
    expect(connectionOf(first.stdout)).not.toBe("");
    expect(connectionOf(second.stdout)).toBe(connectionOf(first.stdout));
  });

  it("spares the built CLI loading ssh2 when the holder answers", async () => {
    // Reports, as the process exits, whether any ssh2 module was loaded into it.
    const probe = join(mkdtempSync(join(tmpdir(), "crabbox-holder-")), "ssh2-probe.mjs");
    writeFileSync(
      probe,
      [
        'import { createRequire } from "node:module";',
        'const Module = createRequire(import.meta.url)("node:module");',
        'const loaded = () => Object.keys(Module._cache).some((k) => k.includes("/node_modules/ssh2/"));',
        'process.on("exit", () => process.stderr.write("ssh2-loaded=" + loaded() + "\\n"));',
      ].join("\n"),
    );
    const bin = fileURLToPath(new URL("../../bin/crabbox.js", import.meta.url));
    // Not spawnSync: the stack runs in this process and must keep answering.
    const child = spawn(process.execPath, ["--import", probe, bin, "run", "--id", slug, "--", "true"], {
      env: suite.env as NodeJS.ProcessEnv,
      cwd: suite.repo.root,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const [status] = (await once(child, "close")) as [number | null];
    const r = { status, stderr };
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain("using the SSH connection holder");
    expect(r.stderr).toContain("ssh2-loaded=false");
  });

  it("carries the sync's upload (a command's stdin) through the holder", async () => {
    suite.repo.write("src/changed-through-holder.txt", "through the holder\n");
    const r = await suite.cli(
      "run",
      "--id",
      slug,
      "--",
      "sh",
      "-c",
      "tr a-z A-Z < src/changed-through-holder.txt",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("using the SSH connection holder");
    expect(r.stdout).toContain("THROUGH THE HOLDER");
  });

  it("stops the remote command on Ctrl-C", async () => {
    const marks = mkdtempSync(join(tmpdir(), "crabbox-holder-"));
    const started = join(marks, "started");
    const controller = new AbortController();
    const running = runCli(["run", "--id", slug, "--", "sh", "-c", `touch ${started}; sleep 8791`], {
      env: suite.env,
      cwd: suite.repo.root,
      signal: controller.signal,
    });
    await vi.waitFor(() => expect(existsSync(started)).toBe(true), waitLong);
    controller.abort();
    const r = await running;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain("using the SSH connection holder");
    await vi.waitFor(() => expect(processesMatching("sleep 8791")).toEqual([]), waitLong);
    // the holder survives a client's Ctrl-C and serves the next run
    const after = await suite.cli("run", "--id", slug, "--", "true");
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).toContain("using the SSH connection holder");
  });

  it("exits and removes its socket when the lease is stopped", async () => {
    const r = await suite.cli("stop", slug);
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(socket())).toBe(false);
    await vi.waitFor(() => expect(processesMatching(`holder.js.*${leaseID}`)).toEqual([]), waitLong);
  });

  it("falls back to a direct connection from a stale socket, and replaces it", async () => {
    const w = await suite.cli("warmup", "--json");
    expect(w.code, w.stderr).toBe(0);
    ({ leaseID, slug } = JSON.parse(w.stdout));
    await vi.waitFor(() => expect(existsSync(socket())).toBe(true), waitLong);
    // kill the holder: its socket file stays behind, nobody listens on it
    const [pid] = processesMatching(`holder.js.*${leaseID}`);
    expect(pid).toBeDefined();
    // its argument and environment carry no key or token: only where the machine and the key store are
    const args = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    expect(args).not.toMatch(/PRIVATE KEY|token/i);
    const names = readFileSync(`/proc/${pid}/environ`, "utf8")
      .split("\0")
      .filter(Boolean)
      .map((kv) => kv.split("=")[0]);
    expect(
      names.every((n) =>
        /^(HOME|PATH|XDG_CONFIG_HOME|XDG_STATE_HOME|CRABBOX_(CONFIG|STATE)_DIR|CRABBOX_HOLD_IDLE_MS)$/.test(
          n!,
        ),
      ),
    ).toBe(true);
    process.kill(Number(pid), "SIGKILL");
    await vi.waitFor(() => expect(processesMatching(`holder.js.*${leaseID}`)).toEqual([]), waitLong);
    expect(existsSync(socket())).toBe(true);
    const r = await suite.cli("run", "--id", slug, "--", "sh", "-c", via);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).not.toContain("using the SSH connection holder");
    // a new holder replaced the stale socket and serves the next run
    await vi.waitFor(() => expect(processesMatching(`holder.js.*${leaseID}`)).toHaveLength(1), waitLong);
    await vi.waitFor(async () => {
      const next = await suite.cli("run", "--id", slug, "--", "true");
      expect(next.stderr).toContain("using the SSH connection holder");
    }, waitLong);
    await suite.cli("stop", slug);
  });

  it("is stopped by the next command when the lease was released elsewhere", async () => {
    const w = await suite.cli("warmup", "--json");
    expect(w.code, w.stderr).toBe(0);
    ({ leaseID, slug } = JSON.parse(w.stdout));
    await vi.waitFor(() => expect(existsSync(socket())).toBe(true), waitLong);
    // released through the coordinator's API, not by `crabbox stop` on this computer
    const released = await fetch(`${suite.stack.info.url}/v1/leases/${leaseID}/release`, {
      method: "POST",
      headers: { authorization: `Bearer ${suite.stack.info.token}`, "content-type": "application/json" },
      body: JSON.stringify({ delete: true }),
    });
    expect(released.status).toBe(200);
    // by ID: a released lease's slug no longer resolves (docs/sync.md#ssh-connection-holder)
    const r = await suite.cli("run", "--id", leaseID, "--", "true");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("lease a new one without --id");
    expect(existsSync(socket())).toBe(false);
    await vi.waitFor(() => expect(processesMatching(`holder.js.*${leaseID}`)).toEqual([]), waitLong);
  });

  it("refuses a holder directory others can reach and connects directly", async () => {
    const w = await suite.cli("warmup", "--json");
    ({ leaseID, slug } = JSON.parse(w.stdout));
    await vi.waitFor(() => expect(existsSync(socket())).toBe(true), waitLong);
    const dir = join(suite.env.CRABBOX_STATE_DIR!, "ssh");
    execFileSync("chmod", ["755", dir]);
    try {
      const r = await suite.cli("run", "--id", slug, "--", "true");
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toContain("using the SSH connection holder");
    } finally {
      execFileSync("chmod", ["700", dir]);
      await suite.cli("stop", slug);
    }
  });
});
