import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningStack, runStack } from "../../../../src/stack";
import { isolatedEnv } from "../../../stack/support";
import { runCli } from "../../support";
import { checkoutWithOrigin } from "./git-fixture";

/**
 * Git-aware sync on local machines: zero config, the real local stack (coordinator in
 * workerd, machines over SSH), a fresh lease per run and a reused one.
 */
describe("git-aware sync on local machines", () => {
  let stack: RunningStack;
  let ctx: Awaited<ReturnType<typeof isolatedEnv>>;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    ctx = await isolatedEnv();
    stack = await runStack({ env: ctx.env });
    env = { ...ctx.env, CRABBOX_SYNC_BASE_REF: "origin/main" };
  });

  afterAll(async () => {
    await stack?.stop();
    await ctx?.cleanup();
  });

  it("fails a run with exit 6 when the machine's git status shows a mass deletion, unless allowed", async () => {
    const c = checkoutWithOrigin("local-mass-delete", 12);
    c.write("crabbox.yaml", "sync:\n  massDeletionThreshold: 10\n");
    for (let i = 0; i < 12; i++) c.remove(`src/file-${i}.txt`);
    const refused = await runCli(["run", "--", "echo should-not-run"], { env, cwd: c.root });
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(
      /remote sync sanity failed: 12 tracked files are deleted on the machine \(threshold 10\)/,
    );
    expect(refused.stdout).not.toContain("should-not-run");
    const allowed = await runCli(["run", "--allow-mass-deletions", "--", "echo ran"], { env, cwd: c.root });
    expect(allowed.code, allowed.stderr).toBe(0);
    expect(allowed.stdout).toBe("ran\n");
  });

  const report = "git rev-parse HEAD; git diff --stat origin/main; git status --porcelain";

  it("gives a fresh machine the local HEAD, branch and dirty diff against the base", async () => {
    const c = checkoutWithOrigin("local-fresh");
    c.write("README.md", "dirty on the laptop\n");
    c.remove("src/file-2.txt");
    const r = await runCli(["run", "--", `${report}; git symbolic-ref --short HEAD`], { env, cwd: c.root });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `${c.git("rev-parse", "HEAD")}${c.git("diff", "--stat", "origin/main")}${c.git("status", "--porcelain", "--untracked-files=no")}feature\n`,
    );
  });

  it("follows new local commits on a reused lease", async () => {
    const c = checkoutWithOrigin("local-reuse", 12);
    const warm = await runCli(["warmup", "--json"], { env, cwd: c.root });
    expect(warm.code, warm.stderr).toBe(0);
    const { slug } = JSON.parse(warm.stdout);
    try {
      const first = await runCli(["run", "--id", slug, "--", "git rev-parse HEAD"], { env, cwd: c.root });
      expect(first.stdout).toBe(c.git("rev-parse", "HEAD"));

      c.write("second.txt", "next\n");
      c.git("add", "second.txt");
      c.git("commit", "-qm", "second");
      const second = await runCli(["run", "--id", slug, "--", report], { env, cwd: c.root });
      expect(second.code, second.stderr).toBe(0);
      expect(second.stdout).toBe(`${c.git("rev-parse", "HEAD")}${c.git("diff", "--stat", "origin/main")}`);
    } finally {
      await runCli(["stop", slug], { env, cwd: c.root });
    }
  });
});
