import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readLocalGit } from "../../../../src/cli/sync/git/local-repo";
import { checkoutWithOrigin, gitIn } from "./git-fixture";

/** The local repository's state for the git-aware sync, read with one shell (docs/git-sync.md). */
describe("reading the local repository for the git-aware sync", () => {
  it("answers what git answers: HEAD, branch, origin refs, base ref and excluded tracked files", async () => {
    const c = checkoutWithOrigin("local-state");
    c.write("dist/bundle.js", "built\n");
    c.git("add", "-f", "dist/bundle.js");
    c.git("commit", "-qm", "tracked build output");
    c.git("push", "-q", "origin", "HEAD:feature");
    const state = await readLocalGit(c.root, { baseRef: "origin/main", excludes: ["dist"] });
    expect(state).toMatchObject({
      head: c.git("rev-parse", "HEAD").trim(),
      branch: "feature",
      originUrl: expect.stringContaining("origin.git"),
      originRefs: ["refs/remotes/origin/feature", "refs/remotes/origin/main"],
      headOnOrigin: true,
      baseRef: "refs/remotes/origin/main",
      baseSha: c.git("rev-parse", "origin/main").trim(),
      excludedTracked: ["dist/bundle.js"],
    });
  });

  it("keeps file names that look like its own answer markers, newlines included, as file names", async () => {
    const root = mkdtempSync(join(tmpdir(), "crabbox-local-git-"));
    gitIn(root, "init", "-q", "-b", "main");
    mkdirSync(join(root, "out"));
    const tricky = "out/a\n:head:0\nb";
    writeFileSync(join(root, tricky), "x\n");
    writeFileSync(join(root, "out", "plain.txt"), "x\n");
    gitIn(root, "add", "-A");
    gitIn(root, "commit", "-qm", "tricky names");
    const state = await readLocalGit(root, { baseRef: "", excludes: ["out"] });
    expect(state?.branch).toBe("main");
    expect(state?.headOnOrigin).toBe(false);
    expect(state?.excludedTracked.sort()).toEqual([tricky, "out/plain.txt"].sort());
  });

  it("is undefined in a repository without a commit, and in a directory outside any repository", async () => {
    const empty = mkdtempSync(join(tmpdir(), "crabbox-local-git-empty-"));
    gitIn(empty, "init", "-q");
    expect(await readLocalGit(empty, { baseRef: "origin/main", excludes: [] })).toBeUndefined();
    const plain = mkdtempSync(join("/", "tmp", "crabbox-no-repo-"));
    expect(await readLocalGit(plain, { baseRef: "", excludes: [] })).toBeUndefined();
  });
});
