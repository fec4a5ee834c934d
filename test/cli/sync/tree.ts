/** A comparable picture of a directory tree: kind, mode and content (or link target) per path. */

import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

export function treeOf(
  root: string,
  skip: readonly string[] = [".git", ".crabbox", "node_modules"],
): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const rel = prefix ? `${prefix}/${name}` : name;
      if (skip.includes(rel) || skip.includes(name)) continue;
      const full = join(dir, name);
      const stat = lstatSync(full);
      if (stat.isSymbolicLink()) out[rel] = `link -> ${readlinkSync(full)}`;
      else if (stat.isDirectory()) walk(full, rel);
      else {
        const hash = createHash("sha256").update(readFileSync(full)).digest("hex").slice(0, 16);
        out[rel] = `file ${stat.mode & 0o111 ? "x" : "-"} ${hash}`;
      }
    }
  };
  walk(root, "");
  return out;
}

/** Directories (relative) under root, to check that emptied ones were removed. */
export function dirsOf(root: string, skip: readonly string[] = [".git", ".crabbox"]): string[] {
  const out: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const rel = prefix ? `${prefix}/${name}` : name;
      if (skip.includes(rel)) continue;
      const full = join(dir, name);
      if (lstatSync(full).isDirectory()) {
        out.push(rel);
        walk(full, rel);
      }
    }
  };
  walk(root, "");
  return out;
}
