import { describe, expect, it } from "vitest";
import { JUnitMerge } from "../../../src/cli/shard/junit-merge";
import { type ShardReport, verdictJson, verdictText } from "../../../src/cli/shard/shard-report";

function report(): ShardReport {
  const merge = new JUnitMerge();
  merge.add(
    "[1/3] r.xml",
    '<testsuite name="s"><testcase classname="c" name="a"><failure>no\nmore</failure></testcase></testsuite>',
  );
  merge.add("[2/3] r.xml", '<testsuite name="s"><testcase classname="c" name="b"/></testsuite>');
  return {
    group: "shg_0123456789ab",
    count: 3,
    failFast: true,
    shards: [
      {
        index: 1,
        outcome: { kind: "exited", exitCode: 4 },
        leaseId: "cbx_1",
        slug: "red-crab",
        runId: "run_1",
        durationMs: 1200,
      },
      { index: 2, outcome: { kind: "interrupted" }, leaseId: "cbx_2", runId: "run_2", durationMs: 900 },
      { index: 3, outcome: { kind: "infrastructure", message: "no capacity" }, durationMs: 40 },
    ],
    merged: merge.summary(),
    shardOfFile: new Map([
      ["[1/3] r.xml", 1],
      ["[2/3] r.xml", 2],
    ]),
    wallMs: 2500,
    exitCode: 7,
  };
}

describe("the shard verdict", () => {
  it("reads as lines: the totals, one line per shard, then the failed tests", () => {
    expect(verdictText(report()).split("\n")).toEqual([
      "shard verdict group=shg_0123456789ab shards=3 failed_shards=3 canceled=1 tests=2 failures=1 errors=0 skipped=0 wall=2.5s",
      "[1/3] exit=4",
      "[2/3] canceled",
      '[3/3] error="no capacity"',
      "failed:",
      "  [1/3] r.xml  failure  c.a — no",
      "",
    ]);
  });

  it("as JSON names each shard's exit, lease, run and duration, and ties each failed test to its shard's run", () => {
    const json = verdictJson(report());
    expect(json.shards).toEqual([
      { index: 1, leaseId: "cbx_1", slug: "red-crab", runId: "run_1", exitCode: 4, durationMs: 1200 },
      { index: 2, leaseId: "cbx_2", runId: "run_2", exitCode: 130, canceled: true, durationMs: 900 },
      { index: 3, exitCode: 7, error: "no capacity", durationMs: 40 },
    ]);
    expect(json.merged).toMatchObject({ tests: 2, failures: 1 });
    expect(json.failed).toEqual([
      expect.objectContaining({ shard: 1, runId: "run_1", name: "a", kind: "failure", file: "[1/3] r.xml" }),
    ]);
    expect(json).toMatchObject({
      group: "shg_0123456789ab",
      count: 3,
      failFast: true,
      wallMs: 2500,
      exitCode: 7,
    });
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});
