/**
 * What the machine's repository must end up matching, read from the local checkout with git.
 */
import { execFileSync } from "node:child_process";
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

export function git(repoRoot: string, args: string[]): string {
  return execFileSync("git", args, {
    cwd: repoRoot,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
    maxBuffer: 256 * 1024 * 1024,
  });
}

function tryGit(repoRoot: string, args: string[]): string | undefined {
  try {
    return git(repoRoot, args).trim();
  } catch {
    return undefined;
  }
}

/** Undefined when the checkout is not a git repository or has no commit yet. */
export function readLocalGit(
  repoRoot: string,
  options: { baseRef: string; excludes: readonly string[] },
): LocalGitState | undefined {
  const head = tryGit(repoRoot, ["rev-parse", "-q", "--verify", "HEAD^{commit}"]);
  if (!head) return undefined;
  const branch = tryGit(repoRoot, ["symbolic-ref", "-q", "--short", "HEAD"]) || undefined;
  const originUrl = machineOriginUrl(tryGit(repoRoot, ["remote", "get-url", "origin"]) ?? "");

  let baseRef: string | undefined;
  let baseSha: string | undefined;
  if (options.baseRef) {
    baseRef = tryGit(repoRoot, ["rev-parse", "--symbolic-full-name", options.baseRef]) || undefined;
    baseSha = tryGit(repoRoot, ["rev-parse", "-q", "--verify", `${options.baseRef}^{commit}`]);
  }

  const containing = (
    tryGit(repoRoot, ["for-each-ref", "--contains", head, "--format=%(refname)", "refs/remotes/origin/"]) ??
    ""
  )
    .split("\n")
    .filter((r) => r && !r.endsWith("/HEAD"));
  const upstream = tryGit(repoRoot, ["rev-parse", "--symbolic-full-name", "@{upstream}"]);
  const headRef = upstream && containing.includes(upstream) ? upstream : containing[0];
  const originRefs = [
    ...new Set([headRef, baseRef].filter((r): r is string => Boolean(r?.startsWith("refs/remotes/origin/")))),
  ];
  const refspecs = originRefs.map((ref) => `+refs/heads/${ref.slice("refs/remotes/origin/".length)}:${ref}`);

  const excluded = excludeMatcher(options.excludes);
  const tracked = git(repoRoot, ["ls-files", "-z", "--cached"]).split("\0").filter(Boolean);
  const deleted = new Set(git(repoRoot, ["ls-files", "-z", "--deleted"]).split("\0").filter(Boolean));
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
