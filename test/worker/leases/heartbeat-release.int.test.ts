import { beforeEach, describe, expect, it } from "vitest";
import { FakeProviderError } from "../../support/fake-provider";
import { api, createLease, freshFleet, later, leaseEventTypes, uniqueOwner } from "../../support/fleet-api";

let fakes: ReturnType<typeof freshFleet>;
beforeEach(() => {
  fakes = freshFleet();
});

describe("heartbeats", () => {
  it("touch the lease, change the idle timeout and keep sanitised telemetry in a ring", async () => {
    const who = uniqueOwner();
    const created = await createLease(who, { slug: "beating-heart" });
    const res = await api(who, "POST", "/v1/leases/beating-heart/heartbeat", {
      idleTimeoutSeconds: 900,
      telemetry: { capturedAt: "2026-11-28T01:02:03Z", load1: 50_000, memoryPercent: 12.5, source: "cli" },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.body.lease.idleTimeoutSeconds).toBe(900);
    expect(Date.parse(res.body.lease.lastTouchedAt)).toBeGreaterThanOrEqual(
      Date.parse(created.lastTouchedAt),
    );
    expect(res.body.lease.telemetry).toEqual({
      capturedAt: "2026-11-28T01:02:03.000Z",
      load1: 10_000,
      memoryPercent: 12.5,
      source: "cli",
    });
    // The heartbeat answer leaves the ring out (hot path); the lease read has it.
    expect(res.body.lease.telemetryHistory).toBeUndefined();
    const read = await api(who, "GET", "/v1/leases/beating-heart");
    expect(read.body.lease.telemetryHistory).toEqual([res.body.lease.telemetry]);
  });

  it("keep only the latest 60 telemetry samples", async () => {
    const who = uniqueOwner();
    const created = await createLease(who);
    const base = Date.parse("2026-11-28T00:00:00Z");
    for (let i = 0; i < 61; i++) {
      await api(who, "POST", `/v1/leases/${created.id}/heartbeat`, {
        telemetry: { capturedAt: new Date(base + i * 1000).toISOString(), load1: i },
      });
    }
    const got = await api(who, "GET", `/v1/leases/${created.id}`);
    expect(got.body.lease.telemetryHistory).toHaveLength(60);
    expect(got.body.lease.telemetryHistory[0].load1).toBe(1);
    expect(got.body.lease.telemetryHistory[59].load1).toBe(60);
  });

  it("never extend past the TTL", async () => {
    const who = uniqueOwner();
    const created = await createLease(who, { ttlSeconds: 120, idleTimeoutSeconds: 600 });
    const res = await api(who, "POST", `/v1/leases/${created.id}/heartbeat`, { idleTimeoutSeconds: 86_400 });
    expect(Date.parse(res.body.lease.expiresAt)).toBe(Date.parse(created.createdAt) + 120_000);
  });

  it("on an ended lease are refused with 409 lease_ended and do not revive it", async () => {
    const who = uniqueOwner();
    const created = await createLease(who);
    const released = await api(who, "POST", `/v1/leases/${created.id}/release`, {});
    const res = await api(who, "POST", `/v1/leases/${created.id}/heartbeat`, {});
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: "lease_ended", state: "released" });
    const after = await api(who, "GET", `/v1/leases/${created.id}`);
    expect(after.body.lease.state).toBe("released");
    expect(after.body.lease.lastTouchedAt).toBe(released.body.lease.lastTouchedAt);
  });

  it("honour Idempotency-Key: same key and body answer the same, another body is 422", async () => {
    const who = uniqueOwner();
    const created = await createLease(who);
    const headers = { "idempotency-key": `hb-${created.id}` };
    const body = { telemetry: { capturedAt: "2026-11-28T02:00:00Z", load1: 1 } };
    const first = await api(who, "POST", `/v1/leases/${created.id}/heartbeat`, body, headers);
    const again = await api(who, "POST", `/v1/leases/${created.id}/heartbeat`, body, headers);
    expect(first.status).toBe(200);
    expect(again.body).toEqual(first.body);
    const other = await api(
      who,
      "POST",
      `/v1/leases/${created.id}/heartbeat`,
      { idleTimeoutSeconds: 30 },
      headers,
    );
    expect(other.status).toBe(422);
    expect(other.body.error).toBe("idempotency_key_reused");
    const events = await api(who, "GET", `/v1/leases/${created.id}/events`);
    expect(events.body.events.filter((e: { type: string }) => e.type === "Heartbeat")).toHaveLength(1);
  });
});

describe("release", () => {
  it("ends the lease and deletes its machine through the log", async () => {
    const who = uniqueOwner();
    const created = await createLease(who);
    const res = await api(who, "POST", `/v1/leases/${created.id}/release`, {});
    expect(res.status).toBe(200);
    expect(res.body.lease).toMatchObject({ state: "released", machineState: "deleted" });
    expect(fakes.local.machineForLease(created.id)).toBeUndefined();
    expect(await leaseEventTypes(who, created.id)).toEqual([
      "LeaseRequested",
      "MachineProvisioned",
      "Released",
      "MachineDeleteRequested",
      "MachineDeleted",
    ]);
  });

  it("is idempotent and never rewrites an ended lease's timestamps", async () => {
    const who = uniqueOwner();
    const created = await createLease(who);
    const first = await api(who, "POST", `/v1/leases/${created.id}/release`, {});
    const second = await api(who, "POST", `/v1/leases/${created.id}/release`, {});
    expect(second.status).toBe(200);
    expect(second.body.lease.releasedAt).toBe(first.body.lease.releasedAt);
    expect(second.body.lease.endedAt).toBe(first.body.lease.endedAt);
    expect(fakes.local.count("delete", created.id)).toBe(1);
  });

  it("keeps the machine of a keep lease unless delete is asked for", async () => {
    const who = uniqueOwner();
    const kept = await createLease(who, { keep: true });
    const res = await api(who, "POST", `/v1/leases/${kept.id}/release`);
    expect(res.body.lease).toMatchObject({ state: "released", machineState: "kept" });
    expect(fakes.local.machineForLease(kept.id)).toBeDefined();
    const deleted = await createLease(who, { keep: true });
    const res2 = await api(who, "POST", `/v1/leases/${deleted.id}/release`, { delete: true });
    expect(res2.body.lease.machineState).toBe("deleted");
    // An admin can still delete the kept machine later.
    const admin = await api("admin", "POST", `/v1/admin/leases/${kept.id}/delete`);
    expect(admin.status, admin.text).toBe(200);
    expect(admin.body.lease.machineState).toBe("deleted");
    expect(fakes.local.machineForLease(kept.id)).toBeUndefined();
  });

  it("counts a provider 404 as deleted", async () => {
    const who = uniqueOwner();
    const created = await createLease(who);
    const machine = fakes.local.machineForLease(created.id);
    fakes.local.machines.delete(machine?.cloudID ?? "");
    const res = await api(who, "POST", `/v1/leases/${created.id}/release`, {});
    expect(res.body.lease.machineState).toBe("deleted");
    const events = (await api(who, "GET", `/v1/leases/${created.id}/events`)).body.events;
    expect(events.at(-1)).toMatchObject({ type: "MachineDeleted", data: { alreadyGone: true } });
  });

  it("records a failed delete, retries it with backoff from the alarm until it succeeds", async () => {
    fakes = freshFleet({ CRABBOX_DELETE_RETRY_BASE_MS: "10000" });
    const who = uniqueOwner();
    const created = await createLease(who);
    fakes.local.failNext("delete", new FakeProviderError("api down"), 2);
    const res = await api(who, "POST", `/v1/leases/${created.id}/release`, {});
    expect(res.status).toBe(200);
    expect(res.body.lease).toMatchObject({
      state: "released",
      machineState: "delete_failed",
      deleteAttempts: 1,
    });
    const firstRetryAt = Date.parse(res.body.lease.nextDeleteAttemptAt);
    expect(firstRetryAt - Date.parse(res.body.lease.updatedAt)).toBe(10_000);

    await later(5_000); // not due yet: nothing happens
    expect(fakes.local.count("delete", created.id)).toBe(1);
    await later(5_000);
    let got = (await api(who, "GET", `/v1/leases/${created.id}`)).body.lease;
    expect(got).toMatchObject({ machineState: "delete_failed", deleteAttempts: 2 });
    expect(Date.parse(got.nextDeleteAttemptAt) - Date.parse(got.updatedAt)).toBe(20_000);

    await later(20_000);
    got = (await api(who, "GET", `/v1/leases/${created.id}`)).body.lease;
    expect(got.machineState).toBe("deleted");
    expect(fakes.local.count("delete", created.id)).toBe(3);
    expect(fakes.local.machineForLease(created.id)).toBeUndefined();
    expect(got.releasedAt).toBe(res.body.lease.releasedAt);
  });

  it("is available to admins for any lease, and admin routes refuse other tokens", async () => {
    const who = uniqueOwner();
    const created = await createLease(who);
    expect((await api(who, "POST", `/v1/admin/leases/${created.id}/release`, {})).status).toBe(403);
    const res = await api("admin", "POST", `/v1/admin/leases/${created.id}/release`, {});
    expect(res.status).toBe(200);
    expect(res.body.lease.state).toBe("released");
  });

  it("of an unknown or invisible lease is 404", async () => {
    const created = await createLease(uniqueOwner());
    expect((await api(uniqueOwner(), "POST", `/v1/leases/${created.id}/release`, {})).status).toBe(404);
    expect((await api(uniqueOwner(), "POST", "/v1/leases/cbx_ffffffffffff/release", {})).status).toBe(404);
  });
});
