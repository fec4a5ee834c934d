import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type RunningFakeArm, startFakeArm } from "../../support/fake-arm";
import { leaseSpec, leaseResourceTypes as leaseTypes, providerFor } from "./harness";

/**
 * The provider against the ARM fake's stricter behaviours (each cited in
 * test/support/fake-arm-core.ts): operations that stay InProgress with Retry-After, throttled
 * polls, deletes that fail inside the operation, 204/404 on resources that vanished, paged
 * lists and reads that never echo secrets.
 */
let arm: RunningFakeArm;
beforeEach(async () => {
  arm = await startFakeArm();
});
afterEach(async () => {
  await arm.close();
});

describe("azure against an ARM fake as strict as ARM", () => {
  it("waits out a VM create that stays InProgress for several polls, honouring Retry-After, with one PUT", async () => {
    arm.fake.inject({
      method: "PUT",
      type: "virtualMachine",
      fault: { kind: "slowOperation", polls: 3, retryAfterSeconds: 1 },
    });
    const machine = await providerFor(arm).create(leaseSpec());
    expect(machine.cloudID).toMatch(/^crabbox-/);
    expect(arm.fake.requestsTo("PUT", "virtualMachine")).toHaveLength(1);
    const [put] = arm.fake.requestsTo("PUT", "virtualMachine");
    const polls = arm.fake.requests.filter((r) => r.type === "operation" && r.at >= put!.at);
    const vmPolls = polls.filter((p) => p.name === polls[0]!.name);
    expect(vmPolls.length).toBeGreaterThanOrEqual(3);
    // Retry-After: 1 is honoured between polls of the same operation (no busy polling)
    for (let i = 1; i < 3; i++) expect(vmPolls[i]!.at - vmPolls[i - 1]!.at).toBeGreaterThanOrEqual(900);
  });

  it("rides out 429 on operation polls without repeating the create", async () => {
    arm.fake.inject({
      type: "operation",
      times: 3,
      fault: { kind: "error", status: 429, code: "TooManyRequests", retryAfterSeconds: 0 },
    });
    await providerFor(arm).create(leaseSpec());
    expect(arm.fake.requestsTo("PUT", "virtualMachine")).toHaveLength(1);
    expect(arm.fake.requestsTo("PUT", "publicIPAddress")).toHaveLength(1);
    expect(arm.fake.all("virtualMachine")).toHaveLength(1);
  });

  it("retries a delete whose operation fails asynchronously, and finishes", async () => {
    const provider = providerFor(arm);
    const spec = leaseSpec();
    const machine = await provider.create(spec);
    arm.fake.inject({
      method: "DELETE",
      type: "networkInterface",
      fault: { kind: "asyncFail", code: "InternalServerError", message: "An error occurred." },
    });
    await expect(provider.delete({ cloudID: machine.cloudID, leaseID: spec.leaseID })).resolves.toBe(
      "deleted",
    );
    expect(arm.fake.requestsTo("DELETE", "networkInterface")).toHaveLength(2);
    for (const type of leaseTypes) expect(arm.fake.all(type), type).toEqual([]);
  });

  it("counts a resource that vanished between its GET and its DELETE as gone, whether ARM answers 204 or 404", async () => {
    const provider = providerFor(arm);
    const spec = leaseSpec();
    const machine = await provider.create(spec);
    // 204: someone else deleted the public IP just after we read it
    arm.fake.inject({
      method: "DELETE",
      type: "publicIPAddress",
      // a hook, not a fault: it removes the IP as the DELETE arrives and never matches
      when: () => {
        arm.fake.drop("publicIPAddress", `${machine.cloudID}-pip`);
        return false;
      },
      fault: { kind: "hang" },
    });
    // 404: the disk's DELETE answers not found although the GET had found it
    arm.fake.inject({
      method: "DELETE",
      type: "disk",
      fault: { kind: "error", status: 404, code: "ResourceNotFound" },
    });
    await expect(provider.delete({ cloudID: machine.cloudID, leaseID: spec.leaseID })).resolves.toBe(
      "deleted",
    );
    expect(arm.fake.all("virtualMachine")).toEqual([]);
    expect(arm.fake.all("networkInterface")).toEqual([]);
  });

  it("lists every crabbox VM across nextLink pages", async () => {
    const provider = providerFor(arm);
    const ids = [
      "cbx_00000000a001",
      "cbx_00000000a002",
      "cbx_00000000a003",
      "cbx_00000000a004",
      "cbx_00000000a005",
    ];
    for (const leaseID of ids) await provider.create(leaseSpec({ leaseID }));
    const before = arm.fake.requests.length;
    const listed = await provider.list();
    expect(listed.map((m) => m.labels.lease).sort()).toEqual(ids);
    const pages = arm.fake.requests
      .slice(before)
      .filter((r) => r.method === "GET" && r.type === "virtualMachine" && !r.name);
    expect(pages.length).toBe(3);
  });

  it("works from reads that never echo the admin password, custom data or protected settings", async () => {
    const provider = providerFor(arm);
    const spec = leaseSpec({ target: "windows", windowsMode: "normal" });
    const first = await provider.create(spec);
    // a retried create adopts the VM from what GET returns
    const again = await provider.create(spec);
    expect(again.cloudID).toBe(first.cloudID);
    const token = (await provider.credential.getToken(`${arm.armEndpoint}/.default`)).token;
    const path = `${arm.fake.rgPath("crabbox-leases")}/providers/Microsoft.Compute/virtualMachines/${first.cloudID}`;
    const get = arm.fake.handle("GET", `${path}?api-version=2024-07-01`, `Bearer ${token}`, undefined);
    const text = JSON.stringify(get?.body);
    expect(text).toContain(first.cloudID);
    expect(text).not.toMatch(/adminPassword|customData/);
    expect(arm.fake.find("virtualMachine", first.cloudID).properties.osProfile.adminPassword).toBeTruthy();
    const ext = arm.fake.handle(
      "GET",
      `${path}/extensions/crabbox-bootstrap?api-version=2024-07-01`,
      `Bearer ${token}`,
      undefined,
    );
    expect(JSON.stringify(ext?.body)).not.toContain("protectedSettings");
  });
});
