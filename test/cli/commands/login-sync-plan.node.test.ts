import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { tempRepo } from "../../e2e/repo";
import { closeCoordinators, coordinator, json, runCli, sandbox } from "../support";

afterEach(closeCoordinators);

describe("login with GitHub", () => {
  it("sends only the poll secret's hash to start, polls with the secret until complete, and stores the token", async () => {
    const s = sandbox();
    let hash = "";
    let polls = 0;
    const c = await coordinator((req, body, res) => {
      if (req.url === "/v1/auth/github/start") {
        hash = JSON.parse(body).pollSecretHash;
        return json(res, 200, {
          loginID: "login_1",
          url: `https://github.example/login/oauth/authorize?redirect_uri=${encodeURIComponent(`http://${req.headers.host}/v1/auth/github/callback`)}`,
          expiresAt: new Date(Date.now() + 600_000).toISOString(),
        });
      }
      if (req.url === "/v1/auth/github/poll") {
        const { loginID, pollSecret } = JSON.parse(body);
        expect(loginID).toBe("login_1");
        expect(createHash("sha256").update(pollSecret).digest("hex")).toBe(hash);
        polls++;
        if (polls < 2)
          return json(res, 200, {
            status: "pending",
            expiresAt: new Date(Date.now() + 60_000).toISOString(),
          });
        return json(res, 200, {
          status: "complete",
          token: "cbxu_signed",
          owner: "ada",
          org: "acme",
          login: "ada",
        });
      }
      if (req.url === "/v1/whoami") {
        expect(req.headers.authorization).toBe("Bearer cbxu_signed");
        return json(res, 200, {
          owner: "ada",
          org: "acme",
          auth: "github",
          admin: false,
          kind: "github",
          login: "ada",
        });
      }
      json(res, 404, { error: "not_found" });
    });
    const r = await runCli(["login", "--url", c.url, "--no-browser"], s);
    expect(r.code, r.stderr).toBe(0);
    expect(hash).toMatch(/^[a-f0-9]{64}$/);
    expect(r.stderr).toContain("open this GitHub login URL");
    expect(r.stdout).toMatch(/logged in .*user=ada org=acme/);
    expect(readFileSync(join(s.configDir, "config.yaml"), "utf8")).toContain("cbxu_signed");
  }, 20_000);

  it("exits 3 when the login fails on GitHub's side", async () => {
    const s = sandbox();
    const c = await coordinator((req, _body, res) => {
      if (req.url === "/v1/auth/github/start") {
        return json(res, 200, {
          loginID: "l",
          url: "https://github.example/x",
          expiresAt: new Date(Date.now() + 60_000).toISOString(),
        });
      }
      json(res, 400, { status: "failed", error: "not a member of acme" });
    });
    const r = await runCli(["login", "--url", c.url, "--no-browser"], s);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/not a member of acme/);
  });
});

describe("sync-plan", () => {
  it("shows what run would sync without leasing anything", async () => {
    const s = sandbox();
    const repo = tempRepo();
    repo.write("big/blob.bin", "x".repeat(5000));
    const r = await runCli(["sync-plan", "--json"], { env: s.env, cwd: repo.root });
    expect(r.code, r.stderr).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.files).toBe(7);
    expect(plan.topFiles[0]).toEqual({ path: "big/blob.bin", bytes: 5000 });
    expect(plan.topDirs[0]).toMatchObject({ path: "big", files: 1 });
    expect(plan.topFiles.map((f: { path: string }) => f.path)).not.toContain("ignored.log");
    expect(plan.mode).toBe("git");
  });

  it("says which mode it used: a plain directory is walked, and --sync-root picks another directory", async () => {
    const s = sandbox();
    const tree = mkdtempSync(join(tmpdir(), "crabbox-plain-"));
    mkdirSync(join(tree, "sub dir"));
    writeFileSync(join(tree, "sub dir", "a.txt"), "a");
    writeFileSync(join(tree, "skip.log"), "ignored");
    writeFileSync(join(tree, ".gitignore"), "*.log\n");
    const env = { ...s.env, CRABBOX_CACHE_DIR: mkdtempSync(join(tmpdir(), "crabbox-cache-")) };
    const text = await runCli(["sync-plan"], { env, cwd: tree });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/mode=directory/);
    expect(text.stdout).toContain("directory mode: not inside a Git repository; git-aware sync is skipped");
    const plan = JSON.parse((await runCli(["sync-plan", "--json"], { env, cwd: tree })).stdout);
    expect(plan).toMatchObject({ mode: "directory", modeReason: "not inside a Git repository", files: 2 });
    const sub = JSON.parse(
      (await runCli(["sync-plan", "--json", "--sync-root", "sub dir"], { env, cwd: tree })).stdout,
    );
    expect(sub).toMatchObject({ root: join(tree, "sub dir"), mode: "directory", files: 1 });
    const missing = await runCli(["sync-plan", "--sync-root", "nope"], { env, cwd: tree });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--sync-root nope");
    const fromConfig = await runCli(["sync-plan", "--json"], {
      env: { ...env, CRABBOX_SYNC_ROOT: "sub dir" },
      cwd: tree,
    });
    expect(JSON.parse(fromConfig.stdout).files).toBe(1);
  });
});
