/**
 * The portal's ready-pools page (docs/portal.md), through the Worker's real `fetch` in workerd
 * with a signed portal session: an admin sees each pool with its machines; anyone else is
 * refused; a malformed CRABBOX_POOLS is said, not hidden.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { freshFleet, later } from "../../support/fleet-api";
import { drainPools, localPool, pooledFleet, readPools, untilReady } from "../pools/support";
import { portalPage } from "./portal-page";

function poolsPage(login: string): Promise<{ status: number; text: string }> {
  return portalPage({ owner: `${login}@example.com`, org: "crabclub", login }, "/portal/admin/pools", {
    CRABBOX_GITHUB_ADMIN_LOGINS: "root-crab",
  });
}

beforeEach(drainPools);

describe("the ready pools page", () => {
  it("shows an admin each pool's counts, cost and machines", async () => {
    const fakes = pooledFleet([{ ...localPool, min: 2, max: 3 }]);
    fakes.local.prices.set("local", 0.25);
    await readPools();
    await later(0);
    await untilReady(2);
    const [pool] = await readPools();
    const page = await poolsPage("root-crab");
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain('data-pool="local/beast/default region"');
    expect(page.text).toMatch(/<strong>2<\/strong> ready · 0 booting · min 2 · max 3/);
    expect(page.text).toContain("$0.5000/h now");
    for (const m of pool.machines) {
      expect(page.text).toContain(`data-pool-machine="${m.id}"`);
      expect(page.text).toContain(m.cloudID);
    }
    expect(page.text).toContain('href="/portal/admin/pools" aria-current="page"');
  });

  it("refuses anyone who is not an admin", async () => {
    pooledFleet();
    const page = await poolsPage("plain-crab");
    expect(page.status).toBe(403);
    expect(page.text).not.toContain("data-pool=");
  });

  it("says why no pool is kept when CRABBOX_POOLS is malformed, escaped", async () => {
    freshFleet({ CRABBOX_POOLS: '[{"provider":"<script>"}]' });
    const page = await poolsPage("root-crab");
    expect(page.status, page.text).toBe(200);
    expect(page.text).toContain("data-pool-error");
    expect(page.text).toContain("CRABBOX_POOLS.0.provider");
    expect(page.text).not.toContain('<script>"');
  });
});
