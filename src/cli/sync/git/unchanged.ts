/**
 * The git-aware sync's fast path for the warm loop (docs/git-sync.md, "Unchanged repository").
 * After a finalize succeeds, the client records two things next to the machine's sync state:
 * a key of the local git state it synced (HEAD, branch, base, origin, refspecs) and the
 * fingerprint the machine printed of its `.git` (HEAD, the ref it names, packed refs, index,
 * config, info/exclude). On the next run the seed compares the machine's fingerprint with the
 * record first: when both sides are as they were and the file sync then changes nothing, the
 * seed and the finalize have nothing to do and the run skips them. Anything that touches the
 * machine's repository (a `git commit` or `git status` run by the command, a rewritten index)
 * changes the fingerprint and the run takes the full path. Only an optimisation: every failure
 * here reads as "no record".
 */
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { SshSession } from "../../ssh/connect";
import { stateCachePath } from "../state-cache";
import type { LocalGitState } from "./local-repo";

interface UnchangedRecord {
  local: string;
  remote: string;
}

/** The local half of the record; undefined when the state rules the fast path out. */
export function localGitKey(state: LocalGitState, workdir: string): string | undefined {
  // Excluded tracked files are restored by the finalize, and nothing else watches them.
  if (state.excludedTracked.length > 0) return undefined;
  const { repoRoot, head, branch, originUrl, refspecs, baseRef, baseSha } = state;
  return createHash("sha256")
    .update(JSON.stringify([workdir, repoRoot, head, branch, originUrl, refspecs, baseRef, baseSha]))
    .digest("hex");
}

function recordPath(session: SshSession, workdir: string): string {
  return `${stateCachePath(session, workdir)}.git`;
}

/** The machine fingerprint recorded for this local key, if the last finalize left one. */
export function recordedFingerprint(session: SshSession, workdir: string, local: string): string | undefined {
  try {
    const record = JSON.parse(readFileSync(recordPath(session, workdir), "utf8")) as UnchangedRecord;
    return record.local === local && /^\d+$/.test(record.remote) ? record.remote : undefined;
  } catch {
    return undefined;
  }
}

export function writeUnchangedRecord(session: SshSession, workdir: string, record: UnchangedRecord): void {
  const path = recordPath(session, workdir);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, JSON.stringify(record));
    renameSync(`${path}.tmp`, path);
  } catch {
    // only an optimisation
  }
}

export function forgetUnchangedRecord(session: SshSession, workdir: string): void {
  rmSync(recordPath(session, workdir), { force: true });
}
