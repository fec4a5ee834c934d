/** The git-aware part of `crabbox run`'s sync step, around the normal file sync. */
import { realpathSync } from "node:fs";
import type { ResolvedConfig } from "../../config";
import type { Progress } from "../../output/progress";
import type { SshSession } from "../../ssh/connect";
import type { Manifest } from "../manifest";
import { finalizeGit, seedGit } from "./index";
import { readLocalGit } from "./local-repo";

export interface GitSyncStep {
  /** Before the file sync: the machine's repository gets the history up to the local HEAD. */
  before(session: SshSession): Promise<void>;
  /** After it: HEAD/index at the local commit and the mass-deletion check (exit 6). */
  after(session: SshSession): Promise<void>;
}

export function gitSyncStep(options: {
  config: ResolvedConfig;
  repoRoot: string;
  workdir: string;
  target: string;
  manifest: Manifest;
  allowMassDeletions: boolean;
  progress: Progress;
}): GitSyncStep | undefined {
  const { config, progress } = options;
  // Native Windows machines get the plain file sync (their git runs under PowerShell).
  if (!config.sync.git || options.target === "windows") return undefined;
  // Git-aware features need the repository's top as the sync root: said once, then skipped.
  if (options.manifest.mode === "directory") {
    progress.info(
      `directory mode (${options.manifest.modeReason ?? "no Git work tree"}): git seeding and base-ref hydration skipped`,
    );
    return undefined;
  }
  const { gitTopLevel, root } = options.manifest;
  if (gitTopLevel && realpathSync(gitTopLevel) !== realpathSync(root)) {
    progress.info(
      `sync root ${options.manifest.root} is a subdirectory of the repository at ${options.manifest.gitTopLevel}: git seeding and base-ref hydration skipped`,
    );
    return undefined;
  }
  const state = readLocalGit(options.repoRoot, {
    baseRef: config.sync.baseRef,
    excludes: options.manifest.excludes,
  });
  if (!state) return undefined;
  if (config.sync.baseRef && !state.baseSha) {
    progress.warn(
      `sync.baseRef ${config.sync.baseRef} does not name a commit in this checkout; not hydrated`,
    );
  }
  let available = true;
  return {
    async before(session) {
      progress.phase("git seed", state.head.slice(0, 12));
      const seeded = await seedGit(session, options.workdir, state);
      available = seeded.available;
      if (!available) {
        progress.warn("the machine has no git: plain file sync only (no repository at the local HEAD)");
        return;
      }
      progress.info(
        `git seed head=${state.head.slice(0, 12)} origin=${seeded.origin} bundle=${seeded.bundled}${state.baseRef ? ` base=${state.baseRef}` : ""}`,
      );
    },
    async after(session) {
      if (!available) return;
      progress.phase("git status", options.workdir);
      await finalizeGit(session, options.workdir, state, {
        massDeletionThreshold: config.sync.massDeletionThreshold,
        allowMassDeletions: options.allowMassDeletions,
      });
    },
  };
}
