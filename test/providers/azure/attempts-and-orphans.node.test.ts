/**
 * Issue 15, Azure 3 and 4 against the strict ARM fake: the size ladder uses fresh names per
 * attempt (ARM keeps a failed VM's NIC reserved, `NicReservedForAnotherVm`), the lease's delete
 * removes what a failed attempt left, and the inventory finds NICs, public IPs and OS disks
 * whose VM is gone, which the orphan decision deletes only with the lease's proof.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { CrabboxError } from "../../../src/errors";
import { namesForLease } from "../../../src/providers/azure/names";
import { decideOrphans, type LeaseView } from "../../../src/providers/orphans";
import { type RunningFakeArm, startFakeArm } from "../../support/fake-arm";
import { leaseSpec, providerFor } from "./harness";

let arm: RunningFakeArm;
beforeAll(async () => {
  arm = await startFakeArm();
});
afterAll(async () => {
  await arm.close();
});
beforeEach(() => {
  arm.fake.reset();
});

const spotRefusedOnce = () =>
  arm.fake.inject({
    method: "PUT",
    type: "virtualMachine",
    fault: { kind: "asyncFail", code: "AllocationFailed", message: "Spot capacity not available" },
  });

const names = (type: "virtualMachine" | "networkInterface" | "publicIPAddress" | "disk") =>
  arm.fake
    .all(type)
    .map((r) => r.name)
    .sort();

describe("the azure size ladder", () => {
  it("gives every attempt fresh VM, NIC and IP names, so a NIC ARM still reserves does not stop it", async () => {
    const spec = leaseSpec();
    const base = namesForLease(spec.leaseID, spec.slug);
    spotRefusedOnce();
    const machine = await providerFor(arm).create(spec);
    expect(machine.cloudID).toBe(`${base.vm}-a2`);
    expect(machine.attempts).toEqual([expect.objectContaining({ category: "spot_refused", market: "spot" })]);
    const vmPuts = arm.fake.requestsTo("PUT", "virtualMachine").map((r) => r.name);
    expect(vmPuts).toEqual([base.vm, `${base.vm}-a2`]);
    const nicOf = (vm: string) =>
      arm.fake.sent("virtualMachine", vm).properties.networkProfile.networkInterfaces[0].id as string;
    expect(nicOf(`${base.vm}-a2`)).toMatch(new RegExp(`/${base.vm}-a2-nic$`));
    // The failed attempt's VM is gone; what ARM still held is deleted with the lease.
    expect(names("virtualMachine")).toEqual([`${base.vm}-a2`]);
    await providerFor(arm).delete({ cloudID: machine.cloudID, leaseID: spec.leaseID });
    for (const type of ["virtualMachine", "networkInterface", "publicIPAddress", "disk"] as const) {
      expect(names(type), type).toEqual([]);
    }
  });

  it("moves on when ARM answers NicReservedForAnotherVm, and cleans up once the reservation ends", async () => {
    const spec = leaseSpec({ leaseID: "cbx_0123456789ac" });
    arm.fake.inject({
      method: "PUT",
      type: "virtualMachine",
      fault: {
        kind: "error",
        status: 400,
        code: "NicReservedForAnotherVm",
        message: "Nic(s) in request is reserved for another Virtual Machine for 180 seconds.",
      },
    });
    const machine = await providerFor(arm).create(spec);
    expect(machine.attempts).toEqual([
      expect.objectContaining({ category: "provider", message: expect.stringContaining("NicReserved") }),
    ]);
    await providerFor(arm).delete({ cloudID: machine.cloudID, leaseID: spec.leaseID });
    expect(names("networkInterface")).toEqual([]);
  });

  it("leaves nothing behind when every attempt fails while ARM reserves the NICs", async () => {
    arm.fake.inject({
      method: "PUT",
      type: "virtualMachine",
      times: Number.POSITIVE_INFINITY,
      fault: { kind: "asyncFail", code: "ZonalAllocationFailed" },
    });
    const spec = leaseSpec({
      leaseID: "cbx_0123456789ad",
      serverType: "Standard_F16s_v2",
      serverTypeExplicit: true,
    });
    const error = (await providerFor(arm)
      .create(spec)
      .catch((e: unknown) => e)) as CrabboxError;
    expect(error.code).toBe("capacity_unavailable");
    for (const type of ["virtualMachine", "networkInterface", "publicIPAddress", "disk"] as const) {
      expect(names(type), type).toEqual([]);
    }
  });
});

describe("the azure orphan inventory", () => {
  it("lists a NIC, public IP and OS disk whose VM is gone, and deletes each only with the lease's proof", async () => {
    const provider = providerFor(arm);
    const spec = leaseSpec({ leaseID: "cbx_0123456789ae" });
    const stranger = leaseSpec({ leaseID: "cbx_0123456789af" });
    const machine = await provider.create(spec);
    const other = await provider.create(stranger);
    // A crash took the VMs and left their companions (the OS disks now detached).
    arm.fake.drop("virtualMachine", machine.cloudID);
    arm.fake.drop("virtualMachine", other.cloudID);

    const listed = await provider.list();
    const companions = listed.filter((m) => m.labels.lease === spec.leaseID);
    expect(companions.map((m) => [m.kind, m.cloudID, m.ownerCloudID]).sort()).toEqual([
      ["nic", `nic/${machine.cloudID}-nic`, machine.cloudID],
      ["os_disk", `os_disk/${machine.cloudID}-osdisk`, machine.cloudID],
      ["public_ip", `public_ip/${machine.cloudID}-pip`, machine.cloudID],
    ]);
    expect(await provider.findByLease(spec.leaseID)).toEqual([]);

    // The log: this lease's stream names its VM and records its deletion; the stranger's
    // lease is unknown to the log, so its leftovers are reported, never deleted.
    const view: LeaseView = (leaseID) =>
      leaseID === spec.leaseID
        ? { leaseID, state: "ended", provider: "azure", cloudIDs: [machine.cloudID], machineDeleted: true }
        : undefined;
    const first = decideOrphans(
      { provider: "azure", takenAt: 0, complete: true, machines: listed },
      view,
      undefined,
      0,
      1000,
    );
    const second = decideOrphans(
      { provider: "azure", takenAt: 2000, complete: true, machines: await provider.list() },
      view,
      first.snapshot,
      2000,
      1000,
    );
    expect(second.detections).toHaveLength(6);
    expect(second.deletions.map((d) => d.cloudID).sort()).toEqual(companions.map((c) => c.cloudID).sort());
    for (const doomed of second.deletions) {
      expect(doomed.proof).toEqual({ stream: `lease:${spec.leaseID}`, cloudID: machine.cloudID });
      expect(await provider.delete({ cloudID: doomed.cloudID, leaseID: doomed.leaseID })).toBe("deleted");
    }
    const left = await provider.list();
    expect(left.map((m) => m.labels.lease)).toEqual(Array(3).fill(stranger.leaseID));
  });

  it("refuses to delete a companion whose tag names another lease", async () => {
    const provider = providerFor(arm);
    const spec = leaseSpec({ leaseID: "cbx_0123456789b0" });
    const machine = await provider.create(spec);
    arm.fake.drop("virtualMachine", machine.cloudID);
    const error = (await provider
      .delete({ cloudID: `nic/${machine.cloudID}-nic`, leaseID: "cbx_0123456789b1" })
      .catch((e: unknown) => e)) as CrabboxError;
    expect(error.code).toBe("forbidden");
    expect(names("networkInterface")).toEqual([`${machine.cloudID}-nic`]);
  });
});
