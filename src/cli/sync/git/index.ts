/**
 * Git-aware sync: the machine ends up with a git repository at the local HEAD, so that
 * `git status`, `git diff base...HEAD` and "test what changed" tools work there.
 *
 * 1. `seedGit` (before the file sync): the machine fetches HEAD's history from origin as a
 *    blob-less partial fetch when it can reach it (sanitised URL, no credentials); whatever it
 *    still lacks — unpushed commits, an unreachable or private origin — is streamed from the
 *    local object store as a git bundle over the same SSH session.
 * 2. The normal sync overlays the dirty working tree.
 * 3. `finalizeGit`: HEAD and the index at the local commit, excluded tracked files restored,
 *    then a `git status` sanity check against mass deletions (exit 6 unless allowed).
 */
import { spawn } from "node:child_process";
import { CrabboxError } from "../../../errors";
import { heldStdout } from "../../process/child-output";
import type { SshSession } from "../../ssh/connect";
import { git, type LocalGitState } from "./local-repo";
import { checkRemoteDeletions, parseFinalizeOutput, type RemoteGitStatus } from "./mass-deletion";
import { bundleScript, finalizeScript, seedScript } from "./remote-scripts";

export type { LocalGitState } from "./local-repo";
export type { RemoteGitStatus } from "./mass-deletion";

export interface SeedResult {
  /** False when the machine has no git: the run gets the plain file sync. */
  available: boolean;
  origin: "ok" | "failed" | "none";
  bundled: boolean;
  /** The machine's repository is still as the last finalize left it (docs/git-sync.md). */
  unchanged: boolean;
}

async function run(session: SshSession, command: string, stdin?: NodeJS.ReadableStream | Buffer) {
  let stdout = "";
  let stderr = "";
  const result = await session.exec(command, {
    onStdout: (c) => (stdout += c.toString("utf8")),
    onStderr: (c) => (stderr = (stderr + c.toString("utf8")).slice(-4000)),
    ...(stdin ? { stdin: stdin as never } : {}),
  });
  return { exitCode: result.exitCode, stdout, stderr: stderr.trim() };
}

async function knownLocally(repoRoot: string, sha: string): Promise<boolean> {
  if (!/^[0-9a-f]{40,64}$/.test(sha)) return false;
  try {
    await git(repoRoot, ["cat-file", "-e", `${sha}^{commit}`]);
    return true;
  } catch {
    return false;
  }
}

export async function seedGit(
  session: SshSession,
  workdir: string,
  state: LocalGitState,
  unchangedFingerprint?: string,
): Promise<SeedResult> {
  const seeded = await run(
    session,
    seedScript(workdir, state, unchangedFingerprint ? { unchangedFingerprint } : {}),
  );
  if (seeded.exitCode !== 0) {
    throw new CrabboxError(
      "sync_failed",
      `could not prepare the git repository on the machine: ${seeded.stderr}`,
      {
        step: "git-seed",
      },
    );
  }
  if (/^git=missing$/m.test(seeded.stdout))
    return { available: false, origin: "none", bundled: false, unchanged: false };
  if (/^git=unchanged$/m.test(seeded.stdout))
    return { available: true, origin: "none", bundled: false, unchanged: true };
  const remoteHead = /^head=(\S*)$/m.exec(seeded.stdout)?.[1] ?? "";
  const origin = (/^origin=(\w+)$/m.exec(seeded.stdout)?.[1] ?? "none") as SeedResult["origin"];
  if (origin === "ok" && state.headOnOrigin)
    return { available: true, origin, bundled: false, unchanged: false };
  // HEAD (and the base sent with it) arrived with an earlier sync of this lease.
  if (remoteHead === state.head) return { available: true, origin, bundled: false, unchanged: false };

  // The machine already has these commits; the bundle only carries what is new.
  const prerequisites =
    origin === "ok" ? state.originRefs : (await knownLocally(state.repoRoot, remoteHead)) ? [remoteHead] : [];
  const refs = ["HEAD", ...(state.baseRef && origin !== "ok" ? [state.baseRef] : [])];
  let sent = await sendBundle(session, workdir, state, refs, prerequisites);
  // An empty difference (e.g. HEAD moved back to an ancestor) cannot be bundled: send it whole.
  if (!sent.ok && prerequisites.length) sent = await sendBundle(session, workdir, state, refs, []);
  if (!sent.ok) {
    throw new CrabboxError("sync_failed", `could not send the git history to the machine: ${sent.error}`, {
      step: "git-bundle",
    });
  }
  return { available: true, origin, bundled: true, unchanged: false };
}

async function sendBundle(
  session: SshSession,
  workdir: string,
  state: LocalGitState,
  refs: string[],
  prerequisites: string[],
): Promise<{ ok: true } | { ok: false; error: string }> {
  const child = spawn("git", ["bundle", "create", "-", ...refs, ...prerequisites.map((p) => `^${p}`)], {
    cwd: state.repoRoot,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let localError = "";
  child.stderr.on("data", (c: Buffer) => (localError = (localError + c.toString("utf8")).slice(-2000)));
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? 1)));
  const bundle = heldStdout(child);
  const remote = await run(session, bundleScript(workdir, refs), bundle);
  const code = await exited;
  if (code !== 0) return { ok: false, error: `git bundle: ${localError.trim()}` };
  if (remote.exitCode !== 0) return { ok: false, error: remote.stderr };
  return { ok: true };
}

export async function finalizeGit(
  session: SshSession,
  workdir: string,
  state: LocalGitState,
  options: { massDeletionThreshold: number; allowMassDeletions: boolean },
): Promise<RemoteGitStatus & { fingerprint?: string }> {
  const stdin = Buffer.from(state.excludedTracked.map((p) => `${p}\0`).join(""), "utf8");
  const result = await run(session, finalizeScript(workdir, state), stdin);
  if (result.exitCode !== 0) {
    throw new CrabboxError("sync_failed", `remote git finalize failed: ${result.stderr}`, {
      step: "git-finalize",
    });
  }
  const status = parseFinalizeOutput(result.stdout);
  checkRemoteDeletions(status, {
    threshold: options.massDeletionThreshold,
    allow: options.allowMassDeletions,
  });
  const fingerprint = /^fingerprint=(\d+)$/m.exec(result.stdout)?.[1];
  return fingerprint ? { ...status, fingerprint } : status;
}
