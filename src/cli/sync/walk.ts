/**
 * The file list of a directory that is not a Git repository: a walk of the tree that honours
 * the engine's excludes and every `.gitignore` found on the way, with Git's matching rules (the
 * `ignore` library implements them; docs/sync.md, directory mode). Symlinks are listed as
 * symlinks and never followed, so nothing outside the tree is ever read.
 */
import { type Dirent, readdirSync, readFileSync } from "node:fs";
import ignore, { type Ignore } from "ignore";

export interface WalkResult {
  /** Files and symlinks, relative and `/`-separated, in walk order (not sorted). */
  paths: string[];
  /** Directories and `.gitignore` files that could not be read, relative to the root. */
  unreadable: string[];
}

interface IgnoreRules {
  /** The directory holding the `.gitignore`, relative to the root ("" for the root). */
  base: string;
  rules: Ignore;
}

/**
 * Git's precedence: patterns in a deeper `.gitignore` override those of its parents, and within
 * one file the last matching pattern wins (which the library decides). An ignored directory is
 * not entered, so nothing below it can be re-included — also as in Git.
 */
function ignored(stack: readonly IgnoreRules[], path: string, directory: boolean): boolean {
  let verdict = false;
  for (const { base, rules } of stack) {
    const relative = base === "" ? path : path.slice(base.length + 1);
    const result = rules.test(directory ? `${relative}/` : relative);
    if (result.ignored) verdict = true;
    else if (result.unignored) verdict = false;
  }
  return verdict;
}

export function walkTree(root: string, excluded: (path: string) => boolean): WalkResult {
  const paths: string[] = [];
  const unreadable: string[] = [];
  const pending: { dir: string; stack: IgnoreRules[] }[] = [{ dir: "", stack: [] }];
  for (;;) {
    const next = pending.pop();
    if (!next) break;
    const { dir } = next;
    let entries: Dirent[];
    try {
      entries = readdirSync(dir === "" ? root : `${root}/${dir}`, { withFileTypes: true });
    } catch {
      unreadable.push(dir === "" ? "." : `${dir}/`);
      continue;
    }
    let stack = next.stack;
    if (entries.some((entry) => entry.name === ".gitignore" && entry.isFile())) {
      const file = dir === "" ? ".gitignore" : `${dir}/.gitignore`;
      try {
        stack = [...stack, { base: dir, rules: ignore().add(readFileSync(`${root}/${file}`, "utf8")) }];
      } catch {
        unreadable.push(file);
      }
    }
    for (const entry of entries) {
      const path = dir === "" ? entry.name : `${dir}/${entry.name}`;
      if (excluded(path)) continue;
      if (entry.isDirectory()) {
        if (!ignored(stack, path, true)) pending.push({ dir: path, stack });
      } else if (entry.isFile() || entry.isSymbolicLink()) {
        if (!ignored(stack, path, false)) paths.push(path);
      }
      // sockets, FIFOs and devices are not content: skipped
    }
  }
  return { paths, unreadable };
}
