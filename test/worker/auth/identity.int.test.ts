import { describe, expect, it } from "vitest";
import { mintToken } from "../../../src/worker/auth/signed-token";
import { adminToken, bearer, callWorker, sessionSecret, sharedToken } from "../http/worker-call";

const alice = { owner: "alice@example.com", org: "crabclub", login: "alice", name: "Alice" };

async function whoami(headers: Record<string, string>, overrides = {}) {
  const res = await callWorker("/v1/whoami", { headers }, overrides);
  return { status: res.status, text: await res.text() };
}

describe("who the coordinator thinks is calling", () => {
  it("refuses a request without a bearer token with 401 unauthorized", async () => {
    const res = await whoami({});
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toMatchObject({ error: "unauthorized" });
  });

  it("refuses other schemes, empty tokens and unknown tokens", async () => {
    for (const authorization of [
      `Basic ${adminToken}`,
      "Bearer ",
      "Bearer nope",
      adminToken,
      `Bearer ${adminToken}x`,
    ]) {
      expect((await whoami({ authorization })).status, authorization).toBe(401);
    }
  });

  it("treats the admin token as admin, with owner and org named by headers (org sanitised)", async () => {
    const res = await whoami(
      bearer(adminToken, { "x-crabbox-owner": "ops@example.com", "x-crabbox-org": "Ops Team!" }),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({
      owner: "ops@example.com",
      org: "Ops_Team_",
      auth: "bearer",
      admin: true,
      kind: "admin",
    });
  });

  it("accepts the scheme in any case", async () => {
    expect((await whoami({ authorization: `bEaReR ${adminToken}` })).status).toBe(200);
  });

  it("keeps the shared token non-admin; without headers the owner is unknown and the org the default", async () => {
    const named = JSON.parse(
      (await whoami(bearer(sharedToken, { "x-crabbox-owner": "bob@example.com" }))).text,
    );
    expect(named).toMatchObject({ owner: "bob@example.com", org: "crabclub", admin: false, kind: "shared" });
    const anonymous = JSON.parse((await whoami(bearer(sharedToken))).text);
    expect(anonymous).toMatchObject({ owner: "unknown", org: "crabclub", admin: false, auth: "bearer" });
  });

  it("never trusts a raw Cloudflare Access e-mail header", async () => {
    const res = await whoami(
      bearer(sharedToken, {
        "x-crabbox-owner": "bob@example.com",
        "cf-access-authenticated-user-email": "boss@example.com",
      }),
    );
    expect(JSON.parse(res.text).owner).toBe("bob@example.com");
  });

  it("fails closed when no tokens are configured", async () => {
    const overrides = { CRABBOX_ADMIN_TOKEN: undefined, CRABBOX_SHARED_TOKEN: "" };
    expect((await whoami(bearer(adminToken), overrides)).status).toBe(401);
    expect((await whoami(bearer(sharedToken), overrides)).status).toBe(401);
    expect((await whoami(bearer(""), overrides)).status).toBe(401);
  });

  it("takes a GitHub user token's identity from its signed payload and ignores identity headers", async () => {
    const token = await mintToken("user", alice, sessionSecret, Date.now());
    expect(token).toMatch(/^cbxu_[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const res = await whoami(
      bearer(token, { "x-crabbox-owner": "mallory@example.com", "x-crabbox-org": "evil" }),
    );
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({
      owner: "alice@example.com",
      org: "crabclub",
      auth: "github",
      admin: false,
      kind: "github",
      login: "alice",
    });
    expect(res.text).not.toContain(token);
  });

  it("refuses an expired user token", async () => {
    const issued = Date.now() - 2 * 3600 * 1000;
    const token = await mintToken("user", alice, sessionSecret, issued, 3600);
    expect((await whoami(bearer(token))).status).toBe(401);
  });

  it("refuses a user token whose signature or payload was tampered with", async () => {
    const token = await mintToken("user", alice, sessionSecret, Date.now());
    const [payload, signature] = token.slice("cbxu_".length).split(".") as [string, string];
    const flipped = `${signature.slice(0, -2)}${signature.endsWith("AA") ? "BB" : "AA"}`;
    expect((await whoami(bearer(`cbxu_${payload}.${flipped}`))).status).toBe(401);

    const claims = JSON.parse(atob(payload.replace(/-/g, "+").replace(/_/g, "/")));
    const forged = btoa(JSON.stringify({ ...claims, owner: "mallory@example.com" }))
      .replace(/\+/g, "-")
      .replace(/\//g, "_")
      .replace(/=+$/, "");
    expect((await whoami(bearer(`cbxu_${forged}.${signature}`))).status).toBe(401);
  });

  it("refuses user tokens signed with another secret, or when no session secret is configured", async () => {
    const foreign = await mintToken("user", alice, "some-other-secret", Date.now());
    expect((await whoami(bearer(foreign))).status).toBe(401);
    const token = await mintToken("user", alice, sessionSecret, Date.now());
    expect((await whoami(bearer(token), { CRABBOX_SESSION_SECRET: undefined })).status).toBe(401);
  });

  it("refuses a browser session token (cbxs_) on the bearer API even when validly signed", async () => {
    const session = await mintToken("session", alice, sessionSecret, Date.now());
    expect(session.startsWith("cbxs_")).toBe(true);
    expect((await whoami(bearer(session))).status).toBe(401);
    // …and a session payload re-labelled as a user token fails its MAC.
    expect((await whoami(bearer(`cbxu_${session.slice(5)}`))).status).toBe(401);
  });
});
