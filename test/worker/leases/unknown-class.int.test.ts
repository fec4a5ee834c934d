/**
 * A lease that names a class its provider does not have is a client mistake: 400 naming
 * `class` and listing the provider's classes, with nothing appended. A literal server type
 * goes in `serverType` (docs/api.md, "Lease create").
 */
import { runInDurableObject } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import type { FleetDurableObject } from "../../../src/worker/fleet";
import {
  api,
  fleetStub,
  freshFleet,
  leaseRequest,
  uniqueLeaseId,
  uniqueOwner,
} from "../../support/fleet-api";

const eventCount = () => runInDurableObject(fleetStub(), (fleet: FleetDurableObject) => fleet.store.head());

describe("POST /v1/leases with a class", () => {
  beforeEach(() => {
    freshFleet();
  });

  it("answers 400 naming class and listing the local provider's classes, appending nothing", async () => {
    const before = await eventCount();
    const res = await api(uniqueOwner(), "POST", "/v1/leases", leaseRequest({ class: "nonsense" }));
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({
      error: "invalid_request",
      field: "class",
      classes: ["standard", "fast", "large", "beast"],
    });
    expect(res.body.message).toContain("nonsense");
    expect(await eventCount()).toBe(before);
  });

  it("lists the Hetzner classes for a Hetzner lease", async () => {
    const res = await api(
      uniqueOwner(),
      "POST",
      "/v1/leases",
      leaseRequest({ provider: "hetzner", class: "cx22" }),
    );
    expect(res.status, res.text).toBe(400);
    expect(res.body).toMatchObject({ field: "class", classes: ["standard", "fast", "large", "beast"] });
  });

  it("takes a known class", async () => {
    const res = await api(
      uniqueOwner(),
      "POST",
      "/v1/leases",
      leaseRequest({ leaseID: uniqueLeaseId(), class: "large" }),
    );
    expect(res.status, res.text).toBe(201);
    expect(res.body.lease.class).toBe("large");
  });

  it("takes any class label when the request names a literal server type", async () => {
    const res = await api(
      uniqueOwner(),
      "POST",
      "/v1/leases",
      leaseRequest({ leaseID: uniqueLeaseId(), class: "my-own", serverType: "local" }),
    );
    expect(res.status, res.text).toBe(201);
    expect(res.body.lease).toMatchObject({ class: "my-own", serverType: "local" });
  });
});
