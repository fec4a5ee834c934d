import { beforeEach, describe, expect, it, vi } from "vitest";
import { api, later, minuteOrphanSweep } from "../../support/fleet-api";
import {
  createLease,
  drainPools,
  localPool,
  poolEvents,
  pooledFleet,
  readPools,
  untilReady,
} from "./support";

beforeEach(drainPools);

describe("ready pools across failures", () => {
  it("never reports a waiting or claimed pool machine as an orphan", async () => {
    const fakes = pooledFleet([{ ...localPool, min: 2, max: 2 }], minuteOrphanSweep);
    await readPools();
    await later(0);
    await untilReady(2);
    const { res } = await createLease();
    const claimed = res.body.lease.cloudID;
    await untilReady(1);
    const [pool] = await readPools();
    const waiting = pool.machines.find((m: { state: string }) => m.state === "ready").cloudID;
    await later(61_000); // first sighting
    await later(61_000); // a grace period later
    const events = (await api("admin", "GET", "/v1/admin/events?stream=fleet")).body.events;
    const detected = events.map((e: { data: { cloudID: string } }) => e.data.cloudID);
    expect(detected).not.toContain(waiting);
    expect(detected).not.toContain(claimed);
    expect(fakes.local.machines.has(waiting)).toBe(true);
    expect(fakes.local.machines.has(claimed)).toBe(true);
  });

  it("deletes, never adopts, what a pool create left behind when it did not answer by its deadline", async () => {
    const fakes = pooledFleet([localPool], {
      CRABBOX_PROVIDER_CREATE_TIMEOUT_MS: "100",
      CRABBOX_RECONCILE_GRACE_MS: "1000",
    });
    const release = fakes.local.hold("create");
    await readPools();
    await later(0);
    const [pool] = await readPools();
    const stuck = pool.machines[0];
    expect(stuck.state).toBe("provisioning");
    // The create timed out on the coordinator's side, but the cloud made the machine anyway.
    await vi.waitFor(() => expect(fakes.local.count("create")).toBe(1), { timeout: 20_000, interval: 20 });
    const made = fakes.local.plant(stuck.id);
    await later(2_000);
    // The create stays unanswered: the coordinator gives up after 100 ms (real time) and the
    // alarm reconciles after that. Answering it before then (as this test once did, racing the
    // timeout) would make the machine ready instead.
    await vi.waitFor(
      async () => {
        await later(0);
        expect(await poolEvents(stuck.id)).toEqual([
          "PoolMachineRequested",
          "PoolMachineFailed",
          "PoolMachineExpired",
          "PoolMachineDeleted",
        ]);
      },
      { timeout: 20_000, interval: 20 },
    );
    expect(fakes.local.machines.has(made.cloudID)).toBe(false);
    // The cloud's late answer changes nothing: the stream is closed.
    release();
    await later(0);
    expect(await poolEvents(stuck.id)).toHaveLength(4);
  });

  it("rebuilds the pool projection from the log exactly as it stands", async () => {
    pooledFleet([{ ...localPool, min: 2, max: 2 }]);
    await readPools();
    await later(0);
    await untilReady(2);
    await createLease();
    await later(600_000); // the unclaimed one expires
    const replay = await api("admin", "POST", "/v1/admin/replay", {});
    expect(replay.status, replay.text).toBe(200);
    expect(replay.body).toMatchObject({ ok: true, differences: [] });
  });
});
