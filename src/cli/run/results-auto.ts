/**
 * `run --results-auto` (config `results.auto`): find the JUnit reports a command wrote without
 * naming them (docs/cli.md "Test results"). Before the command a marker file is touched in the
 * workdir; afterwards `find` lists the usual report names newer than it, skipping dependency
 * and VCS trees, and keeps the files that open with a `<testsuite`/`<testsuites` element.
 */
import { shellQuoteWord } from "../ssh/quote";
import type { RunContext } from "./flow-types";

/** Whether this run looks for reports by name; native Windows machines are skipped (docs/cli.md). */
export function resultsAuto(ctx: Pick<RunContext, "options" | "target">): boolean {
  return Boolean(ctx.options.resultsAuto) && ctx.target.connection.target !== "windows";
}

/** The marker, inside `.crabbox/` (never synced, never listed as an artifact). */
export const resultsStartMarker = ".crabbox/results-start";

/**
 * The report names test runners write by default: Jest/Vitest/Mocha junit reporters
 * (`junit.xml`, `junit-*.xml`, `*.junit.xml`), Maven Surefire and Gradle (`TEST-*.xml`),
 * pytest `--junitxml` and many CI templates (`results.xml`, `test-results.xml`).
 */
export const autoReportNames = [
  "junit*.xml",
  "*.junit.xml",
  "*-junit.xml",
  "TEST-*.xml",
  "results.xml",
  "test-results.xml",
] as const;

/** Directories never searched: dependencies, VCS metadata, Crabbox's own state. */
export const autoPrunedDirs = ["node_modules", ".git", ".crabbox", ".venv", "vendor"] as const;

/** At most this many reports, each and all together at most these sizes; the rest is named and skipped. */
export const reportBounds = { files: 50, fileBytes: 16 * 1024 * 1024, totalBytes: 64 * 1024 * 1024 } as const;

/**
 * Run before the command: the start marker auto mode compares modification times against.
 * File times tick coarsely (a few ms on Linux), so a report written at once could share the
 * marker's tick and not count as newer. The marker used to be set one second back, which
 * counted the reports of a run that ended less than a second earlier (an agent's next run
 * often starts that soon). Instead the script waits, a few ms, until a fresh file's time is
 * past the marker's: from then on everything the command writes is newer, and nothing
 * written before the marker is.
 */
export function markResultsStartCommand(workdir: string): string {
  const m = resultsStartMarker;
  const tick = `${m}.tick`;
  return (
    `cd ${shellQuoteWord(workdir)} && mkdir -p .crabbox && : > ${m} && ` +
    `crabbox_i=0; while [ "$crabbox_i" -lt 500 ]; do : > ${tick}; ` +
    `[ -n "$(find ${tick} -newer ${m} 2>/dev/null)" ] && break; crabbox_i=$((crabbox_i + 1)); done; ` +
    `rm -f ${tick}`
  );
}

/** A `find` printing candidate reports (one per line) newer than `marker`, JUnit-looking only. */
export function autoReportScript(marker: string): string {
  const prune = autoPrunedDirs.map((d) => `-name ${shellQuoteWord(d)}`).join(" -o ");
  const names = autoReportNames.map((n) => `-name ${shellQuoteWord(n)}`).join(" -o ");
  return (
    `if [ -f ${marker} ]; then find . \\( ${prune} \\) -prune -o -type f \\( ${names} \\) -newer ${marker} -print | ` +
    `while IFS= read -r f; do if head -c 4096 "$f" | grep -q '<testsuite'; then printf '%s\\n' "$f"; fi; done; fi`
  );
}
