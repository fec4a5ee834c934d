/**
 * What a heartbeat writes, in the unit Cloudflare bills SQLite-backed Durable Objects by:
 * rows written, every index entry counted as a row (`cursor.rowsWritten`). Heartbeats are most
 * of the log, so an index or projection row added to their path multiplies the fleet's bill;
 * these tests make such a change visible. Migration 0009 took three of the ten (the type and
 * `at` index entries, the expiry index entry); migration 0011 and the snapshot rule took two
 * more (the telemetry ring row, the stream row): docs/event-log.md#write-cost-of-a-heartbeat.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { snapshotEvery } from "../../src/events/append";
import { leaseDecider, leaseStream } from "../../src/events/lease-decider";
import { EventStore } from "../../src/events/store";
import { inlineProjections } from "../../src/projections/inline";
import { leaseRequest, machine, sample, t0, userMeta } from "./fixtures";

const fleet = () => env.FLEET.get(env.FLEET.idFromName(`write-cost-${crypto.randomUUID()}`));
const stream = leaseStream("cbx_abcdef123456");

/** The fleet's storage with every statement's `rowsWritten` added up, by statement. */
function countingStorage(storage: DurableObjectStorage) {
  const rows = new Map<string, number>();
  const exec = (query: string, ...bindings: SqlStorageValue[]) => {
    const cursor = storage.sql.exec(query, ...bindings);
    const results = cursor.toArray();
    const statement = query.trim().split(/\s+/).slice(0, 3).join(" ");
    rows.set(statement, (rows.get(statement) ?? 0) + cursor.rowsWritten);
    return { toArray: () => results, one: () => results[0] };
  };
  const sql = new Proxy(storage.sql, {
    get: (target, name) => (name === "exec" ? exec : Reflect.get(target, name)),
  });
  const counted = new Proxy(storage, {
    get: (target, name) => {
      if (name === "sql") return sql;
      const value = Reflect.get(target, name);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    storage: counted,
    take(): Record<string, number> {
      const taken = Object.fromEntries(rows);
      rows.clear();
      return taken;
    },
  };
}

describe("what a heartbeat writes", () => {
  it("writes five rows: the event with its id, stream and owner index entries, and the lease row", async () => {
    await runInDurableObject(fleet(), (_fleet, state) => {
      const counting = countingStorage(state.storage);
      const store = new EventStore(counting.storage, { projections: inlineProjections });
      const execute = (command: Parameters<typeof leaseDecider.decide>[0], now: number) =>
        store.execute({ stream, decider: leaseDecider, command, now, meta: userMeta });
      execute({ type: "RequestLease", lease: leaseRequest() }, t0);
      execute({ type: "RecordMachineProvisioned", machine: machine() }, t0);
      counting.take();

      execute({ type: "Heartbeat", telemetry: sample(t0 + 1_000) }, t0 + 1_000);

      const written = counting.take();
      expect(written).toEqual({
        "SELECT version, snapshot,": 0,
        "SELECT * FROM": 0,
        "SELECT seq, hash": 0,
        "INSERT INTO events": 4,
        "UPDATE leases SET": 1,
      });
      expect(Object.values(written).reduce((a, b) => a + b)).toBe(5);
    });
  });

  it(`rewrites the stream row only when a heartbeat reaches a multiple of ${snapshotEvery} versions, and loads the same state as a full fold`, async () => {
    await runInDurableObject(fleet(), (_fleet, state) => {
      const counting = countingStorage(state.storage);
      const store = new EventStore(counting.storage, { projections: inlineProjections });
      const execute = (command: Parameters<typeof leaseDecider.decide>[0], now: number) =>
        store.execute({ stream, decider: leaseDecider, command, now, meta: userMeta });
      execute({ type: "RequestLease", lease: leaseRequest({ ttlSeconds: 86_400 }) }, t0);
      execute({ type: "RecordMachineProvisioned", machine: machine() }, t0);
      counting.take();
      const snapshots: number[] = [];
      for (let i = 1; i <= 40; i++) {
        const result = execute({ type: "Heartbeat", telemetry: sample(t0 + i) }, t0 + i);
        const written = counting.take();
        if (written["UPDATE streams SET"] !== undefined) snapshots.push(result.version);
        else expect(Object.values(written).reduce((a, b) => a + b)).toBe(5);
      }
      // Versions 3..42: the row is rewritten at 16 and 32 only.
      expect(snapshots).toEqual([16, 32]);
      const row = state.storage.sql.exec<{ version: number }>("SELECT version FROM streams").one();
      expect(row.version).toBe(32);
      // Snapshot at 32 + the 10 heartbeats after it = the fold of all 42 events.
      let folded = leaseDecider.initialState();
      for (const event of store.readStream(stream)) folded = leaseDecider.evolve(folded, event as never);
      expect(store.load(stream, leaseDecider)).toEqual({ state: folded, version: 42 });
      // Any other event writes the row, so an ended stream's row is exact.
      execute({ type: "Release", releasedBy: "peter@example.com" }, t0 + 100);
      expect(counting.take()["UPDATE streams SET"]).toBe(1);
    });
  });
});
