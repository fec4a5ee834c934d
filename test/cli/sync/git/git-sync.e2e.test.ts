import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type OpenSshServer,
  opensshAvailable,
  startOpenSsh,
  staticHostConfig,
  stopAndRemove,
} from "../../../support/openssh";
import { runCli } from "../../support";
import { type Checkout, checkoutWithOrigin, gitIn } from "./git-fixture";

/**
 * Git-aware sync through `crabbox run` on a real OpenSSH host (`provider: ssh`): the machine's
 * work directory becomes a git repository at the local HEAD, whether its history comes from
 * origin or from the local object store.
 */
describe.runIf(opensshAvailable())("git-aware sync on a real OpenSSH host", () => {
  let server: OpenSshServer;
  let home: string;

  beforeAll(async () => {
    server = await startOpenSsh();
    home = mkdtempSync(join(tmpdir(), "crabbox-gitsync-home-"));
  });
  afterAll(async () => {
    if (server) await stopAndRemove(server);
  });

  function envFor(extra: string[] = []): Record<string, string> {
    const configDir = mkdtempSync(join(home, "config-"));
    mkdirSync(configDir, { recursive: true });
    writeFileSync(join(configDir, "config.yaml"), staticHostConfig(server, extra));
    return { HOME: home, CRABBOX_CONFIG_DIR: configDir, PATH: process.env.PATH ?? "" };
  }

  const remoteReport =
    "git rev-parse HEAD; echo ---; git diff --stat origin/main; echo ---; git status --porcelain";
  const localReport = (c: Checkout) =>
    `${c.git("rev-parse", "HEAD")}---\n${c.git("diff", "--stat", "origin/main")}---\n`;
  const workdirOf = (c: Checkout) =>
    join(server.workRoot, `static_${server.host.replaceAll(".", "_")}`, c.root.split("/").at(-1)!);

  it("seeds from origin (a blob-less partial fetch), bundles the unpushed commit, and matches HEAD and the diff to the base", async () => {
    const c = checkoutWithOrigin("from-origin");
    c.write("README.md", "dirty edit on the laptop\n");
    c.remove("src/file-1.txt");
    c.write("untracked.txt", "new\n");
    const env = envFor(["sync:", "  baseRef: origin/main"]);
    const r = await runCli(["run", "--", remoteReport], { env, cwd: c.root });
    expect(r.stderr).toContain("origin=ok bundle=true base=refs/remotes/origin/main");
    expect(r.code).toBe(0);
    const [head, diffStat] = r.stdout.split("---\n");
    expect(`${head}---\n${diffStat}---\n`).toBe(localReport(c));
    expect(r.stdout).toContain(" D src/file-1.txt");
    expect(r.stdout).toContain(" M README.md");
    const workdir = workdirOf(c);
    expect(gitIn(workdir, "config", "remote.origin.partialclonefilter").trim()).toBe("blob:none");
    expect(gitIn(workdir, "symbolic-ref", "--short", "HEAD").trim()).toBe("feature");
    // base...HEAD works: the merge base is on the machine
    expect(
      gitIn(workdir, "diff", "--name-only", "origin/main...HEAD").split("\n").filter(Boolean).sort(),
    ).toEqual(c.git("diff", "--name-only", "origin/main...HEAD").split("\n").filter(Boolean).sort());
  });

  it("needs no bundle when HEAD is pushed, and follows the local HEAD on the next run of the same machine", async () => {
    const c = checkoutWithOrigin("pushed-head");
    c.git("reset", "-q", "--hard", "origin/feature");
    const env = envFor(["sync:", "  baseRef: origin/main"]);
    const first = await runCli(["run", "--", remoteReport], { env, cwd: c.root });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("origin=ok bundle=false");
    expect(first.stdout.startsWith(localReport(c))).toBe(true);

    c.write("next.txt", "second commit\n");
    c.git("add", "next.txt");
    c.git("commit", "-qm", "next");
    const second = await runCli(["run", "--", remoteReport], { env, cwd: c.root });
    expect(second.code).toBe(0);
    expect(second.stderr).toContain("bundle=true");
    expect(second.stdout.startsWith(localReport(c))).toBe(true);
  });

  it("skips seed and status check when neither side changed, and takes the full path after a remote commit", async () => {
    const c = checkoutWithOrigin("unchanged-fast-path");
    const env = envFor();
    const local = c.git("rev-parse", "HEAD").trim();
    const first = await runCli(["run", "--", "true"], { env, cwd: c.root });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).not.toContain("git unchanged");
    // The second run finds both sides unchanged; its command then moves the machine's HEAD and
    // touches no file the sync sees: only the repository's fingerprint can tell the next run
    // that the finalize has work to do.
    const second = await runCli(
      [
        "run",
        "--",
        "git rev-parse HEAD && git -c user.name=r -c user.email=r@example.com commit -q --allow-empty -m remote",
      ],
      { env, cwd: c.root },
    );
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain("git unchanged");
    expect(second.stdout.trim()).toBe(local);
    const after = await runCli(["run", "--", "git rev-parse HEAD; git log -1 --format=%s"], {
      env,
      cwd: c.root,
    });
    expect(after.code, after.stderr).toBe(0);
    expect(after.stderr).not.toContain("git unchanged");
    expect(after.stdout.split("\n")[0]).toBe(local);
    expect(after.stdout).not.toContain("remote");
    // A new local commit (the other half of the record) is covered by "follows new local
    // commits on a reused lease" in git-sync-local-stack.e2e.test.ts.
  });

  it("resets the index that a remote command staged into, and leaves an untouched index as it was", async () => {
    const c = checkoutWithOrigin("staged-remotely");
    const env = envFor();
    const staged = await runCli(["run", "--", "echo changed >> README.md && git add README.md"], {
      env,
      cwd: c.root,
    });
    expect(staged.code).toBe(0);
    const indexFile = join(workdirOf(c), ".git", "index");
    // The next run syncs README.md back and must find the index at HEAD again, not staged.
    const reset = await runCli(["run", "--", "git diff --cached --name-only; echo staged-end"], {
      env,
      cwd: c.root,
    });
    expect(reset.code).toBe(0);
    expect(reset.stdout).toBe("staged-end\n");
    const before = readFileSync(indexFile);
    const again = await runCli(["run", "--", "git status --porcelain --untracked-files=no"], {
      env,
      cwd: c.root,
    });
    expect(again.code).toBe(0);
    expect(again.stdout).toBe("");
    // read-tree was skipped: the index keeps its entries (a refresh may only update stat data).
    expect(readFileSync(indexFile).length).toBe(before.length);
  });

  it("falls back to the local object store when origin is unreachable, and never hands the machine the origin's credentials", async () => {
    const c = checkoutWithOrigin("no-origin");
    c.git("remote", "set-url", "origin", "https://deploy-bot:s3cr3t-token@127.0.0.1:9/private/repo.git");
    const env = envFor(["sync:", "  baseRef: origin/main"]);
    const r = await runCli(["run", "--", `${remoteReport}; echo ---; git config --get remote.origin.url`], {
      env,
      cwd: c.root,
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("origin=failed bundle=true");
    expect(r.stdout.startsWith(localReport(c))).toBe(true);
    expect(r.stdout).toContain("https://127.0.0.1:9/private/repo.git");
    expect(r.stdout + r.stderr).not.toContain("s3cr3t");
    expect(readFileSync(join(workdirOf(c), ".git", "config"), "utf8")).not.toContain("s3cr3t");
  });

  it("fails with exit 6 and an explanation when the machine shows a mass deletion of tracked files, unless allowed", async () => {
    const c = checkoutWithOrigin("mass-delete", 30);
    for (let i = 0; i < 25; i++) c.remove(`src/file-${i}.txt`);
    const env = envFor(["sync:", "  massDeletionThreshold: 20"]);
    const refused = await runCli(["run", "--", "echo", "should not run"], { env, cwd: c.root });
    expect(refused.code).toBe(6);
    expect(refused.stderr).toMatch(
      /remote sync sanity failed: 25 tracked files are deleted on the machine \(threshold 20\)/,
    );
    expect(refused.stderr).toContain("--allow-mass-deletions");
    expect(refused.stdout).not.toContain("should not run");

    const allowed = await runCli(["run", "--allow-mass-deletions", "--", "echo", "ran"], {
      env,
      cwd: c.root,
    });
    expect(allowed.code).toBe(0);
    expect(allowed.stdout).toContain("ran");
  });

  it("restores tracked files that the sync excludes, so they do not show as deleted", async () => {
    const c = checkoutWithOrigin("excluded-tracked");
    c.write("dist/bundle.js", "built\n");
    c.git("add", "-f", "dist/bundle.js");
    c.git("commit", "-qm", "tracked build output");
    const r = await runCli(["run", "--", "cat dist/bundle.js; git status --porcelain"], {
      env: envFor(),
      cwd: c.root,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("built\n");
  });

  it("can be switched off with sync.git: false (plain file sync, no repository)", async () => {
    const c = checkoutWithOrigin("git-off");
    const r = await runCli(["run", "--", "test -d .git && echo has-git || echo no-git"], {
      env: envFor(["sync:", "  git: false"]),
      cwd: c.root,
    });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("no-git\n");
  });

  it("falls back to the plain file sync on a machine without git", async () => {
    // every command of /usr/bin and /bin except git
    const bin = mkdtempSync(join(tmpdir(), "crabbox-nogit-bin-"));
    for (const dir of ["/usr/bin", "/bin"]) {
      for (const name of readdirSync(dir)) {
        if (name.startsWith("git") || existsSync(join(bin, name))) continue;
        symlinkSync(join(dir, name), join(bin, name));
      }
    }
    const noGit = await startOpenSsh({ extraConfig: [`SetEnv PATH=${bin}`] });
    try {
      const c = checkoutWithOrigin("no-git-machine");
      const configDir = mkdtempSync(join(home, "config-"));
      writeFileSync(join(configDir, "config.yaml"), staticHostConfig(noGit));
      const env = { HOME: home, CRABBOX_CONFIG_DIR: configDir, PATH: process.env.PATH ?? "" };
      const r = await runCli(["run", "--", "cat README.md; test -d .git && echo has-git || echo no-git"], {
        env,
        cwd: c.root,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toContain("the machine has no git");
      expect(r.stdout).toBe("v2\nno-git\n");
    } finally {
      await stopAndRemove(noGit);
    }
  });
});
