import { evictDurableObject } from "cloudflare:test";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { poolTestFaults } from "../../../src/worker/fleet/pools/take-claimed";
import {
  api,
  fleetStub,
  later,
  leaseEventTypes,
  leaseRequest,
  sshPublicKey,
  uniqueLeaseId,
  uniqueOwner,
} from "../../support/fleet-api";
import { drainPools, localPool, poolEvents, pooledFleet, readPools, untilReady } from "./support";

async function filledPool(min: number) {
  const fakes = pooledFleet([{ ...localPool, min, max: min }]);
  await readPools();
  await later(0);
  await untilReady(min);
  const [pool] = await readPools();
  return { fakes, machines: pool.machines as Array<{ id: string; cloudID: string }> };
}

beforeEach(drainPools);
afterEach(() => {
  poolTestFaults.afterClaim = undefined;
});

describe("a claimed pool machine that cannot be handed over", () => {
  it("is deleted and replaced by the next ready machine, and the create still answers 201", async () => {
    const { fakes, machines } = await filledPool(2);
    fakes.local.failNext("authorizeKey");
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    const res = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    expect(res.status, res.text).toBe(201);
    const [broken, next] = machines as [{ id: string; cloudID: string }, { id: string; cloudID: string }];
    expect(res.body.lease).toMatchObject({ state: "active", cloudID: next.cloudID });
    expect(await leaseEventTypes(who, leaseID)).toEqual(["LeaseRequested", "MachineClaimedFromPool"]);
    expect(fakes.local.keys.get(next.cloudID)).toBe(sshPublicKey);
    expect(fakes.local.count("create", leaseID)).toBe(0);
    // The broken one is recorded and deleted by the alarm, never handed to anyone.
    expect(await poolEvents(broken.id)).toEqual([
      "PoolMachineRequested",
      "PoolMachineReady",
      "PoolMachineClaimed",
      "PoolMachineExpired",
    ]);
    await later(0);
    expect((await poolEvents(broken.id)).at(-1)).toBe("PoolMachineDeleted");
    expect(fakes.local.machines.has(broken.cloudID)).toBe(false);
    expect(fakes.local.keys.get(broken.cloudID)).not.toBe(sshPublicKey);
  });

  it("falls back to a fresh create when no other machine is ready", async () => {
    const { fakes, machines } = await filledPool(1);
    fakes.local.failNext("authorizeKey");
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    const res = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    expect(res.status, res.text).toBe(201);
    expect(res.body.lease.state).toBe("active");
    expect(res.body.lease.cloudID).not.toBe(machines[0]?.cloudID);
    expect(fakes.local.count("create", leaseID)).toBe(1);
    expect(await leaseEventTypes(who, leaseID)).toEqual(["LeaseRequested", "MachineProvisioned"]);
    expect((await poolEvents(machines[0]?.id as string)).at(-1)).toBe("PoolMachineExpired");
  });
});

describe("a crash between the claim and the answer", () => {
  it("is answered on retry with the same lease on the same machine, handed to the lease's key", async () => {
    const { fakes, machines } = await filledPool(1);
    const [machine] = machines as [{ id: string; cloudID: string }];
    poolTestFaults.afterClaim = () => {
      throw new Error("the coordinator died after the claim committed");
    };
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    const body = leaseRequest({ leaseID });
    const first = await api(who, "POST", "/v1/leases", body);
    expect(first.status).toBeGreaterThanOrEqual(500);
    poolTestFaults.afterClaim = undefined;
    await evictDurableObject(fleetStub()); // everything in memory is gone; the log stays
    expect(await poolEvents(machine.id)).toEqual([
      "PoolMachineRequested",
      "PoolMachineReady",
      "PoolMachineClaimed",
    ]);
    expect(fakes.local.keys.get(machine.cloudID)).not.toBe(sshPublicKey);

    const retried = await api(who, "POST", "/v1/leases", body);
    expect(retried.status, retried.text).toBe(200);
    expect(retried.body.lease).toMatchObject({ id: leaseID, state: "active", cloudID: machine.cloudID });
    expect(fakes.local.keys.get(machine.cloudID)).toBe(sshPublicKey);
    expect(await leaseEventTypes(who, leaseID)).toEqual(["LeaseRequested", "MachineClaimedFromPool"]);
    expect(fakes.local.count("create", leaseID)).toBe(0);
    // And once more: nothing new is claimed or recorded.
    const third = await api(who, "POST", "/v1/leases", body);
    expect(third.body.lease.cloudID).toBe(machine.cloudID);
    expect(await poolEvents(machine.id)).toHaveLength(3);
  });

  it("without a retry, expires and deletes the claimed machine once the lease ends without it", async () => {
    const { fakes, machines } = await filledPool(1);
    const [machine] = machines as [{ id: string; cloudID: string }];
    poolTestFaults.afterClaim = () => {
      throw new Error("the coordinator died after the claim committed");
    };
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    poolTestFaults.afterClaim = undefined;
    await evictDurableObject(fleetStub());
    const released = await api(who, "POST", `/v1/leases/${leaseID}/release`, {});
    expect(released.status, released.text).toBe(200);
    await later(0);
    expect(await poolEvents(machine.id)).toEqual([
      "PoolMachineRequested",
      "PoolMachineReady",
      "PoolMachineClaimed",
      "PoolMachineExpired",
      "PoolMachineDeleted",
    ]);
    expect(fakes.local.machines.has(machine.cloudID)).toBe(false);
  });
});
