import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";
import * as junit from "../../../src/cli/run/junit";
import { collectScript, parseCollected } from "../../../src/cli/run/results";
import { markResultsStartCommand } from "../../../src/cli/run/results-auto";

const report = (name: string, failures = 0) =>
  `<?xml version="1.0"?><testsuite name="${name}" tests="2" failures="${failures}"><testcase name="a"/><testcase name="b">${failures ? '<failure message="no"/>' : ""}</testcase></testsuite>`;

/** A workdir on this computer, with the scripts run through /bin/sh as the machine runs them. */
function workdir() {
  const root = mkdtempSync(join(tmpdir(), "crabbox-results-"));
  const write = (path: string, text: string, ageSeconds = 0) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
    if (ageSeconds) {
      const then = Date.now() / 1000 - ageSeconds;
      utimesSync(join(root, path), then, then);
    }
  };
  const sh = (script: string) => execFileSync("/bin/sh", ["-c", script], { encoding: "utf8" });
  return { root, write, sh };
}

describe("--results-auto on the machine", () => {
  it("finds the usual report names written after the start marker, once each, and skips the rest", () => {
    const w = workdir();
    w.write("stale/junit.xml", report("stale"), 3600);
    w.sh(markResultsStartCommand(w.root));
    w.write("junit.xml", report("root"));
    w.write("target/surefire-reports/TEST-com.Example.xml", report("surefire", 1));
    w.write("py/results.xml", report("pytest"));
    w.write("web/app.junit.xml", report("vitest"));
    w.write("node_modules/dep/junit.xml", report("dependency"));
    w.write("reports/results.xml", "<html>not a report</html>");
    w.write("reports/custom.xml", report("explicit"));
    const warnings: string[] = [];
    const summary = parseCollected(
      w.sh(collectScript(w.root, ["reports/*.xml", "junit.xml"], true)),
      (m) => warnings.push(m),
      junit,
    );
    expect(summary?.files.sort()).toEqual([
      "junit.xml",
      "py/results.xml",
      "reports/custom.xml",
      "target/surefire-reports/TEST-com.Example.xml",
      "web/app.junit.xml",
    ]);
    expect(summary).toMatchObject({ suites: 5, tests: 10, failures: 1 });
    // the explicit glob names a file that is not JUnit: a named warning, the others are kept
    expect(warnings).toEqual(["test results: reports/results.xml is not a JUnit report; skipped"]);
  });

  it("leaves out the reports of a run that ended just before, and counts one written at once after the marker", () => {
    const w = workdir();
    w.write("junit.xml", report("previous run", 1)); // a run that ended a moment ago
    w.sh(markResultsStartCommand(w.root));
    w.write("web/app.junit.xml", report("this run"));
    const summary = parseCollected(w.sh(collectScript(w.root, [], true)), () => {}, junit);
    expect(summary?.files).toEqual(["web/app.junit.xml"]);
    expect(summary).toMatchObject({ tests: 2, failures: 0 });
  });

  it("reads nothing in auto mode when the start marker is missing, and explicit globs still work", () => {
    const w = workdir();
    w.write("junit.xml", report("root"));
    expect(parseCollected(w.sh(collectScript(w.root, [], true)), () => {}, junit)).toBeUndefined();
    expect(parseCollected(w.sh(collectScript(w.root, ["junit.xml"], false)), () => {}, junit)?.tests).toBe(2);
  });

  it("names a report over the per-file bound and keeps the ones within it", () => {
    const w = workdir();
    w.sh(markResultsStartCommand(w.root));
    w.write("junit-small.xml", report("small"));
    w.write("junit-big.xml", `${report("big")}${" ".repeat(16 * 1024 * 1024)}`);
    const warnings: string[] = [];
    const summary = parseCollected(w.sh(collectScript(w.root, [], true)), (m) => warnings.push(m), junit);
    expect(summary?.files).toEqual(["junit-small.xml"]);
    expect(warnings).toEqual(["test results: skipped junit-big.xml (larger than 16 MiB)"]);
  });
});
