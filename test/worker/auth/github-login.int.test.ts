import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sha256Hex } from "../../../src/worker/auth/encoding";
import { FakeGitHub, type FakeGithubUser, interceptFetch } from "../../support/fake-github";
import { bearer, callWorker } from "../http/worker-call";

const web = "https://github.fake";
const api = "https://api.github.fake";
const github = new FakeGitHub("Iv1.clientid", "client-secret-value-42");
const config = {
  CRABBOX_GITHUB_CLIENT_ID: github.clientId,
  CRABBOX_GITHUB_CLIENT_SECRET: github.clientSecret,
  CRABBOX_GITHUB_ORG: "CrabClub",
  CRABBOX_GITHUB_WEB_URL: web,
  CRABBOX_GITHUB_API_URL: `${api}/`,
};

const alice: FakeGithubUser = {
  login: "alice",
  name: "Alice Crab",
  email: "alice-public@example.com",
  emails: [
    { email: "alice-old@example.com", primary: false, verified: true },
    { email: "alice@example.com", primary: true, verified: true },
  ],
  orgs: { CrabClub: "active" },
  teams: [{ org: "CrabClub", slug: "infra" }],
};

const restores: Array<() => void> = [];
beforeAll(() => {
  restores.push(interceptFetch(web, (request) => github.handle(request)));
  restores.push(interceptFetch(api, (request) => github.handle(request)));
});
afterAll(() => {
  for (const restore of restores.reverse()) restore();
});

function fleetSql<T>(run: (sql: SqlStorage) => T): Promise<T> {
  return runInDurableObject(env.FLEET.get(env.FLEET.idFromName("default")), (_instance, state) =>
    run(state.storage.sql),
  );
}

/** Lets time pass for every pending login. */
function expireAllPendingLogins() {
  return fleetSql((sql) => {
    const exists = sql.exec("SELECT name FROM sqlite_master WHERE name = 'github_pending_logins'").toArray();
    if (exists.length > 0) sql.exec("UPDATE github_pending_logins SET expires_at = 0");
  });
}

beforeEach(() => expireAllPendingLogins());

async function start(overrides = {}, body?: unknown, headers: Record<string, string> = {}) {
  const pollSecret = crypto.randomUUID() + crypto.randomUUID();
  const res = await callWorker(
    "/v1/auth/github/start",
    {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body ?? { pollSecretHash: await sha256Hex(pollSecret), provider: "aws" }),
    },
    { ...config, ...overrides },
  );
  const json = (await res.json()) as { loginID: string; url: string; expiresAt: string; error?: string };
  return { res, json, pollSecret };
}

async function poll(loginID: string, pollSecret: string, overrides = {}) {
  const res = await callWorker(
    "/v1/auth/github/poll",
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ loginID, pollSecret }),
    },
    { ...config, ...overrides },
  );
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function browserReturns(callbackUrl: string, overrides = {}) {
  const url = new URL(callbackUrl);
  const res = await callWorker(url.pathname + url.search, {}, { ...config, ...overrides });
  return { status: res.status, type: res.headers.get("content-type"), html: await res.text() };
}

describe("GitHub login for the CLI", () => {
  it("logs an org member in: start, browser approval, one-shot poll with a working cbxu_ token", async () => {
    const { res, json, pollSecret } = await start();
    expect(res.status).toBe(200);
    expect(json.loginID).toMatch(/^login_[a-f0-9]{32}$/);
    const authorize = new URL(json.url);
    expect(authorize.origin + authorize.pathname).toBe(`${web}/login/oauth/authorize`);
    expect(authorize.searchParams.get("client_id")).toBe(github.clientId);
    expect(authorize.searchParams.get("redirect_uri")).toBe(
      "https://coordinator.test/v1/auth/github/callback",
    );
    expect(authorize.searchParams.get("scope")).toBe("read:user user:email read:org");
    expect(authorize.searchParams.get("state")).toMatch(/^state_[a-f0-9]{32}$/);
    const expiresIn = Date.parse(json.expiresAt) - Date.now();
    expect(expiresIn).toBeGreaterThan(9 * 60_000);
    expect(expiresIn).toBeLessThanOrEqual(10 * 60_000);

    expect(await poll(json.loginID, pollSecret)).toEqual({
      status: 200,
      body: { status: "pending", expiresAt: json.expiresAt },
    });

    const page = await browserReturns(github.authorize(json.url, alice));
    expect(page.status).toBe(200);
    expect(page.type).toContain("text/html");
    expect(page.html).toContain("Crabbox login complete");

    expect((await poll(json.loginID, "wrong-secret")).status).toBe(403);
    const done = await poll(json.loginID, pollSecret);
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({
      status: "complete",
      owner: "alice@example.com",
      org: "crabclub",
      login: "alice",
      provider: "aws",
    });
    const token = done.body.token as string;
    expect(token).toMatch(/^cbxu_/);

    const me = await callWorker("/v1/whoami", { headers: bearer(token) }, config);
    expect(await me.json()).toMatchObject({
      owner: "alice@example.com",
      org: "crabclub",
      auth: "github",
      login: "alice",
    });

    // The outcome is handed out once.
    expect(await poll(json.loginID, pollSecret)).toEqual({ status: 410, body: { status: "expired" } });
  });

  it("talks to GitHub as documented and keeps secrets out of URLs and storage", async () => {
    github.calls.length = 0;
    const { json, pollSecret } = await start();
    await browserReturns(github.authorize(json.url, alice));
    const exchange = github.calls.find((call) => call.path === "/login/oauth/access_token");
    expect(exchange?.method).toBe("POST");
    expect(new URLSearchParams(exchange?.body).get("client_secret")).toBe(github.clientSecret);
    for (const call of github.calls) {
      expect(call.path).not.toContain(github.clientSecret);
      if (call.path.startsWith("/user")) {
        expect(call.headers.accept).toBe("application/vnd.github+json");
        expect(call.headers["x-github-api-version"]).toBe("2022-11-28");
        expect(call.headers["user-agent"]).toBe("crabbox-coordinator");
      }
    }
    const stored = await fleetSql((sql) =>
      JSON.stringify(sql.exec("SELECT * FROM github_pending_logins").toArray()),
    );
    expect(stored).not.toMatch(/gho_|cbxu_|client-secret/);
    expect(stored).not.toContain(pollSecret);
    await poll(json.loginID, pollSecret);
  });

  it("denies a user who is not an active member of the org, and the poll reports why", async () => {
    const outsiders: FakeGithubUser[] = [
      { login: "bob", emails: [], orgs: {} },
      { login: "bob", emails: [], orgs: { CrabClub: "pending" } },
    ];
    for (const bob of outsiders) {
      const { json, pollSecret } = await start();
      const page = await browserReturns(github.authorize(json.url, bob));
      expect(page.status).toBe(403);
      expect(page.html).toContain("Crabbox login denied");
      expect(await poll(json.loginID, pollSecret)).toEqual({
        status: 400,
        body: { status: "failed", error: "GitHub user bob is not an active member of crabclub." },
      });
    }
  });

  it("enforces a configured team, reading every page of the user's teams", async () => {
    const many = Array.from({ length: 150 }, (_, i) => ({ org: "CrabClub", slug: `team-${i}` }));
    const teamConfig = { CRABBOX_GITHUB_TEAM: "crabclub/team-142, oncall" };

    const outsider = await start(teamConfig);
    const denied = await browserReturns(
      github.authorize(outsider.json.url, { ...alice, teams: many.slice(0, 100) }),
      teamConfig,
    );
    expect(denied.status).toBe(403);
    expect((await poll(outsider.json.loginID, outsider.pollSecret, teamConfig)).body).toEqual({
      status: "failed",
      error: "GitHub user alice is not a member of an allowed team in CrabClub.",
    });

    const member = await start(teamConfig);
    const allowed = await browserReturns(
      github.authorize(member.json.url, { ...alice, teams: many }),
      teamConfig,
    );
    expect(allowed.status).toBe(200);
    expect((await poll(member.json.loginID, member.pollSecret, teamConfig)).body.status).toBe("complete");

    const bare = { CRABBOX_GITHUB_TEAM: "oncall" };
    const oncall = await start(bare);
    const ok = await browserReturns(
      github.authorize(oncall.json.url, { ...alice, teams: [{ org: "crabclub", slug: "OnCall" }] }),
      bare,
    );
    expect(ok.status).toBe(200);
  });

  it("records GitHub's refusal (error=access_denied) and answers the poll with it", async () => {
    const { json, pollSecret } = await start();
    const state = new URL(json.url).searchParams.get("state");
    const page = await browserReturns(
      `https://coordinator.test/v1/auth/github/callback?error=access_denied&state=${state}`,
    );
    expect(page.status).toBe(400);
    expect((await poll(json.loginID, pollSecret)).body).toEqual({ status: "failed", error: "access_denied" });
  });

  it("uses a callback's state once: a replayed callback finds an expired login", async () => {
    const { json, pollSecret } = await start();
    const callback = github.authorize(json.url, alice);
    expect((await browserReturns(callback)).status).toBe(200);
    const replay = await browserReturns(callback);
    expect(replay.status).toBe(400);
    expect(replay.html).toContain("Crabbox login expired");
    expect((await poll(json.loginID, pollSecret)).body.status).toBe("complete");
  });

  it("reports a failing GitHub as a failed login without leaking its answer", async () => {
    github.fail("/user/emails", 500);
    github.fail("/user/memberships", 502);
    try {
      const { json, pollSecret } = await start();
      const page = await browserReturns(github.authorize(json.url, alice));
      expect(page.status).toBe(502);
      expect((await poll(json.loginID, pollSecret)).body).toEqual({
        status: "failed",
        error: "GitHub GET /user/memberships/orgs returned HTTP 502",
      });
    } finally {
      github.clearFaults();
    }
  });

  it("refuses a bad poll secret hash, a malformed poll and unknown or expired logins", async () => {
    const bad = await start({}, { pollSecretHash: "ABC" });
    expect(bad.res.status).toBe(400);
    expect(bad.json.error).toBe("invalid_poll_secret_hash");
    const missing = await start({}, {});
    expect(missing.json.error).toBe("invalid_poll_secret_hash");

    const res = await callWorker(
      "/v1/auth/github/poll",
      {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ loginID: "x" }),
      },
      config,
    );
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: "invalid_poll" });

    expect(await poll("login_0000", "whatever")).toEqual({ status: 410, body: { status: "expired" } });

    const { json, pollSecret } = await start();
    await expireAllPendingLogins();
    expect(await poll(json.loginID, pollSecret)).toEqual({ status: 410, body: { status: "expired" } });
    const late = await browserReturns(github.authorize(json.url, alice));
    expect(late.status).toBe(400);
    expect(late.html).toContain("expired");
  });

  it("caps pending logins, counting only unexpired ones", async () => {
    const capped = { CRABBOX_GITHUB_MAX_PENDING_LOGINS: "2" };
    expect((await start(capped)).res.status).toBe(200);
    expect((await start(capped)).res.status).toBe(200);
    const third = await start(capped);
    expect(third.res.status).toBe(429);
    expect(third.json).toMatchObject({ error: "login_rate_limited" });
    await expireAllPendingLogins();
    expect((await start(capped)).res.status).toBe(200);
  });

  it("caps pending logins per client address (CF-Connecting-IP)", async () => {
    const perClient = { CRABBOX_GITHUB_MAX_PENDING_LOGINS_PER_CLIENT: "1" };
    const from = (ip: string) => start(perClient, undefined, { "cf-connecting-ip": ip });
    expect((await from("203.0.113.7")).res.status).toBe(200);
    const again = await from("203.0.113.7");
    expect(again.res.status).toBe(429);
    expect(again.json.error).toBe("login_rate_limited");
    expect((await from("198.51.100.1")).res.status).toBe(200);
  });

  it("answers 503 github_oauth_not_configured while the OAuth app or session secret is missing", async () => {
    for (const missing of [
      { CRABBOX_GITHUB_CLIENT_SECRET: undefined },
      { CRABBOX_SESSION_SECRET: undefined },
      { CRABBOX_GITHUB_ORG: undefined, CRABBOX_DEFAULT_ORG: undefined },
    ]) {
      const { res, json } = await start(missing);
      expect(res.status).toBe(503);
      expect(json.error).toBe("github_oauth_not_configured");
    }
    const page = await browserReturns("https://coordinator.test/v1/auth/github/callback?code=x&state=y", {
      CRABBOX_GITHUB_CLIENT_ID: "",
    });
    expect(page.status).toBe(503);
  });

  it("builds the redirect URI from CRABBOX_PUBLIC_URL when set", async () => {
    const { json } = await start({ CRABBOX_PUBLIC_URL: "https://crabbox.example.com/" });
    expect(new URL(json.url).searchParams.get("redirect_uri")).toBe(
      "https://crabbox.example.com/v1/auth/github/callback",
    );
  });
});
