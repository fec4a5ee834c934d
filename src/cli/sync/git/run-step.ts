/** The git-aware part of `crabbox run`'s sync step, around the normal file sync. */
import { realpathSync } from "node:fs";
import type { ResolvedConfig } from "../../config";
import type { Progress } from "../../output/progress";
import type { SshSession } from "../../ssh/connect";
import type { Manifest } from "../manifest";
import { finalizeGit, seedGit } from "./index";
import { type LocalGitState, readLocalGit } from "./local-repo";
import { forgetUnchangedRecord, localGitKey, recordedFingerprint, writeUnchangedRecord } from "./unchanged";

export interface GitSyncStep {
  /** Before the file sync: the machine's repository gets the history up to the local HEAD. */
  before(session: SshSession): Promise<void>;
  /**
   * After it: HEAD/index at the local commit and the mass-deletion check (exit 6), skipped
   * when the seed found the machine's repository unchanged and the file sync changed nothing.
   */
  after(session: SshSession, sync: { filesChanged: boolean }): Promise<void>;
}

/**
 * Why this run gets no git-aware sync, or undefined when it does. Native Windows machines get
 * the plain file sync (their git runs under PowerShell), which only the target can tell.
 */
function gitSkipReason(config: ResolvedConfig, manifest: Manifest): string | undefined {
  if (!config.sync.git) return "off";
  // Git-aware features need the repository's top as the sync root.
  if (manifest.mode === "directory") {
    return `directory mode (${manifest.modeReason ?? "no Git work tree"}): git seeding and base-ref hydration skipped`;
  }
  const { gitTopLevel, root } = manifest;
  if (gitTopLevel && realpathSync(gitTopLevel) !== realpathSync(root)) {
    return `sync root ${manifest.root} is a subdirectory of the repository at ${manifest.gitTopLevel}: git seeding and base-ref hydration skipped`;
  }
  return undefined;
}

/**
 * Starts reading the local repository's state for the git-aware sync, or undefined when the
 * run gets none. `run` calls it as soon as the manifest exists, so that the reads overlap with
 * finding the lease and connecting (docs/sync.md, "Inner loop"). The promise never rejects
 * unhandled: a failure is raised where the sync awaits it.
 */
export function readGitForSync(
  config: ResolvedConfig,
  repoRoot: string,
  manifest: Manifest,
): Promise<LocalGitState | undefined> | undefined {
  if (gitSkipReason(config, manifest)) return undefined;
  const read = readLocalGit(repoRoot, { baseRef: config.sync.baseRef, excludes: manifest.excludes });
  read.catch(() => {});
  return read;
}

export function gitSyncStep(options: {
  config: ResolvedConfig;
  workdir: string;
  target: string;
  manifest: Manifest;
  allowMassDeletions: boolean;
  progress: Progress;
  /** The read `readGitForSync` started when the manifest was built. */
  localGit: Promise<LocalGitState | undefined>;
}): GitSyncStep | undefined {
  const { config, progress } = options;
  if (options.target === "windows") return undefined;
  const skipped = gitSkipReason(config, options.manifest);
  if (skipped) {
    // Said once, then skipped.
    if (skipped !== "off") progress.info(skipped);
    return undefined;
  }
  let state: LocalGitState | undefined;
  let available = true;
  let unchanged = false;
  let localKey: string | undefined;
  return {
    async before(session) {
      state = await options.localGit;
      if (!state) return;
      localKey = localGitKey(state, options.workdir);
      if (config.sync.baseRef && !state.baseSha) {
        progress.warn(
          `sync.baseRef ${config.sync.baseRef} does not name a commit in this checkout; not hydrated`,
        );
      }
      progress.phase("git seed", state.head.slice(0, 12));
      const seeded = await seedGit(
        session,
        options.workdir,
        state,
        localKey ? recordedFingerprint(session, options.workdir, localKey) : undefined,
      );
      available = seeded.available;
      unchanged = seeded.unchanged;
      if (unchanged) return;
      if (!available) {
        progress.warn("the machine has no git: plain file sync only (no repository at the local HEAD)");
        return;
      }
      progress.info(
        `git seed head=${state.head.slice(0, 12)} origin=${seeded.origin} bundle=${seeded.bundled}${state.baseRef ? ` base=${state.baseRef}` : ""}`,
      );
    },
    async after(session, sync) {
      if (!state || !available) return;
      if (unchanged && !sync.filesChanged) {
        progress.info(`git unchanged head=${state.head.slice(0, 12)}: seed and status check skipped`);
        return;
      }
      progress.phase("git status", options.workdir);
      // A failed finalize (a mass deletion, say) must not leave a record that skips the next one.
      forgetUnchangedRecord(session, options.workdir);
      const finalized = await finalizeGit(session, options.workdir, state, {
        massDeletionThreshold: config.sync.massDeletionThreshold,
        allowMassDeletions: options.allowMassDeletions,
      });
      if (localKey && finalized.fingerprint)
        writeUnchangedRecord(session, options.workdir, { local: localKey, remote: finalized.fingerprint });
    },
  };
}
