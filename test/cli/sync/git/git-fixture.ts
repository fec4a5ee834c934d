/** Local checkouts with an origin, for git-aware sync tests. */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

export interface Checkout {
  base: string;
  root: string;
  origin: string;
  write(path: string, text: string): void;
  remove(path: string): void;
  git(...args: string[]): string;
}

const identity = ["-c", "user.email=git-sync@example.com", "-c", "user.name=git-sync"];

export function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync("git", [...identity, ...args], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/**
 * A bare origin with three commits on `main` (partial fetches allowed, as GitHub does), and
 * a clone of it with a feature branch: one pushed commit, one local-only commit.
 */
export function checkoutWithOrigin(name: string, trackedFiles = 5): Checkout {
  const base = mkdtempSync(join(tmpdir(), "crabbox-gitsync-"));
  const origin = join(base, "origin.git");
  const seed = join(base, "seed");
  mkdirSync(seed);
  gitIn(seed, "init", "-q", "-b", "main");
  for (let i = 0; i < trackedFiles; i++) {
    mkdirSync(join(seed, "src"), { recursive: true });
    writeFileSync(join(seed, "src", `file-${i}.txt`), `file ${i}\n`);
  }
  writeFileSync(join(seed, "README.md"), "v1\n");
  gitIn(seed, "add", "-A");
  gitIn(seed, "commit", "-qm", "one");
  writeFileSync(join(seed, "README.md"), "v2\n");
  gitIn(seed, "commit", "-qam", "two");
  gitIn(base, "clone", "-q", "--bare", seed, origin);
  gitIn(origin, "config", "uploadpack.allowFilter", "true");
  const root = join(base, name);
  gitIn(base, "clone", "-q", `file://${origin}`, root);
  gitIn(root, "checkout", "-q", "-b", "feature");
  writeFileSync(join(root, "feature.txt"), "pushed feature work\n");
  gitIn(root, "add", "feature.txt");
  gitIn(root, "commit", "-qm", "feature: pushed");
  gitIn(root, "push", "-q", "origin", "feature");
  gitIn(root, "branch", "-q", "--set-upstream-to=origin/feature");
  writeFileSync(join(root, "local-only.txt"), "not pushed yet\n");
  gitIn(root, "add", "local-only.txt");
  gitIn(root, "commit", "-qm", "local only");
  // main moves on after the branch point, so base...HEAD differs from base..HEAD
  writeFileSync(join(seed, "upstream.txt"), "upstream\n");
  gitIn(seed, "add", "upstream.txt");
  gitIn(seed, "commit", "-qm", "three");
  gitIn(seed, "push", "-q", origin, "main");
  gitIn(root, "fetch", "-q", "origin");
  return {
    base,
    root,
    origin,
    write(path, text) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    },
    remove(path) {
      rmSync(join(root, path), { recursive: true, force: true });
    },
    git: (...args) => gitIn(root, ...args),
  };
}
