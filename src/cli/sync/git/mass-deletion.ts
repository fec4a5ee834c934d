import { CrabboxError } from "../../../errors";

export interface RemoteGitStatus {
  deleted: number;
  samples: string[];
}

export function parseFinalizeOutput(stdout: string): RemoteGitStatus {
  const lines = stdout.split("\n").filter(Boolean);
  const header = lines.findIndex((l) => l.startsWith("deleted="));
  if (header < 0) throw new CrabboxError("sync_failed", "remote git status check printed no result");
  return { deleted: Number(lines[header]!.slice("deleted=".length)) || 0, samples: lines.slice(header + 1) };
}

/**
 * The post-sync sanity check: many tracked files missing on the machine means the sync went
 * wrong (or the checkout really deleted them). Either way the command must not run silently
 * against it, so it fails with exit 6 unless the caller allowed mass deletions.
 */
export function checkRemoteDeletions(
  status: RemoteGitStatus,
  options: { threshold: number; allow: boolean },
): void {
  if (options.allow || options.threshold <= 0 || status.deleted < options.threshold) return;
  throw new CrabboxError(
    "sync_failed",
    `remote sync sanity failed: ${status.deleted} tracked files are deleted on the machine (threshold ${options.threshold}), e.g. ${status.samples.join(", ")}. ` +
      "If this checkout really deletes them, rerun with --allow-mass-deletions (or CRABBOX_ALLOW_MASS_DELETIONS=1); " +
      "otherwise check sync.exclude and .crabboxignore.",
    { step: "git-status", deleted: status.deleted, threshold: options.threshold },
  );
}
