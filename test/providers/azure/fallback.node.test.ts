import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CrabboxError } from "../../../src/errors";
import { type ArmDocument, type ArmRequest, type RunningFakeArm, startFakeArm } from "../../support/fake-arm";
import { leaseSpec, providerFor } from "./harness";

let arm: RunningFakeArm;
beforeEach(async () => {
  arm = await startFakeArm();
});
afterEach(async () => {
  await arm.close();
});

const isSpot = (r: ArmRequest) => (r.body as ArmDocument)?.properties?.priority === "Spot";
const vmPuts = () =>
  arm.fake
    .requestsTo("PUT", "virtualMachine")
    .map((r) => [
      (r.body as ArmDocument).properties.hardwareProfile.vmSize,
      (r.body as ArmDocument).properties.priority,
    ]);

describe("azure fallback ladder", () => {
  it("walks every size on spot, then falls back to regular priority after spot refusals", async () => {
    arm.fake.inject({
      method: "PUT",
      type: "virtualMachine",
      when: isSpot,
      times: Number.POSITIVE_INFINITY,
      fault: { kind: "asyncFail", code: "AllocationFailed", message: "Spot capacity not available" },
    });
    const spec = leaseSpec({ class: "standard", serverType: "Standard_D2ads_v6", target: "windows" });
    const machine = await providerFor(arm).create(spec);

    expect(machine.market).toBe("on-demand");
    expect(machine.serverType).toBe("Standard_D2ads_v6");
    expect(vmPuts()).toEqual([
      ["Standard_D2ads_v6", "Spot"],
      ["Standard_D2ds_v6", "Spot"],
      ["Standard_D2ads_v5", "Spot"],
      ["Standard_D2ds_v5", "Spot"],
      ["Standard_D2as_v6", "Spot"],
      ["Standard_D2ads_v6", "Regular"],
    ]);
    expect(machine.attempts).toHaveLength(5);
    expect(machine.attempts.every((a) => a.category === "spot_refused" && a.market === "spot")).toBe(true);
    const vm = arm.fake.find("virtualMachine", machine.cloudID);
    expect(vm.properties.priority).toBe("Regular");
    expect(vm.properties.evictionPolicy).toBeUndefined();
    expect(vm.tags.market).toBe("on-demand");
    expect(arm.fake.all("virtualMachine")).toHaveLength(1);
  });

  it("moves to the next size on SkuNotAvailable and quota errors, recording each attempt", async () => {
    arm.fake.inject({
      method: "PUT",
      type: "virtualMachine",
      fault: { kind: "error", status: 409, code: "SkuNotAvailable", message: "size not available in eastus" },
    });
    arm.fake.inject({
      method: "PUT",
      type: "virtualMachine",
      fault: { kind: "error", status: 409, code: "OperationNotAllowed", message: "exceeding approved quota" },
    });
    const machine = await providerFor(arm).create(leaseSpec({ market: "on-demand" }));
    expect(machine.serverType).toBe("Standard_F32s_v2");
    expect(machine.attempts.map((a) => [a.serverType, a.category])).toEqual([
      ["Standard_D32ads_v6", "capacity"],
      ["Standard_D32ds_v6", "quota"],
    ]);
    expect(machine.attempts[0]!.message).toContain("SkuNotAvailable");
  });

  it("tries only the exact size when the type is explicit, and cleans up when it has no capacity", async () => {
    arm.fake.inject({
      method: "PUT",
      type: "virtualMachine",
      times: Number.POSITIVE_INFINITY,
      fault: { kind: "asyncFail", code: "ZonalAllocationFailed" },
    });
    const spec = leaseSpec({ serverType: "Standard_F16s_v2", serverTypeExplicit: true });
    const error = (await providerFor(arm)
      .create(spec)
      .catch((e: unknown) => e)) as CrabboxError;
    expect(error.code).toBe("capacity_unavailable");
    expect(vmPuts()).toEqual([
      ["Standard_F16s_v2", "Spot"],
      ["Standard_F16s_v2", "Regular"],
    ]);
    expect(error.details?.attempts).toHaveLength(2);
    for (const type of ["virtualMachine", "networkInterface", "publicIPAddress", "disk"] as const) {
      expect(arm.fake.all(type), type).toEqual([]);
    }
  });

  it("stops at the first error that another size cannot fix, and removes what it made", async () => {
    arm.fake.inject({
      method: "PUT",
      type: "virtualMachine",
      fault: { kind: "error", status: 400, code: "InvalidParameter", message: "adminUsername is invalid" },
    });
    const error = (await providerFor(arm)
      .create(leaseSpec())
      .catch((e: unknown) => e)) as CrabboxError;
    expect(error.code).toBe("provider_error");
    expect(error.message).toContain("InvalidParameter");
    expect(arm.fake.requestsTo("PUT", "virtualMachine")).toHaveLength(1);
    expect(arm.fake.all("networkInterface")).toEqual([]);
    expect(arm.fake.all("publicIPAddress")).toEqual([]);
  });
});
