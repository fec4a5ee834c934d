import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

/** A temporary git repository with a few files, including spaces and unicode in names. */
export function tempRepo(): {
  root: string;
  write(path: string, text: string): void;
  git(...args: string[]): void;
} {
  const base = mkdtempSync(join(tmpdir(), "crabbox-e2e-"));
  const root = join(base, "demo repo");
  mkdirSync(root);
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.email=e2e@example.com", "-c", "user.name=e2e", ...args], {
      cwd: root,
      stdio: "ignore",
    });
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  git("init", "-q");
  write("README.md", "hello from the laptop\n");
  write("dir with space/ünïcode file.txt", "spaces and unicode\n");
  write("src/keep.txt", "keep\n");
  write("src/old-name.txt", "renamed content\n");
  write("src/delete-me.txt", "gone soon\n");
  write(".gitignore", "ignored.log\n");
  write("ignored.log", "never synced\n");
  git("add", "-A");
  git("commit", "-qm", "init");
  return { root, write, git };
}
