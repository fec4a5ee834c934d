import { afterEach, describe, expect, it } from "vitest";
import { FakeHetzner } from "../../support/fake-hetzner";
import {
  api,
  releaseAndExpectDeleted,
  restoreFleetProviders,
  sshPublicKey,
  uniqueLeaseId,
  uniqueOwner,
  useRealProviders,
} from "../../support/fleet-api";
import { hetznerOnFake } from "../../support/hetzner-on-fake";

afterEach(restoreFleetProviders);

describe("the coordinator with the real Hetzner provider against the fake API", () => {
  it("leases a labelled server with the cloud-init, falls back on capacity, and deletes it on release", async () => {
    const fake = new FakeHetzner();
    fake.unavailableTypes.add("ccx63");
    const provider = hetznerOnFake(fake);
    useRealProviders({ hetzner: provider });

    const who = uniqueOwner("hetzner");
    const leaseID = uniqueLeaseId();
    const created = await api(who, "POST", "/v1/leases", {
      provider: "hetzner",
      leaseID,
      class: "beast",
      sshPublicKey,
      ttlSeconds: 3600,
      idleTimeoutSeconds: 600,
    });
    expect(created.status, created.text).toBe(201);
    const [server] = fake.inventory().servers;
    expect(created.body.lease).toMatchObject({
      id: leaseID,
      provider: "hetzner",
      host: server?.ip,
      state: "active",
    });
    expect(server).toMatchObject({ server_type: "ccx53", location: "fsn1" });
    expect(server?.labels).toMatchObject({
      crabbox: "true",
      lease: leaseID,
      provider: "hetzner",
      server_type: "ccx53",
      owner: who.owner.replace(/[^A-Za-z0-9_.-]/g, "_"),
    });
    expect(server?.user_data).toContain(sshPublicKey);

    await releaseAndExpectDeleted(who, leaseID);
    expect(fake.inventory()).toEqual({ servers: [], keys: [] });
  });
});
