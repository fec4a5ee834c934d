import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { ExportEntry } from "../../../src/api/export";
import { repairChain } from "../../../src/events/chain-repair";
import { exportLines } from "../../../src/events/export-lines";
import { verifyExport } from "../../../src/events/verify-export";
import type { FleetDurableObject } from "../../../src/worker/fleet";
import { tombstonesOfStream } from "../../../src/worker/fleet/archive/tombstones";
import {
  api,
  createLease,
  fleetStub,
  freshFleet,
  releaseAndExpectDeleted,
  uniqueOwner,
} from "../../support/fleet-api";

async function exportAll(): Promise<ExportEntry[]> {
  const entries: ExportEntry[] = [];
  let after = 0;
  for (;;) {
    const res = await api("admin", "GET", `/v1/admin/export?limit=4&after=${after}`);
    expect(res.status, res.text).toBe(200);
    entries.push(...res.body.entries);
    if (res.body.next === undefined) return entries;
    after = res.body.next;
  }
}

async function eventsAll(
  query: string,
): Promise<{ seq: number; archivedIn?: string; data: any; type: string }[]> {
  const events = [];
  let after = 0;
  for (;;) {
    const res = await api("admin", "GET", `/v1/admin/events?limit=3&after=${after}${query}`);
    expect(res.status, res.text).toBe(200);
    events.push(...res.body.events);
    if (res.body.next === undefined) return events;
    after = res.body.next;
  }
}

const ndjson = (entries: ExportEntry[]) => exportLines(entries).join("\n");

const runAlarm = () =>
  runInDurableObject(fleetStub(), (fleetDO: FleetDurableObject) => fleetDO.scheduler.run("alarm-archive"));

describe("the log across the archive", () => {
  it("exports, pages, replays and upcasts archived events as if they were live, then ages the lease row", async () => {
    freshFleet({ CRABBOX_ARCHIVE_AFTER_MS: "1" });
    const who = uniqueOwner();
    const ended = await createLease(who);
    const telemetry = { capturedAt: "2026-11-28T01:02:03Z", load1: 0.5, memoryPercent: 12.5, source: "cli" };
    expect((await api(who, "POST", `/v1/leases/${ended.id}/heartbeat`, { telemetry })).status).toBe(200);
    await releaseAndExpectDeleted(who, ended.id);
    const live = await createLease(who);
    expect((await api(who, "POST", `/v1/leases/${live.id}/heartbeat`, {})).status).toBe(200);
    const stream = `lease:${ended.id}`;

    // Item 6: this heartbeat was written at schema 1 (ISO capturedAt), before the type moved to 2.
    await runInDurableObject(fleetStub(), (_: FleetDurableObject, state) => {
      const sql = state.storage.sql;
      const seq = sql
        .exec<{ seq: number }>("SELECT seq FROM events WHERE stream = ? AND type = 'Heartbeat'", stream)
        .one().seq;
      sql.exec(
        "UPDATE events SET schema = 1, data = json_set(data, '$.telemetry.capturedAt', ?) WHERE seq = ?",
        telemetry.capturedAt,
        seq,
      );
      sql.exec("UPDATE events SET hash = NULL WHERE seq >= ?", seq);
      repairChain(sql);
    });
    const before = await exportAll();
    const liveTrail = await eventsAll(`&stream=${stream}`);
    const ownerTrail = await api(who, "GET", `/v1/leases/${ended.id}/events`);
    expect(ownerTrail.status).toBe(200);

    await runAlarm();
    const tombstones = await runInDurableObject(fleetStub(), (_: FleetDurableObject, state) =>
      tombstonesOfStream(state.storage.sql, stream),
    );
    expect(tombstones).toHaveLength(1);
    expect(tombstones[0]?.final).toBe(true);

    // The export is the same chain, gap-free, archived events included; it verifies offline.
    const after = await exportAll();
    expect(after).toEqual(before);
    expect(after.map((e) => e.seq)).toEqual(after.map((_, i) => i + 1));
    expect(verifyExport(ndjson(after))).toMatchObject({ ok: true, problems: [] });
    const storedHeartbeat = after.find((e) => e.stream === stream && e.type === "Heartbeat");
    expect(storedHeartbeat?.schema).toBe(1);

    // Events page through the archive transparently and name the object they came from.
    const archivedTrail = await eventsAll(`&stream=${stream}`);
    expect(archivedTrail.map((e) => e.seq)).toEqual(liveTrail.map((e) => e.seq));
    expect(archivedTrail.every((e) => e.archivedIn === tombstones[0]?.objectKey)).toBe(true);
    const heartbeat = archivedTrail.find((e) => e.type === "Heartbeat");
    expect(heartbeat?.data.telemetry.capturedAt).toBe(Date.parse(telemetry.capturedAt));
    // The owner's lease trail reads the archive too, while the lease is inside the history window.
    const archivedOwnerTrail = await api(who, "GET", `/v1/leases/${ended.id}/events`);
    expect(archivedOwnerTrail.body).toEqual(ownerTrail.body);
    const paged = await api(who, "GET", `/v1/leases/${ended.id}/events?limit=2&after=2`);
    expect(paged.body.events.map((e: { version: number }) => e.version)).toEqual([3, 4]);
    const everything = await eventsAll("");
    expect(everything.map((e) => e.seq)).toEqual(after.map((e) => e.seq));

    // Replay rebuilds from archive + live and matches the live projections.
    const replay = await api("admin", "POST", "/v1/admin/replay", {});
    expect(replay.status, replay.text).toBe(200);
    expect(replay.body).toMatchObject({ ok: true, events: after.length, differences: [] });
    const endedRecord = await api(who, "GET", `/v1/leases/${ended.id}`);
    expect(endedRecord.status).toBe(200);
    // Its heartbeats left with the stream; the telemetry history is the lease's summary row.
    expect(endedRecord.body.lease.telemetryHistory).toEqual([
      expect.objectContaining({ load1: 0.5, memoryPercent: 12.5 }),
    ]);
    const usageBefore = await api(who, "GET", "/v1/usage");

    // After the history window the lease row goes; usage keeps it, and replay still matches.
    freshFleet({ CRABBOX_ARCHIVE_AFTER_MS: "1", CRABBOX_HISTORY_RETENTION_MS: "1" });
    await runAlarm();
    expect((await api(who, "GET", `/v1/leases/${ended.id}`)).status).toBe(404);
    expect((await api(who, "GET", `/v1/leases/${live.id}`)).status).toBe(200);
    // The ended lease's usage row aged out too; the month's totals still count it.
    const rows = await runInDurableObject(fleetStub(), (_: FleetDurableObject, state) => ({
      usage: state.storage.sql.exec("SELECT lease_id FROM lease_usage").toArray(),
      months: state.storage.sql.exec("SELECT * FROM usage_months").toArray(),
    }));
    expect(rows.usage).toEqual([{ lease_id: live.id }]);
    expect(rows.months).toEqual([expect.objectContaining({ owner: who.owner, leases: 1 })]);
    const usage = await api(who, "GET", "/v1/usage");
    expect(usage.status, usage.text).toBe(200);
    const ofEnded = (body: { usage: { byProvider: unknown[] } & Record<string, unknown> }) => ({
      leases: body.usage.leases,
      activeLeases: body.usage.activeLeases,
      reservedUSD: body.usage.reservedUSD,
    });
    expect(ofEnded(usage.body)).toEqual(ofEnded(usageBefore.body));
    expect(usage.body.usage).toMatchObject({ leases: 2, activeLeases: 1 });
    const again = await api("admin", "POST", "/v1/admin/replay", {});
    expect(again.body, again.text).toMatchObject({ ok: true, events: after.length, differences: [] });
  });
});
