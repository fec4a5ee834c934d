import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { leaseDecider } from "../../../src/events/lease-decider";
import { decodeObject, sha256Hex } from "../../../src/worker/fleet/archive/archive-object";
import { archiveStep, archiveTestFaults } from "../../../src/worker/fleet/archive/archiver";
import { tombstonesOfStream } from "../../../src/worker/fleet/archive/tombstones";
import { fleetDeps } from "../../../src/worker/fleet/deps";
import { userMeta } from "../../events/fixtures";
import { countEvents, day, endedLease, liveLease, newLeaseID } from "./support";

const bucket = () => (env as unknown as { ARCHIVE: R2Bucket }).ARCHIVE;
const fleet = () => env.FLEET.get(env.FLEET.idFromName(`archive-${crypto.randomUUID()}`));
const tenMinutes = 600_000;

afterEach(() => {
  archiveTestFaults.at = undefined;
});

describe("archiving ended streams to R2", () => {
  it("moves an ended lease to one gzip NDJSON object with a tombstone, and leaves a live lease alone", async () => {
    await runInDurableObject(fleet(), async (fleetDO, state) => {
      const now = Date.now();
      const ended = endedLease(fleetDO.store, newLeaseID(), now - 10 * day);
      const live = liveLease(fleetDO.store, newLeaseID(), now - 9 * day);
      const before = fleetDO.store.readStream(ended);
      expect(before).toHaveLength(8);

      const result = await archiveStep(
        fleetDeps(state.storage, fleetDO.store, env as unknown as Record<string, unknown>),
        now,
      );
      expect(result).toEqual({ objects: 1, events: 8 });
      expect(countEvents(state.storage.sql, ended)).toBe(0);
      expect(countEvents(state.storage.sql, live)).toBe(2);
      expect(state.storage.sql.exec("SELECT 1 FROM streams WHERE stream = ?", ended).toArray()).toHaveLength(
        0,
      );

      const [tombstone] = tombstonesOfStream(state.storage.sql, ended);
      expect(tombstone).toMatchObject({
        stream: ended,
        firstVersion: 1,
        lastVersion: 8,
        firstSeq: before[0]?.seq,
        lastSeq: before[7]?.seq,
        events: 8,
        final: true,
      });
      const object = await bucket().get(tombstone?.objectKey ?? "");
      expect(object).not.toBeNull();
      const bytes = new Uint8Array(await (object as R2ObjectBody).arrayBuffer());
      expect(bytes.byteLength).toBe(tombstone?.bytes);
      expect(await sha256Hex(bytes)).toBe(tombstone?.sha256);
      const lines = await decodeObject(bytes.buffer);
      expect(lines.map((l) => l.seq)).toEqual(before.map((e) => e.seq));
      expect(lines.every((l) => /^[0-9a-f]{64}$/.test(l.hash))).toBe(true);

      // An archived stream takes no more events; it never restarts at version 1.
      expect(() =>
        fleetDO.store.execute({
          stream: ended,
          decider: leaseDecider,
          command: { type: "Release", releasedBy: "peter" },
          now,
          meta: userMeta,
        }),
      ).toThrow(/archived/);
    });
  });

  it("repeats safely after a crash between the R2 put and the delete, and after a failed delete", async () => {
    await runInDurableObject(fleet(), async (fleetDO, state) => {
      const now = Date.now();
      const ended = endedLease(fleetDO.store, newLeaseID(), now - 10 * day);
      liveLease(fleetDO.store, newLeaseID(), now - day);

      archiveTestFaults.at = (step) => {
        if (step === "put-done") throw new Error("crash after the put");
      };
      expect(
        await archiveStep(
          fleetDeps(state.storage, fleetDO.store, env as unknown as Record<string, unknown>),
          now,
        ),
      ).toEqual({ objects: 0, events: 0 });
      expect(countEvents(state.storage.sql, ended)).toBe(8);
      expect(tombstonesOfStream(state.storage.sql, ended)).toHaveLength(0);
      const listed = await bucket().list({ prefix: `events/v1/${ended.replace(":", "/")}/` });
      expect(listed.objects).toHaveLength(1);

      archiveTestFaults.at = (step) => {
        if (step === "deleted") throw new Error("crash inside the delete transaction");
      };
      expect(
        await archiveStep(
          fleetDeps(state.storage, fleetDO.store, env as unknown as Record<string, unknown>),
          now + tenMinutes,
        ),
      ).toEqual({ objects: 0, events: 0 });
      expect(countEvents(state.storage.sql, ended)).toBe(8);
      expect(tombstonesOfStream(state.storage.sql, ended)).toHaveLength(0);

      archiveTestFaults.at = undefined;
      expect(
        await archiveStep(
          fleetDeps(state.storage, fleetDO.store, env as unknown as Record<string, unknown>),
          now + 2 * tenMinutes,
        ),
      ).toEqual({ objects: 1, events: 8 });
      expect(countEvents(state.storage.sql, ended)).toBe(0);
      expect(tombstonesOfStream(state.storage.sql, ended)).toHaveLength(1);
      const again = await bucket().list({ prefix: `events/v1/${ended.replace(":", "/")}/` });
      expect(again.objects).toHaveLength(1);
      // Nothing is left to do: a further step archives nothing.
      expect(
        await archiveStep(
          fleetDeps(state.storage, fleetDO.store, env as unknown as Record<string, unknown>),
          now + 3 * tenMinutes,
        ),
      ).toEqual({ objects: 0, events: 0 });
    });
  });

  it("waits for the retention window, never archives the log's newest event, and is run by the alarm", async () => {
    await runInDurableObject(fleet(), async (fleetDO, state) => {
      const now = Date.now();
      const recent = endedLease(fleetDO.store, newLeaseID(), now - 2 * day);
      expect(
        await archiveStep(
          fleetDeps(state.storage, fleetDO.store, env as unknown as Record<string, unknown>),
          now,
        ),
      ).toEqual({ objects: 0, events: 0 });
      expect(countEvents(state.storage.sql, recent)).toBe(8);

      // Ended long ago but holding the head: all but the newest event go; the stream row stays.
      const old = fleetDO.store;
      const state2 = state.storage.sql;
      const lone = endedLease(old, newLeaseID(), now - 20 * day);
      state2.exec("UPDATE streams SET updated_at = ? WHERE stream = ?", now - 20 * day, lone);
      state2.exec("UPDATE streams SET updated_at = ? WHERE stream = ?", now - 2 * day, recent);
      const due = fleetDO.scheduler.earliestDue();
      expect(due).toBeLessThanOrEqual(now);
      await fleetDO.scheduler.run("alarm-archive-test");
      expect(countEvents(state2, lone)).toBe(1);
      const [partial] = tombstonesOfStream(state2, lone);
      expect(partial).toMatchObject({ firstVersion: 1, lastVersion: 7, final: false });
      expect(countEvents(state2, recent)).toBe(8);
    });
  });
});
