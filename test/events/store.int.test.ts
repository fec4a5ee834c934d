import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { LeaseCommand } from "../../src/events/lease-decider";
import { leaseDecider, leaseStream } from "../../src/events/lease-decider";
import { EventStore } from "../../src/events/store";
import { inlineProjections } from "../../src/projections/inline";
import { leaseRequest, machine, sample, systemMeta, t0, userMeta } from "./fixtures";

const fleet = () => env.FLEET.get(env.FLEET.idFromName(`store-${crypto.randomUUID()}`));
const stream = leaseStream("cbx_abcdef123456");

function dump(sql: SqlStorage): string {
  const tables = sql
    .exec<{ name: string }>(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE '\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite%' ORDER BY name",
    )
    .toArray()
    .map((r) => r.name);
  return JSON.stringify(tables.map((t) => [t, sql.exec(`SELECT * FROM ${t} ORDER BY 1, 2`).toArray()]));
}

function exec(
  store: EventStore,
  command: LeaseCommand,
  now: number,
  extra: { dedupeKey?: string; fingerprint?: string; expectedVersion?: number } = {},
) {
  return store.execute({ stream, decider: leaseDecider, command, now, meta: userMeta, ...extra });
}

describe("appending", () => {
  it("gives each event a seq, a ULID and a contiguous stream version, and records meta and owner", async () => {
    await runInDurableObject(fleet(), (fleetDO) => {
      const store = fleetDO.store;
      exec(store, { type: "RequestLease", lease: leaseRequest() }, t0);
      const result = exec(store, { type: "RecordMachineProvisioned", machine: machine() }, t0 + 1);
      expect(result).toMatchObject({ status: "appended", version: 2 });
      exec(store, { type: "Heartbeat" }, t0 + 2);
      const events = store.readStream(stream);
      expect(events.map((e) => [e.seq, e.version, e.type])).toEqual([
        [1, 1, "LeaseRequested"],
        [2, 2, "MachineProvisioned"],
        [3, 3, "Heartbeat"],
      ]);
      expect(events.every((e) => /^[0-9A-HJKMNP-TV-Z]{26}$/.test(e.id))).toBe(true);
      expect(new Set(events.map((e) => e.id)).size).toBe(3);
      expect(events[0]).toMatchObject({
        owner: "peter@example.com",
        at: t0,
        meta: userMeta,
        schema: 1,
        dedupeKey: null,
      });
      expect(store.readStream(stream, 2).map((e) => e.version)).toEqual([3]);
      expect(store.head()).toBe(3);
    });
  });

  it("answers 'unchanged' and writes nothing when the decider decides nothing", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      exec(fleetDO.store, { type: "RequestLease", lease: leaseRequest() }, t0);
      const before = dump(state.storage.sql);
      const result = exec(fleetDO.store, { type: "Expire" }, t0 + 1);
      expect(result).toMatchObject({ status: "unchanged", events: [], version: 1 });
      expect(dump(state.storage.sql)).toBe(before);
    });
  });

  it("refuses a stale expected version with version_conflict and changes nothing", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      exec(fleetDO.store, { type: "RequestLease", lease: leaseRequest() }, t0);
      exec(fleetDO.store, { type: "RecordMachineProvisioned", machine: machine() }, t0 + 1, {
        expectedVersion: 1,
      });
      const before = dump(state.storage.sql);
      expect(() => exec(fleetDO.store, { type: "Heartbeat" }, t0 + 2, { expectedVersion: 1 })).toThrowError(
        expect.objectContaining({
          code: "version_conflict",
          details: { stream, expectedVersion: 1, actualVersion: 2 },
        }),
      );
      expect(dump(state.storage.sql)).toBe(before);
    });
  });

  it("loads state from the snapshot, and folds the stream when the snapshot's schema is stale", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      const store = fleetDO.store;
      exec(store, { type: "RequestLease", lease: leaseRequest() }, t0);
      exec(store, { type: "RecordMachineProvisioned", machine: machine() }, t0 + 1);
      exec(store, { type: "Heartbeat", idleTimeoutSeconds: 60 }, t0 + 2);
      const fromSnapshot = store.load(stream, leaseDecider);
      state.storage.sql.exec("UPDATE streams SET snapshot = '{}', snapshot_schema = 0");
      const folded = store.load(stream, leaseDecider);
      expect(folded).toEqual(fromSnapshot);
      expect(folded.state).toMatchObject({ idleTimeoutSeconds: 60 });
      expect(folded.version).toBe(3);
    });
  });

  it("reads old schema versions through the upcasters", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      exec(fleetDO.store, { type: "RequestLease", lease: leaseRequest() }, t0);
      exec(fleetDO.store, { type: "RecordMachineProvisioned", machine: machine() }, t0 + 1);
      state.storage.sql.exec(
        "INSERT INTO events (id, stream, version, type, schema, data, meta, owner, at) VALUES ('01OLDHEARTBEAT000000000000', ?, 3, 'Heartbeat', 1, ?, '{}', 'peter@example.com', ?)",
        stream,
        JSON.stringify({ telemetry: { capturedAt: new Date(t0 + 2).toISOString(), load1: 1 } }),
        t0 + 2,
      );
      expect(fleetDO.store.readStream(stream, 2)[0]).toMatchObject({
        schema: 1,
        data: { telemetry: { capturedAt: t0 + 2, load1: 1 } },
      });
    });
  });
});

describe("long streams", () => {
  it("decides on a lease with 10,000 heartbeats by reading a handful of rows, not the stream", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      const setup = fleetDO.store;
      exec(
        setup,
        { type: "RequestLease", lease: leaseRequest({ ttlSeconds: 86_400, idleTimeoutSeconds: 86_400 }) },
        t0,
      );
      exec(setup, { type: "RecordMachineProvisioned", machine: machine() }, t0 + 1);
      const heartbeats = Array.from({ length: 10_000 }, () => ({ type: "Heartbeat", data: {} }));
      setup.append(stream, leaseDecider, 2, heartbeats, { meta: userMeta, now: t0 + 2 });

      // Count every row SQLite reads on behalf of the next command.
      const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
      const counting = {
        sql: {
          exec: (query: string, ...bindings: unknown[]) => {
            const cursor = state.storage.sql.exec(query, ...bindings);
            cursors.push(cursor);
            return cursor;
          },
        },
        transactionSync: <T>(closure: () => T) => state.storage.transactionSync(closure),
      } as unknown as DurableObjectStorage;
      const result = exec(
        new EventStore(counting, { projections: inlineProjections }),
        { type: "Heartbeat", telemetry: sample(t0 + 3) },
        t0 + 3,
      );
      expect(result.version).toBe(10_003);
      const rowsRead = cursors.reduce((sum, c) => sum + c.rowsRead, 0);
      expect(rowsRead).toBeLessThan(20);
    });
  });
});

describe("appending prepared events", () => {
  it("checks the expected version and the dedupe key exactly like a command", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      const store = fleetDO.store;
      const events = [
        { type: "LeaseRequested", data: leaseRequest() },
        { type: "MachineProvisioned", data: machine() },
      ];
      const options = { meta: userMeta, now: t0, dedupeKey: "import:1", fingerprint: "x" };
      const first = store.append(stream, leaseDecider, 0, events, options);
      expect(first.events.map((e) => [e.version, e.type])).toEqual([
        [1, "LeaseRequested"],
        [2, "MachineProvisioned"],
      ]);
      expect(first.state).toMatchObject({ state: "active", cloudID: "local-1" });
      expect(store.append(stream, leaseDecider, 0, events, options).status).toBe("deduplicated");
      const before = dump(state.storage.sql);
      expect(() => store.append(stream, leaseDecider, 0, events, { meta: userMeta, now: t0 })).toThrowError(
        expect.objectContaining({ code: "version_conflict" }),
      );
      expect(() =>
        store.append(
          stream,
          leaseDecider,
          2,
          [{ type: "Heartbeat", data: { bogus: true, idleTimeoutSeconds: -1 } }],
          { meta: userMeta, now: t0 },
        ),
      ).toThrowError(/invalid Heartbeat payload at idleTimeoutSeconds/);
      expect(dump(state.storage.sql)).toBe(before);
    });
  });
});

describe("dedupe keys", () => {
  const key = "idem:peter@example.com:openclaw:k1";

  it("returns the recorded outcome for a retry, appending nothing, even after the stream moved on", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      const store = fleetDO.store;
      exec(store, { type: "RequestLease", lease: leaseRequest() }, t0);
      exec(store, { type: "RecordMachineProvisioned", machine: machine() }, t0 + 1);
      const first = store.execute({
        stream,
        decider: leaseDecider,
        command: { type: "Heartbeat", telemetry: sample(t0 + 2) },
        now: t0 + 2,
        meta: userMeta,
        expectedVersion: 2,
        dedupeKey: key,
        fingerprint: "f1",
        result: (lease) => ({ expiresAt: lease.expiresAt }),
      });
      exec(store, { type: "Heartbeat" }, t0 + 3);
      const before = dump(state.storage.sql);
      const retry = store.execute({
        stream,
        decider: leaseDecider,
        command: { type: "Heartbeat", telemetry: sample(t0 + 2) },
        now: t0 + 9,
        meta: userMeta,
        expectedVersion: 2,
        dedupeKey: key,
        fingerprint: "f1",
        result: () => "must not be called",
      });
      expect(dump(state.storage.sql)).toBe(before);
      expect(retry.status).toBe("deduplicated");
      expect(retry.outcome).toEqual(first.outcome);
      expect(retry.outcome.result).toEqual({ expiresAt: t0 + 2 + 1_800_000 });
      expect(retry.events).toEqual(first.events);
      expect(retry.version).toBe(3);
      expect(first.events[0]?.dedupeKey).toBe(key);
    });
  });

  it("refuses the same key with another fingerprint as idempotency_key_reused, changing nothing", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      exec(fleetDO.store, { type: "RequestLease", lease: leaseRequest() }, t0, {
        dedupeKey: "lease-create:cbx_abcdef123456",
        fingerprint: "a",
      });
      const before = dump(state.storage.sql);
      expect(() =>
        exec(fleetDO.store, { type: "RequestLease", lease: leaseRequest({ ttlSeconds: 60 }) }, t0 + 1, {
          dedupeKey: "lease-create:cbx_abcdef123456",
          fingerprint: "b",
        }),
      ).toThrowError(expect.objectContaining({ code: "idempotency_key_reused" }));
      expect(dump(state.storage.sql)).toBe(before);
    });
  });

  it("remembers a refusal under its key and refuses the retry the same way", async () => {
    await runInDurableObject(fleet(), (fleetDO) => {
      const store = fleetDO.store;
      exec(store, { type: "RequestLease", lease: leaseRequest() }, t0);
      const heartbeat = () =>
        exec(store, { type: "Heartbeat" }, t0 + 1, { dedupeKey: "idem:x", fingerprint: "h" });
      expect(heartbeat).toThrowError(expect.objectContaining({ code: "illegal_transition" }));
      exec(store, { type: "RecordMachineProvisioned", machine: machine() }, t0 + 2);
      // The lease is active now, but the retry is the same request: it gets the same answer.
      expect(heartbeat).toThrowError(expect.objectContaining({ code: "illegal_transition" }));
      expect(store.readStream(stream).map((e) => e.type)).toEqual(["LeaseRequested", "MachineProvisioned"]);
    });
  });

  it("checks the key before the version: a retried create is not a conflict", async () => {
    await runInDurableObject(fleet(), (fleetDO) => {
      const create = () =>
        exec(fleetDO.store, { type: "RequestLease", lease: leaseRequest() }, t0, {
          expectedVersion: 0,
          dedupeKey: "lease-create:cbx_abcdef123456",
          fingerprint: "a",
        });
      expect(create().status).toBe("appended");
      expect(create().status).toBe("deduplicated");
    });
  });
});

describe("reading the whole log", () => {
  it("pages after a position and filters by stream, type, owner and time, using indexes", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      const store = fleetDO.store;
      for (let i = 0; i < 3; i++) {
        const id = `cbx_00000000000${i}`;
        const owner = i === 2 ? "friend@example.com" : "peter@example.com";
        store.execute({
          stream: leaseStream(id),
          decider: leaseDecider,
          command: { type: "RequestLease", lease: leaseRequest({ leaseID: id, owner }) },
          now: t0 + i,
          meta: systemMeta,
        });
        store.execute({
          stream: leaseStream(id),
          decider: leaseDecider,
          command: { type: "RecordMachineProvisioned", machine: machine({ cloudID: `m${i}` }) },
          now: t0 + 10 + i,
          meta: systemMeta,
        });
      }
      const page1 = store.readAll({ limit: 4 });
      expect(page1.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
      expect(page1.nextAfter).toBe(4);
      const page2 = store.readAll({ after: 4, limit: 4 });
      expect(page2.events.map((e) => e.seq)).toEqual([5, 6]);
      expect(page2.nextAfter).toBeNull();
      expect(store.readAll({ stream: leaseStream("cbx_000000000001") }).events.map((e) => e.seq)).toEqual([
        3, 4,
      ]);
      expect(store.readAll({ type: "MachineProvisioned", after: 2 }).events.map((e) => e.seq)).toEqual([
        4, 6,
      ]);
      expect(store.readAll({ owner: "friend@example.com" }).events.map((e) => e.seq)).toEqual([5, 6]);
      expect(store.readAll({ since: t0 + 10, until: t0 + 12 }).events.map((e) => e.seq)).toEqual([2, 4]);
      expect(store.readAll({ limit: 10_000 }).events).toHaveLength(6);

      const plan = (where: string) =>
        state.storage.sql
          .exec<{ detail: string }>(
            `EXPLAIN QUERY PLAN SELECT * FROM events WHERE seq > 0 AND ${where} ORDER BY seq LIMIT 10`,
            "x",
          )
          .toArray()
          .map((r) => r.detail)
          .join(" | ");
      // The type index skips heartbeats (migration 0009): other types read it, heartbeats walk seq.
      expect(plan("type = ? AND type <> 'Heartbeat'")).toMatch(/USING INDEX events_by_type/);
      expect(plan("type = ?")).toMatch(/SEARCH events USING INTEGER PRIMARY KEY/);
      expect(plan("owner = ?")).toMatch(/USING INDEX events_by_owner/);
      expect(plan("stream = ?")).toMatch(/USING INDEX/);
    });
  });

  it("finds a time window's seqs by binary search across gaps the archive left, and pages heartbeats by type", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      const store = fleetDO.store;
      const id = "cbx_0000000000aa";
      const run = (command: Parameters<typeof leaseDecider.decide>[0], now: number) =>
        store.execute({ stream: leaseStream(id), decider: leaseDecider, command, now, meta: systemMeta });
      run({ type: "RequestLease", lease: leaseRequest({ leaseID: id, ttlSeconds: 86_400 }) }, t0);
      run({ type: "RecordMachineProvisioned", machine: machine({ cloudID: "m-aa" }) }, t0);
      for (let i = 1; i <= 40; i++) run({ type: "Heartbeat" }, t0 + i * 100);
      // Seqs 10..29 leave, as an archived range would.
      state.storage.sql.exec("DELETE FROM events WHERE seq BETWEEN 10 AND 29");
      const seqs = (query: Parameters<typeof store.readAll>[0]) =>
        store.readAll(query).events.map((e) => e.seq);
      // Heartbeat i is seq i + 2 at t0 + 100·i.
      expect(seqs({ since: t0 + 500, until: t0 + 1000 })).toEqual([7, 8, 9]);
      expect(seqs({ since: t0 + 1000, until: t0 + 3001 })).toEqual([30, 31, 32]);
      expect(seqs({ since: t0 + 1050, limit: 2 })).toEqual([30, 31]);
      expect(seqs({ since: t0 + 3950 })).toEqual([42]);
      expect(seqs({ since: t0 + 4001 })).toEqual([]);
      expect(seqs({ until: t0 + 1 })).toEqual([1, 2]);
      expect(seqs({ type: "Heartbeat", after: 35 })).toEqual([36, 37, 38, 39, 40, 41, 42]);
      expect(seqs({ type: "MachineProvisioned" })).toEqual([2]);
    });
  });
});
