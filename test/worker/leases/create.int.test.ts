import { beforeEach, describe, expect, it } from "vitest";
import { api, freshFleet, leaseRequest, uniqueLeaseId, uniqueOwner } from "../../support/fleet-api";

let fakes: ReturnType<typeof freshFleet>;
beforeEach(() => {
  fakes = freshFleet();
});

describe("POST /v1/leases", () => {
  it("provisions a machine and answers 201 with the active lease", async () => {
    const who = uniqueOwner("alice");
    const leaseID = uniqueLeaseId();
    const res = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID, slug: "Blue Lobster" }));
    expect(res.status, res.text).toBe(201);
    expect(res.body.lease).toMatchObject({
      id: leaseID,
      slug: "blue-lobster",
      provider: "local",
      state: "active",
      owner: who.owner,
      org: "crabclub",
      host: "127.0.0.1",
      ttlSeconds: 3600,
      idleTimeoutSeconds: 600,
      machineState: "present",
    });
    expect(fakes.local.count("create", leaseID)).toBe(1);
    expect(fakes.local.machineForLease(leaseID)).toBeDefined();
  });
});
