/**
 * The lease page's trail as sentences (docs/event-log.md#the-trail-as-sentences), through the
 * Worker's real `fetch` in workerd: leases made and heartbeated through the API, the page read
 * with a signed portal session of the lease's owner.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { FakeProviderError } from "../../support/fake-provider";
import { api, createLease, freshFleet, uniqueOwner } from "../../support/fleet-api";
import { portalPage } from "./portal-page";

async function leasePage(who: { owner: string; org: string }, leaseID: string): Promise<string> {
  const { status, text } = await portalPage(who, `/portal/leases/${leaseID}`);
  expect(status, text).toBe(200);
  return text;
}
let fakes: ReturnType<typeof freshFleet>;
beforeEach(() => {
  fakes = freshFleet();
});

const rows = (page: string) => [...page.matchAll(/<tr data-trail-row="(\w+)"/g)].map((m) => m[1]);
const unescapeHtml = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&");

describe("the lease page's trail", () => {
  it("reads as sentences, with a run of heartbeats as one row and the raw JSON one click away", async () => {
    const who = uniqueOwner("alice");
    const lease = await createLease(who, { ttlSeconds: 5400 });
    for (let i = 0; i < 20; i++) {
      const beat = await api(who, "POST", `/v1/leases/${lease.id}/heartbeat`, {
        telemetry: {
          capturedAt: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
          load1: i / 10,
          memoryPercent: 30 + i,
        },
      });
      expect(beat.status, beat.text).toBe(200);
    }
    expect((await api(who, "POST", `/v1/leases/${lease.id}/release`, {})).status).toBe(200);

    const page = await leasePage(who, lease.id);
    expect(rows(page)).toEqual([
      "LeaseRequested",
      "MachineProvisioned",
      "Heartbeat",
      "Released",
      "MachineDeleteRequested",
      "MachineDeleted",
    ]);
    expect(page).toContain('data-collapsed="20"');
    expect(page).toContain(
      `requested by ${who.owner}: class ${lease.class} on local, TTL 90 min, idle timeout 10 min`,
    );
    expect(page).toMatch(/machine \S+ provisioned at \S+ after \d+\.\d s/);
    expect(page).toContain("20 heartbeats: load 0–1.9, memory 30–49%");
    expect(page).toContain(`released by ${who.owner}; the machine is to be deleted`);
    expect(page).toContain("requested: the lease was released");
    // The raw events stay on the page, one click (a <details>) away.
    expect(unescapeHtml(page)).toContain('"type":"Heartbeat"');
    expect(page.match(/<summary>raw<\/summary>/g)).toHaveLength(6);
    // The answer to "why is this machine still running?" comes first.
    const status = page.indexOf("data-machine-status");
    expect(status).toBeGreaterThan(-1);
    expect(status).toBeLessThan(page.indexOf('id="trail"'));
    expect(page).toMatch(/data-machine-status>The lease released [^<]*; its machine is deleted\.</);
  });

  it("tells an operator a machine still runs because its delete keeps failing, and when it is retried", async () => {
    const who = uniqueOwner("bob");
    const lease = await createLease(who);
    fakes.local.failNext("delete", new FakeProviderError("409 from the provider", 409));
    expect((await api(who, "POST", `/v1/leases/${lease.id}/release`, {})).status).toBe(200);

    const page = unescapeHtml(await leasePage(who, lease.id));
    expect(page).toMatch(
      /data-machine-status>Still running: The lease released [^<]*, but deleting its machine failed 1 time\(s\); next try in \d+ s \([^)]+\)\. Last: delete failed: provider local delete failed, next try in \d+ s\.</,
    );
    expect(rows(page).at(-1)).toBe("MachineDeleteFailed");
  });

  it("says why an active lease's machine runs and what ends it", async () => {
    const who = uniqueOwner("carol");
    const lease = await createLease(who, { ttlSeconds: 3600, idleTimeoutSeconds: 600 });
    const page = await leasePage(who, lease.id);
    expect(page).toMatch(
      /data-machine-status>Running because the lease is active: last heartbeat [^;]+ ago \([^)]+\); it ends at the idle timeout, unless a heartbeat comes in 10 min/,
    );
  });
});
