import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningStack, runStack } from "../../src/stack";
import { runCli } from "../cli/support";
import { isolatedEnv } from "../stack/support";
import { tempRepo } from "./repo";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");
const runIdOf = (stderr: string) => /recording run (run_[a-f0-9]+)/.exec(stderr)?.[1] ?? "";

/**
 * What a run leaves behind (docs/cli.md "Artifacts", "Test results", "Environment"), through
 * the CLI's `main` against the real local stack, on one warm lease.
 */
describe("run features against the local stack", () => {
  let stack: RunningStack;
  let ctx: Awaited<ReturnType<typeof isolatedEnv>>;
  let env: Record<string, string | undefined>;
  let repo: ReturnType<typeof tempRepo>;
  let slug = "";

  beforeAll(async () => {
    ctx = await isolatedEnv();
    stack = await runStack({ env: ctx.env });
    env = { ...ctx.env, CI: "e2e" };
    repo = tempRepo();
    const warm = await runCli(["warmup", "--json"], { env, cwd: repo.root });
    expect(warm.code, warm.stderr).toBe(0);
    slug = JSON.parse(warm.stdout).slug;
  });

  afterAll(async () => {
    if (slug) await runCli(["stop", slug], { env, cwd: repo.root });
    await stack?.stop();
    await ctx?.cleanup();
  });

  const cli = (...argv: string[]) => runCli(argv, { env, cwd: repo.root });
  const shOnLease = (script: string, ...flags: string[]) =>
    cli("run", "--id", slug, ...flags, "--", "sh", "-c", script);

  it("copies artifacts with spaces and unicode in their names back even when the command fails", async () => {
    const script = [
      'mkdir -p "out/sub dir" logs',
      'printf "first report" > "out/räport one.txt"',
      'printf "nested" > "out/sub dir/深い.json"',
      'printf "log line" > logs/run.log',
      'printf "not wanted" > logs/skip.txt',
      "exit 3",
    ].join(" && ");
    const r = await shOnLease(script, "--artifact", "out/**", "--artifact", "./logs/*.log");
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(/artifacts: 3 files/);
    const runID = runIdOf(r.stderr);
    expect(runID).not.toBe("");
    const dir = join(repo.root, ".crabbox", "artifacts", runID);
    expect(readFileSync(join(dir, "out/räport one.txt"), "utf8")).toBe("first report");
    expect(readFileSync(join(dir, "out/sub dir/深い.json"), "utf8")).toBe("nested");
    expect(readFileSync(join(dir, "logs/run.log"), "utf8")).toBe("log line");
    expect(existsSync(join(dir, "logs/skip.txt"))).toBe(false);

    const listed = JSON.parse((await cli("artifacts", runID, "--json")).stdout);
    expect(listed.artifacts).toEqual([
      { path: "logs/run.log", bytes: 8, sha256: sha256("log line") },
      { path: "out/räport one.txt", bytes: 12, sha256: sha256("first report") },
      { path: "out/sub dir/深い.json", bytes: 6, sha256: sha256("nested") },
    ]);
    const human = await cli("artifacts", runID);
    expect(human.stdout).toContain(`${sha256("nested")}`);
    expect(human.stdout).toContain("out/sub dir/深い.json");
    const history = JSON.parse((await cli("history", "--json")).stdout).runs;
    expect(history.find((run: { id: string }) => run.id === runID).artifacts).toHaveLength(3);
    // artifacts stay out of the next sync: .crabbox is never synced
    const again = await shOnLease("test ! -e .crabbox/artifacts");
    expect(again.code, again.stderr).toBe(0);
  });

  it("fails a passing command with exit 8 when a required artifact is missing, and keeps what matched", async () => {
    const dir = join(repo.root, "picked");
    const r = await shOnLease(
      "mkdir -p out && printf ok > out/present.txt",
      "--require-artifact",
      "out/present.txt",
      "--require-artifact",
      "out/absent-*.txt",
      "--artifact-dir",
      "picked",
    );
    expect(r.code, r.stderr).toBe(8);
    expect(r.stderr).toContain("missing required artifact: out/absent-*.txt");
    expect(r.stderr).toContain("crabbox: required artifact missing: out/absent-*.txt");
    expect(readFileSync(join(dir, "out/present.txt"), "utf8")).toBe("ok");
    const runID = runIdOf(r.stderr);
    const { run } = JSON.parse((await cli("logs", runID, "--json")).stdout);
    expect(run).toMatchObject({ state: "failed", exitCode: 8 });
    const events = JSON.parse((await cli("events", runID, "--json")).stdout).events;
    expect(events.map((e: { type: string }) => e.type)).toContain("artifacts.missing");
  });

  it("copies a file and a directory to the lease and a directory back with crabbox cp", async () => {
    repo.write("local only/ünï file.txt", "to the machine");
    repo.write("local only/deep/b.txt", "bee");
    const up = await cli("cp", "./local only", `${slug}:incoming dir`);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/copied 2 files .* -> [\w-]+:.*incoming dir/);
    const file = await cli("cp", "./README.md", `${slug}:incoming dir/`);
    expect(file.code, file.stderr).toBe(0);
    const seen = await shOnLease(
      'cat "incoming dir/ünï file.txt" "incoming dir/deep/b.txt" "incoming dir/README.md"',
    );
    expect(seen.stdout).toContain("to the machinebee");
    expect(seen.stdout).toContain("hello from the laptop");

    const made = await shOnLease('mkdir -p "made there/sub" && printf done > "made there/sub/résultat.txt"');
    expect(made.code, made.stderr).toBe(0);
    const down = await cli("cp", `${slug}:made there/`, "./fetched");
    expect(down.code, down.stderr).toBe(0);
    expect(readFileSync(join(repo.root, "fetched/sub/résultat.txt"), "utf8")).toBe("done");
    const missing = await cli("cp", `${slug}:not-there`, "./x");
    expect(missing.code).toBe(4);
    expect(missing.stderr).toContain("no such file or directory on the machine");
  });

  it("fails a passing command whose JUnit has failures under --fail-on-test-failures, and lists failures first", async () => {
    const junit =
      '<testsuite name="gate" tests="3" failures="1" errors="1"><testcase name="ok"/><testcase name="red"><failure message="expected 1">x</failure></testcase><testcase name="boom"><error message="thrown"/></testcase></testsuite>';
    const script = `mkdir -p reports && printf '%s' '${junit}' > reports/junit.xml`;
    const plain = await shOnLease(script, "--junit", "reports/*.xml");
    expect(plain.code, plain.stderr).toBe(0);
    const gated = await shOnLease(script, "--junit", "reports/*.xml", "--fail-on-test-failures");
    expect(gated.code, gated.stderr).toBe(1);
    expect(gated.stderr).toContain(
      "crabbox: test reports hold 1 failures and 1 errors (--fail-on-test-failures)",
    );
    const runID = runIdOf(gated.stderr);
    const { run } = JSON.parse((await cli("logs", runID, "--json")).stdout);
    expect(run).toMatchObject({
      state: "failed",
      exitCode: 1,
      results: { tests: 3, failures: 1, errors: 1 },
    });
    const shown = (await cli("results", runID)).stdout.split("\n");
    expect(shown[0]).toBe("failed:");
    expect(shown[1]).toContain("failure red — expected 1");
    expect(shown[2]).toContain("error boom — thrown");
    expect(shown[3]).toMatch(/^results .*tests=3 failures=1 errors=1/);
  });

  it("finds reports the command wrote in the usual places with --results-auto, and not older ones", async () => {
    const suite = (name: string) =>
      `<testsuite name="${name}"><testcase name="a"/><testcase name="b"><failure message="red"/></testcase></testsuite>`;
    const first = await shOnLease(
      `mkdir -p build/test-results && printf '%s' '${suite("old")}' > build/test-results/TEST-old.xml && touch -d '1 minute ago' build/test-results/TEST-old.xml`,
    );
    expect(first.code, first.stderr).toBe(0);
    const r = await shOnLease(
      `mkdir -p web target/surefire-reports && printf '%s' '${suite("web")}' > web/app.junit.xml && printf '%s' '${suite("java")}' > target/surefire-reports/TEST-java.xml`,
      "--results-auto",
      "--fail-on-test-failures",
    );
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("test results files=2 tests=4 failures=2");
    const { run } = JSON.parse((await cli("logs", runIdOf(r.stderr), "--json")).stdout);
    expect(run.results.files.sort()).toEqual(["target/surefire-reports/TEST-java.xml", "web/app.junit.xml"]);
  });

  it("forwards variables named with --env and PREFIX_*, whose values never reach the event log or run record", async () => {
    const value = `v${Date.now().toString(36)}sekrit`;
    env = { ...env, CRAB_TOKEN_ONE: value, CRAB_EXTRA_TWO: `${value}2`, NOT_FORWARDED: value };
    const r = await shOnLease(
      `test "\${#CRAB_TOKEN_ONE}" = ${value.length} && test -n "$CRAB_EXTRA_TWO" && test -z "$NOT_FORWARDED" && echo forwarded-ok`,
      "--env",
      "CRAB_TOKEN_ONE",
      "--env",
      "CRAB_EXTRA_*",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("forwarded-ok");
    const runID = runIdOf(r.stderr);
    const record = (await cli("logs", runID, "--json")).stdout;
    const events = (await cli("events", runID, "--json")).stdout;
    const log = (await cli("admin", "events", "--stream", `run:${runID}`, "--json")).stdout;
    expect(JSON.parse(log).events.length).toBeGreaterThan(1);
    for (const text of [record, events, log, r.stderr]) expect(text).not.toContain(value);
    const bad = await cli("run", "--env", "A=B", "--", "true");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--env "A=B" must be a variable name');
  });

  it("runs a job from .crabbox.yaml: setup then command on one lease, its env, JUnit and artifacts, then releases it", async () => {
    repo.write(
      ".crabbox.yaml",
      [
        "jobs:",
        "  check:",
        "    description: setup, then the tests",
        "    ttl: 20m",
        "    env: { allow: [JOB_FLAVOUR] }",
        "    setup: mkdir -p build && echo built > build/ready.txt",
        "    command: >-",
        '      test "$(cat build/ready.txt)" = built && echo "flavour=$JOB_FLAVOUR" &&',
        '      mkdir -p out && printf \'%s\' \'<testsuite name="job"><testcase name="one"/><testcase name="two"/></testsuite>\' > out/junit.xml',
        "    junit: [out/junit.xml]",
        "    artifactGlobs: [build/*.txt]",
        "",
      ].join("\n"),
    );
    env = { ...env, JOB_FLAVOUR: "salted" };
    const listed = await cli("job", "--list");
    expect(listed.stdout).toContain("check  class=- stop=auto");
    const r = await cli("job", "check");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("flavour=salted");
    const leaseID = /job check: lease ([\w-]+)/.exec(r.stderr)?.[1];
    expect(leaseID).toBeTruthy();
    const runs = [...r.stderr.matchAll(/recording run (run_[a-f0-9]+)/g)].map((m) => m[1]!);
    expect(runs).toHaveLength(2);
    const [setup, command] = await Promise.all(
      runs.map(async (id) => JSON.parse((await cli("logs", id, "--json")).stdout).run),
    );
    expect(setup.leaseID).toBe(command.leaseID);
    expect(command).toMatchObject({ state: "succeeded", results: { tests: 2, failures: 0 } });
    expect(command.artifacts.map((a: { path: string }) => a.path)).toEqual(["build/ready.txt"]);
    // stop: auto releases the lease the job created
    const lease = JSON.parse((await cli("inspect", command.leaseID, "--json")).stdout);
    expect(lease.state).toBe("released");
    const stale = await cli("job", "check", "--ttl", "soon");
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain('ttl: "soon" is not a duration');
  });

  it("refuses an artifact glob that leaves the checkout before leasing anything", async () => {
    const r = await cli("run", "--artifact", "../secrets/*", "--", "true");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--artifact "../secrets/*" must be a path relative to the checkout');
    expect(r.stderr).not.toMatch(/leasing|lease cbx_/);
  });
});
