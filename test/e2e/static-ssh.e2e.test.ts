import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../cli/support";
import {
  type OpenSshServer,
  opensshAvailable,
  startOpenSsh,
  staticHostConfig,
  stopAndRemove,
} from "../support/openssh";
import { tempRepo } from "./repo";

/**
 * `provider: ssh` against a real OpenSSH server on loopback: no coordinator, the configured
 * key, the whole sync + run path of `crabbox run`.
 */
describe.runIf(opensshAvailable())("crabbox run on a static OpenSSH host", () => {
  let server: OpenSshServer;
  let env: Record<string, string>;
  let repo: ReturnType<typeof tempRepo>;

  beforeAll(async () => {
    server = await startOpenSsh();
    const home = mkdtempSync(join(tmpdir(), "crabbox-e2e-home-"));
    const configDir = join(home, "config");
    mkdirSync(configDir);
    writeFileSync(join(configDir, "config.yaml"), staticHostConfig(server));
    env = { HOME: home, CRABBOX_CONFIG_DIR: configDir, PATH: process.env.PATH ?? "", CI: "from-laptop" };
    repo = tempRepo();
  });

  afterAll(async () => {
    if (server) await stopAndRemove(server);
  });

  const run = (...argv: string[]) => runCli(["run", ...argv], { env, cwd: repo.root });

  it("syncs the checkout, streams output and exits with the remote status", async () => {
    const r = await run(
      "--",
      "sh",
      "-c",
      'cat "dir with space/ünïcode file.txt"; echo "CI=$CI"; echo oops >&2; exit 3',
    );
    expect(r.stderr).toContain("using static host");
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("spaces and unicode");
    expect(r.stdout).toContain("CI=from-laptop");
    expect(r.stderr).toContain("oops");
    expect(r.stderr).toMatch(/remote command exited 3/);
  });

  it("passes argv words through without remote shell expansion", async () => {
    const r = await run("--", "printf", "%s|", "a b", "$HOME", "*");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("a b|$HOME|*|");
  });

  it("passes words after -- through even when they look like crabbox flags", async () => {
    const r = await run("--", "sh", "-c", 'printf "%s " "$@"', "sh", "--json", "--id", "x", "--", "-h");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe("--json --id x -- -h ");
  });

  it("runs a single quoted string as a shell script", async () => {
    const r = await run("--", "echo one && echo two | tr a-z A-Z");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("one\nTWO\n");
  });

  it("applies adds, changes, deletes and renames, and never syncs ignored files", async () => {
    repo.write("src/new file.txt", "added\n");
    repo.write("README.md", "changed on the laptop\n");
    rmSync(join(repo.root, "src/delete-me.txt"));
    renameSync(join(repo.root, "src/old-name.txt"), join(repo.root, "src/new-name.txt"));
    const r = await run("--", "sh", "-c", "find . -type f -not -path './.crabbox/*' | sort; cat README.md");
    expect(r.code).toBe(0);
    const files = r.stdout.split("\n").filter((l) => l.startsWith("./"));
    expect(files).toEqual(
      expect.arrayContaining([
        "./README.md",
        "./src/new file.txt",
        "./src/new-name.txt",
        "./src/keep.txt",
        "./dir with space/ünïcode file.txt",
      ]),
    );
    expect(files).not.toContain("./src/delete-me.txt");
    expect(files).not.toContain("./src/old-name.txt");
    expect(files).not.toContain("./ignored.log");
    expect(r.stdout).toContain("changed on the laptop");
  });

  it("skips a sync when nothing changed", async () => {
    const r = await run("--timing-json", "--", "true");
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/sync skipped/);
    const timing = JSON.parse(r.stderr.trim().split("\n").at(-1)!);
    expect(timing).toMatchObject({ provider: "ssh", syncSkipped: true, exitCode: 0 });
  });

  it("writes the phase timings to the file --timing-json names, as the summary line prints them", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "crabbox-timing-")), "timing.json");
    const r = await run(`--timing-json=${file}`, "--", "true");
    expect(r.code).toBe(0);
    const timing = JSON.parse(readFileSync(file, "utf8"));
    const names = ["config", "manifest", "lease", "ready", "sync", "command", "collect", "release"];
    expect(Object.keys(timing.phases)).toEqual(names);
    for (const name of names) expect(timing.phases[name]).toBeGreaterThanOrEqual(0);
    expect(timing.phases.ready).toBeGreaterThan(0);
    const summary = r.stderr.split("\n").find((l) => l.startsWith("run summary")) ?? "";
    for (const name of names) expect(summary).toContain(` ${name}=${timing.phases[name]}ms`);
    // The JSON went to the file, not into the command's stderr.
    expect(r.stderr).not.toContain('"phases"');
  });
});
