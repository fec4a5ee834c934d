import { execFileSync, spawn } from "node:child_process";
import { once } from "node:events";
import { existsSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningStack, runStack } from "../../src/stack";
import { runCli } from "../cli/support";
import { isolatedEnv } from "../stack/support";
import { tempRepo } from "./repo";

function processesMatching(pattern: string): string[] {
  try {
    return execFileSync("pgrep", ["-f", pattern], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

/** Ways a crabbox process is stopped: [description, signal, to its whole process group]. */
const stopSignals: [string, NodeJS.Signals, boolean][] = [
  ["its process alone is sent SIGTERM (an agent, a CI timeout)", "SIGTERM", false],
  ["its whole process group gets SIGINT (a terminal's Ctrl-C)", "SIGINT", true],
];

/**
 * Node runtimes that start `bin/crabbox.js`: the bundled one, and an older system Node where
 * the machine has one (this machine kind does: /usr/bin/node 20), which hands over to the
 * bundled Node in a child process that must still get the signal exactly once.
 */
const runtimes: [string, string][] = [["the bundled Node", process.execPath]];
const systemNode = "/usr/bin/node";
if (existsSync(systemNode)) {
  const [major = 0, minor = 0] = execFileSync(systemNode, ["--version"], { encoding: "utf8" })
    .trim()
    .replace(/^v/, "")
    .split(".")
    .map(Number);
  if (major < 22 || (major === 22 && minor < 12)) runtimes.push([`the system Node ${major}`, systemNode]);
}

/**
 * The whole path with zero configuration: the CLI's `main` against the real stack
 * (coordinator in workerd + local machines over SSH) on a temporary git repo.
 */
describe("crabbox against the local stack", () => {
  let stack: RunningStack;
  let ctx: Awaited<ReturnType<typeof isolatedEnv>>;
  let env: Record<string, string | undefined>;
  let repo: ReturnType<typeof tempRepo>;
  let slug = "";
  let leaseID = "";

  beforeAll(async () => {
    ctx = await isolatedEnv();
    stack = await runStack({ env: ctx.env });
    env = { ...ctx.env, CI: "e2e" };
    repo = tempRepo();
  });

  afterAll(async () => {
    await stack?.stop();
    await ctx?.cleanup();
  });

  const cli = (...argv: string[]) => runCli(argv, { env, cwd: repo.root });
  /** `crabbox run --id <warm lease> [flags] -- sh -c <script>` */
  const shOnLease = (script: string, ...flags: string[]) =>
    cli("run", "--id", slug, ...flags, "--", "sh", "-c", script);

  for (const command of [
    ["warmup", "--class", "nonsense"],
    ["run", "--class", "nonsense", "--", "true"],
  ]) {
    it(`refuses \`crabbox ${command.join(" ")}\` naming the provider's classes and the flag`, async () => {
      const r = await cli(...command);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toContain("class nonsense is not a class of provider local");
      expect(r.stderr).toContain("standard, fast, large, beast");
      expect(r.stderr).toContain("--class <class>");
      expect(r.stderr).toContain("--type <server type>");
      expect(r.stderr).not.toMatch(/\n\s+at /);
    });
  }

  it("warms up a lease that status reports ready", async () => {
    const r = await cli("warmup", "--json");
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.leaseID).toMatch(/^cbx_[a-f0-9]{12}$/);
    ({ leaseID, slug } = out);
    const status = await cli("status", slug, "--json");
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ id: leaseID, state: "active", ready: true });
  });

  it("runs on the warm lease with --id, streams output and exits with the remote status", async () => {
    const r = await shOnLease('cat "dir with space/ünïcode file.txt"; echo "CI=$CI"; echo err >&2; exit 5');
    expect(r.code, r.stderr).toBe(5);
    expect(r.stdout).toContain("spaces and unicode");
    expect(r.stdout).toContain("CI=e2e");
    expect(r.stderr).toContain("err");
    // a reused lease is never released by run
    expect(JSON.parse((await cli("status", slug, "--json")).stdout).state).toBe("active");
  });

  it("syncs adds, changes, deletes and renames, then skips a no-op resync", async () => {
    repo.write("src/brand new.txt", "added\n");
    repo.write("README.md", "changed\n");
    rmSync(join(repo.root, "src/delete-me.txt"));
    renameSync(join(repo.root, "src/old-name.txt"), join(repo.root, "src/new-name.txt"));
    const r = await shOnLease("find . -type f -not -path './.crabbox/*' | sort; cat README.md");
    expect(r.code, r.stderr).toBe(0);
    const files = r.stdout.split("\n").filter((l) => l.startsWith("./"));
    expect(files).toEqual(
      expect.arrayContaining([
        "./src/brand new.txt",
        "./src/new-name.txt",
        "./dir with space/ünïcode file.txt",
      ]),
    );
    expect(files).not.toContain("./src/delete-me.txt");
    expect(files).not.toContain("./src/old-name.txt");
    expect(r.stdout).toContain("changed");
    const again = await cli("run", "--id", slug, "--", "true");
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/sync skipped/);
  });

  it("records the run: logs, events and JUnit results read it back", async () => {
    const junit =
      '<testsuite name="demo" tests="2" failures="1"><testcase classname="a" name="works"/><testcase classname="a" name="breaks"><failure message="boom">trace</failure></testcase></testsuite>';
    const r = await shOnLease(
      `mkdir -p reports && printf '%s' '${junit}' > reports/junit.xml && echo logged-line`,
      "--junit",
      "reports/*.xml",
    );
    expect(r.code, r.stderr).toBe(0);
    const runID = /recording run (run_[a-f0-9]+)/.exec(r.stderr)?.[1];
    expect(runID).toBeDefined();
    expect((await cli("logs", runID!)).stdout).toContain("logged-line");
    const { run } = JSON.parse((await cli("logs", runID!, "--json")).stdout);
    expect(run).toMatchObject({ id: runID, state: "succeeded", exitCode: 0 });
    expect(run.telemetry?.start?.memoryTotalBytes).toBeGreaterThan(0);
    const events = JSON.parse((await cli("events", runID!, "--json")).stdout).events.map(
      (e: { type: string }) => e.type,
    );
    expect(events).toEqual(
      expect.arrayContaining(["run.started", "lease.created", "sync.started", "command.started", "stdout"]),
    );
    const page = JSON.parse(
      (await cli("events", runID!, "--after", "1", "--limit", "2", "--json")).stdout,
    ).events;
    expect(page.map((e: { seq: number }) => e.seq)).toEqual([2, 3]);
    const results = JSON.parse((await cli("results", runID!, "--json")).stdout);
    expect(results).toMatchObject({ tests: 2, failures: 1 });
    expect(results.failed[0]).toMatchObject({ name: "breaks", kind: "failure", message: "boom" });
    const attached = await cli("attach", runID!);
    expect(attached.code).toBe(0);
    expect(attached.stdout).toContain("logged-line");
    expect(attached.stderr).toMatch(/command\.started/);
    const history = await cli("history", "--json");
    expect(JSON.parse(history.stdout).runs.map((x: { id: string }) => x.id)).toContain(runID);
  });

  it("releases the lease when a run is interrupted with Ctrl-C", async () => {
    const controller = new AbortController();
    const running = runCli(["run", "--", "sh", "-c", "echo started; sleep 60"], {
      env,
      cwd: repo.root,
      signal: controller.signal,
    });
    // Wait until the run record shows the command started, then interrupt.
    const started = Date.now();
    let fresh = "";
    while (Date.now() - started < 60_000) {
      const list = JSON.parse((await cli("list", "--json")).stdout).leases as { id: string; slug: string }[];
      fresh = list.find((l) => l.slug !== slug)?.id ?? "";
      if (fresh) {
        const history = JSON.parse((await cli("history", "--lease", fresh, "--json")).stdout).runs;
        if (history[0]?.phase === "command") break;
      }
      await new Promise((r) => setTimeout(r, 300));
    }
    expect(fresh).not.toBe("");
    controller.abort();
    const r = await running;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/released cbx_/);
    const lease = JSON.parse((await cli("inspect", fresh, "--json")).stdout);
    expect(lease.state).toBe("released");
    const runs = JSON.parse((await cli("history", "--lease", fresh, "--json")).stdout).runs;
    expect(runs[0].state).toBe("interrupted");
    // Said once: not "interrupted; interrupted: …".
    expect(r.stderr.match(/interrupted/g)?.length, r.stderr).toBe(1);
    // local machines run commands on this computer: the remote command is really gone
    expect(processesMatching("sleep 87")).toEqual([]);
  });

  // The real executable, stopped the way agents, CI timeouts and terminals stop it.
  const signalCases = stopSignals.flatMap(([how, signal, group]) =>
    runtimes.map(([runtime, node]) => ({ how, signal, group, runtime, node })),
  );
  it.each(signalCases)(
    "releases the lease when $how, started by $runtime",
    async ({ signal, group, node }) => {
      const bin = fileURLToPath(new URL("../../bin/crabbox.js", import.meta.url));
      const child = spawn(node, [bin, "run", "--", "sh", "-c", "echo started; sleep 77"], {
        env,
        cwd: repo.root,
        stdio: ["ignore", "pipe", "pipe"],
        detached: true, // its own process group, so that a group signal stays there
      });
      let stderr = "";
      child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdout.on("data", () => {});
      const deadline = Date.now() + 60_000;
      while (!/running on /.test(stderr) && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      expect(stderr).toMatch(/running on /);
      if (group) process.kill(-(child.pid as number), signal);
      else child.kill(signal);
      const [code] = await once(child, "exit");
      expect(code, stderr).toBe(130);
      expect(stderr).not.toMatch(/forced exit/);
      expect(stderr).toMatch(/received; stopping the remote command and releasing the lease/);
      expect(stderr).toMatch(/^crabbox: interrupted: the remote command was stopped/m);
      const released = /released (cbx_[a-f0-9]{12})/.exec(stderr)?.[1];
      expect(released, stderr).toBeDefined();
      expect(JSON.parse((await cli("inspect", released!, "--json")).stdout).state).toBe("released");
      // The machine hangs up on the command when the session goes; give it its grace.
      for (let i = 0; i < 40 && processesMatching("^sleep 77$").length > 0; i++)
        await new Promise((r) => setTimeout(r, 100));
      expect(processesMatching("^sleep 77$")).toEqual([]);
    },
  );

  it("syncs only with --sync-only, waits with status --wait, prints an ssh command line", async () => {
    const synced = await cli("run", "--id", slug, "--sync-only");
    expect(synced.code, synced.stderr).toBe(0);
    expect(synced.stdout).toMatch(new RegExp(`^synced .*/${leaseID}/demo repo\\n$`));
    const status = await cli("status", slug, "--wait", "--wait-timeout", "30s");
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/ready=true/);
    const ssh = await cli("ssh", slug, "--print");
    expect(ssh.code, ssh.stderr).toBe(0);
    expect(ssh.stdout).toMatch(/^ssh -i .*id_ed25519 .*-p \d+/);
    // The printed line works as printed with OpenSSH: the host key pinned under the lease ID
    // is found (HostKeyAlias), strictly, without a prompt; words after `--` are the command.
    const printed = await cli("ssh", "--print", slug, "--", "echo", "hi there", "$HOME");
    expect(printed.code, printed.stderr).toBe(0);
    // Asynchronously: the local machines' SSH servers run in this process.
    const openssh = await new Promise<{ status: number | null; stdout: string; stderr: string }>(
      (resolve) => {
        const child = spawn("sh", ["-c", printed.stdout.trim().replace(/^ssh /, "ssh -o BatchMode=yes ")]);
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (c: Buffer) => (stdout += c));
        child.stderr.on("data", (c: Buffer) => (stderr += c));
        child.on("close", (status) => resolve({ status, stdout, stderr }));
      },
    );
    expect(openssh.stderr).not.toMatch(/Host key verification failed/);
    expect(openssh.status, openssh.stderr).toBe(0);
    expect(openssh.stdout).toBe("hi there $HOME\n");
    const direct = await cli("ssh", slug, "--", "sh", "-c", "echo out; echo err >&2; exit 4");
    expect(direct).toMatchObject({ code: 4, stdout: "out\n" });
    expect(direct.stderr).toContain("err\n");
  });

  it("opens an interactive shell with ssh and exits with its status", async () => {
    const r = await runCli(["ssh", slug], { env, cwd: repo.root, stdin: "echo marker-$((40+2))\nexit 3\n" });
    expect(r.stdout).toContain("marker-42");
    expect(r.code).toBe(3);
  });

  it("usage, doctor and the admin commands read the coordinator", async () => {
    const usage = JSON.parse((await cli("usage", "--json")).stdout);
    expect(usage.usage.leases).toBeGreaterThanOrEqual(2);
    expect((await cli("doctor")).code).toBe(0);
    const all = JSON.parse((await cli("admin", "leases", "--json")).stdout).leases;
    expect(all.map((l: { id: string }) => l.id)).toContain(leaseID);
    const page = JSON.parse((await cli("admin", "events", "--stream", `lease:${leaseID}`, "--json")).stdout);
    expect(page.events[0]).toMatchObject({ stream: `lease:${leaseID}`, version: 1, type: "LeaseRequested" });
    expect(JSON.stringify(page)).not.toMatch(/BEGIN OPENSSH PRIVATE KEY/);
    const replay = await cli("admin", "replay", "--json");
    expect(replay.code).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ ok: true, differences: [] });
  });

  it("stop releases the warm lease", async () => {
    const r = await cli("stop", slug);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse((await cli("inspect", leaseID, "--json")).stdout).state).toBe("released");
  });
});
