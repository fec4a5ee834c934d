/**
 * The portal's template escapes every value: markup in a slug, a command, a log line, event
 * data or a test failure reaches the page as text. Pages are rendered with the real page
 * functions and parsed back by counting the elements a browser would create.
 */
import { describe, expect, it } from "vitest";
import type { LeaseRecord } from "../../src/api/leases";
import type { RunRecord } from "../../src/api/runs";
import { safeReturnTo } from "../../src/worker/portal/context";
import { html } from "../../src/worker/portal/html";
import { page } from "../../src/worker/portal/layout";
import { leaseDetailBody } from "../../src/worker/portal/pages/lease-detail";
import { leaseTable } from "../../src/worker/portal/pages/parts";
import { runDetailBody } from "../../src/worker/portal/pages/run-detail";
import { contentSecurityPolicy } from "../../src/worker/portal/response";

const evil = `<script>alert("x")</script><img src=x onerror='alert(1)'>`;
const now = Date.parse("2026-05-01T12:00:00Z");

const lease: LeaseRecord = {
  id: "cbx_0123456789ab",
  slug: evil,
  provider: "local",
  target: "linux",
  owner: `eve${evil}@example.com`,
  org: "crabclub",
  class: evil,
  host: "127.0.0.1",
  sshUser: `root"><script>alert(2)</script>`,
  sshPort: "2222",
  ttlSeconds: 3600,
  idleTimeoutSeconds: 900,
  state: "active",
  createdAt: "2026-05-01T11:00:00.000Z",
  updatedAt: "2026-05-01T11:00:00.000Z",
  lastTouchedAt: "2026-05-01T11:30:00.000Z",
  expiresAt: "2026-05-01T12:30:00.000Z",
};

const run: RunRecord = {
  id: "run_0123456789ab",
  leaseID: lease.id,
  slug: evil,
  provider: "local",
  target: "linux",
  class: "beast",
  serverType: "local",
  owner: "eve@example.com",
  org: "crabclub",
  command: ["sh", "-c", evil],
  state: "failed",
  phase: "failed",
  exitCode: 1,
  startedAt: "2026-05-01T11:10:00.000Z",
  eventCount: 1,
  results: {
    format: "junit",
    files: [],
    suites: 1,
    tests: 1,
    failures: 1,
    errors: 0,
    skipped: 0,
    timeSeconds: 1,
    failed: [{ suite: evil, name: evil, kind: "failure", message: evil }],
  },
  artifacts: [{ path: `out/${evil}.txt`, bytes: 2048, sha256: "b".repeat(64) }],
};

/** Elements a browser would create from `markup` for the dangerous tags. */
function dangerousTags(markup: string): string[] {
  return [...markup.matchAll(/<(script|img)\b[^>]*>/gi)].map((m) => m[0]);
}

describe("the portal template", () => {
  it("escapes every interpolated value, including quotes that would end an attribute", () => {
    const out = html`<a title="${evil}" data-x='${evil}'>${evil}</a>`.toString();
    expect(dangerousTags(out)).toEqual([]);
    expect(out).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    expect(out).toContain("onerror=&#39;alert(1)&#39;");
  });

  it("keeps markup it built itself, and escapes lists item by item", () => {
    const inner = html`<b>${"<i>"}</b>`;
    expect(html`<p>${inner}${[evil, inner]}</p>`.toString()).toBe(
      "<p><b>&lt;i&gt;</b>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=&#39;alert(1)&#39;&gt;<b>&lt;i&gt;</b></p>",
    );
  });

  it("renders a lease whose slug, owner, class and ssh user hold markup as inert text", () => {
    const body = leaseDetailBody({
      lease,
      runs: [run],
      trailAfter: 0,
      canManage: true,
      released: false,
      now,
    });
    const document = page({ title: evil, nonce: "n0nce", body }).toString();
    // Only the portal's own script tag, carrying the nonce.
    expect(dangerousTags(document)).toEqual([`<script nonce="n0nce" src="/portal/assets/portal.js" defer>`]);
    expect(document).toContain("<title>&lt;script&gt;");
    expect(leaseTable([lease], now, evil).toString()).not.toMatch(/<script|<img/i);
  });

  it("renders a run whose command, log, test failures and artifact paths hold markup as inert text", () => {
    const out = runDetailBody(run, [], `ok\n${evil}\n`, now).toString();
    expect(dangerousTags(out)).toEqual([]);
    expect(out).toContain(`<code>out/&lt;script&gt;`);
    expect(out).toContain("b".repeat(64));
    expect(out).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("shows a shard run's group, linked, with the group's runs by index", () => {
    const shard = (index: number, state: RunRecord["state"]) => ({
      ...run,
      id: `run_00000000000${index}`,
      state,
      shard: { group: "shg_0123456789ab", index, total: 3 },
    });
    const group = [shard(3, "succeeded"), shard(1, "failed"), shard(2, "succeeded")];
    const out = runDetailBody(group[1]!, [], "", now, group).toString();
    expect(out).toContain("<h2>Shard 1 of 3</h2>");
    expect(out).toContain('href="/portal/runs?shard=shg_0123456789ab"');
    expect(out).toContain("3 of 3 runs recorded, 1 not succeeded.");
    const order = ["run_000000000001", "run_000000000002", "run_000000000003"].map((id) =>
      out.indexOf(`<code>${id}</code></a> <span class="badge"`),
    );
    expect(order.every((at, i) => at > 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(runDetailBody(run, [], "", now).toString()).not.toContain("data-shard-group");
  });

  it("allows scripts and styles only with the response's nonce", () => {
    const csp = contentSecurityPolicy("abc");
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'nonce-abc'");
    expect(csp).toContain("style-src 'nonce-abc'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain("unsafe-inline");
  });

  it("sends the browser back only to portal paths on this origin after login", () => {
    expect(safeReturnTo("/portal/leases/cbx_0123456789ab?after=3")).toBe(
      "/portal/leases/cbx_0123456789ab?after=3",
    );
    for (const bad of [
      "https://evil.example/portal",
      "//evil.example",
      "/portal//evil",
      "/portal\\evil",
      "/portalx",
      "/v1/leases",
      "/portal/\nx",
    ]) {
      expect(safeReturnTo(bad)).toBe("/portal");
    }
  });
});
