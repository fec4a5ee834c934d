import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CrabboxError } from "../../../src/errors";
import { type RunningFakeArm, startFakeArm } from "../../support/fake-arm";
import { leaseSpec, providerFor } from "./harness";

let arm: RunningFakeArm;
beforeEach(async () => {
  arm = await startFakeArm();
});
afterEach(async () => {
  await arm.close();
});

describe("azure transport faults", () => {
  it("waits out a 429 for the Retry-After it names, then succeeds", async () => {
    arm.fake.inject({
      method: "PUT",
      type: "publicIPAddress",
      fault: { kind: "error", status: 429, code: "TooManyRequests", retryAfterSeconds: 1 },
    });
    const started = Date.now();
    const machine = await providerFor(arm).create(leaseSpec());
    const puts = arm.fake.requestsTo("PUT", "publicIPAddress");
    expect(puts).toHaveLength(2);
    expect(puts[1]!.at - puts[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(machine.host).toBeTruthy();
  });

  it("retries 5xx answers and succeeds", async () => {
    arm.fake.inject({
      method: "PUT",
      type: "networkInterface",
      times: 2,
      fault: { kind: "error", status: 503, code: "ServiceUnavailable" },
    });
    await providerFor(arm).create(leaseSpec());
    expect(arm.fake.requestsTo("PUT", "networkInterface")).toHaveLength(3);
  });

  it("gives up on a call that never answers within its deadline", async () => {
    arm.fake.inject({ method: "GET", type: "resourceGroup", times: 10, fault: { kind: "hang" } });
    const started = Date.now();
    const error = (await providerFor(arm, { timeouts: { callMs: 300 } })
      .create(leaseSpec())
      .catch((e: unknown) => e)) as CrabboxError;
    expect(error).toBeInstanceOf(CrabboxError);
    expect(error.code).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(1500);
  });

  it("treats a VM create that outlives its deadline as a timed-out candidate and moves on", async () => {
    arm.fake.inject({ method: "PUT", type: "virtualMachine", fault: { kind: "hang" } });
    const machine = await providerFor(arm, { timeouts: { vmCreateMs: 400 } }).create(leaseSpec());
    expect(machine.attempts.map((a) => a.category)).toEqual(["timeout"]);
    expect(machine.serverType).toBe("Standard_D32ds_v6");
  });

  it("never puts the client secret in an error when the token endpoint refuses it", async () => {
    const provider = providerFor(arm, { clientSecret: "wrong-secret-value-123" });
    const error = (await provider.create(leaseSpec()).catch((e: unknown) => e)) as CrabboxError;
    expect(error.code).toBe("provider_error");
    expect(error.message).toContain("invalid_client");
    const everything = JSON.stringify({ message: error.message, details: error.details, stack: error.stack });
    expect(everything).not.toContain("wrong-secret-value-123");
    expect(arm.fake.requests).toEqual([]);
  });

  it("reuses one token for many calls", async () => {
    const provider = providerFor(arm);
    await provider.create(leaseSpec());
    await provider.list();
    expect(arm.fake.tokenRequests).toBe(1);
    expect(provider.credential.requests).toBe(1);
  });
});

describe("azure partial creates", () => {
  it("removes the public IP when the NIC cannot be created", async () => {
    arm.fake.inject({
      method: "PUT",
      type: "networkInterface",
      fault: { kind: "error", status: 400, code: "InvalidRequestFormat", message: "bad NIC" },
    });
    await expect(providerFor(arm).create(leaseSpec())).rejects.toMatchObject({ code: "provider_error" });
    expect(arm.fake.requestsTo("PUT", "publicIPAddress")).toHaveLength(1);
    expect(arm.fake.all("publicIPAddress")).toEqual([]);
    expect(arm.fake.all("networkInterface")).toEqual([]);
  });

  it("removes the NIC and IP when no VM could be made", async () => {
    arm.fake.inject({
      method: "PUT",
      type: "virtualMachine",
      fault: { kind: "error", status: 403, code: "AuthorizationFailed", message: "no permission" },
    });
    await expect(providerFor(arm).create(leaseSpec())).rejects.toMatchObject({ code: "provider_error" });
    for (const type of ["virtualMachine", "networkInterface", "publicIPAddress", "disk"] as const) {
      expect(arm.fake.all(type), type).toEqual([]);
    }
  });

  it("cleans up a VM whose create timed out but which appeared later", async () => {
    arm.fake.inject({
      method: "PUT",
      type: "virtualMachine",
      fault: { kind: "lateCreate", appearAfterMs: 700 },
    });
    arm.fake.inject({
      method: "PUT",
      type: "virtualMachine",
      times: Number.POSITIVE_INFINITY,
      fault: { kind: "error", status: 400, code: "InvalidParameter" },
    });
    const provider = providerFor(arm, {
      timeouts: { vmCreateMs: 150 },
      deleteRetryDelayMs: 150,
      deleteAttempts: 8,
    });
    await expect(provider.create(leaseSpec())).rejects.toMatchObject({ code: "provider_error" });
    for (const type of ["virtualMachine", "networkInterface", "publicIPAddress", "disk"] as const) {
      expect(arm.fake.all(type), type).toEqual([]);
    }
    // the VM could not be seen at first (404) while its disk and NIC were held by it: the
    // provider kept trying until it appeared and was deleted
    expect(arm.fake.requestsTo("DELETE", "virtualMachine").length).toBeGreaterThan(1);
  });
});
