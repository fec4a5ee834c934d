import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { type LeaseCommand, leaseDecider, leaseStream } from "../../src/events/lease-decider";
import { runDecider, runStream } from "../../src/events/run-decider";
import type { EventStore } from "../../src/events/store";
import {
  dueDeletes,
  leasesDueForExpiry,
  leasesProvisioningPastDeadline,
  listLeasesNewestFirst,
  liveLeasesBySlug,
  nextDue,
  slugTaken,
} from "../../src/projections/leases-queries";
import { listRuns } from "../../src/projections/runs-queries";
import { usageSummary } from "../../src/projections/usage-queries";
import { leaseRequest, machine, runStart, systemMeta, t0, userMeta } from "../events/fixtures";

const fleet = () => env.FLEET.get(env.FLEET.idFromName(`queries-${crypto.randomUUID()}`));
const lease = (store: EventStore, id: string, command: LeaseCommand, now: number) =>
  store.execute({ stream: leaseStream(id), decider: leaseDecider, command, now, meta: userMeta });

/** a: active (peter, blue-prawn), b: provisioning (peter), c: released with a failing delete (friend), d: expired-due */
function fleetOfFour(store: EventStore): void {
  lease(
    store,
    "cbx_00000000000a",
    {
      type: "RequestLease",
      lease: leaseRequest({
        leaseID: "cbx_00000000000a",
        slug: "blue-prawn",
        estimatedHourlyUSD: 2,
        maxEstimatedUSD: 3,
      }),
    },
    t0,
  );
  lease(
    store,
    "cbx_00000000000a",
    {
      type: "RecordMachineProvisioned",
      machine: machine({ cloudID: "ma", estimatedHourlyUSD: 2, maxEstimatedUSD: 3 }),
    },
    t0 + 1_000,
  );
  lease(
    store,
    "cbx_00000000000b",
    {
      type: "RequestLease",
      lease: leaseRequest({
        leaseID: "cbx_00000000000b",
        slug: "blue-prawn-1a2b",
        provisioningDeadlineAt: t0 + 60_000,
      }),
    },
    t0 + 2_000,
  );
  lease(
    store,
    "cbx_00000000000c",
    {
      type: "RequestLease",
      lease: leaseRequest({
        leaseID: "cbx_00000000000c",
        owner: "friend@example.com",
        org: "other",
        slug: "blue-prawn",
      }),
    },
    t0 + 3_000,
  );
  lease(
    store,
    "cbx_00000000000c",
    { type: "RecordMachineProvisioned", machine: machine({ cloudID: "mc" }) },
    t0 + 4_000,
  );
  lease(store, "cbx_00000000000c", { type: "Release", releasedBy: "friend@example.com" }, t0 + 3_603_000);
  store.execute({
    stream: leaseStream("cbx_00000000000c"),
    decider: leaseDecider,
    command: {
      type: "RecordMachineDeleteFailed",
      cloudID: "mc",
      message: "timeout",
      nextAttemptAt: t0 + 3_700_000,
    },
    now: t0 + 3_604_000,
    meta: systemMeta,
  });
  lease(
    store,
    "cbx_00000000000d",
    {
      type: "RequestLease",
      lease: leaseRequest({ leaseID: "cbx_00000000000d", ttlSeconds: 60, slug: "jade-crab" }),
    },
    t0 + 5_000,
  );
  lease(
    store,
    "cbx_00000000000d",
    { type: "RecordMachineProvisioned", machine: machine({ cloudID: "md" }) },
    t0 + 6_000,
  );
}

describe("lease queries", () => {
  it("resolve a slug among live leases, and know which owner and org hold it", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      fleetOfFour(fleetDO.store);
      const sql = state.storage.sql;
      // c (friend's blue-prawn) is released: only a is live under that slug.
      expect(liveLeasesBySlug(sql, "blue-prawn", t0 + 10_000).map((l) => l.id)).toEqual(["cbx_00000000000a"]);
      expect(slugTaken(sql, "peter@example.com", "openclaw", "blue-prawn", t0 + 10_000)).toBe(true);
      expect(slugTaken(sql, "friend@example.com", "other", "blue-prawn", t0 + 10_000)).toBe(false);
    });
  });

  it("list newest first with filters, the limit applied after the caller's own check", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      fleetOfFour(fleetDO.store);
      const sql = state.storage.sql;
      const all = () => true;
      expect(listLeasesNewestFirst(sql, {}, all, 10).map((l) => l.id)).toEqual([
        "cbx_00000000000d",
        "cbx_00000000000c",
        "cbx_00000000000b",
        "cbx_00000000000a",
      ]);
      // Pages of one: the walk goes on past rejected rows until the limit is met.
      const notD = (l: { id: string }) => l.id !== "cbx_00000000000d";
      expect(listLeasesNewestFirst(sql, {}, notD, 2, 1).map((l) => l.id)).toEqual([
        "cbx_00000000000c",
        "cbx_00000000000b",
      ]);
      expect(listLeasesNewestFirst(sql, { state: "released" }, all, 10).map((l) => l.id)).toEqual([
        "cbx_00000000000c",
      ]);
      expect(
        listLeasesNewestFirst(sql, { owner: "friend@example.com", org: "other" }, all, 10).map((l) => l.id),
      ).toEqual(["cbx_00000000000c"]);
    });
  });

  it("find the alarm's due work: expiries, provisioning deadlines, delete retries, and the earliest of them", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      fleetOfFour(fleetDO.store);
      const sql = state.storage.sql;
      expect(leasesDueForExpiry(sql, t0 + 65_000).map((l) => l.id)).toEqual(["cbx_00000000000d"]);
      expect(leasesProvisioningPastDeadline(sql, t0 + 59_999)).toEqual([]);
      expect(leasesProvisioningPastDeadline(sql, t0 + 60_000).map((l) => l.id)).toEqual(["cbx_00000000000b"]);
      expect(dueDeletes(sql, t0 + 3_699_999, 0, 16)).toEqual([]);
      expect(dueDeletes(sql, t0 + 3_700_000, 0, 16).map((l) => l.id)).toEqual(["cbx_00000000000c"]);
      // b's provisioning deadline (t0 + 60 s) comes before d's expiry (t0 + 65 s).
      expect(nextDue(sql)).toMatchObject({ provisioningDeadline: t0 + 60_000, expiry: t0 + 65_000 });
      lease(
        fleetDO.store,
        "cbx_00000000000b",
        {
          type: "RecordProvisioningFailed",
          code: "capacity_unavailable",
          message: "none",
          provisioningAttempts: [],
        },
        t0 + 7_000,
      );
      expect(nextDue(sql).provisioningDeadline).toBeUndefined();
      expect(nextDue(sql).expiry).toBe(t0 + 65_000);
    });
  });
});

describe("run and usage queries", () => {
  it("list runs of an owner or a lease, newest first", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      for (const [i, runID] of ["run_00000000000a", "run_00000000000b", "run_00000000000c"].entries()) {
        const run = runStart({
          runID,
          leaseID: i === 2 ? "cbx_00000000000b" : "cbx_00000000000a",
          owner: i === 1 ? "friend@example.com" : "peter@example.com",
        });
        fleetDO.store.execute({
          stream: runStream(runID),
          decider: runDecider,
          command: { type: "StartRun", run },
          now: t0 + i,
          meta: userMeta,
        });
      }
      const sql = state.storage.sql;
      expect(
        listRuns(sql, { owner: "peter@example.com", org: "openclaw", limit: 50 }).map((r) => r.id),
      ).toEqual(["run_00000000000c", "run_00000000000a"]);
      expect(listRuns(sql, { leaseID: "cbx_00000000000a", limit: 50 }).map((r) => r.id)).toEqual([
        "run_00000000000b",
        "run_00000000000a",
      ]);
      expect(listRuns(sql, { state: "running", limit: 1 }).map((r) => r.id)).toEqual(["run_00000000000c"]);
    });
  });

  it("summarise usage by month with runtime to now for live leases and groups sorted by reservation", async () => {
    await runInDurableObject(fleet(), (fleetDO, state) => {
      fleetOfFour(fleetDO.store);
      const now = t0 + 7_200_000;
      const all = usageSummary(state.storage.sql, { month: "2026-11", scope: "all", now });
      expect(all).toMatchObject({ leases: 4, activeLeases: 3 });
      // a: live for 2 h at $2/h → $4, reserved $3.
      expect(all.byOwner[0]).toMatchObject({ key: "peter@example.com", leases: 3 });
      expect(all.byOrg.map((g) => g.key)).toEqual(["openclaw", "other"]);
      const friend = usageSummary(state.storage.sql, {
        month: "2026-11",
        scope: "user",
        owner: "friend@example.com",
        now,
      });
      expect(friend).toMatchObject({
        owner: "friend@example.com",
        leases: 1,
        activeLeases: 0,
        runtimeSeconds: 3600,
        estimatedUSD: 0.5,
        reservedUSD: 0.75,
      });
      const peterA = usageSummary(state.storage.sql, {
        month: "2026-11",
        scope: "user",
        owner: "peter@example.com",
        now,
      }).byServerType[0];
      expect(peterA).toMatchObject({ key: "local-small", leases: 3 });
      expect(usageSummary(state.storage.sql, { month: "2026-10", scope: "all", now }).leases).toBe(0);
    });
  });
});
