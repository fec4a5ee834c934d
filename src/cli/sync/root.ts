/**
 * Which directory a sync mirrors (docs/sync.md, sync root):
 *
 * - `--sync-root <dir>` or `sync.root`, relative to the current directory: exactly that directory;
 * - otherwise the top of the Git work tree around the current directory, unless the current
 *   directory is one that repository ignores (then the current directory, synced as a plain
 *   tree), or the current directory itself outside any repository.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { CrabboxError } from "../../errors";

function gitOut(cwd: string, args: string[], env: NodeJS.ProcessEnv): string | undefined {
  try {
    return execFileSync("git", args, {
      cwd,
      env,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined;
  }
}

/** Variables that change where git looks for its repository: then only git can say. */
const discoveryVariables = [
  "GIT_DIR",
  "GIT_WORK_TREE",
  "GIT_CEILING_DIRECTORIES",
  "GIT_DISCOVERY_ACROSS_FILESYSTEM",
];

function isGitEntry(path: string): boolean {
  try {
    const stat = statSync(path);
    if (stat.isDirectory()) return existsSync(join(path, "HEAD"));
    // a linked worktree's or a submodule's `.git` file points at the real directory
    return stat.isFile() && readFileSync(path, "utf8").startsWith("gitdir:");
  } catch {
    return false;
  }
}

/**
 * The top of the Git work tree around `cwd`, as `git rev-parse --show-toplevel` answers it, but
 * found by looking for `.git` upwards: a synchronous git process costs a warm `crabbox run`
 * 5-25 ms of a blocked event loop (docs/sync.md, "Inner loop"). Git itself is asked when the
 * environment steers its discovery.
 */
function gitTopLevel(cwd: string, env: NodeJS.ProcessEnv): string | undefined {
  if (discoveryVariables.some((name) => env[name] !== undefined))
    return gitOut(cwd, ["rev-parse", "--show-toplevel"], env);
  for (let dir = resolve(cwd); ; dir = dirname(dir)) {
    if (isGitEntry(join(dir, ".git"))) return realpathSync(dir);
    if (dirname(dir) === dir) return undefined;
  }
}

export function resolveSyncRoot(
  cwd: string,
  chosen: { flag?: string | undefined; config?: string | undefined } = {},
  env: NodeJS.ProcessEnv = process.env,
): string {
  const [value, source] =
    chosen.flag !== undefined ? [chosen.flag, "--sync-root"] : [chosen.config ?? "", "sync.root"];
  if (value !== "") {
    const root = resolve(cwd, value);
    let directory = false;
    try {
      directory = statSync(root).isDirectory();
    } catch {
      // reported below
    }
    if (!directory) {
      throw new CrabboxError("usage", `${source} ${value}: ${root} is not a directory`, {
        field: source,
        hint:
          source === "--sync-root"
            ? "pass an existing directory to --sync-root"
            : "set sync.root in crabbox.yaml to an existing directory, or override it with --sync-root",
      });
    }
    return root;
  }
  const top = gitTopLevel(cwd, env);
  if (!top) return resolve(cwd);
  // `check-ignore -q .` exits 0 when the current directory is ignored by its repository
  if (top !== realpathSync(cwd) && gitOut(cwd, ["check-ignore", "-q", "."], env) !== undefined)
    return resolve(cwd);
  return top;
}
