/** Temporary Git repositories for sync tests. */
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface TempRepo {
  root: string;
  write(path: string, content: string | Buffer, mode?: number): void;
  link(path: string, target: string): void;
  remove(path: string): void;
  git(...args: string[]): string;
  cleanup(): void;
}

/** A temporary Git repository, or with `{ git: false }` a plain directory tree. */
export function tempRepo(options: { git?: boolean } = {}): TempRepo {
  const root = mkdtempSync(join(tmpdir(), "crabbox-repo-"));
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
      cwd: root,
      encoding: "utf8",
    });
  if (options.git !== false) git("init", "-q");
  return {
    root,
    write(path, content, mode) {
      const full = join(root, path);
      mkdirSync(dirname(full), { recursive: true });
      writeFileSync(full, content);
      if (mode !== undefined) chmodSync(full, mode);
    },
    link(path, target) {
      const full = join(root, path);
      mkdirSync(dirname(full), { recursive: true });
      symlinkSync(target, full);
    },
    remove(path) {
      rmSync(join(root, path), { recursive: true, force: true });
    },
    git,
    cleanup() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
