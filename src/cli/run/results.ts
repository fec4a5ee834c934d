import type { TestResultSummary } from "../../api";
import { CrabboxError } from "../../errors";
import type { SshSession } from "../ssh/connect";
import { shellQuoteWord } from "../ssh/quote";

const marker = "__CRABBOX_RESULT_FILE__:";
const safeGlob = /^[A-Za-z0-9_./*?[\]{},@+-]+$/;

/**
 * Reads the JUnit files matching `globs` in the workdir on the machine, in one SSH call
 * (the remote shell expands the globs), and parses them here.
 */
export async function collectJUnit(
  session: SshSession,
  workdir: string,
  globs: readonly string[],
): Promise<TestResultSummary | undefined> {
  if (globs.length === 0) return undefined;
  for (const glob of globs) {
    if (!safeGlob.test(glob) || glob.startsWith("/") || glob.split("/").includes("..")) {
      throw new CrabboxError(
        "usage",
        `--junit "${glob}" must be a relative glob of letters, digits, _ . / * ? [ ] { } , - only`,
      );
    }
  }
  const script = `cd ${shellQuoteWord(workdir)} || exit 0; for f in ${globs.join(" ")}; do if [ -f "$f" ]; then printf '\\n${marker}%s\\n' "$f"; cat "$f"; fi; done`;
  const chunks: Buffer[] = [];
  await session.exec(script, { onStdout: (c) => chunks.push(c) });
  const text = Buffer.concat(chunks).toString("utf8");
  // The XML parser loads only for runs that collect reports (docs/cli.md, "Start-up").
  const { addJUnitFile, emptySummary } = await import("./junit");
  const summary = emptySummary();
  const parts = text.split(`\n${marker}`).slice(1);
  for (const part of parts) {
    const newline = part.indexOf("\n");
    const file = part.slice(0, newline);
    addJUnitFile(summary, file, part.slice(newline + 1));
  }
  return summary.files.length ? summary : undefined;
}
