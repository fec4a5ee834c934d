/**
 * `--junit` on a native Windows machine (docs/cli.md "Test results"): the POSIX script of
 * results.ts cannot run there, so the reports travel as artifacts do (the PowerShell listing and
 * staged `tar.exe` of artifact-scripts-windows.ts) into a temporary local directory, and the
 * same bounds then apply here, in path order: at most 50 reports, 16 MiB each, 64 MiB in all.
 * What is read is handed to the POSIX path's parser in its marker format, so the warnings and
 * the summary are the same. The directory is removed afterwards.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SshSession } from "../ssh/connect";
import { collectArtifacts } from "./artifacts";
import { reportBounds } from "./results-auto";

/** The text results.ts's `parseCollected` reads: a marker line before each report or skip. */
export async function readWindowsReports(
  session: SshSession,
  workdir: string,
  globs: readonly string[],
  markers: { file: string; skip: string },
): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "crabbox-junit-"));
  try {
    const got = await collectArtifacts(session, workdir, { globs, required: [], dest: dir }, "windows");
    const parts: string[] = [];
    let read = 0;
    let total = 0;
    for (const entry of got.entries) {
      const skip = (reason: string) => parts.push(`\n${markers.skip}${reason}:${entry.path}\n`);
      if (read >= reportBounds.files) skip("files");
      else if (entry.bytes > reportBounds.fileBytes) skip("size");
      else if (total + entry.bytes > reportBounds.totalBytes) skip("total");
      else {
        read++;
        total += entry.bytes;
        parts.push(`\n${markers.file}${entry.path}\n${await readFile(join(dir, entry.path), "utf8")}`);
      }
    }
    return parts.join("");
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
