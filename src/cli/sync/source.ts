/**
 * Which files a sync root holds, in one of two modes (docs/sync.md):
 *
 * - **git**: the root is inside a Git work tree and not ignored by it — `git ls-files --cached
 *   --others --exclude-standard` (tracked plus untracked-but-not-ignored files, relative to the
 *   root); local caches live in the Git dir.
 * - **directory**: the root is not inside a Git repository, is ignored by the repository around
 *   it, or git is not installed — a walk of the tree (`walk.ts`); caches live in the user's
 *   cache directory.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { isAbsolute, join } from "node:path";
import { promisify } from "node:util";
import { CrabboxError } from "../../errors";
import { defaultCacheDir } from "./cache-dir";
import { walkTree } from "./walk";

const run = promisify(execFile);

export type SyncMode = "git" | "directory";

export interface SourceListing {
  mode: SyncMode;
  /** Why the directory mode was chosen, for the one line the run prints. */
  reason?: string;
  /**
   * Candidate paths, relative to the root, `/`-separated, not yet excluded, checked or sorted;
   * and what the walk could not read (directory mode). A function, so that the caller can load
   * its caches while git is still listing.
   */
  files(): Promise<{ paths: string[]; unreadable: string[] }>;
  /** Where this root's local caches live. */
  cacheDir: string;
  /** The Git work tree's top directory (git mode). */
  gitTopLevel?: string;
}

type GitResult =
  | { ok: true; stdout: Buffer }
  | { ok: false; stderr: string; missing: boolean; code?: number };

async function tryGit(root: string, args: string[]): Promise<GitResult> {
  try {
    const { stdout } = await run("git", ["-C", root, ...args], {
      encoding: "buffer",
      maxBuffer: 512 * 1024 * 1024,
    });
    return { ok: true, stdout };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stderr?: Buffer; code?: string | number };
    return {
      ok: false,
      stderr: String(failure.stderr ?? "").trim() || failure.message,
      missing: failure.code === "ENOENT",
      ...(typeof failure.code === "number" ? { code: failure.code } : {}),
    };
  }
}

function gitFailed(root: string, args: string[], stderr: string): CrabboxError {
  return new CrabboxError("sync_failed", `git ${args[0]} failed in ${root}: ${stderr}`, {
    hint: "fix the repository (see git's message), or sync another directory with --sync-root",
  });
}

export function splitNul(buffer: Buffer): string[] {
  return buffer
    .toString("utf8")
    .split("\0")
    .filter((part) => part !== "");
}

function directoryCacheDir(root: string): string {
  return join(defaultCacheDir(), "trees", createHash("sha256").update(root).digest("hex").slice(0, 32));
}

function walked(root: string, excluded: (path: string) => boolean, reason: string): SourceListing {
  return {
    mode: "directory",
    reason,
    files: async () => walkTree(root, excluded),
    cacheDir: directoryCacheDir(root),
  };
}

/** `root` must be absolute. `excluded` prunes the walk (git mode filters afterwards). */
export async function listSource(root: string, excluded: (path: string) => boolean): Promise<SourceListing> {
  // The listing is the slow git call (it scans for untracked files): started at once, in
  // parallel with the cheap question of whether this is a work tree at all.
  const listArgs = ["ls-files", "--cached", "--others", "--exclude-standard", "-z"];
  const listing = tryGit(root, listArgs);
  const revArgs = ["rev-parse", "--git-dir", "--show-toplevel", "--show-prefix"];
  const rev = await tryGit(root, revArgs);
  if (!rev.ok) {
    if (rev.missing) return walked(root, excluded, "git is not installed");
    if (/not a git repository/i.test(rev.stderr))
      return walked(root, excluded, "not inside a Git repository");
    // a bare repository or a .git dir itself: nothing Git would list as a work tree
    if (/must be run in a work tree|outside repository/i.test(rev.stderr))
      return walked(root, excluded, "not inside a Git work tree");
    throw gitFailed(root, revArgs, rev.stderr);
  }
  const [gitDirRaw = "", topLevel = "", prefix = ""] = rev.stdout.toString("utf8").split("\n");
  if (prefix !== "") {
    // Inside a repository, in a directory it ignores (a scratch or build directory): Git would
    // list nothing there, so the directory is synced as a plain tree.
    const ignoredHere = await tryGit(root, ["check-ignore", "-q", "."]);
    if (ignoredHere.ok) return walked(root, excluded, `ignored by the Git repository at ${topLevel}`);
  }
  const gitDir = isAbsolute(gitDirRaw) ? gitDirRaw : join(root, gitDirRaw);
  return {
    mode: "git",
    files: async () => {
      const listed = await listing;
      if (!listed.ok) throw gitFailed(root, listArgs, listed.stderr);
      return { paths: splitNul(listed.stdout), unreadable: [] };
    },
    cacheDir: join(gitDir, "crabbox"),
    gitTopLevel: topLevel,
  };
}
