import { beforeEach, describe, expect, it } from "vitest";
import { api, later, leaseEventTypes, sshPublicKey } from "../../support/fleet-api";
import {
  createLease,
  drainPools,
  localPool,
  poolEvents,
  pooledFleet,
  readPools,
  untilReady,
} from "./support";

/** Configures the pool, lets the alarm fill it, and waits for its machines to be ready. */
async function filledPool(
  pools: unknown[] = [localPool],
  ready = 1,
  overrides: Record<string, unknown> = {},
) {
  const fakes = pooledFleet(pools, overrides);
  await readPools();
  await later(0);
  await untilReady(ready);
  return fakes;
}

beforeEach(drainPools);

describe("ready pools", () => {
  it("fills a configured pool to min, logging the intent before the create and readiness after", async () => {
    const fakes = await filledPool([{ ...localPool, min: 2, max: 3 }], 2);
    const [pool] = await readPools();
    expect(pool).toMatchObject({ provider: "local", class: "beast", region: "", min: 2, max: 3, ready: 2 });
    expect(fakes.local.count("create")).toBe(2);
    for (const m of pool.machines) {
      expect(await poolEvents(m.id)).toEqual(["PoolMachineRequested", "PoolMachineReady"]);
      // Created with a throw-away key: not the key of anyone who will lease it.
      expect(fakes.local.keys.get(m.cloudID)).toMatch(/^ssh-ed25519 \S+ crabbox-pool$/);
    }
    // Filled is filled: another alarm run creates nothing more.
    await later(0);
    expect(fakes.local.count("create")).toBe(2);
  });

  it("claims a ready machine at create: one event in each stream, the lease's key installed, no new create", async () => {
    const fakes = await filledPool();
    const [before] = await readPools();
    const machine = before.machines[0];
    const { leaseID, res } = await createLease();
    expect(res.status, res.text).toBe(201);
    expect(res.body.lease).toMatchObject({ id: leaseID, state: "active", cloudID: machine.cloudID });
    expect(await leaseEventTypes("admin", leaseID)).toEqual(["LeaseRequested", "MachineClaimedFromPool"]);
    expect(await poolEvents(machine.id)).toEqual([
      "PoolMachineRequested",
      "PoolMachineReady",
      "PoolMachineClaimed",
    ]);
    const claimed = await api(
      "admin",
      "GET",
      `/v1/admin/events?stream=pool:${machine.id}&type=PoolMachineClaimed`,
    );
    expect(claimed.body.events[0].data).toMatchObject({ leaseID, cloudID: machine.cloudID });
    expect(fakes.local.keys.get(machine.cloudID)).toBe(sshPublicKey);
    expect(fakes.local.count("create", leaseID)).toBe(0);
  });

  it("deletes a claimed machine when its lease ends and never returns it to the pool", async () => {
    const fakes = await filledPool();
    const { who, leaseID, res } = await createLease();
    const cloudID = res.body.lease.cloudID;
    const released = await api(who, "POST", `/v1/leases/${leaseID}/release`, {});
    expect(released.body.lease).toMatchObject({ state: "released", machineState: "deleted" });
    expect(fakes.local.machines.has(cloudID)).toBe(false);
    // The alarm refills the pool with a new machine, not the released one.
    await later(0);
    await untilReady(1);
    const [pool] = await readPools();
    expect(pool.machines.map((m: { cloudID: string }) => m.cloudID)).not.toContain(cloudID);
  });

  it("answers a retried create with the same lease and never claims twice", async () => {
    await filledPool([{ ...localPool, min: 2, max: 2 }], 2);
    const { who, leaseID, res } = await createLease();
    const retry = await api(who, "POST", "/v1/leases", {
      provider: "local",
      sshPublicKey,
      ttlSeconds: 3600,
      idleTimeoutSeconds: 600,
      leaseID,
    });
    expect(retry.status, retry.text).toBe(200);
    expect(retry.body.lease.cloudID).toBe(res.body.lease.cloudID);
    const [pool] = await readPools();
    expect(pool.ready).toBe(1);
  });

  it("gives the last ready machine to one of two concurrent creates and a fresh machine to the other", async () => {
    const fakes = await filledPool();
    const [a, b] = await Promise.all([createLease(), createLease()]);
    expect(a.res.status, a.res.text).toBe(201);
    expect(b.res.status, b.res.text).toBe(201);
    const trails = [await leaseEventTypes("admin", a.leaseID), await leaseEventTypes("admin", b.leaseID)];
    expect(trails.map((t) => t[1]).sort()).toEqual(["MachineClaimedFromPool", "MachineProvisioned"]);
    expect(a.res.body.lease.cloudID).not.toBe(b.res.body.lease.cloudID);
    expect(fakes.local.count("create", a.leaseID) + fakes.local.count("create", b.leaseID)).toBe(1);
  });

  it("creates afresh when the request asks for something pool machines are not", async () => {
    const fakes = await filledPool();
    const { leaseID, res } = await createLease({ desktop: true });
    expect(res.status, res.text).toBe(201);
    expect(await leaseEventTypes("admin", leaseID)).toContain("MachineProvisioned");
    expect(fakes.local.count("create", leaseID)).toBe(1);
    expect((await readPools())[0].ready).toBe(1);
  });

  it("expires a machine left unclaimed past its ready age, deletes it and replaces it", async () => {
    const fakes = await filledPool();
    const [pool] = await readPools();
    const old = pool.machines[0];
    await later(600_000);
    expect(await poolEvents(old.id)).toEqual([
      "PoolMachineRequested",
      "PoolMachineReady",
      "PoolMachineExpired",
      "PoolMachineDeleted",
    ]);
    expect(fakes.local.machines.has(old.cloudID)).toBe(false);
    await untilReady(1);
    expect((await readPools())[0].machines[0].id).not.toBe(old.id);
  });

  it("counts ready pool machines in the fleet's live cap", async () => {
    await filledPool([localPool], 1, { CRABBOX_MAX_ACTIVE_LEASES: "1" });
    // The one ready machine holds the fleet's only slot, so a create is refused before any claim.
    const { res } = await createLease();
    expect(res.status, res.text).toBe(429);
    expect(res.body.error).toBe("cost_limit_exceeded");
  });

  it("reports a malformed CRABBOX_POOLS in GET /v1/pool and keeps serving leases", async () => {
    pooledFleet([{ provider: "aws", class: "beast", min: 1, max: 1 }]);
    const res = await api("admin", "GET", "/v1/pool");
    expect(res.body.pools).toEqual([]);
    expect(res.body.poolConfigError).toMatch(/^CRABBOX_POOLS\.0\.provider: .*only local, hetzner, azure/);
    expect((await createLease()).res.status).toBe(201);
  });
});
