/**
 * The portal in a real browser: Debian's Chromium (driven by playwright-core) against the
 * local stack (coordinator in workerd + local machine host) with GitHub login pointed at a
 * loopback fake. Leases and runs are made through the HTTP API as the CLI would; everything
 * else happens by clicking. Screenshots land in test-artifacts/portal/.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newLeaseId } from "../../src/domain/ids";
import { generateEd25519KeyPair } from "../../src/local/ssh/host-key";
import { stackPaths } from "../../src/stack/paths";
import { type RunningStack, runStack } from "../../src/stack/run-stack";
import { loadStackSecrets } from "../../src/stack/secrets";
import { mintToken } from "../../src/worker/auth/signed-token";
import { runCli } from "../cli/support";
import { isolatedEnv } from "../stack/support";
import { FakeGitHub } from "../support/fake-github";
import { launchChromium, serveFakeGithub } from "./support";

const artifacts = join(process.cwd(), "test-artifacts", "portal");
const github = new FakeGitHub("Iv1.portal-client", "portal-client-secret");
const dora = {
  login: "dora",
  name: "Dora Crab",
  emails: [{ email: "dora@example.com", primary: true, verified: true }],
  orgs: { CrabClub: "active" as const },
};
const owner = "dora@example.com";
const org = "crabclub";

let ctx: Awaited<ReturnType<typeof isolatedEnv>>;
let fake: { url: string; close: () => Promise<void> };
let stack: RunningStack;
let chromium: Awaited<ReturnType<typeof launchChromium>>;
let url = "";

async function api(method: string, path: string, body?: unknown) {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${stack.info.token}`,
      "x-crabbox-owner": owner,
      "x-crabbox-org": org,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function until<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

interface Lease {
  id: string;
  slug: string;
  state: string;
}

async function activeLease(extra: Record<string, unknown> = {}): Promise<Lease> {
  const leaseID = newLeaseId();
  const created = await api("POST", "/v1/leases", {
    leaseID,
    provider: "local",
    sshPublicKey: generateEd25519KeyPair().public,
    ttlSeconds: 1800,
    idleTimeoutSeconds: 900,
    ...extra,
  });
  expect([200, 201, 202], JSON.stringify(created.body)).toContain(created.status);
  return until("the lease to become active", 20_000, async () => {
    const lease = (await api("GET", `/v1/leases/${leaseID}`)).body?.lease as Lease | undefined;
    return lease?.state === "active" ? lease : undefined;
  });
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });

beforeAll(async () => {
  await mkdir(artifacts, { recursive: true });
  fake = await serveFakeGithub(github, dora);
  ctx = await isolatedEnv({
    CRABBOX_LOCAL_BOOTSTRAP_MS: "200",
    CRABBOX_GITHUB_CLIENT_ID: github.clientId,
    CRABBOX_GITHUB_CLIENT_SECRET: github.clientSecret,
    CRABBOX_GITHUB_ORG: "crabclub",
    CRABBOX_GITHUB_WEB_URL: fake.url,
    CRABBOX_GITHUB_API_URL: fake.url,
    CRABBOX_GITHUB_ADMIN_LOGINS: "dora",
  });
  stack = await runStack({ env: ctx.env, writeUserConfig: false });
  url = stack.info.url;
  chromium = await launchChromium();
}, 60_000);

afterAll(async () => {
  await chromium?.close();
  await stack?.stop();
  await fake?.close();
  await ctx?.cleanup();
});

describe("the portal in Chromium", () => {
  it("logs in with GitHub, follows a lease to its trail, releases it, finds the run and its log, and audits the log", async () => {
    const [first, second] = await Promise.all([activeLease({ keep: true }), activeLease()]);
    if (!first || !second) throw new Error("leases were not created");
    for (const load1 of [0.4, 1.2, 0.9]) {
      const beat = await api("POST", `/v1/leases/${first.id}/heartbeat`, {
        telemetry: { load1, memoryPercent: 30 + load1 * 10, diskPercent: 41, memoryTotalBytes: 8 * 2 ** 30 },
      });
      expect(beat.status, JSON.stringify(beat.body)).toBe(200);
    }
    const run = (
      await api("POST", "/v1/runs", { leaseID: first.id, command: ["pnpm", "test", "--", "<b>x</b>"] })
    ).body.run as { id: string };
    await api("POST", `/v1/runs/${run.id}/events`, {
      type: "phase",
      phase: "command",
      message: "running tests",
    });
    const finished = await api("POST", `/v1/runs/${run.id}/finish`, {
      exitCode: 1,
      syncMs: 820,
      commandMs: 4100,
      log: "setup ok\n<script>window.pwned = true</script>\nFAIL test/math.test.ts\n",
      results: {
        tests: 3,
        failures: 1,
        suites: 1,
        failed: [{ suite: "math", name: "adds", kind: "failure", message: "expected 3" }],
      },
      artifacts: [{ path: "reports/größe report.txt", bytes: 2048, sha256: "c".repeat(64) }],
    });
    expect(finished.status, JSON.stringify(finished.body)).toBe(200);

    const page = await chromium.context.newPage();
    const scriptErrors: string[] = [];
    page.on("pageerror", (error) => scriptErrors.push(error.message));
    page.on("console", (message) => {
      if (message.type() === "error") scriptErrors.push(message.text());
    });

    // Not signed in: the portal sends the browser through GitHub and back to the page asked for.
    await page.goto(`${url}/portal/runs`);
    await expect.poll(() => new URL(page.url()).pathname).toBe("/portal/runs");
    const cookies = await chromium.context.cookies(url);
    const session = cookies.find((c) => c.name === "__Host-crabbox_session");
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Lax", path: "/" });
    expect(session?.value.startsWith("cbxs_")).toBe(true);
    expect(page.url()).not.toContain("code=");

    // Leases: both are listed; the search box narrows the table to one.
    await page.goto(`${url}/portal`);
    await expect(page.locator("h1").textContent()).resolves.toBe("Leases");
    await page.getByRole("link", { name: first.slug, exact: true }).waitFor();
    await page.getByRole("link", { name: second.slug, exact: true }).waitFor();
    await shot(page, "01-leases");
    await page.locator("[data-table-search]").fill(second.slug);
    await expect.poll(() => page.locator("tbody tr:not([hidden])").count()).toBe(1);
    expect(await page.locator("tbody tr:not([hidden])").getAttribute("data-lease")).toBe(second.id);
    await shot(page, "02-leases-filtered");
    await page.locator("[data-table-search]").fill("");

    // Lease detail: connection, telemetry chart, the run, and the event trail (newest last).
    await page.getByRole("link", { name: first.slug, exact: true }).click();
    await page.waitForURL(`**/portal/leases/${first.id}`);
    expect(await page.locator("[data-ssh]").textContent()).toMatch(/^ssh -p \d+ [\w.-]+@127\.0\.0\.1$/);
    expect(await page.locator("svg.chart polyline").count()).toBeGreaterThan(0);
    const trail = page.getByRole("table", { name: "Event trail" });
    const trailTypes = await trail.locator("tbody tr td:nth-child(3)").allTextContents();
    expect(trailTypes[0]).toBe("LeaseRequested");
    expect(trailTypes).toContain("MachineProvisioned");
    // The three heartbeats in a row read as one sentence (docs/event-log.md#the-trail-as-sentences).
    expect(trailTypes).toContain("Heartbeat ×3");
    expect(await trail.locator('tr[data-trail-row="Heartbeat"]').getAttribute("data-collapsed")).toBe("3");
    expect(await trail.locator('tr[data-trail-row="Heartbeat"] [data-sentence]').textContent()).toMatch(
      /^3 heartbeats/,
    );
    await shot(page, "03-lease-detail");

    // Release from the page, through the confirmation step.
    await page.getByRole("link", { name: "Release…" }).click();
    await page.waitForURL(`**/portal/leases/${first.id}/release`);
    await shot(page, "04-release-confirm");
    await page.getByRole("button", { name: `Release ${first.slug}` }).click();
    await page.waitForURL(`**/portal/leases/${first.id}?released=1`);
    expect(await page.locator("h1 .badge").textContent()).toBe("released");
    expect(await trail.locator("tbody tr td:nth-child(3)").allTextContents()).toContain("Released");
    expect(await page.getByRole("link", { name: "Release…" }).count()).toBe(0);
    await shot(page, "05-lease-released");
    expect((await api("GET", `/v1/leases/${first.id}`)).body.lease.state).toBe("released");
    // A `keep` lease released from the portal gives its machine back (it was left "kept").
    await until("the portal's release to delete the kept lease's machine", 30_000, async () =>
      (await api("GET", `/v1/leases/${first.id}`)).body.lease.machineState === "deleted" ? true : undefined,
    );

    // Runs → run detail → full log; the markup in the log and command stays text.
    await page.getByRole("link", { name: "Runs", exact: true }).click();
    await page.getByRole("link", { name: run.id }).click();
    await page.waitForURL(`**/portal/runs/${run.id}`);
    expect(await page.locator("[data-log]").textContent()).toContain("<script>window.pwned = true</script>");
    expect(await page.locator("[data-artifacts] tbody tr").textContent()).toContain(
      "reports/größe report.txt",
    );
    expect(await page.locator("[data-command]").textContent()).toBe("pnpm test -- '<b>x</b>'");
    expect(await page.evaluate("typeof window.pwned")).toBe("undefined");
    expect(await page.getByText("math › adds").count()).toBe(1);
    await shot(page, "06-run-detail");
    await page.getByRole("link", { name: "Full log" }).click();
    await page.waitForURL(`**/portal/runs/${run.id}/logs`);
    expect(await page.locator("body").textContent()).toContain("FAIL test/math.test.ts");

    // Usage, at phone width too.
    await page.goto(`${url}/portal/usage`);
    await page.getByRole("heading", { name: /^Usage \d{4}-\d{2}$/ }).waitFor();
    expect(await page.getByRole("table", { name: "Usage by provider" }).textContent()).toContain("local");
    await shot(page, "07-usage");
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}/portal`);
    expect(await page.evaluate("document.documentElement.scrollWidth")).toBeLessThanOrEqual(390 + 1);
    await shot(page, "08-leases-phone");
    await page.setViewportSize({ width: 1280, height: 900 });

    // Audit: the whole log, filterable; verify projections replays it.
    await page.goto(`${url}/portal/admin/audit`);
    const log = page.getByRole("table", { name: "Event log" });
    expect(await log.locator("tbody tr").count()).toBeGreaterThan(8);
    await shot(page, "09-audit");
    await page.getByLabel("Type").fill("Released");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.waitForURL("**/portal/admin/audit?*type=Released*");
    expect(await log.locator("tbody tr td:nth-child(4)").allTextContents()).toEqual(["Released"]);
    await page.getByRole("button", { name: "Verify projections" }).click();
    await page.waitForURL("**/portal/admin/audit/verify");
    await shot(page, "10-verify");
    const verdict = page.locator("[data-verify-result]");
    expect(
      await verdict.getAttribute("data-verify-result"),
      (await page.locator("main").textContent()) ?? "",
    ).toBe("ok");
    expect(await verdict.textContent()).toContain("Projections match the log.");

    // A machine labelled for the released lease turns up in the provider's inventory: an orphan,
    // shown with the trail that says its lease ended.
    const stray = await fetch(`${stack.info.hostUrl}/v1/machines`, {
      method: "POST",
      headers: { authorization: `Bearer ${stack.info.hostToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: `crabbox-${first.slug}-stray`,
        labels: { crabbox: "true", created_by: "crabbox", lease: first.id, slug: first.slug },
        sshPublicKey: generateEd25519KeyPair().public,
      }),
    });
    expect(stray.status).toBe(201);
    await page.goto(`${url}/portal/admin/orphans`);
    await page.getByRole("heading", { name: "Orphans" }).waitFor();
    const orphan = page.locator("[data-orphan]");
    expect(await orphan.count()).toBe(1);
    expect(await orphan.getByRole("link", { name: first.slug }).count()).toBe(1);
    expect(await orphan.locator("tbody tr td:nth-child(3)").allTextContents()).toContain("Released");
    await shot(page, "11-orphans");

    // The theme toggle switches to dark (and the choice sticks across pages).
    await page.goto(`${url}/portal/leases/${first.id}`);
    await page.getByRole("button", { name: "Theme" }).click();
    expect(await page.locator("html").getAttribute("data-theme")).toBe("dark");
    await page.goto(`${url}/portal/runs/${run.id}`);
    expect(await page.locator("html").getAttribute("data-theme")).toBe("dark");
    await shot(page, "12-run-detail-dark");

    // Log out by POST: the cookie goes and the portal asks for login again.
    await page.goto(`${url}/portal`);
    await page.getByRole("button", { name: "Log out" }).click();
    await page.getByRole("heading", { name: "Logged out" }).waitFor();
    expect((await chromium.context.cookies(url)).some((c) => c.name === "__Host-crabbox_session")).toBe(
      false,
    );

    expect(scriptErrors).toEqual([]);
    await page.close();
  }, 90_000);

  it("finishes a login only in the browser that started it", async () => {
    const start = async () => {
      const response = await fetch(`${url}/portal/login?returnTo=%2Fportal%2Fusage`, { redirect: "manual" });
      expect(response.status).toBe(302);
      const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
      expect(cookie.startsWith("__Host-crabbox_login=")).toBe(true);
      return { cookie, callback: github.authorize(response.headers.get("location") ?? "", dora) };
    };
    const mine = await start();
    const theirs = await start();

    const noCookie = await fetch(mine.callback, { redirect: "manual" });
    expect(noCookie.status).toBe(400);
    expect(noCookie.headers.get("set-cookie") ?? "").not.toContain("crabbox_session=cbxs_");

    const otherBrowser = await fetch(theirs.callback, {
      headers: { cookie: mine.cookie },
      redirect: "manual",
    });
    expect(otherBrowser.status).toBe(403);
    expect(otherBrowser.headers.get("set-cookie") ?? "").not.toContain("crabbox_session=cbxs_");

    // Refusing a cookieless callback does not use up the login: its own browser still finishes it.
    const sameBrowser = await fetch(mine.callback, { headers: { cookie: mine.cookie }, redirect: "manual" });
    expect(sameBrowser.status).toBe(302);
    expect(sameBrowser.headers.get("location")).toBe("/portal/usage");
    expect(sameBrowser.headers.get("set-cookie")).toMatch(
      /__Host-crabbox_session=cbxs_[^;]+; Path=\/; HttpOnly; Secure; SameSite=Lax/,
    );
  });

  it("keeps browser sessions and API tokens apart", async () => {
    const secrets = await loadStackSecrets(stackPaths(ctx.env).secretsFile, ctx.env);
    const identity = { owner, org, login: "dora" };
    const sessionToken = await mintToken("session", identity, secrets.sessionSecret, Date.now());
    const userToken = await mintToken("user", identity, secrets.sessionSecret, Date.now());

    const asBearer = await fetch(`${url}/v1/leases`, {
      headers: { authorization: `Bearer ${sessionToken}` },
    });
    expect(asBearer.status).toBe(401);

    const cliTokenAsCookie = await fetch(`${url}/portal`, {
      headers: { cookie: `__Host-crabbox_session=${userToken}` },
      redirect: "manual",
    });
    expect(cliTokenAsCookie.status).toBe(302);
    expect(cliTokenAsCookie.headers.get("location")).toBe("/portal/login?returnTo=%2Fportal");

    const page = await fetch(`${url}/portal`, {
      headers: { cookie: `__Host-crabbox_session=${sessionToken}` },
      redirect: "manual",
    });
    expect(page.status).toBe(200);
    const csp = page.headers.get("content-security-policy") ?? "";
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(await page.text()).toContain(`<script nonce="${nonce}" src="/portal/assets/portal.js"`);

    const planted = await fetch(`${url}/portal`, {
      headers: { cookie: `__Host-crabbox_session=${sessionToken}; __Host-crabbox_session=${sessionToken}` },
      redirect: "manual",
    });
    expect(planted.status).toBe(302);

    const crossSite = await fetch(`${url}/portal/admin/audit/verify`, {
      method: "POST",
      headers: { cookie: `__Host-crabbox_session=${sessionToken}`, origin: "https://evil.example" },
      redirect: "manual",
    });
    expect(crossSite.status).toBe(403);

    const member = await mintToken(
      "session",
      { owner: "eve@example.com", org, login: "eve" },
      secrets.sessionSecret,
      Date.now(),
    );
    const notAdmin = await fetch(`${url}/portal/admin/audit`, {
      headers: { cookie: `__Host-crabbox_session=${member}` },
    });
    expect(notAdmin.status).toBe(403);
    expect(notAdmin.headers.get("content-type")).toContain("text/html");
  });

  it("signs Chromium in as the stack's admin with the link crabbox dev portal prints, once", async () => {
    await chromium.context.clearCookies();
    const printed = await runCli(["dev", "portal", "--json"], { env: ctx.env, cwd: ctx.root });
    expect(printed.code, printed.stderr).toBe(0);
    const link = JSON.parse(printed.stdout) as { url: string; expiresAt: string };
    expect(printed.stdout).not.toMatch(/cbxadmin_|cbxshared_|cbxhost_/);

    const page = await chromium.context.newPage();
    await page.goto(link.url);
    expect(new URL(page.url()).pathname).toBe("/portal");
    const admin = await page.goto(`${url}/portal/admin/leases`);
    expect(admin?.status()).toBe(200);
    await shot(page, "local-sign-in");

    // A second browser (no cookies) cannot use the link again.
    await chromium.context.clearCookies();
    const reused = await page.goto(link.url);
    expect(reused?.status()).toBe(400);
    expect(await page.textContent("body")).toContain("crabbox dev portal");
    const cookies = await chromium.context.cookies(url);
    expect(cookies.map((cookie) => cookie.name)).not.toContain("__Host-crabbox_session");
    await page.close();
  }, 60_000);
});
