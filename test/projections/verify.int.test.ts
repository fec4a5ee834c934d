import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { leaseDecider, leaseStream } from "../../src/events/lease-decider";
import type { EventStore } from "../../src/events/store";
import { inlineProjections } from "../../src/projections/inline";
import { liveTables } from "../../src/projections/projection";
import { rebuildProjections, verifyProjections } from "../../src/projections/verify";
import { leaseRequest, machine, sample, t0, userMeta } from "../events/fixtures";
import { dump } from "../property/store-support";

const fleet = () => env.FLEET.get(env.FLEET.idFromName(`verify-${crypto.randomUUID()}`));

function twoLeases(store: EventStore): void {
  for (const [i, id] of ["cbx_00000000000a", "cbx_00000000000b"].entries()) {
    const stream = leaseStream(id);
    const run = (command: Parameters<typeof leaseDecider.decide>[0], now: number) =>
      store.execute({ stream, decider: leaseDecider, command, now, meta: userMeta });
    run(
      {
        type: "RequestLease",
        lease: leaseRequest({ leaseID: id, owner: i ? "friend@example.com" : "peter@example.com" }),
      },
      t0 + i,
    );
    run({ type: "RecordMachineProvisioned", machine: machine({ cloudID: `m${i}` }) }, t0 + 10);
    run({ type: "Heartbeat", telemetry: sample(t0 + 20) }, t0 + 20);
  }
}

describe("verifying projections against the log", () => {
  it("reports a row changed behind the log's back, naming the table, key and both versions", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      twoLeases(fleetDO.store);
      state.storage.sql.exec("UPDATE leases SET state = 'released' WHERE id = 'cbx_00000000000b'");
      const report = verifyProjections(state.storage);
      expect(report.ok).toBe(false);
      expect(report.differences).toHaveLength(1);
      expect(report.differences[0]).toMatchObject({
        table: "leases",
        key: { id: "cbx_00000000000b" },
        live: { state: "released" },
        rebuilt: { state: "active" },
      });
    });
  });

  it("reports rows only one side has, and leaves no shadow tables behind", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      twoLeases(fleetDO.store);
      fleetDO.store.execute({
        stream: leaseStream("cbx_00000000000a"),
        decider: leaseDecider,
        command: { type: "Release", releasedBy: "peter@example.com" },
        now: t0 + 30,
        meta: userMeta,
      });
      const sql = state.storage.sql;
      sql.exec("DELETE FROM lease_heartbeats WHERE lease_id = 'cbx_00000000000a'");
      sql.exec("INSERT INTO run_logs VALUES ('run_ffffffffffff', 99, 1, 0, 1)");
      const report = verifyProjections(state.storage);
      expect(report.differences).toEqual([
        expect.objectContaining({
          table: "lease_heartbeats",
          key: { lease_id: "cbx_00000000000a" },
          live: null,
          rebuilt: expect.objectContaining({ heartbeats: 1, first_at: t0 + 20 }),
        }),
        expect.objectContaining({ table: "run_logs", key: { run_id: "run_ffffffffffff" }, rebuilt: null }),
      ]);
      expect(report.tables.find((t) => t.table === "lease_heartbeats")).toEqual({
        table: "lease_heartbeats",
        liveRows: 0,
        rebuiltRows: 1,
      });
      expect(sql.exec("SELECT name FROM sqlite_master WHERE name LIKE 'shadow_%'").toArray()).toEqual([]);
    });
  });

  it("checks every stream's snapshot and version against the fold of its events", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      twoLeases(fleetDO.store);
      expect(verifyProjections(state.storage)).toMatchObject({
        ok: true,
        streamsChecked: 2,
        snapshotDifferences: [],
      });
      state.storage.sql.exec(
        "UPDATE streams SET snapshot = json_set(snapshot, '$.idleTimeoutSeconds', 5) WHERE stream = 'lease:cbx_00000000000a'",
      );
      state.storage.sql.exec("UPDATE streams SET version = 7 WHERE stream = 'lease:cbx_00000000000b'");
      const report = verifyProjections(state.storage);
      expect(report.ok).toBe(false);
      expect(report.differences).toEqual([]);
      expect(report.snapshotDifferences.map((d) => [d.stream, d.live?.version, d.rebuilt?.version])).toEqual([
        ["lease:cbx_00000000000a", 3, 3],
        ["lease:cbx_00000000000b", 7, 3],
      ]);
      expect(report.snapshotDifferences[0]?.live?.snapshot).toMatchObject({ idleTimeoutSeconds: 5 });
      expect(report.snapshotDifferences[0]?.rebuilt?.snapshot).toMatchObject({ idleTimeoutSeconds: 1800 });
    });
  });

  it("repairs damaged projections by rebuilding them from the log", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      twoLeases(fleetDO.store);
      const healthy = dump(state.storage.sql);
      state.storage.sql.exec("DELETE FROM leases");
      state.storage.sql.exec("UPDATE lease_usage SET owner = 'mallory'");
      state.storage.sql.exec("UPDATE streams SET snapshot = json_set(snapshot, '$.keep', 1)");
      expect(rebuildProjections(state.storage)).toBe(6);
      expect(dump(state.storage.sql)).toBe(healthy);
      expect(verifyProjections(state.storage).ok).toBe(true);
    });
  });

  it("changes nothing when an event is applied a second time", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      twoLeases(fleetDO.store);
      const before = dump(state.storage.sql);
      for (const event of fleetDO.store.readAll().events) {
        for (const projection of inlineProjections) {
          // run_events/run_logs are insert-or-ignore/replace; leases and runs check last_seq.
          if (projection.handles.has(event.type)) projection.apply(state.storage.sql, event, liveTables);
        }
      }
      expect(dump(state.storage.sql)).toBe(before);
    });
  });
});
