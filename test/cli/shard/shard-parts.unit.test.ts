import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { JUnitMerge } from "../../../src/cli/shard/junit-merge";
import { PrefixedLines, shardPrefix } from "../../../src/cli/shard/prefixed-stream";
import { expandShardArgv } from "../../../src/cli/shard/run-shards";
import { shardExitCode } from "../../../src/cli/shard/shard-verdict";
import { alwaysIgnored } from "../../../src/cli/watch/changes";
import { runCli, sandbox, write } from "../support";

describe("shard parts", () => {
  it("prefixes whole lines with the index right-aligned to the width of the total", async () => {
    const target = new PassThrough();
    let out = "";
    target.on("data", (c) => (out += c));
    const lines = new PrefixedLines(target, shardPrefix(3, 12));
    lines.write("one\ntw");
    lines.write("o\nthree");
    await new Promise<void>((resolve) => lines.end(resolve));
    expect(out).toBe("[ 3/12] one\n[ 3/12] two\n[ 3/12] three\n");
  });

  it("merges reports counting a test two shards both ran once, keeping its worst outcome", () => {
    const merge = new JUnitMerge();
    merge.add(
      "[1/2] r.xml",
      '<testsuite name="s"><testcase classname="c" name="a"/><testcase classname="c" name="shared"/></testsuite>',
    );
    merge.add(
      "[2/2] r.xml",
      '<testsuites><testsuite name="s"><testcase classname="c" name="b"><skipped/></testcase><testcase classname="c" name="shared"><error message="boom"/></testcase></testsuite></testsuites>',
    );
    expect(merge.add("[2/2] x.xml", "<html/>")).toBe(false);
    const summary = merge.summary();
    expect(summary).toMatchObject({ tests: 3, failures: 0, errors: 1, skipped: 1, suites: 1 });
    expect(summary.failed).toEqual([
      { suite: "s", name: "shared", classname: "c", kind: "error", message: "boom", file: "[2/2] r.xml" },
    ]);
    const again = new JUnitMerge();
    again.add("merged", merge.xml());
    expect(again.summary()).toMatchObject({ tests: 3, errors: 1, skipped: 1 });
  });

  it("gives one exit status in the reference's order", () => {
    const ok = { kind: "exited", exitCode: 0 } as const;
    expect(shardExitCode([ok, ok], undefined, false)).toBe(0);
    expect(shardExitCode([ok, { kind: "exited", exitCode: 5 }], undefined, false)).toBe(5);
    expect(
      shardExitCode(
        [
          { kind: "exited", exitCode: 2 },
          { kind: "exited", exitCode: 5 },
        ],
        undefined,
        false,
      ),
    ).toBe(1);
    expect(
      shardExitCode(
        [
          { kind: "exited", exitCode: 5 },
          { kind: "infrastructure", message: "x" },
        ],
        undefined,
        false,
      ),
    ).toBe(7);
    expect(shardExitCode([ok, { kind: "interrupted" }], undefined, false)).toBe(130);
    expect(shardExitCode([{ kind: "exited", exitCode: 3 }, { kind: "interrupted" }], undefined, false)).toBe(
      3,
    );
    expect(shardExitCode([ok], { failures: 1, errors: 0 }, false)).toBe(0);
    expect(shardExitCode([ok], { failures: 1, errors: 0 }, true)).toBe(1);
  });

  it("expands {{index}} and {{total}} in the command words", () => {
    expect(expandShardArgv(["vitest", "--shard={{index}}/{{total}}"], 2, 4)).toEqual([
      "vitest",
      "--shard=2/4",
    ]);
  });

  it("never reruns watch for Crabbox's own state, Git's metadata or dependencies", () => {
    for (const path of [".crabbox/artifacts/run_x/a.txt", ".git/index", "node_modules/x/y.js", ""])
      expect(alwaysIgnored(path), path).toBe(true);
    for (const path of ["src/a.ts", ".github/workflows/ci.yml", "docs/.crabboxrc"])
      expect(alwaysIgnored(path), path).toBe(false);
  });

  it("refuses a --count over the config's shard.maxCount with exit 2 before leasing anything", async () => {
    const s = sandbox();
    write(join(s.cwd, ".crabbox.yaml"), "shard:\n  maxCount: 4\n");
    const over = await runCli(["shard", "--count", "5", "--", "true"], { env: s.env, cwd: s.cwd });
    expect(over.code).toBe(2);
    expect(over.stderr).toContain("--count 5 exceeds shard.maxCount 4");
    expect(over.stderr).toContain("crabbox shard --count 4 --");
    expect(over.stderr).not.toContain("shard plan");
    write(join(s.cwd, ".crabbox.yaml"), "shard:\n  maxCount: -1\n");
    const bad = await runCli(["shard", "--count", "2", "--", "true"], { env: s.env, cwd: s.cwd });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("shard.maxCount");
  });
});
