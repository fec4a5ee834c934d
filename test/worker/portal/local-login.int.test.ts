/**
 * The local stack's portal sign-in without GitHub (docs/portal.md, "Local sign-in"): the
 * stack's admin asks for a one-time link, opening it once signs the browser in as admin, and
 * any coordinator without the stack's binding (or not reached on loopback) answers 404.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../../src/worker/env";
import worker from "../../../src/worker/index";
import { adminToken, coordinatorEnv, sharedToken } from "../http/worker-call";

const localStack: Partial<Env> = {
  CRABBOX_LOCAL_PORTAL_LOGIN: "1",
  CRABBOX_LOCAL_HOST_URL: "http://127.0.0.1:9",
};

function call(origin: string, path: string, init: RequestInit, overrides: Partial<Env>) {
  return worker.fetch(
    new Request(`${origin}${path}`, { redirect: "manual", ...init }),
    coordinatorEnv(overrides),
  );
}

const loopback = "http://127.0.0.1:8787";

async function mintLink(overrides: Partial<Env> = localStack, origin = loopback, token = adminToken) {
  return call(
    origin,
    "/v1/local/portal-link",
    { method: "POST", headers: { authorization: `Bearer ${token}` } },
    overrides,
  );
}

function sessionCookieOf(res: Response): string {
  const cookie = res.headers.get("set-cookie") ?? "";
  expect(cookie).toMatch(/^__Host-crabbox_session=cbxs_/);
  return cookie.split(";")[0]!;
}

describe("the local portal sign-in", () => {
  it("signs a browser in once as the stack's admin", async () => {
    const minted = await mintLink();
    expect(minted.status).toBe(201);
    const { url, expiresAt } = (await minted.json()) as { url: string; expiresAt: string };
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:8787\/portal\/local-login\?code=local_[0-9a-f]{64}$/);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(5 * 60_000);

    const opened = await call(loopback, new URL(url).pathname + new URL(url).search, {}, localStack);
    expect(opened.status).toBe(302);
    expect(opened.headers.get("location")).toBe("/portal");
    const cookie = sessionCookieOf(opened);

    const admin = await call(loopback, "/portal/admin/leases", { headers: { cookie } }, localStack);
    expect(admin.status, await admin.text()).toBe(200);

    const again = await call(loopback, new URL(url).pathname + new URL(url).search, {}, localStack);
    expect(again.status).toBe(400);
    expect(again.headers.get("set-cookie")).toBeNull();
    expect(await again.text()).toContain("expired or was already used");
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("refuses a link opened after its 5 minutes, and the refusal names the command for a new one", async () => {
    const minted = (await (await mintLink()).json()) as { url: string; expiresAt: string };
    const link = new URL(minted.url);
    // The Worker reads the request's time from Date.now(): one second past the link's end.
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.parse(minted.expiresAt) + 1000);
    const opened = await call(loopback, link.pathname + link.search, {}, localStack);
    expect(opened.status).toBe(400);
    expect(opened.headers.get("set-cookie")).toBeNull();
    const page = await opened.text();
    expect(page).toContain("expired or was already used");
    expect(page).toContain("crabbox dev portal");
  });

  it("still opens a link a second before its end", async () => {
    const minted = (await (await mintLink()).json()) as { url: string; expiresAt: string };
    const link = new URL(minted.url);
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.parse(minted.expiresAt) - 1000);
    const opened = await call(loopback, link.pathname + link.search, {}, localStack);
    expect(opened.status).toBe(302);
    sessionCookieOf(opened);
  });

  it("refuses a made-up code", async () => {
    const res = await call(loopback, `/portal/local-login?code=local_${"0".repeat(64)}`, {}, localStack);
    expect(res.status).toBe(400);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("gives links to the admin token only", async () => {
    const res = await mintLink(localStack, loopback, sharedToken);
    expect(res.status).toBe(403);
  });

  it("answers 404 on a coordinator without the local stack's binding", async () => {
    expect((await mintLink({})).status).toBe(404);
    const res = await call(loopback, `/portal/local-login?code=local_${"0".repeat(64)}`, {}, {});
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ error: "not_found" });
  });

  it("answers 404 when reached on a public host, even with the binding", async () => {
    expect((await mintLink(localStack, "https://crabbox.example.com")).status).toBe(404);
  });

  it("answers 404 when the machine host is not on loopback, even with the binding", async () => {
    const deployed = { ...localStack, CRABBOX_LOCAL_HOST_URL: "https://host.example.com" };
    expect((await mintLink(deployed)).status).toBe(404);
  });

  it("grants no admin to a session of the local login on a coordinator without the binding", async () => {
    const { url } = (await (await mintLink()).json()) as { url: string };
    const link = new URL(url);
    const cookie = sessionCookieOf(await call(loopback, link.pathname + link.search, {}, localStack));
    const admin = await call(loopback, "/portal/admin/leases", { headers: { cookie } }, {});
    expect(admin.status).toBe(403);
  });
});
