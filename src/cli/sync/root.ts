/**
 * Which directory a sync mirrors (docs/sync.md, sync root):
 *
 * - `--sync-root <dir>` or `sync.root`, relative to the current directory: exactly that directory;
 * - otherwise the top of the Git work tree around the current directory, unless the current
 *   directory is one that repository ignores (then the current directory, synced as a plain
 *   tree), or the current directory itself outside any repository.
 */
import { execFileSync } from "node:child_process";
import { statSync } from "node:fs";
import { resolve } from "node:path";
import { CrabboxError } from "../../errors";

function gitOut(cwd: string, args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

export function resolveSyncRoot(
  cwd: string,
  chosen: { flag?: string | undefined; config?: string | undefined } = {},
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
  const top = gitOut(cwd, ["rev-parse", "--show-toplevel"]);
  if (!top) return resolve(cwd);
  // `check-ignore -q .` exits 0 when the current directory is ignored by its repository
  if (resolve(top) !== resolve(cwd) && gitOut(cwd, ["check-ignore", "-q", "."]) !== undefined)
    return resolve(cwd);
  return top;
}
