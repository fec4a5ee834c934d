import { beforeEach, describe, expect, it, vi } from "vitest";
import { slugWithCollisionSuffix } from "../../../src/domain/ids";
import { FakeProviderError } from "../../support/fake-provider";
import { api, freshFleet, later, leaseRequest, uniqueLeaseId, uniqueOwner } from "../../support/fleet-api";

let fakes: ReturnType<typeof freshFleet>;
beforeEach(() => {
  fakes = freshFleet();
});

describe("creating a lease", () => {
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
      estimatedHourlyUSD: 0,
    });
    expect(Date.parse(res.body.lease.expiresAt)).toBeGreaterThan(Date.parse(res.body.lease.createdAt));
    expect(fakes.local.count("create", leaseID)).toBe(1);
    expect(fakes.local.machineForLease(leaseID)?.labels).toMatchObject({
      lease: leaseID,
      slug: "blue-lobster",
    });
  });

  it("mints a lease ID and derives the slug from it when the client names neither", async () => {
    const res = await api(uniqueOwner(), "POST", "/v1/leases", leaseRequest());
    expect(res.status, res.text).toBe(201);
    expect(res.body.lease.id).toMatch(/^cbx_[a-f0-9]{12}$/);
    expect(res.body.lease.slug).toMatch(/^[a-z]+-[a-z]+$/);
  });

  it("answers twenty concurrent identical creates with the same lease and ONE provider create", async () => {
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    const body = leaseRequest({ leaseID });
    const responses = await Promise.all(
      Array.from({ length: 20 }, () => api(who, "POST", "/v1/leases", body)),
    );
    for (const res of responses) {
      expect([200, 201], res.text).toContain(res.status);
      expect(res.body.lease.id).toBe(leaseID);
      expect(res.body.lease.state).toBe("active");
    }
    expect(responses.filter((r) => r.status === 201)).toHaveLength(1);
    expect(fakes.local.count("create", leaseID)).toBe(1);
    expect([...fakes.local.machines.values()].filter((m) => m.labels.lease === leaseID)).toHaveLength(1);
  });

  it("answers a sequential retry of the same request with the same lease and no new machine", async () => {
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    const first = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    // Key order and defaults spelled out must not change the request's identity.
    const retry = await api(who, "POST", "/v1/leases", {
      ttlSeconds: 3600,
      sshPublicKey: leaseRequest().sshPublicKey,
      idleTimeoutSeconds: 600,
      leaseID,
      provider: "local",
      class: "beast",
    });
    expect(first.status).toBe(201);
    expect(retry.status, retry.text).toBe(200);
    expect(retry.body.lease.id).toBe(leaseID);
    expect(retry.body.lease.createdAt).toBe(first.body.lease.createdAt);
    expect(fakes.local.count("create")).toBe(1);
  });

  it("refuses a different request under the same lease ID with 409 lease_id_conflict", async () => {
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    const conflict = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID, ttlSeconds: 60 }));
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toBe("lease_id_conflict");
    const stranger = await api(uniqueOwner("mallory"), "POST", "/v1/leases", leaseRequest({ leaseID }));
    expect(stranger.status).toBe(409);
    expect(stranger.body.error).toBe("lease_id_conflict");
    expect(fakes.local.count("create")).toBe(1);
  });

  it("answers 202 with the provisioning lease when the provider is slow, and a retry gets the in-flight lease", async () => {
    fakes = freshFleet({ CRABBOX_PROVISION_WAIT_MS: "50" });
    const release = fakes.local.hold("create");
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    const first = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    expect(first.status, first.text).toBe(202);
    expect(first.body.lease).toMatchObject({ id: leaseID, state: "provisioning", machineState: "none" });
    expect(first.body.lease.host).toBeUndefined();

    const retry = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    expect(retry.status).toBe(202);
    expect(retry.body.lease.state).toBe("provisioning");

    release();
    // Wait on the state, not on a guessed delay: a busy machine may take a while.
    await vi.waitFor(
      async () => expect((await api(who, "GET", `/v1/leases/${leaseID}`)).body.lease.state).toBe("active"),
      { timeout: 30_000, interval: 10 },
    );
    expect(fakes.local.count("create", leaseID)).toBe(1);
    const afterwards = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    expect(afterwards.status).toBe(200);
    expect(afterwards.body.lease.state).toBe("active");
  });

  it("records a provider failure as a failed lease and answers with the provider's error", async () => {
    fakes.local.failNext("create", new FakeProviderError("no capacity anywhere"));
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    const res = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    expect(res.status).toBe(502);
    expect(res.body).toMatchObject({ error: "provider_error", leaseID, state: "failed" });
    // The provider's internal text does not leak; the lease shows what happened.
    expect(res.text).not.toContain("no capacity anywhere");
    const lease = (await api(who, "GET", `/v1/leases/${leaseID}`)).body.lease;
    expect(lease.state).toBe("failed");
    const retry = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    expect(retry.status).toBe(502);
    expect(fakes.local.count("create", leaseID)).toBe(1);
  });

  it("refuses with 429 cost_limit_exceeded before calling the provider", async () => {
    fakes = freshFleet({ CRABBOX_MAX_ACTIVE_LEASES_PER_OWNER: "1" });
    const who = uniqueOwner();
    expect((await api(who, "POST", "/v1/leases", leaseRequest())).status).toBe(201);
    const refused = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID: uniqueLeaseId() }));
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      error: "cost_limit_exceeded",
      message: "active lease limit for owner exceeded: 2/1",
    });
    expect(fakes.local.count("create")).toBe(1);
    // Someone else is not affected by this owner's cap.
    expect((await api(uniqueOwner(), "POST", "/v1/leases", leaseRequest())).status).toBe(201);
  });

  it("counts a released lease against the caps until its machine is really gone", async () => {
    fakes = freshFleet({ CRABBOX_MAX_ACTIVE_LEASES_PER_OWNER: "1", CRABBOX_DELETE_RETRY_BASE_MS: "1000" });
    const who = uniqueOwner();
    const first = await api(who, "POST", "/v1/leases", leaseRequest());
    fakes.local.failNext("delete", new FakeProviderError("api down"));
    const released = await api(who, "POST", `/v1/leases/${first.body.lease.id}/release`, {});
    expect(released.body.lease.machineState).toBe("delete_failed");
    const refused = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID: uniqueLeaseId() }));
    expect(refused.status).toBe(429);
    await later(1_000); // the retry deletes the machine
    expect((await api(who, "POST", "/v1/leases", leaseRequest({ leaseID: uniqueLeaseId() }))).status).toBe(
      201,
    );
  });

  it("refuses a lease whose worst-case cost breaks the monthly budget, with no provider call", async () => {
    fakes = freshFleet({
      CRABBOX_MAX_MONTHLY_USD_PER_OWNER: "10",
      CRABBOX_COST_RATES_JSON: '{"hetzner:ccx63": 4}',
    });
    const who = uniqueOwner();
    const ok = await api(
      who,
      "POST",
      "/v1/leases",
      leaseRequest({ provider: "hetzner", serverType: "ccx63", ttlSeconds: 7200 }),
    );
    expect(ok.status, ok.text).toBe(201);
    expect(ok.body.lease).toMatchObject({ estimatedHourlyUSD: 4, maxEstimatedUSD: 8 });
    // 8 reserved + 2 more is exactly the budget: allowed.
    const exact = await api(
      who,
      "POST",
      "/v1/leases",
      leaseRequest({ provider: "hetzner", serverType: "ccx63", ttlSeconds: 1800 }),
    );
    expect(exact.status, exact.text).toBe(201);
    const refused = await api(
      who,
      "POST",
      "/v1/leases",
      leaseRequest({ provider: "hetzner", serverType: "ccx63", ttlSeconds: 60 }),
    );
    expect(refused.status).toBe(429);
    expect(refused.body.message).toBe("monthly budget for owner exceeded: $10.07/$10.00");
    expect(fakes.hetzner.count("create")).toBe(2);
  });

  it("suffixes the slug when the same owner already holds it on a live lease", async () => {
    const who = uniqueOwner();
    const first = await api(who, "POST", "/v1/leases", leaseRequest({ slug: "shared-name" }));
    const leaseID = uniqueLeaseId();
    const second = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID, slug: "shared-name" }));
    expect(first.body.lease.slug).toBe("shared-name");
    expect(second.body.lease.slug).toBe(slugWithCollisionSuffix("shared-name", `${leaseID}-0`));
    const other = await api(uniqueOwner(), "POST", "/v1/leases", leaseRequest({ slug: "shared-name" }));
    expect(other.body.lease.slug).toBe("shared-name");
  });

  it("answers client mistakes with a 400 naming the field and records nothing", async () => {
    const who = uniqueOwner();
    const missingKey = await api(who, "POST", "/v1/leases", { provider: "local" });
    expect(missingKey.status).toBe(400);
    expect(missingKey.body.field).toBe("sshPublicKey");
    const badId = await api(who, "POST", "/v1/leases", leaseRequest({ leaseID: "cbx_NOPE" }));
    expect(badId.status).toBe(400);
    expect(badId.body.error).toBe("invalid_lease_id");
    const badSlug = await api(who, "POST", "/v1/leases", leaseRequest({ slug: "!!!" }));
    expect(badSlug.status).toBe(400);
    expect(badSlug.body.field).toBe("slug");
    const badTarget = await api(who, "POST", "/v1/leases", leaseRequest({ target: "plan9" }));
    expect(badTarget.status).toBe(400);
    expect(badTarget.body.field).toBe("target");
    const unconfigured = await api(who, "POST", "/v1/leases", leaseRequest({ provider: "azure" }));
    expect(unconfigured.status).toBe(400);
    expect(unconfigured.body.field).toBe("provider");
    expect(fakes.local.count("create")).toBe(0);
    expect((await api(who, "GET", "/v1/leases")).body.leases).toEqual([]);
  });
});
