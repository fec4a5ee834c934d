import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { leaseDecider, leaseStream } from "../../../src/events/lease-decider";
import type { FleetDurableObject } from "../../../src/worker/fleet";
import {
  abandonedCreate,
  api,
  createLease,
  fleetStub,
  freshFleet,
  lateMachineTrail,
  later,
  leaseEventTypes,
  leaseRequest,
  uniqueLeaseId,
  uniqueOwner,
} from "../../support/fleet-api";

let fakes: ReturnType<typeof freshFleet>;
beforeEach(() => {
  fakes = freshFleet();
});

async function abandoned(): Promise<{ who: { owner: string; org: string }; leaseID: string }> {
  const created = await abandonedCreate();
  fakes = created.fakes;
  return created;
}

describe("the alarm", () => {
  it("is armed at the earliest expiry", async () => {
    const who = uniqueOwner();
    const created = await createLease(who, { ttlSeconds: 600, idleTimeoutSeconds: 60 });
    const armed = await runInDurableObject(fleetStub(), (_instance, state) => state.storage.getAlarm());
    expect(armed).not.toBeNull();
    expect(armed as number).toBeLessThanOrEqual(Date.parse(created.expiresAt));
  });

  it("expires an idle lease and deletes its machine; running it twice changes nothing more", async () => {
    const who = uniqueOwner();
    const created = await createLease(who, { ttlSeconds: 3600, idleTimeoutSeconds: 60, keep: true });
    await later(30_000);
    expect((await api(who, "GET", `/v1/leases/${created.id}`)).body.lease.state).toBe("active");
    await later(31_000);
    const expired = (await api(who, "GET", `/v1/leases/${created.id}`)).body.lease;
    // keep only protects against release: expiry always cleans up.
    expect(expired).toMatchObject({ state: "expired", machineState: "deleted" });
    expect(fakes.local.machineForLease(created.id)).toBeUndefined();
    const before = await leaseEventTypes(who, created.id);
    expect(before).toEqual([
      "LeaseRequested",
      "MachineProvisioned",
      "Expired",
      "MachineDeleteRequested",
      "MachineDeleted",
    ]);

    await later(60_000);
    await runInDurableObject(fleetStub(), (instance: { scheduler: { run(): Promise<void> } }) =>
      instance.scheduler.run(),
    );
    expect(await leaseEventTypes(who, created.id)).toEqual(before);
    expect(fakes.local.count("delete", created.id)).toBe(1);
    const after = (await api(who, "GET", `/v1/leases/${created.id}`)).body.lease;
    expect(after.endedAt).toBe(expired.endedAt);
  });

  it("deletes the machine kept by a keep lease's release at the lease's TTL end, with the trail in the log", async () => {
    const who = uniqueOwner();
    const created = await createLease(who, { ttlSeconds: 600, idleTimeoutSeconds: 300, keep: true });
    const released = await api(who, "POST", `/v1/leases/${created.id}/release`, {});
    expect(released.body.lease).toMatchObject({ state: "released", machineState: "kept" });
    await later(300_000);
    expect(fakes.local.machineForLease(created.id)).toBeDefined();
    await later(301_000);
    expect((await api(who, "GET", `/v1/leases/${created.id}`)).body.lease.machineState).toBe("deleted");
    expect(fakes.local.machineForLease(created.id)).toBeUndefined();
    expect(await leaseEventTypes(who, created.id)).toEqual([
      "LeaseRequested",
      "MachineProvisioned",
      "Released",
      "MachineDeleteRequested",
      "MachineDeleted",
    ]);
  });

  it("expires at the TTL even when heartbeats keep coming", async () => {
    const who = uniqueOwner();
    const created = await createLease(who, { ttlSeconds: 100, idleTimeoutSeconds: 60 });
    await later(50_000);
    expect((await api(who, "POST", `/v1/leases/${created.id}/heartbeat`, {})).status).toBe(200);
    await later(51_000);
    expect((await api(who, "GET", `/v1/leases/${created.id}`)).body.lease.state).toBe("expired");
    const refused = await api(who, "POST", `/v1/leases/${created.id}/heartbeat`, {});
    expect(refused.status).toBe(409);
  });

  it("reconciles a lease stuck in provisioning after a restart by adopting the machine the provider made", async () => {
    // The create's outcome never arrives, then the coordinator restarts: nothing about the
    // lease may live only in memory.
    const { who, leaseID } = await abandoned();
    await evictDurableObject(fleetStub());
    // …but the cloud did make the machine.
    const machine = fakes.local.plant(leaseID, { host: "10.0.0.7" });
    // What only a (repeated, adopting) create can tell: the machine's own SSH port.
    fakes.local.sshPortFor.set(leaseID, 40022);
    await later(61_000);
    const adopted = (await api(who, "GET", `/v1/leases/${leaseID}`)).body.lease;
    expect(adopted).toMatchObject({
      state: "active",
      cloudID: machine.cloudID,
      host: "10.0.0.7",
      machineState: "present",
    });
    expect(await leaseEventTypes(who, leaseID)).toEqual(["LeaseRequested", "MachineAdopted"]);
    expect(fakes.local.count("findByLease", leaseID)).toBe(1);
  });

  it("reconciles the creates a restart cut off on the first alarm after start, long before their deadline", async () => {
    // A provisioning deadline an hour away: only the restart can explain a prompt reconcile.
    const adoptedOne = await abandonedCreate({ CRABBOX_RECONCILE_GRACE_MS: "3600000" });
    fakes = adoptedOne.fakes;
    const failedOne = await abandonedCreate({ CRABBOX_RECONCILE_GRACE_MS: "3600000" });
    fakes = failedOne.fakes;
    const machine = fakes.local.plant(adoptedOne.leaseID, { host: "10.0.0.8" });
    await evictDurableObject(fleetStub());
    // The first request after the restart arms the alarm; nothing else is needed.
    expect((await api(adoptedOne.who, "GET", `/v1/leases/${adoptedOne.leaseID}`)).body.lease.state).toBe(
      "provisioning",
    );
    const armed = await runInDurableObject(fleetStub(), (_instance, state) => state.storage.getAlarm());
    expect(armed).not.toBeNull();
    expect(armed as number).toBeLessThan(Date.now() + 30_000);
    await later(1_000);
    expect((await api(adoptedOne.who, "GET", `/v1/leases/${adoptedOne.leaseID}`)).body.lease).toMatchObject({
      state: "active",
      cloudID: machine.cloudID,
      machineState: "present",
    });
    expect((await api(failedOne.who, "GET", `/v1/leases/${failedOne.leaseID}`)).body.lease).toMatchObject({
      state: "failed",
      machineState: "none",
    });
  });

  it("fails a lease stuck in provisioning when the provider has no machine for it", async () => {
    const { who, leaseID } = await abandoned();
    await evictDurableObject(fleetStub());
    await later(61_000);
    const failed = (await api(who, "GET", `/v1/leases/${leaseID}`)).body.lease;
    expect(failed).toMatchObject({ state: "failed", machineState: "none" });
    expect(failed.failureMessage).toMatch(/did not provision a machine before the deadline/);
    const retry = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    expect(retry.status).toBe(504);
  });

  it("deletes the late machine of a lease released while it was still provisioning", async () => {
    fakes = freshFleet({ CRABBOX_PROVISION_WAIT_MS: "20" });
    const release = fakes.local.hold("create");
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    expect((await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }))).status).toBe(202);
    const released = await api(who, "POST", `/v1/leases/${leaseID}/release`, {});
    expect(released.body.lease).toMatchObject({ state: "released", machineState: "none" });
    release();
    // Wait on the state, not on a guessed delay: a busy machine may take a while.
    await vi.waitFor(
      async () => {
        const got = (await api(who, "GET", `/v1/leases/${leaseID}`)).body.lease;
        expect(got).toMatchObject({ state: "released", machineState: "deleted" });
      },
      { timeout: 30_000, interval: 10 },
    );
    expect(fakes.local.machineForLease(leaseID)).toBeUndefined();
    expect(await leaseEventTypes(who, leaseID)).toEqual([
      "LeaseRequested",
      "Released",
      "MachineProvisioned",
      "MachineDeleteRequested",
      "MachineDeleted",
    ]);
  });

  it("deletes a machine that appears only after its lease ended while provisioning", async () => {
    const { who, leaseID } = await abandoned();
    const released = await api(who, "POST", `/v1/leases/${leaseID}/release`, {});
    expect(released.body.lease).toMatchObject({ state: "released", machineState: "none" });
    fakes.local.plant(leaseID); // the cloud finished the abandoned create after all
    await later(2_000);
    expect(fakes.local.machineForLease(leaseID)).toBeUndefined();
    expect(await leaseEventTypes(who, leaseID)).toEqual(lateMachineTrail);
    // The check happens once: later alarms do not ask the provider again.
    const lookups = fakes.local.count("findByLease", leaseID);
    await later(2_000);
    expect(fakes.local.count("findByLease", leaseID)).toBe(lookups);
  });

  it("retries a delete request that a restart left unanswered", async () => {
    const who = uniqueOwner();
    const created = await createLease(who);
    // A crash right after the intent was recorded: Released + MachineDeleteRequested, no outcome.
    await runInDurableObject(fleetStub(), (instance: FleetDurableObject) => {
      instance.store.execute({
        stream: leaseStream(created.id),
        decider: leaseDecider,
        command: { type: "Release", releasedBy: who.owner },
        now: Date.now(),
        meta: { actor: { kind: "shared", owner: who.owner, org: who.org } },
      });
    });
    await evictDurableObject(fleetStub());
    expect(fakes.local.machineForLease(created.id)).toBeDefined();
    await later(5 * 60_000);
    const got = (await api(who, "GET", `/v1/leases/${created.id}`)).body.lease;
    expect(got.machineState).toBe("deleted");
    expect(fakes.local.count("delete", created.id)).toBe(1);
    expect(fakes.local.machineForLease(created.id)).toBeUndefined();
  });
});
