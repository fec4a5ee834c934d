import { beforeEach, describe, expect, it } from "vitest";
import {
  abandonedCreate,
  api,
  freshFleet,
  lateMachineTrail,
  later,
  leaseEventTypes,
  leaseRequest,
  minuteOrphanSweep,
  uniqueLeaseId,
  uniqueOwner,
} from "../../support/fleet-api";

let fakes: ReturnType<typeof freshFleet>;
beforeEach(() => {
  fakes = freshFleet(minuteOrphanSweep);
});

describe("the orphan sweep", () => {
  it("reports labelled machines no live lease owns, and deletes only those the log proves it created", async () => {
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    const created = (await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }))).body.lease;
    await api(who, "POST", `/v1/leases/${leaseID}/release`, {});
    // The cloud still shows the deleted machine (it lied, or came back), plus two strangers.
    fakes.local.plant(leaseID, { cloudID: created.cloudID });
    const unknown = fakes.local.plant("cbx_0123456789ab");
    const unlabelled = fakes.local.plant("not-a-lease");
    const live = (await api(who, "POST", "/v1/leases", leaseRequest({ leaseID: uniqueLeaseId() }))).body
      .lease;

    await later(61_000); // first sighting
    expect(fakes.local.machines.has(created.cloudID)).toBe(true);
    await later(61_000); // seen again a grace period later: orphans
    await later(61_000); // a further sweep detects nothing twice

    const events = (await api("admin", "GET", "/v1/admin/events?stream=fleet")).body.events;
    const detected = events
      .filter((e: { type: string }) => e.type === "OrphanDetected")
      .map((e: { data: { cloudID: string } }) => e.data.cloudID);
    expect(detected.sort()).toEqual([created.cloudID, unknown.cloudID, unlabelled.cloudID].sort());
    const deleted = events.filter((e: { type: string }) => e.type === "OrphanDeleted");
    expect(deleted.map((e: { data: { cloudID: string } }) => e.data.cloudID)).toEqual([created.cloudID]);
    expect(fakes.local.machines.has(created.cloudID)).toBe(false);
    // Without proof nothing is deleted; a live lease's machine is never an orphan.
    expect(fakes.local.machines.has(unknown.cloudID)).toBe(true);
    expect(fakes.local.machines.has(unlabelled.cloudID)).toBe(true);
    expect(fakes.local.machines.has(live.cloudID)).toBe(true);
    expect(detected).not.toContain(live.cloudID);
  });
});

describe("the orphan sweep and late machines", () => {
  it("adopts and deletes a machine that appears for an ended lease after its late-machine check", async () => {
    const abandoned = await abandonedCreate({ CRABBOX_ORPHAN_SWEEP_INTERVAL_MS: "3600000" });
    fakes = abandoned.fakes;
    const { who, leaseID } = abandoned;
    expect((await api(who, "POST", `/v1/leases/${leaseID}/release`, {})).body.lease).toMatchObject({
      state: "released",
      machineState: "none",
    });
    await later(2_000); // the late-machine check at the provisioning deadline finds nothing
    expect(fakes.local.count("findByLease", leaseID)).toBeGreaterThan(0);

    const checked = (await api(who, "GET", `/v1/leases/${leaseID}`)).body.lease;
    expect(checked.machineState).toBe("none");

    fakes.local.plant(leaseID); // the cloud shows a machine for it only now
    await later(61 * 60_000); // the hourly sweep sees it, and takes the lease's own proof path
    expect(fakes.local.machineForLease(leaseID)).toBeUndefined();
    expect(await leaseEventTypes(who, leaseID)).toEqual(lateMachineTrail);
  });
});
