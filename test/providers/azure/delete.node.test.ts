import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CrabboxError } from "../../../src/errors";
import { type RunningFakeArm, startFakeArm } from "../../support/fake-arm";
import { leaseSpec, leaseResourceTypes as leaseTypes, providerFor } from "./harness";

let arm: RunningFakeArm;
beforeEach(async () => {
  arm = await startFakeArm();
});
afterEach(async () => {
  await arm.close();
});

describe("azure delete", () => {
  it("deletes VM, NIC, public IP and disk in that order and never reads a resource after its delete", async () => {
    const provider = providerFor(arm);
    const spec = leaseSpec();
    const machine = await provider.create(spec);
    const before = arm.fake.requests.length;

    await expect(provider.delete({ cloudID: machine.cloudID, leaseID: spec.leaseID })).resolves.toBe(
      "deleted",
    );

    const trail = arm.fake.requests.slice(before);
    const deletes = trail.filter((r) => r.method === "DELETE").map((r) => r.type);
    expect(deletes).toEqual(["virtualMachine", "networkInterface", "publicIPAddress"]);
    for (const del of trail.filter((r) => r.method === "DELETE")) {
      const later = trail.slice(trail.indexOf(del) + 1);
      expect(
        later.filter((r) => r.method === "GET" && r.path === del.path),
        del.path,
      ).toEqual([]);
    }
    for (const type of leaseTypes) expect(arm.fake.all(type), type).toEqual([]);
    expect(arm.fake.all("networkSecurityGroup")).toHaveLength(1);
    expect(arm.fake.all("virtualNetwork")).toHaveLength(1);
  });

  it("completes Location-only long-running deletes that finish with an empty 204", async () => {
    const provider = providerFor(arm);
    const spec = leaseSpec();
    const machine = await provider.create(spec);
    arm.fake.inject({ method: "DELETE", times: 4, fault: { kind: "locationOnly" } });
    await expect(provider.delete({ cloudID: machine.cloudID, leaseID: spec.leaseID })).resolves.toBe(
      "deleted",
    );
    for (const type of leaseTypes) expect(arm.fake.all(type), type).toEqual([]);
  });

  it("counts 404 everywhere as already gone", async () => {
    const provider = providerFor(arm);
    await provider.create(leaseSpec({ leaseID: "cbx_aaaaaaaaaaaa" }));
    const outcome = await provider.delete({
      cloudID: "crabbox-nothing-here-00000000",
      leaseID: "cbx_0123456789ab",
    });
    expect(outcome).toBe("already_gone");
    expect(arm.fake.requestsTo("DELETE")).toEqual([]);
  });

  it("retries the whole pass while a dependency lock holds, then finishes", async () => {
    const provider = providerFor(arm);
    const spec = leaseSpec();
    const machine = await provider.create(spec);
    arm.fake.inject({
      method: "DELETE",
      type: "networkInterface",
      times: 2,
      fault: { kind: "error", status: 400, code: "NicReservedForAnotherVm", message: "reserved for 180 s" },
    });
    await expect(provider.delete({ cloudID: machine.cloudID, leaseID: spec.leaseID })).resolves.toBe(
      "deleted",
    );
    expect(arm.fake.requestsTo("DELETE", "networkInterface")).toHaveLength(3);
    expect(arm.fake.requestsTo("DELETE", "virtualMachine")).toHaveLength(1);
    for (const type of leaseTypes) expect(arm.fake.all(type), type).toEqual([]);
  });

  it("keeps going through every step when one fails, and reports what is left", async () => {
    const provider = providerFor(arm, { deleteAttempts: 2 });
    const spec = leaseSpec();
    const machine = await provider.create(spec);
    arm.fake.inject({
      method: "DELETE",
      type: "virtualMachine",
      times: Number.POSITIVE_INFINITY,
      fault: { kind: "error", status: 409, code: "Conflict", message: "operation in progress" },
    });
    const error = (await provider
      .delete({ cloudID: machine.cloudID, leaseID: spec.leaseID })
      .catch((e: unknown) => e)) as CrabboxError;
    expect(error.code).toBe("provider_error");
    expect(error.message).toMatch(/delete vm .*Conflict/);
    // the NIC was tried in both passes (refused: the VM still holds it), the IP too
    expect(arm.fake.requestsTo("DELETE", "networkInterface")).toHaveLength(2);
    expect(arm.fake.requestsTo("DELETE", "publicIPAddress")).toHaveLength(2);
  });

  it("refuses to delete resources tagged with another lease", async () => {
    const provider = providerFor(arm);
    const spec = leaseSpec();
    const machine = await provider.create(spec);
    await expect(
      provider.delete({ cloudID: machine.cloudID, leaseID: "cbx_ffffffffffff" }),
    ).rejects.toMatchObject({
      code: "forbidden",
    });
    expect(arm.fake.requestsTo("DELETE")).toEqual([]);
    await expect(provider.delete({ cloudID: "my-own-vm", leaseID: spec.leaseID })).rejects.toMatchObject({
      code: "invalid_request",
    });
  });
});

describe("azure inventory", () => {
  it("lists crabbox VMs with their address and finds them by lease tag", async () => {
    const provider = providerFor(arm);
    const a = await provider.create(leaseSpec({ leaseID: "cbx_aaaaaaaaaaaa" }));
    await provider.create(leaseSpec({ leaseID: "cbx_bbbbbbbbbbbb", target: "windows" }));
    const all = await provider.list();
    expect(all.map((m) => m.labels.lease).sort()).toEqual(["cbx_aaaaaaaaaaaa", "cbx_bbbbbbbbbbbb"]);
    const windows = all.find((m) => m.labels.lease === "cbx_bbbbbbbbbbbb")!;
    expect(windows.labels.windows_mode).toBe("normal");
    const found = await provider.findByLease("cbx_aaaaaaaaaaaa");
    expect(found).toEqual([
      expect.objectContaining({
        cloudID: a.cloudID,
        host: a.host,
        status: "Succeeded",
        serverType: a.serverType,
      }),
    ]);
  });

  it("refreshes a VM's labels in place, only for the lease that owns it", async () => {
    const provider = providerFor(arm);
    const spec = leaseSpec();
    const machine = await provider.create(spec);
    const target = { cloudID: machine.cloudID, leaseID: spec.leaseID };
    await provider.updateLabels(target, {
      state: "ready",
      last_touched_at: "1780000600",
      windows_mode: "normal",
    });
    const tags = arm.fake.find("virtualMachine", machine.cloudID).tags;
    expect(tags).toMatchObject({
      state: "ready",
      last_touched_at: "1780000600",
      lease: spec.leaseID,
      market: "spot",
    });
    expect(tags.crabbox_windows_mode).toBe("normal");
    expect(tags.windows_mode).toBeUndefined();
    await expect(
      provider.updateLabels({ ...target, leaseID: "cbx_ffffffffffff" }, { state: "x" }),
    ).rejects.toMatchObject({ code: "forbidden" });
    expect(arm.fake.find("virtualMachine", machine.cloudID).tags.state).toBe("ready");
  });

  it("returns an empty inventory when the resource group does not exist yet", async () => {
    await expect(providerFor(arm).list()).resolves.toEqual([]);
  });

  it("adopts the VM of an earlier create for the same lease instead of making another", async () => {
    const provider = providerFor(arm);
    const spec = leaseSpec();
    const first = await provider.create(spec);
    const puts = arm.fake.requestsTo("PUT").length;
    const second = await provider.create(spec);
    expect(second.cloudID).toBe(first.cloudID);
    expect(second.host).toBe(first.host);
    expect(arm.fake.requestsTo("PUT")).toHaveLength(puts);
    expect(arm.fake.all("virtualMachine")).toHaveLength(1);
  });
});
