import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type LeaseCommand, leaseDecider, leaseStream } from "../../../src/events/lease-decider";
import type { EventStore } from "../../../src/events/store";
import { nextPruneDue, pruneCommands } from "../../../src/worker/fleet/archive/prune-commands";
import { leaseRequest, machine, userMeta } from "../../events/fixtures";

const day = 86_400_000;
const week = 7 * day;
const fleet = () => env.FLEET.get(env.FLEET.idFromName(`prune-${crypto.randomUUID()}`));
const stream = leaseStream("cbx_abcdef123456");
const share: LeaseCommand = { type: "ChangeShare", users: { bob: "use" }, changedBy: "peter" };

function exec(store: EventStore, command: LeaseCommand, now: number, dedupeKey?: string) {
  return store.execute({
    stream,
    decider: leaseDecider,
    command,
    now,
    meta: userMeta,
    ...(dedupeKey ? { dedupeKey, fingerprint: "f".repeat(64) } : {}),
  });
}

function commandRows(sql: SqlStorage): number {
  return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM commands").one().n;
}

describe("pruning the dedupe table", () => {
  it("keeps a key inside the window, prunes it after, and then the key is a new request", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      const start = Date.now() - day;
      exec(fleetDO.store, { type: "RequestLease", lease: leaseRequest() }, start);
      exec(fleetDO.store, { type: "RecordMachineProvisioned", machine: machine() }, start + 1);
      expect(exec(fleetDO.store, share, start + 2, "share-1").status).toBe("appended");
      expect(exec(fleetDO.store, share, start + 3, "share-1").status).toBe("deduplicated");
      expect(nextPruneDue(state.storage.sql, week)).toBe(start + 2 + week);

      expect(pruneCommands(state.storage.sql, start + 2 + week, week)).toBe(0);
      expect(pruneCommands(state.storage.sql, start + 3 + week, week)).toBe(1);
      expect(commandRows(state.storage.sql)).toBe(0);
      expect(nextPruneDue(state.storage.sql, week)).toBeUndefined();

      // The key is forgotten: the same request is decided again (here: the same share, nothing to do).
      const again = exec(fleetDO.store, share, start + 4, "share-1");
      expect(again.status).toBe("unchanged");
      expect(commandRows(state.storage.sql)).toBe(1);
      // Pruned again, the key may start a command that appends: two events of the log carry it.
      expect(pruneCommands(state.storage.sql, start + 5 + week, week)).toBe(1);
      const other = exec(
        fleetDO.store,
        { ...share, users: { carol: "use" } } as LeaseCommand,
        start + 6,
        "share-1",
      );
      expect(other.status).toBe("appended");
      expect(
        state.storage.sql
          .exec<{ n: number }>("SELECT COUNT(*) AS n FROM events WHERE dedupe_key = 'share-1'")
          .one().n,
      ).toBe(2);
    });
  });

  it("is done by the alarm in bounded batches, oldest first", async () => {
    await runInDurableObject(fleet(), async (fleetDO, state) => {
      const old = Date.now() - week - day;
      exec(fleetDO.store, { type: "RequestLease", lease: leaseRequest() }, old, "create-1");
      for (let i = 0; i < 3; i += 1)
        exec(fleetDO.store, { type: "Release", releasedBy: "peter" }, old + 1 + i, `release-${i}`);
      exec(fleetDO.store, { type: "Release", releasedBy: "peter" }, Date.now(), "release-recent");
      expect(pruneCommands(state.storage.sql, Date.now(), week, 2)).toBe(2);
      expect(
        state.storage.sql
          .exec<{ k: string }>("SELECT dedupe_key AS k FROM commands ORDER BY at")
          .toArray()
          .map((r) => r.k),
      ).toEqual(["release-1", "release-2", "release-recent"]);
      expect(fleetDO.scheduler.earliestDue()).toBeLessThanOrEqual(old + 2 + week);
      await fleetDO.scheduler.run("alarm-test");
      expect(
        state.storage.sql
          .exec<{ k: string }>("SELECT dedupe_key AS k FROM commands ORDER BY at")
          .toArray()
          .map((r) => r.k),
      ).toEqual(["release-recent"]);
    });
  });
});
