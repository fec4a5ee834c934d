/**
 * What a heartbeat writes, in the unit Cloudflare bills SQLite-backed Durable Objects by:
 * rows written, every index entry counted as a row (`cursor.rowsWritten`). Heartbeats are most
 * of the log, so an index or projection row added to their path multiplies the fleet's bill;
 * these tests make such a change visible. Migration 0009 took three of the ten (the type and
 * `at` index entries, the expiry index entry): docs/event-log.md#write-cost-of-a-heartbeat.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { leaseDecider, leaseStream } from "../../src/events/lease-decider";
import { EventStore } from "../../src/events/store";
import { inlineProjections } from "../../src/projections/inline";
import { leaseTelemetryPruneEvery, leaseTelemetryRingSize } from "../../src/projections/lease-telemetry";
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
  it("writes seven rows: the event with its id, stream and owner index entries, the lease row, the ring sample and the stream row", async () => {
    await runInDurableObject(fleet(), (_fleet, state) => {
      const counting = countingStorage(state.storage);
      const store = new EventStore(counting.storage, { projections: inlineProjections });
      const execute = (command: Parameters<typeof leaseDecider.decide>[0], now: number) =>
        store.execute({ stream, decider: leaseDecider, command, now, meta: userMeta });
      execute({ type: "RequestLease", lease: leaseRequest() }, t0);
      execute({ type: "RecordMachineProvisioned", machine: machine() }, t0);
      counting.take();

      execute({ type: "Heartbeat", telemetry: sample(t0 + 1_000) }, t0 + 1_000);

      expect(counting.take()).toEqual({
        "SELECT version, snapshot,": 0,
        "SELECT seq, hash": 0,
        "INSERT INTO events": 4,
        "UPDATE leases SET": 1,
        "INSERT OR REPLACE": 1,
        "UPDATE streams SET": 1,
      });
    });
  });

  it(`prunes the telemetry ring only on every ${leaseTelemetryPruneEvery}th event of the stream, deleting what is past ${leaseTelemetryRingSize} samples`, async () => {
    await runInDurableObject(fleet(), (_fleet, state) => {
      const counting = countingStorage(state.storage);
      const store = new EventStore(counting.storage, { projections: inlineProjections });
      const execute = (command: Parameters<typeof leaseDecider.decide>[0], now: number) =>
        store.execute({ stream, decider: leaseDecider, command, now, meta: userMeta });
      execute({ type: "RequestLease", lease: leaseRequest({ ttlSeconds: 86_400 }) }, t0);
      execute({ type: "RecordMachineProvisioned", machine: machine() }, t0);
      const prunes: number[] = [];
      for (let i = 1; i <= 94; i++) {
        const result = execute({ type: "Heartbeat", telemetry: sample(t0 + i) }, t0 + i);
        const deleted = counting.take()["DELETE FROM lease_telemetry"];
        if (deleted !== undefined) prunes.push(result.version, deleted);
      }
      // Versions 3..96: prunes at 16, 32, ... ; the ring reaches 60 samples at version 62.
      expect(prunes).toEqual([16, 0, 32, 0, 48, 0, 64, 2, 80, 16, 96, 16]);
      const kept = state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM lease_telemetry").one().n;
      expect(kept).toBe(leaseTelemetryRingSize);
    });
  });
});
