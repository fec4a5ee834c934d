/**
 * Which local changes make `crabbox watch` sync and rerun (docs/cli.md "Watch"): paths inside
 * the sync root, except Crabbox's own state (`.crabbox/`, where artifacts land, which would
 * loop), Git's metadata and dependency trees, and whatever Git ignores (the sync skips those too).
 */
import { execFile } from "node:child_process";

const neverWatched = [".git", ".crabbox", "node_modules"];

/** Pure: a changed path (relative, `/` or `\\` separated) the sync could never carry. */
export function alwaysIgnored(path: string): boolean {
  const first = path.split(/[\\/]/)[0] ?? "";
  return path === "" || neverWatched.includes(first);
}

/** The paths Git does not ignore; outside a Git repository, all of them. */
export function withoutGitIgnored(root: string, paths: readonly string[]): Promise<string[]> {
  if (paths.length === 0) return Promise.resolve([]);
  return new Promise((resolve) => {
    const child = execFile("git", ["-C", root, "check-ignore", "--stdin", "-z"], (error, stdout) => {
      // Exit 1 means "none ignored"; anything else (not a repository) means "no filter".
      const code = (error as { code?: number } | null)?.code;
      if (error && code !== 1) return resolve([...paths]);
      const ignored = new Set(String(stdout).split("\0").filter(Boolean));
      resolve(paths.filter((p) => !ignored.has(p)));
    });
    child.stdin?.end(paths.map((p) => `${p}\0`).join(""));
  });
}
