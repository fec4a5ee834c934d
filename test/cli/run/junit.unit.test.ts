import { describe, expect, it } from "vitest";
import { TestResultSummary } from "../../../src/api";
import { addJUnitFile, emptySummary } from "../../../src/cli/run/junit";

describe("JUnit parsing", () => {
  it("sums suites from attributes and lists failures and errors", () => {
    const summary = emptySummary();
    addJUnitFile(
      summary,
      "reports/a.xml",
      `<?xml version="1.0"?><testsuites><testsuite name="s1" tests="3" failures="1" errors="1" skipped="0" time="1.5">
        <testcase classname="pkg.A" name="ok"/>
        <testcase classname="pkg.A" name="bad"><failure message="expected 1" type="Assert">stack</failure></testcase>
        <testcase classname="pkg.A" name="err"><error message="boom"/></testcase>
      </testsuite></testsuites>`,
    );
    expect(summary).toMatchObject({
      files: ["reports/a.xml"],
      suites: 1,
      tests: 3,
      failures: 1,
      errors: 1,
      timeSeconds: 1.5,
    });
    expect(summary.failed).toEqual([
      {
        suite: "s1",
        name: "bad",
        classname: "pkg.A",
        kind: "failure",
        message: "expected 1",
        type: "Assert",
        file: "reports/a.xml",
      },
      { suite: "s1", name: "err", classname: "pkg.A", kind: "error", message: "boom", file: "reports/a.xml" },
    ]);
    expect(TestResultSummary.safeParse(summary).success).toBe(true);
  });

  it("counts test cases when a suite has no totals, and ignores non-JUnit files", () => {
    const summary = emptySummary();
    addJUnitFile(
      summary,
      "b.xml",
      `<testsuite name="bare"><testcase name="a"/><testcase name="b"><skipped/></testcase></testsuite>`,
    );
    addJUnitFile(summary, "c.xml", "not xml at all");
    expect(summary).toMatchObject({ files: ["b.xml"], suites: 1, tests: 2, skipped: 1, failures: 0 });
  });
});
