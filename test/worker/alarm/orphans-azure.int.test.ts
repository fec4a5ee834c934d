/**
 * The orphan sweep with the real Azure provider (real ARM SDK clients, in workerd) against
 * the in-process ARM fake: a NIC, public IP and OS disk left without their VM get the same
 * trail as a machine — `OrphanDetected` after two inventories a grace period apart, then
 * `OrphanDeleted` — when the lease's stream names the VM they were made for.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { AzureProvider } from "../../../src/providers/azure";
import { FakeArm } from "../../support/fake-arm-core";
import { azureOnFakeArm, fakeArmFetch, fakeArmHost } from "../../support/fake-arm-in-process";
import {
  api,
  later,
  minuteOrphanSweep,
  releaseAndExpectDeleted,
  restoreFleetProviders,
  sshPublicKey,
  uniqueLeaseId,
  uniqueOwner,
  useRealProviders,
} from "../../support/fleet-api";

const realFetch = globalThis.fetch;
let fake: FakeArm;

beforeEach(() => {
  fake = new FakeArm();
  fake.baseUrl = fakeArmHost;
  globalThis.fetch = fakeArmFetch(fake, realFetch);
});
afterEach(() => {
  globalThis.fetch = realFetch;
  restoreFleetProviders();
});

function provider(): AzureProvider {
  return azureOnFakeArm(fake, { deleteAttempts: 4 });
}

describe("the orphan sweep on azure", () => {
  it("deletes a NIC, public IP and OS disk left without their VM, with the same trail as a VM", async () => {
    useRealProviders({ azure: provider() }, minuteOrphanSweep);
    const who = uniqueOwner("azure");
    const leaseID = uniqueLeaseId();
    const created = await api(who, "POST", "/v1/leases", {
      provider: "azure",
      leaseID,
      sshPublicKey,
      ttlSeconds: 3600,
      idleTimeoutSeconds: 600,
    });
    expect(created.status, created.text).toBe(201);
    const vm = created.body.lease.cloudID as string;
    // Keep the companions: a clean-up that "finished" while ARM silently kept them.
    const kept = fake
      .all()
      .filter((r) => ["networkInterface", "publicIPAddress", "disk"].includes(r.type))
      .map((r) => ({ type: r.type, id: r.id, body: structuredClone(r.body) }));
    expect(kept.map((r) => r.type).sort()).toEqual(["disk", "networkInterface", "publicIPAddress"]);
    await releaseAndExpectDeleted(who, leaseID);
    for (const r of kept) {
      if (r.body.properties?.virtualMachine) delete r.body.properties.virtualMachine;
      if (r.body.managedBy) delete r.body.managedBy;
      fake.seed(r.type, r.id, r.body);
    }

    await later(61_000); // first sighting
    await later(61_000); // seen again a grace period later: orphans, deleted with proof
    const events = (await api("admin", "GET", "/v1/admin/events?stream=fleet")).body.events as Array<{
      type: string;
      data: { cloudID: string; leaseID?: string };
    }>;
    const mine = events.filter((e) => e.data.cloudID.includes(vm));
    const expected = [`nic/${vm}-nic`, `public_ip/${vm}-pip`, `os_disk/${vm}-osdisk`].sort();
    expect(
      mine
        .filter((e) => e.type === "OrphanDetected")
        .map((e) => e.data.cloudID)
        .sort(),
    ).toEqual(expected);
    expect(
      mine
        .filter((e) => e.type === "OrphanDeleted")
        .map((e) => e.data.cloudID)
        .sort(),
    ).toEqual(expected);
    expect(fake.all().filter((r) => r.body?.tags?.lease === leaseID || r.name.startsWith(vm))).toEqual([]);
  });
});
