import { beforeEach, describe, expect, it } from "vitest";
import { FakeProviderError } from "../../support/fake-provider";
import { api, freshFleet, later, leaseRequest, uniqueLeaseId, uniqueOwner } from "../../support/fleet-api";

let fakes: ReturnType<typeof freshFleet>;
beforeEach(() => {
  fakes = freshFleet();
});

describe("admin routes", () => {
  it("refuse non-admin callers with 403 admin token required", async () => {
    const who = uniqueOwner();
    for (const [method, path] of [
      ["GET", "/v1/admin/events"],
      ["POST", "/v1/admin/replay"],
      ["GET", "/v1/pool"],
      ["GET", "/v1/admin/leases"],
      ["POST", "/v1/admin/leases/cbx_000000000001/release"],
      ["POST", "/v1/admin/leases/cbx_000000000001/delete"],
    ] as const) {
      const res = await api(who, method, path);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body).toEqual({ error: "forbidden", message: "admin token required" });
    }
  });

  it("page through the whole log with filters, and serve a lease's own stream to its owner", async () => {
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    await api(who, "POST", `/v1/leases/${leaseID}/heartbeat`, {});
    await api(who, "POST", `/v1/leases/${leaseID}/release`, {});

    const stream = await api("admin", "GET", `/v1/admin/events?stream=lease:${leaseID}&limit=2`);
    expect(stream.status).toBe(200);
    expect(stream.body.events.map((e: { type: string }) => e.type)).toEqual([
      "LeaseRequested",
      "MachineProvisioned",
    ]);
    const next = await api(
      "admin",
      "GET",
      `/v1/admin/events?stream=lease:${leaseID}&after=${stream.body.next}`,
    );
    expect(next.body.events.map((e: { type: string }) => e.type)).toEqual([
      "Heartbeat",
      "Released",
      "MachineDeleteRequested",
      "MachineDeleted",
    ]);
    expect(next.body.next).toBeUndefined();
    const first = stream.body.events[0];
    expect(first).toMatchObject({ stream: `lease:${leaseID}`, version: 1, schema: 1 });
    expect(first.meta.actor).toEqual({ kind: "shared", owner: who.owner, org: who.org });
    expect(first.at).toMatch(/Z$/);
    // No secret ever enters the log: the bearer token is nowhere in it.
    expect(JSON.stringify(next.body)).not.toContain("fleet-shared-token");

    const byType = await api(
      "admin",
      "GET",
      `/v1/admin/events?type=Released&owner=${encodeURIComponent(who.owner)}`,
    );
    expect(byType.body.events).toHaveLength(1);
    const badTime = await api("admin", "GET", "/v1/admin/events?since=yesterday");
    expect(badTime.status).toBe(400);
    expect(badTime.body.field).toBe("since");

    const own = await api(who, "GET", `/v1/leases/${leaseID}/events?limit=1`);
    expect(own.body.events.map((e: { version: number }) => e.version)).toEqual([1]);
    expect(own.body.next).toBe(1);
    expect((await api(uniqueOwner(), "GET", `/v1/leases/${leaseID}/events`)).status).toBe(404);
  });

  it("replay the log into shadow projections that match the live ones after a mixed workload", async () => {
    const a = uniqueOwner("a");
    const b = uniqueOwner("b");
    const l1 = (
      await api(a, "POST", "/v1/leases", leaseRequest({ leaseID: uniqueLeaseId(), idleTimeoutSeconds: 60 }))
    ).body.lease;
    const l2 = (await api(b, "POST", "/v1/leases", leaseRequest({ leaseID: uniqueLeaseId(), keep: true })))
      .body.lease;
    fakes.local.failNext("create", new FakeProviderError("boom"));
    await api(a, "POST", "/v1/leases", leaseRequest({ leaseID: uniqueLeaseId() }));
    await api(b, "POST", `/v1/leases/${l2.id}/heartbeat`, { telemetry: { load1: 1.5 } });
    await api(b, "PUT", `/v1/leases/${l2.id}/share`, { users: { [a.owner]: "use" } });
    fakes.local.failNext("delete");
    await api(b, "POST", `/v1/leases/${l2.id}/release`, { delete: true });
    const run = (await api(a, "POST", "/v1/runs", { leaseID: l1.id, command: ["true"] })).body.run;
    await api(a, "POST", `/v1/runs/${run.id}/events`, { type: "stdout", message: "hi" });
    await api(a, "POST", `/v1/runs/${run.id}/telemetry`, { telemetry: { load1: 2 } });
    await api(a, "POST", `/v1/runs/${run.id}/finish`, { exitCode: 0, log: "done\n" });
    await later(61_000); // l1 expires; l2's delete is retried

    const report = await api("admin", "POST", "/v1/admin/replay");
    expect(report.status).toBe(200);
    expect(report.body.differences).toEqual([]);
    expect(report.body.ok).toBe(true);
    expect(report.body.events).toBeGreaterThan(10);
  });

  it("answer the Fleet health round trip for any caller", async () => {
    const res = await api(uniqueOwner(), "GET", "/v1/fleet/health");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true, fleet: "default" });
  });

  it("list the providers' inventory in the pool", async () => {
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }));
    const pool = await api("admin", "GET", "/v1/pool?provider=local");
    expect(pool.status).toBe(200);
    const machine = pool.body.machines.find(
      (m: { labels: Record<string, string> }) => m.labels.lease === leaseID,
    );
    expect(machine).toMatchObject({ provider: "local", status: "running" });
    expect(machine.id).toBe(machine.cloudID);
    fakes.local.failNext("list");
    const failing = await api("admin", "GET", "/v1/pool?provider=local");
    expect(failing.status).toBe(502);
    const all = await api("admin", "GET", "/v1/pool");
    expect(all.status).toBe(200);
  });
});

describe("usage", () => {
  it("scopes non-admins to themselves and reports the configured limits", async () => {
    fakes = freshFleet({ CRABBOX_COST_RATES_JSON: '{"local:local": 2}', CRABBOX_MAX_MONTHLY_USD: "500" });
    const peter = uniqueOwner("peter");
    const friend = uniqueOwner("friend");
    await api(peter, "POST", "/v1/leases", leaseRequest({ ttlSeconds: 5400 }));
    await api(friend, "POST", "/v1/leases", leaseRequest({ ttlSeconds: 3600 }));
    const mine = await api(friend, "GET", `/v1/usage?scope=all&owner=${encodeURIComponent(peter.owner)}`);
    expect(mine.status).toBe(200);
    expect(mine.body.usage).toMatchObject({
      scope: "user",
      owner: friend.owner,
      leases: 1,
      activeLeases: 1,
      reservedUSD: 2,
    });
    expect(mine.body.limits).toMatchObject({ maxMonthlyUSD: 500, maxActiveLeases: 0 });
    const admin = await api(
      "admin",
      "GET",
      `/v1/usage?scope=user&owner=${encodeURIComponent(peter.owner)}&org=crabclub`,
    );
    expect(admin.body.usage).toMatchObject({ owner: peter.owner, leases: 1, reservedUSD: 3 });
    const bad = await api(friend, "GET", "/v1/usage?month=2026-13");
    expect(bad.status).toBe(400);
    expect(bad.body.field).toBe("month");
  });
});
