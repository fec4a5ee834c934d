/**
 * Reads a run's JUnit reports on the machine after the command, in one SSH call, and parses
 * them here (docs/cli.md "Test results"): the files `--junit` globs name, and with
 * `--results-auto` the reports written during the command in the usual places.
 */
import type { TestResultSummary } from "../../api";
import { CrabboxError } from "../../errors";
import type { SshSession } from "../ssh/connect";
import { shellQuoteWord } from "../ssh/quote";
import type * as JUnit from "./junit";
import { autoReportScript, reportBounds, resultsStartMarker } from "./results-auto";

const fileMarker = "__CRABBOX_RESULT_FILE__:";
const skipMarker = "__CRABBOX_RESULT_SKIP__:";
const safeGlob = /^[A-Za-z0-9_./*?[\]{},@+-]+$/;

export interface CollectOptions {
  /** Also find reports newer than the start marker (`--results-auto`). */
  auto?: boolean;
  /** A report skipped for a bound, or one that is not JUnit: named, never fatal. */
  warn?: (message: string) => void;
  /** The machine's shell; native Windows reads the reports as artifacts (results-windows.ts). */
  os?: "posix" | "windows";
}

/** Refuses a `--junit` glob that could leave the workdir or inject shell syntax. */
export function assertJUnitGlobs(globs: readonly string[], field = "--junit"): void {
  for (const glob of globs) {
    if (!safeGlob.test(glob) || glob.startsWith("/") || glob.split("/").includes("..")) {
      throw new CrabboxError(
        field.startsWith("-") ? "usage" : "config",
        `${field} "${glob}" must be a relative glob of letters, digits, _ . / * ? [ ] { } , - only`,
        { field: field.replace(/^-+/, "") },
      );
    }
  }
}

/**
 * The remote script: explicit globs (expanded by the remote shell) then, in auto mode, the
 * `find` of report names, de-duplicated by relative path; each file within the bounds is
 * printed after a marker line, each one over them is named on a skip line instead.
 */
export function collectScript(workdir: string, globs: readonly string[], auto: boolean): string {
  const explicit = globs.length
    ? `for f in ${globs.join(" ")}; do if [ -f "$f" ]; then printf '%s\\n' "$f"; fi; done; `
    : "";
  const found = auto ? `${autoReportScript(resultsStartMarker)}; ` : "";
  const { files, fileBytes, totalBytes } = reportBounds;
  return [
    `cd ${shellQuoteWord(workdir)} || exit 0`,
    `{ ${explicit}${found}} | sed 's|^\\./||' | awk '!seen[$0]++' | {`,
    "n=0; total=0",
    "while IFS= read -r f; do",
    '  s=$(wc -c < "$f" 2>/dev/null | tr -d " ") || continue',
    `  if [ "$n" -ge ${files} ]; then printf '\\n${skipMarker}files:%s\\n' "$f"; continue; fi`,
    `  if [ "$s" -gt ${fileBytes} ]; then printf '\\n${skipMarker}size:%s\\n' "$f"; continue; fi`,
    `  if [ $((total + s)) -gt ${totalBytes} ]; then printf '\\n${skipMarker}total:%s\\n' "$f"; continue; fi`,
    "  n=$((n + 1)); total=$((total + s))",
    `  printf '\\n${fileMarker}%s\\n' "$f"; cat "$f"`,
    "done; }",
  ].join("\n");
}

const skipReasons: Record<string, string> = {
  files: `more than ${reportBounds.files} reports`,
  size: `larger than ${reportBounds.fileBytes / 1024 / 1024} MiB`,
  total: `reports over ${reportBounds.totalBytes / 1024 / 1024} MiB in total`,
};

/** Parses the script's output into one summary; `undefined` when no report was read. */
export function parseCollected(
  text: string,
  warn: (message: string) => void,
  { addJUnitFile, emptySummary }: typeof JUnit,
): TestResultSummary | undefined {
  const summary = emptySummary();
  for (const part of text.split("\n__CRABBOX_RESULT_").slice(1)) {
    const newline = part.indexOf("\n");
    const head = newline === -1 ? part : part.slice(0, newline);
    if (head.startsWith("SKIP__:")) {
      const [reason = "", ...rest] = head.slice("SKIP__:".length).split(":");
      warn(`test results: skipped ${rest.join(":")} (${skipReasons[reason] ?? reason})`);
      continue;
    }
    const file = head.slice("FILE__:".length);
    const before = summary.files.length;
    addJUnitFile(summary, file, part.slice(newline + 1));
    if (summary.files.length === before) warn(`test results: ${file} is not a JUnit report; skipped`);
  }
  return summary.files.length ? summary : undefined;
}

export async function collectJUnit(
  session: SshSession,
  workdir: string,
  globs: readonly string[],
  options: CollectOptions = {},
): Promise<TestResultSummary | undefined> {
  const auto = options.auto ?? false;
  if (globs.length === 0 && !auto) return undefined;
  assertJUnitGlobs(globs);
  let text: string;
  if (options.os === "windows") {
    // Auto mode's find does not run on Windows (resultsAuto skips it there).
    if (globs.length === 0) return undefined;
    const { readWindowsReports } = await import("./results-windows");
    text = await readWindowsReports(session, workdir, globs, { file: fileMarker, skip: skipMarker });
  } else {
    const chunks: Buffer[] = [];
    await session.exec(collectScript(workdir, globs, auto), { onStdout: (c) => chunks.push(c) });
    text = Buffer.concat(chunks).toString("utf8");
  }
  // The XML parser loads only for runs that collect reports (docs/cli.md, "Start-up").
  const junit = await import("./junit");
  return parseCollected(text, options.warn ?? (() => {}), junit);
}
