import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { ExportEntry } from "../../../src/api/export";
import { exportLines } from "../../../src/events/export-lines";
import { verifyExport } from "../../../src/events/verify-export";
import type { FleetDurableObject } from "../../../src/worker/fleet";
import { api, freshFleet, leaseRequest, uniqueLeaseId, uniqueOwner } from "../../support/fleet-api";

beforeEach(() => {
  freshFleet();
});

async function exportAll(
  query = "",
): Promise<{ entries: ExportEntry[]; head: { seq: number; hash: string } }> {
  const entries: ExportEntry[] = [];
  let after = 0;
  let head: { seq: number; hash: string } | undefined;
  for (;;) {
    const res = await api("admin", "GET", `/v1/admin/export?limit=7&after=${after}${query}`);
    expect(res.status).toBe(200);
    head ??= res.body.head;
    entries.push(...res.body.entries);
    if (res.body.next === undefined) break;
    after = res.body.next;
  }
  if (!head) throw new Error("no page");
  return { entries, head };
}

const ndjson = (entries: ExportEntry[]) => exportLines(entries).join("\n");

describe("GET /v1/admin/export", () => {
  it("pages the log as stored with a hash chain that verifies offline, and the admin events carry the same hashes", async () => {
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    await api(who, "POST", `/v1/leases/${leaseID}/heartbeat`, {});
    await api(who, "POST", `/v1/leases/${leaseID}/release`, {});

    const { entries, head } = await exportAll();
    expect(entries[0]?.seq).toBe(1);
    expect(entries.map((e) => e.seq)).toEqual(entries.map((_, i) => i + 1));
    expect(head).toEqual({ seq: entries[entries.length - 1]?.seq, hash: entries[entries.length - 1]?.hash });
    expect(verifyExport(ndjson(entries))).toMatchObject({ ok: true, events: entries.length, problems: [] });

    const events = await api("admin", "GET", `/v1/admin/events?stream=lease:${leaseID}`);
    for (const e of events.body.events as { seq: number; hash: string }[])
      expect(e.hash).toBe(entries.find((x) => x.seq === e.seq)?.hash);

    // An event edited in the database after the fact breaks the chain at its position.
    const released = entries.find((e) => e.stream === `lease:${leaseID}` && e.type === "Released");
    if (!released) throw new Error("no Released event");
    const stub = env.FLEET.get(env.FLEET.idFromName("default"));
    await runInDurableObject(stub, (_: FleetDurableObject, state) => {
      state.storage.sql.exec("UPDATE events SET owner = 'mallory@example.com' WHERE seq = ?", released.seq);
    });
    const tampered = await exportAll();
    const report = verifyExport(ndjson(tampered.entries));
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      {
        kind: "edited",
        line: released.seq + 1,
        seq: released.seq,
        message: `event seq ${released.seq} does not match its hash`,
      },
    ]);
    // Put the row back: the Fleet object (and its log) is shared by the tests of this file.
    await runInDurableObject(stub, (_: FleetDurableObject, state) => {
      state.storage.sql.exec("UPDATE events SET owner = ? WHERE seq = ?", released.owner, released.seq);
    });
    expect(verifyExport(ndjson((await exportAll()).entries)).ok).toBe(true);
  });

  it("exports a time window: the first entry chains to the event before it", async () => {
    const who = uniqueOwner();
    await api(who, "POST", "/v1/leases", leaseRequest({ leaseID: uniqueLeaseId() }));
    const all = await exportAll();
    const middle = all.entries[Math.floor(all.entries.length / 2)];
    if (!middle) throw new Error("empty log");
    const window = await exportAll(`&since=${middle.at}`);
    expect(window.entries[0]?.at).toBeGreaterThanOrEqual(middle.at);
    const first = window.entries[0];
    expect(first?.prevHash).toBe(all.entries.find((e) => e.seq === (first?.seq ?? 0) - 1)?.hash);
    expect(verifyExport(ndjson(window.entries)).ok).toBe(true);
  });

  it("refuses non-admins with 403 and a bad time bound with 400 naming the field", async () => {
    const who = uniqueOwner();
    expect((await api(who, "GET", "/v1/admin/export")).status).toBe(403);
    const bad = await api("admin", "GET", "/v1/admin/export?since=yesterday");
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain("since");
  });
});
