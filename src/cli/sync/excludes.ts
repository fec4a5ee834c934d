/**
 * What never gets synced: the defaults (dependency and build output directories that the
 * machine rebuilds itself), the repo's `sync.exclude` list, `.crabboxignore` lines, and the
 * sync engine's own state directory, which no pattern can re-include.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { globToRegExp, hasGlob } from "./glob";

export const DEFAULT_EXCLUDES: readonly string[] = [
  ".git",
  "._*",
  "node_modules",
  ".turbo",
  ".next",
  "dist",
  "dist-runtime",
  "coverage",
  ".cache",
  ".local",
  ".swiftpm",
  ".build",
  "apps/*/.build",
  ".pnpm-store",
  ".npm",
  ".yarn/cache",
  ".venv",
  "__pycache__",
  ".pytest_cache",
  ".mypy_cache",
  ".ruff_cache",
  ".gradle",
  "target",
];

/** The engine's state lives in `<workdir>/.crabbox` on the machine; a repo's own `.crabbox` is never synced over it. */
export const STATE_DIR = ".crabbox";

export function readCrabboxIgnore(repoRoot: string): string[] {
  const path = join(repoRoot, ".crabboxignore");
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
}

function normalisePattern(pattern: string): string {
  return pattern
    .trim()
    .replace(/^\.\/+/, "")
    .replace(/^\/+|\/+$/g, "");
}

/**
 * A matcher for relative paths. A pattern matches a path when it equals the path or one of its
 * leading directories; a pattern without `/` also matches any single path segment (so
 * `node_modules` excludes every nested `node_modules`); globs match segments, the basename,
 * the whole path or any leading run of segments.
 */
export function excludeMatcher(patterns: readonly string[]): (path: string) => boolean {
  // Split once into the cheap shapes so that matching 100k paths stays a few Set lookups each.
  const names = new Set<string>();
  const nameGlobs: RegExp[] = [];
  const prefixes: string[] = [];
  const pathGlobs: RegExp[] = [];
  for (const raw of [...patterns, STATE_DIR]) {
    const pattern = normalisePattern(raw);
    if (pattern === "") continue;
    const segmentOnly = !pattern.includes("/");
    if (!hasGlob(pattern)) {
      if (segmentOnly) names.add(pattern);
      else prefixes.push(pattern);
    } else if (segmentOnly) nameGlobs.push(globToRegExp(pattern));
    else {
      prefixes.push(pattern);
      pathGlobs.push(globToRegExp(pattern));
    }
  }
  const segmentExcluded = (segment: string): boolean => {
    if (names.has(segment)) return true;
    for (const glob of nameGlobs) if (glob.test(segment)) return true;
    return false;
  };
  // Whether `leading` (a path or one of its leading runs of segments) is a prefix or glob match.
  const leadingExcluded = (leading: string): boolean => {
    for (const prefix of prefixes) if (leading === prefix) return true;
    for (const glob of pathGlobs) if (glob.test(leading)) return true;
    return false;
  };
  // A directory's verdict is shared by every file in it: cached, so matching 50,000 paths costs
  // one check per directory plus one per basename.
  const dirs = new Map<string, boolean>();
  const dirExcluded = (dir: string): boolean => {
    let verdict = dirs.get(dir);
    if (verdict === undefined) {
      const slash = dir.lastIndexOf("/");
      const parent = slash === -1 ? "" : dir.slice(0, slash);
      const name = slash === -1 ? dir : dir.slice(slash + 1);
      verdict = (parent !== "" && dirExcluded(parent)) || segmentExcluded(name) || leadingExcluded(dir);
      dirs.set(dir, verdict);
    }
    return verdict;
  };
  return (path) => {
    const slash = path.lastIndexOf("/");
    if (slash !== -1 && dirExcluded(path.slice(0, slash))) return true;
    return segmentExcluded(slash === -1 ? path : path.slice(slash + 1)) || leadingExcluded(path);
  };
}

/** Patterns that a remote `find` can prune cheaply (names and plain paths), as find arguments. */
export function prunablePatterns(patterns: readonly string[]): { names: string[]; paths: string[] } {
  const names: string[] = [];
  const paths: string[] = [];
  for (const raw of [...patterns, STATE_DIR]) {
    const pattern = normalisePattern(raw);
    if (pattern === "") continue;
    if (!pattern.includes("/")) names.push(pattern);
    else if (!hasGlob(pattern)) paths.push(pattern);
  }
  return { names: [...new Set(names)], paths: [...new Set(paths)] };
}

/** A relative path that cannot escape the work directory. */
export function isSafeRelativePath(path: string): boolean {
  if (path === "" || path.startsWith("/") || path.includes("\0")) return false;
  return path.split("/").every((segment) => segment !== "" && segment !== "." && segment !== "..");
}
