/**
 * GitHub login over real loopback HTTP: the coordinator runs in workerd (wrangler's dev
 * server on 127.0.0.1) and reaches the fake GitHub on another 127.0.0.1 port through the
 * configured web and API base URLs — the way a deployment reaches github.com.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type RunningCoordinator, startCoordinator } from "../../../src/stack/coordinator";
import { FakeGitHub } from "../../support/fake-github";
import { freePort } from "../../support/free-port";
import { serveOnLoopback } from "../../support/loopback-server";

const github = new FakeGitHub("Iv1.e2e-client", "e2e-client-secret");
let fake: { url: string; close: () => Promise<void> };
let coordinator: RunningCoordinator;
let persistDir = "";

beforeAll(async () => {
  fake = await serveOnLoopback((request) => github.handle(request));
  persistDir = await mkdtemp(join(tmpdir(), "crabbox-login-e2e-"));
  coordinator = await startCoordinator({
    port: await freePort(),
    persistDir,
    secrets: {
      CRABBOX_SESSION_SECRET: "e2e-session-secret-0123456789",
      CRABBOX_GITHUB_CLIENT_SECRET: github.clientSecret,
    },
    vars: {
      CRABBOX_GITHUB_CLIENT_ID: github.clientId,
      CRABBOX_GITHUB_ORG: "crabclub",
      CRABBOX_GITHUB_WEB_URL: fake.url,
      CRABBOX_GITHUB_API_URL: fake.url,
    },
  });
});

afterAll(async () => {
  await coordinator?.dispose();
  await fake?.close();
  if (persistDir) await rm(persistDir, { recursive: true, force: true });
});

async function post(path: string, body: unknown) {
  const res = await fetch(`${coordinator.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

it("logs a CLI user in through the coordinator and a loopback GitHub", async () => {
  const pollSecret = randomBytes(32).toString("hex");
  const pollSecretHash = createHash("sha256").update(pollSecret).digest("hex");
  const started = await post("/v1/auth/github/start", { pollSecretHash });
  expect(started.status).toBe(200);
  const authorize = new URL(started.body.url ?? "");
  expect(`${authorize.origin}${authorize.pathname}`).toBe(`${fake.url}/login/oauth/authorize`);
  expect(authorize.searchParams.get("redirect_uri")).toBe(`${coordinator.url}/v1/auth/github/callback`);

  const callback = github.authorize(started.body.url ?? "", {
    login: "dora",
    emails: [{ email: "dora@example.com", primary: true, verified: true }],
    orgs: { CrabClub: "active" },
  });
  const page = await fetch(callback);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain("Crabbox login complete");

  const done = await post("/v1/auth/github/poll", { loginID: started.body.loginID, pollSecret });
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({
    status: "complete",
    owner: "dora@example.com",
    org: "crabclub",
    login: "dora",
  });

  const me = await fetch(`${coordinator.url}/v1/whoami`, {
    headers: { authorization: `Bearer ${done.body.token}` },
  });
  expect(await me.json()).toMatchObject({ owner: "dora@example.com", auth: "github", admin: false });
  expect(github.calls.map((call) => call.path.split("?")[0])).toEqual(
    expect.arrayContaining([
      "/login/oauth/access_token",
      "/user",
      "/user/emails",
      "/user/memberships/orgs/crabclub",
    ]),
  );
});
