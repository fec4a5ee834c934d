/**
 * What the machine's repository must end up matching, read from the local checkout with git.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { excludeMatcher, isSafeRelativePath } from "../excludes";
import { machineOriginUrl } from "./origin-url";

export interface LocalGitState {
  repoRoot: string;
  head: string;
  /** Branch name, or undefined when HEAD is detached. */
  branch?: string;
  /** Sanitised origin URL the machine may try, or undefined. */
  originUrl?: string;
  /** `+refs/heads/x:refs/remotes/origin/x` refspecs covering HEAD and the base ref. */
  refspecs: string[];
  /** The remote-tracking refs (full names) those refspecs fill. */
  originRefs: string[];
  /** True when some origin ref already contains HEAD, so a fetch alone brings HEAD over. */
  headOnOrigin: boolean;
  /** The base ref as a full ref name (e.g. `refs/remotes/origin/main`) when configured and known. */
  baseRef?: string;
  baseSha?: string;
  /** Tracked paths the sync skips (excludes) that exist locally: restored from git on the machine. */
  excludedTracked: string[];
}

const execGit = promisify(execFile);

/** One git command in the checkout, its stdout; rejects on a non-zero exit. */
export async function git(repoRoot: string, args: string[]): Promise<string> {
  const { stdout } = await execGit("git", args, {
    cwd: repoRoot,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  return stdout;
}

async function tryGit(repoRoot: string, args: string[]): Promise<string | undefined> {
  try {
    return (await git(repoRoot, args)).trim();
  } catch {
    return undefined;
  }
}

/**
 * Undefined when the checkout is not a git repository or has no commit yet. The git commands
 * after the first run side by side: read one after another, they held up every warm run by
 * about 100 ms (docs/sync.md, "Inner loop").
 */
export async function readLocalGit(
  repoRoot: string,
  options: { baseRef: string; excludes: readonly string[] },
): Promise<LocalGitState | undefined> {
  const head = await tryGit(repoRoot, ["rev-parse", "-q", "--verify", "HEAD^{commit}"]);
  if (!head) return undefined;
  const [branch, origin, baseRef, baseSha, containingOut, upstream, trackedOut, deletedOut] =
    await Promise.all([
      tryGit(repoRoot, ["symbolic-ref", "-q", "--short", "HEAD"]),
      tryGit(repoRoot, ["remote", "get-url", "origin"]),
      options.baseRef ? tryGit(repoRoot, ["rev-parse", "--symbolic-full-name", options.baseRef]) : undefined,
      options.baseRef
        ? tryGit(repoRoot, ["rev-parse", "-q", "--verify", `${options.baseRef}^{commit}`])
        : undefined,
      tryGit(repoRoot, ["for-each-ref", "--contains", head, "--format=%(refname)", "refs/remotes/origin/"]),
      tryGit(repoRoot, ["rev-parse", "--symbolic-full-name", "@{upstream}"]),
      git(repoRoot, ["ls-files", "-z", "--cached"]),
      git(repoRoot, ["ls-files", "-z", "--deleted"]),
    ]);
  const originUrl = machineOriginUrl(origin ?? "");
  const containing = (containingOut ?? "").split("\n").filter((r) => r && !r.endsWith("/HEAD"));
  const headRef = upstream && containing.includes(upstream) ? upstream : containing[0];
  const originRefs = [
    ...new Set([headRef, baseRef].filter((r): r is string => Boolean(r?.startsWith("refs/remotes/origin/")))),
  ];
  const refspecs = originRefs.map((ref) => `+refs/heads/${ref.slice("refs/remotes/origin/".length)}:${ref}`);

  const excluded = excludeMatcher(options.excludes);
  const tracked = trackedOut.split("\0").filter(Boolean);
  const deleted = new Set(deletedOut.split("\0").filter(Boolean));
  const excludedTracked = tracked.filter(
    (path) => isSafeRelativePath(path) && excluded(path) && !deleted.has(path) && !path.startsWith(".git/"),
  );

  return {
    repoRoot,
    head,
    ...(branch ? { branch } : {}),
    ...(originUrl ? { originUrl } : {}),
    refspecs,
    originRefs,
    headOnOrigin: Boolean(headRef),
    ...(baseRef ? { baseRef } : {}),
    ...(baseSha ? { baseSha } : {}),
    excludedTracked,
  };
}
