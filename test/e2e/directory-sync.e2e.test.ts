import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningStack, runStack } from "../../src/stack";
import { runCli } from "../cli/support";
import { isolatedEnv } from "../stack/support";

/**
 * Issue 21 end to end: `crabbox run` from directories Git does not cover, through the CLI's
 * `main`, the coordinator in workerd and a local machine over SSH.
 */
describe("syncing a directory that is not a Git repository, on the local stack", () => {
  let stack: RunningStack;
  let ctx: Awaited<ReturnType<typeof isolatedEnv>>;
  let env: Record<string, string | undefined>;
  let base: string;
  let tree: string;
  let outside: string;
  let slug = "";

  const write = (root: string, path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };

  beforeAll(async () => {
    base = mkdtempSync(join(tmpdir(), "crabbox-e2e-dir-"));
    ctx = await isolatedEnv({ CRABBOX_CACHE_DIR: join(base, "cache") });
    stack = await runStack({ env: ctx.env });
    env = { ...ctx.env, CI: "e2e" };
    outside = join(base, "outside");
    write(outside, "secret.txt", "outside the tree\n");
    tree = join(base, "demo tree");
    write(tree, ".gitignore", "*.log\n");
    write(tree, "app.log", "ignored by the root .gitignore\n");
    write(tree, "sub dir/.gitignore", "gen/\n!keep.log\n");
    write(tree, "sub dir/ünïcødé file.txt", "spaces and unicode\n");
    write(tree, "sub dir/keep.log", "re-included by the nested .gitignore\n");
    write(tree, "sub dir/gen/out.txt", "ignored by the nested .gitignore\n");
    write(tree, "delete-me.txt", "gone soon\n");
    symlinkSync(join(outside, "secret.txt"), join(tree, "outside-link"));
  });

  afterAll(async () => {
    await stack?.stop();
    await ctx?.cleanup();
    if (base) rmSync(base, { recursive: true, force: true });
  });

  const cli = (cwd: string, ...argv: string[]) => runCli(argv, { env, cwd });
  const listing =
    "find . -not -path './.crabbox*' -not -name . | sort; [ -L outside-link ] && echo link-to=$(readlink outside-link)";

  it("warms up a lease", async () => {
    const r = await cli(tree, "warmup", "--json");
    expect(r.code, r.stderr).toBe(0);
    ({ slug } = JSON.parse(r.stdout));
  });

  it("syncs the tree with its nested .gitignores, names with spaces and unicode, and a link out of the tree kept as a link", async () => {
    const r = await cli(tree, "run", "--id", slug, "--", "sh", "-c", listing);
    expect(r.code, r.stderr).toBe(0);
    const files = r.stdout.split("\n").filter((line) => line.startsWith("./"));
    expect(files).toEqual([
      "./.gitignore",
      "./delete-me.txt",
      "./outside-link",
      "./sub dir",
      "./sub dir/.gitignore",
      "./sub dir/keep.log",
      "./sub dir/ünïcødé file.txt",
    ]);
    expect(r.stdout).toContain(`link-to=${join(outside, "secret.txt")}`);
    expect(r.stderr).toContain("(directory mode)");
    expect(r.stderr).toContain(
      "directory mode (not inside a Git repository): git seeding and base-ref hydration skipped",
    );
    expect(r.stderr).toMatch(/run summary .*sync_mode=directory/);
  });

  it("deletes what the tree no longer has, then skips a no-op resync", async () => {
    rmSync(join(tree, "delete-me.txt"));
    const r = await cli(tree, "run", "--id", slug, "--", "sh", "-c", listing);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain("delete-me.txt");
    expect(r.stderr).toMatch(/deleted 1/);
    const again = await cli(tree, "run", "--id", slug, "--", "true");
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/sync skipped/);
  });

  it("syncs the directory --sync-root names: the same tree from its parent is a no-op", async () => {
    const r = await cli(
      base,
      "run",
      "--id",
      slug,
      "--sync-root",
      "demo tree",
      "--",
      "cat",
      "sub dir/keep.log",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain("re-included");
    expect(r.stderr).toMatch(/sync skipped/);
  });

  it("syncs a directory that its Git repository ignores as a plain tree", async () => {
    const repo = join(base, "repo");
    write(repo, ".gitignore", "scratch/\n");
    write(repo, "tracked.txt", "tracked\n");
    write(repo, "scratch/notes.txt", "in an ignored directory\n");
    execFileSync("git", ["init", "-q"], { cwd: repo });
    const r = await cli(
      join(repo, "scratch"),
      "run",
      "--id",
      slug,
      "--",
      "sh",
      "-c",
      "ls -A | grep -v '^.crabbox$'",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe("notes.txt");
    expect(r.stderr).toContain(`directory mode (ignored by the Git repository at ${repo})`);
  });

  it("stop releases the lease", async () => {
    expect((await cli(tree, "stop", slug)).code).toBe(0);
  });
});
