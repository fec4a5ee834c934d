/**
 * The sync root's Git top level is found without starting git (docs/sync.md, "Inner loop"):
 * in every layout here it must be the directory `git rev-parse --show-toplevel` names.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveSyncRoot } from "../../../src/cli/sync/root";

const git = (cwd: string, ...args: string[]) =>
  execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", ...args], {
    cwd,
    encoding: "utf8",
    stdio: ["ignore", "pipe", "ignore"],
  }).trim();

function gitSays(cwd: string): string {
  try {
    return git(cwd, "rev-parse", "--show-toplevel");
  } catch {
    return realpathSync(cwd);
  }
}

function layout() {
  const root = realpathSync(mkdtempSync(join(tmpdir(), "crabbox-sync-root-")));
  const repo = join(root, "repo");
  mkdirSync(join(repo, "src", "deep"), { recursive: true });
  writeFileSync(join(repo, "src", "deep", "a.ts"), "x\n");
  git(root, "init", "-q", repo);
  git(repo, "add", "-A");
  git(repo, "commit", "-qm", "one");
  git(repo, "worktree", "add", "-q", join(root, "linked"));
  mkdirSync(join(root, "plain", "sub"), { recursive: true });
  // a `.git` directory that is no repository: git looks past it, and so must crabbox
  mkdirSync(join(root, "plain", ".git"));
  symlinkSync(repo, join(root, "via-link"));
  return { root, repo };
}

describe("the sync root without a git process", () => {
  it("is the directory git names as the top level, in every layout", () => {
    const { root, repo } = layout();
    const places = [
      repo,
      join(repo, "src"),
      join(repo, "src", "deep"),
      join(root, "linked"),
      join(root, "linked", "src"),
      join(root, "plain"),
      join(root, "plain", "sub"),
      join(root, "via-link"),
      join(root, "via-link", "src"),
      root,
    ];
    for (const cwd of places) {
      expect(resolveSyncRoot(cwd, {}, {}), cwd).toBe(gitSays(cwd));
    }
  });

  it("asks git itself when GIT_DIR steers where the repository is", () => {
    const { root, repo } = layout();
    const env = { PATH: process.env.PATH, GIT_DIR: join(repo, ".git"), GIT_WORK_TREE: repo };
    // No `.git` above this directory: only git, told by the environment, knows the repository.
    const elsewhere = join(root, "plain", "sub");
    expect(resolveSyncRoot(elsewhere, {}, env)).toBe(repo);
  });
});
