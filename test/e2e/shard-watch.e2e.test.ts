import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main";
import { JUnitMerge } from "../../src/cli/shard/junit-merge";
import { useLocalStack } from "./local-stack-suite";

/** `main` with live output: `until` resolves when the captured text matches, for waiting on output. */
function liveCli(argv: string[], options: { env: Record<string, string | undefined>; cwd: string }) {
  const controller = new AbortController();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  const waiters: { test: (text: string) => boolean; resolve: () => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      if (w.test(out + err)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  stdout.on("data", (c) => {
    out += c;
    check();
  });
  stderr.on("data", (c) => {
    err += c;
    check();
  });
  const stdin = new PassThrough();
  stdin.end();
  const done = main(argv, { ...options, stdout, stderr, stdin, signal: controller.signal });
  return {
    done,
    abort: () => controller.abort(),
    text: () => out + err,
    stdout: () => out,
    until: (test: (text: string) => boolean) =>
      new Promise<void>((resolve) => {
        waiters.push({ test, resolve });
        check();
      }),
  };
}

const count = (text: string, pattern: RegExp) => [...text.matchAll(pattern)].length;

/** Shards and watch (docs/cli.md "Shards", "Watch") through the CLI's `main` on the local stack. */
describe("shard and watch against the local stack", () => {
  const local = useLocalStack();
  const cli = local.cli;
  /** The runs of one shard group and the state of each one's lease, from the coordinator. */
  async function groupOf(group: string) {
    const runs = JSON.parse((await cli("history", "--json", "--limit", "100")).stdout).runs.filter(
      (r: { shard?: { group: string } }) => r.shard?.group === group,
    );
    const leases = JSON.parse((await cli("list", "--all", "--json")).stdout).leases as {
      id: string;
      state: string;
    }[];
    const leaseStates = runs.map((r: { leaseID: string }) => leases.find((l) => l.id === r.leaseID)?.state);
    return { runs, leaseStates };
  }

  it("runs 4 shards at once, merges their JUnit counting each test once, and exits with the failing shard's status", async () => {
    const script = [
      'i="$CRABBOX_SHARD_INDEX"; n="$CRABBOX_SHARD_TOTAL"; mkdir -p reports',
      `f=""; if [ "$i" = 3 ]; then f='<failure message="shard three broke"/>'; fi`,
      `printf '<testsuite name="suite"><testcase classname="c" name="t%sa"/><testcase classname="c" name="t%sb">%s</testcase><testcase classname="c" name="shared"/></testsuite>' "$i" "$i" "$f" > reports/junit.xml`,
      'echo "hello from shard $i of $n"',
      'if [ "$i" = 3 ]; then exit 5; fi',
    ].join("\n");
    const r = await cli("shard", "--count", "4", "--junit", "reports/junit.xml", "--", "sh", "-c", script);
    expect(r.code, r.stderr).toBe(5);
    for (const i of [1, 2, 3, 4]) expect(r.stdout).toContain(`[${i}/4] hello from shard ${i} of 4`);
    // 4 shards × 2 own tests + 1 test every shard ran: 9, counted once each
    expect(r.stdout).toMatch(
      /shard verdict group=shg_[a-f0-9]{12} shards=4 failed_shards=1 tests=9 failures=1 errors=0/,
    );
    expect(r.stdout).toContain("[3/4] exit=5");
    expect(r.stdout).toContain("c.t3b — shard three broke");
    const group = /group=(shg_[a-f0-9]+)/.exec(r.stdout)![1]!;
    const merged = new JUnitMerge();
    merged.add("merged", readFileSync(join(local.repo.root, ".crabbox/shards", group, "junit.xml"), "utf8"));
    expect(merged.summary()).toMatchObject({ tests: 9, failures: 1 });
    const { runs, leaseStates } = await groupOf(group);
    expect(runs.map((run: { shard: { index: number } }) => run.shard.index).sort()).toEqual([1, 2, 3, 4]);
    expect(runs.map((run: { exitCode: number }) => run.exitCode).sort()).toEqual([0, 0, 0, 5]);
    expect(new Set(runs.map((run: { leaseID: string }) => run.leaseID)).size).toBe(4);
    expect(leaseStates).toEqual(["released", "released", "released", "released"]);
  });

  it("drops the shards' own output with --quiet, keeping the lifecycle lines and the verdict", async () => {
    const r = await cli(
      "shard",
      "--count",
      "2",
      "--quiet",
      "--",
      "sh",
      "-c",
      'echo "out-$((40 + 2))"; echo "err-$((40 + 2))" >&2',
    );
    expect(r.code, r.stderr).toBe(0);
    // the plan line quotes the command; only its output says 42
    expect(r.stdout + r.stderr).not.toMatch(/(out|err)-42/);
    expect(r.stderr).toContain("shard 1/2 done exit=0");
    expect(r.stderr).toContain("shard 2/2 done exit=0");
    expect(r.stdout).toMatch(/shard verdict group=shg_[a-f0-9]{12} shards=2 failed_shards=0/);
  });

  it("reruns on two edits, stopping the run in progress each time, and releases its lease on Ctrl-C", async () => {
    const live = liveCli(
      ["watch", "--debounce", "100ms", "--", "sh", "-c", 'echo "seen $(cat src/keep.txt)"; sleep 600'],
      { env: local.env, cwd: local.repo.root },
    );
    await live.until((text) => text.includes("seen keep"));
    local.repo.write("src/keep.txt", "edit one\n");
    await live.until((text) => text.includes("seen edit one"));
    local.repo.write("src/keep.txt", "edit two\n");
    await live.until((text) => text.includes("seen edit two"));
    live.abort();
    const code = await live.done;
    expect(code, live.text()).toBe(0);
    const text = live.text();
    expect(text).toContain("watch run=1 stopped: files changed");
    expect(text).toContain("watch run=2 stopped: files changed");
    expect(text).toMatch(/watch run=3 changes=\d+/);
    expect(text).toContain("watch interrupted runs=3");
    // artifacts and state under .crabbox/, and git's own writes, never trigger a run
    expect(text).not.toContain("watch run=4");
    const leaseID = /watch root=.* lease=(cbx_[a-f0-9]+)/.exec(text)![1]!;
    const lease = JSON.parse((await cli("inspect", leaseID, "--json")).stdout);
    expect(lease.state).toBe("released");
    const runs = JSON.parse((await cli("history", "--lease", lease.id, "--json")).stdout).runs;
    expect(runs.map((r: { state: string }) => r.state)).toEqual([
      "interrupted",
      "interrupted",
      "interrupted",
    ]);
  });

  it("watches on a held lease given with --id, reruns on an edit, and leaves that lease held on Ctrl-C", async () => {
    const warm = await cli("warmup", "--json");
    expect(warm.code, warm.stderr).toBe(0);
    const warmed = JSON.parse(warm.stdout) as { leaseID: string; slug: string };
    const held = { id: warmed.leaseID, slug: warmed.slug };
    const live = liveCli(
      [
        "watch",
        "--id",
        held.slug,
        "--debounce",
        "100ms",
        "--",
        "sh",
        "-c",
        'echo "held sees $(cat src/keep.txt)"',
      ],
      { env: local.env, cwd: local.repo.root },
    );
    await live.until((text) => text.includes("watch run=1 exit=0"));
    expect(live.text()).toContain(`lease=${held.id} slug=${held.slug}`);
    local.repo.write("src/keep.txt", "held edit\n");
    await live.until((text) => text.includes("held sees held edit") && text.includes("watch run=2 exit=0"));
    live.abort();
    expect(await live.done, live.text()).toBe(0);
    expect(live.text()).toContain("watch interrupted runs=2");
    // an --id lease is the caller's: watch never releases it
    expect(JSON.parse((await cli("inspect", held.id, "--json")).stdout).state).toBe("active");
    expect((await cli("stop", held.slug)).code).toBe(0);
    expect(JSON.parse((await cli("inspect", held.id, "--json")).stdout).state).toBe("released");
  });

  it("stops every shard on Ctrl-C mid-way and releases all four leases", async () => {
    const live = liveCli(
      ["shard", "--count", "4", "--", "sh", "-c", 'echo "waiting $CRABBOX_SHARD_INDEX"; sleep 600'],
      { env: local.env, cwd: local.repo.root },
    );
    await live.until((text) => count(text, /\] waiting \d/g) === 4);
    live.abort();
    const code = await live.done;
    expect(code, live.text()).toBe(130);
    expect(count(live.text(), /shard \d\/4 canceled/g)).toBe(4);
    const group = /group=(shg_[a-f0-9]+)/.exec(live.text())![1]!;
    const { runs, leaseStates } = await groupOf(group);
    expect(runs).toHaveLength(4);
    expect(runs.map((run: { state: string }) => run.state)).toEqual([
      "interrupted",
      "interrupted",
      "interrupted",
      "interrupted",
    ]);
    expect(leaseStates).toEqual(["released", "released", "released", "released"]);
    expect(JSON.parse((await cli("list", "--json")).stdout).leases).toEqual([]);
  });
  it("stops the other shards when one fails under --fail-fast, releases every lease, and prints one JSON summary", async () => {
    // The local machines share this computer, so the shards meet in one directory: shard 2
    // fails only once the three others are inside their (endless) commands.
    const meet = mkdtempSync(join(tmpdir(), "crabbox-shard-meet-"));
    const script = [
      'i="$CRABBOX_SHARD_INDEX"',
      'if [ "$i" != 2 ]; then touch "$MEET/$i"; echo "waiting $i"; sleep 600; exit 0; fi',
      'n=0; while [ "$(ls "$MEET" | wc -l)" -lt 3 ] && [ "$n" -lt 3000 ]; do sleep 0.1; n=$((n+1)); done',
      "mkdir -p reports",
      `printf '<testsuite name="s"><testcase classname="c" name="ok"/><testcase classname="c" name="bad"><failure message="two broke"/></testcase></testsuite>' > reports/junit.xml`,
      "exit 3",
    ].join("\n");
    const r = await cli(
      "shard",
      "--count",
      "4",
      "--fail-fast",
      "--json",
      "--junit",
      "reports/junit.xml",
      "--",
      "sh",
      "-c",
      script.replaceAll("$MEET", meet),
    );
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain("shard 2/4 failed: stopping the other shards (--fail-fast)");
    // stdout is the document alone; the shards' own lines went to stderr
    expect(r.stderr).toMatch(/\[1\/4\] waiting 1/);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ count: 4, failFast: true, exitCode: 3 });
    expect(summary.shards.map((s: { exitCode: number }) => s.exitCode)).toEqual([130, 3, 130, 130]);
    expect(summary.shards.filter((s: { canceled?: boolean }) => s.canceled)).toHaveLength(3);
    for (const shard of summary.shards) {
      expect(shard.leaseId).toMatch(/^cbx_/);
      expect(shard.runId).toMatch(/^run_/);
      expect(shard.durationMs).toBeGreaterThan(0);
    }
    expect(summary.shards[1].results).toMatchObject({ tests: 2, failures: 1 });
    expect(summary.merged).toMatchObject({ tests: 2, failures: 1, errors: 0 });
    expect(summary.failed).toEqual([
      expect.objectContaining({
        shard: 2,
        runId: summary.shards[1].runId,
        name: "bad",
        message: "two broke",
      }),
    ]);
    const { runs, leaseStates } = await groupOf(summary.group);
    expect(
      runs.map((run: { state: string; shard: { index: number } }) => [run.shard.index, run.state]).sort(),
    ).toEqual([
      [1, "interrupted"],
      [2, "failed"],
      [3, "interrupted"],
      [4, "interrupted"],
    ]);
    expect(leaseStates).toEqual(["released", "released", "released", "released"]);
    expect(JSON.parse((await cli("list", "--json")).stdout).leases).toEqual([]);
  });
});
