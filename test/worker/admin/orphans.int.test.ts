import { beforeEach, describe, expect, it } from "vitest";
import { OrphansResponse } from "../../../src/api/admin";
import { FakeProviderError } from "../../support/fake-provider";
import {
  type ApiResponse,
  api,
  freshFleet,
  later,
  leaseRequest,
  minuteOrphanSweep,
  uniqueLeaseId,
  uniqueOwner,
} from "../../support/fleet-api";

let fakes: ReturnType<typeof freshFleet>;
beforeEach(() => {
  fakes = freshFleet(minuteOrphanSweep);
});

async function orphans(): Promise<OrphansResponse> {
  const res: ApiResponse = await api("admin", "GET", "/v1/admin/orphans");
  expect(res.status).toBe(200);
  // The answer is exactly what the published schema describes.
  return OrphansResponse.parse(res.body);
}

function entryFor(report: OrphansResponse, cloudID: string) {
  const entry = report.orphans.find((o) => o.machine.cloudID === cloudID);
  if (!entry) throw new Error(`no orphan entry for ${cloudID}: ${JSON.stringify(report.orphans)}`);
  return entry;
}

async function fleetEvents(type: string): Promise<{ id: string; seq: number; at: string; data: unknown }[]> {
  const res = await api("admin", "GET", `/v1/admin/events?stream=fleet&type=${type}`);
  return res.body.events;
}

// The tests of one file share the Fleet's storage (and its clock): each one plants machines
// with cloud IDs of its own and looks only at those; the empty list is checked first.
describe("GET /v1/admin/orphans", () => {
  it("lists nothing while every machine belongs to a live lease, and says which inventories it read", async () => {
    const who = uniqueOwner();
    await api(who, "POST", "/v1/leases", leaseRequest({ leaseID: uniqueLeaseId() }));

    const report = await orphans();
    expect(report.orphans).toEqual([]);
    expect(report.inventories).toEqual([
      { provider: "local", complete: true, machines: 1 },
      { provider: "hetzner", complete: true, machines: 0 },
    ]);
    expect(report.sweep).toMatchObject({ intervalMs: 60_000, graceMs: 60_000, deleteEnabled: true });
    expect(report.sweep.nextAt).toMatch(/Z$/);

    // A failed inventory is reported as incomplete, without the provider's own error text.
    fakes.hetzner.failNext("list", new FakeProviderError("upstream said token=s3cr3t"));
    const partial = await orphans();
    expect(partial.inventories[1]).toEqual({
      provider: "hetzner",
      complete: false,
      machines: 0,
      error: "provider hetzner list failed",
    });
    expect(JSON.stringify(partial)).not.toContain("s3cr3t");
  });

  it("shows a planted machine without a lease: first seen by one sweep, detected by the next a grace period later", async () => {
    const who = uniqueOwner();
    // A live lease arms the alarm; its own machine is never listed.
    const live = (await api(who, "POST", "/v1/leases", leaseRequest({ leaseID: uniqueLeaseId() }))).body
      .lease;
    const stray = fakes.local.plant("cbx_0123456789ab", {
      cloudID: "stray-unknown-lease",
      name: "crabbox-stray",
    });

    const before = await orphans();
    expect(before.orphans.map((o) => o.machine.cloudID)).toEqual([stray.cloudID]);
    expect(before.orphans[0]).toEqual({
      machine: {
        provider: "local",
        cloudID: stray.cloudID,
        name: "crabbox-stray",
        status: "running",
        serverType: "fake-small",
        labels: { crabbox: "true", created_by: "crabbox", lease: "cbx_0123456789ab" },
        inInventory: true,
      },
      reason: "unknown_lease",
      sweep: { state: "pending", reportOnly: "no_proof" },
      trail: [],
      trailOmitted: 0,
    });

    expect(await later(61_000)).toBe(true); // the sweep's first complete inventory
    const seen = entryFor(await orphans(), stray.cloudID);
    expect(seen.sweep.state).toBe("first_seen");
    expect(seen.sweep.firstSeenAt).toMatch(/Z$/);
    expect(seen.sweep.detected).toBeUndefined();
    expect(await fleetEvents("OrphanDetected")).toEqual([]);

    await later(61_000); // seen again, a grace period later: detected
    const report = await orphans();
    expect(report.orphans.map((o) => o.machine.cloudID)).not.toContain(live.cloudID);
    const detected = entryFor(report, stray.cloudID);
    const [event] = await fleetEvents("OrphanDetected");
    expect(event).toBeDefined();
    expect(detected.sweep).toEqual({
      state: "detected",
      firstSeenAt: seen.sweep.firstSeenAt,
      detected: { eventID: event?.id, seq: event?.seq, at: event?.at },
      reportOnly: "no_proof",
    });
    expect(Date.parse(event?.at ?? "") - Date.parse(seen.sweep.firstSeenAt ?? "")).toBeGreaterThanOrEqual(
      60_000,
    );
    expect(detected.trail.map((e) => [e.type, e.id])).toEqual([["OrphanDetected", event?.id]]);
    // Without proof the machine stays: reported only.
    expect(fakes.local.machines.has(stray.cloudID)).toBe(true);
  });

  it("shows the machine of a released lease whose delete failed, with its lease's trail, until the sweep deletes it with proof", async () => {
    const who = uniqueOwner();
    const leaseID = uniqueLeaseId();
    const lease = (await api(who, "POST", "/v1/leases", leaseRequest({ leaseID }))).body.lease;
    fakes.local.failNext("delete", new FakeProviderError("503 from the cloud", 503));
    await api(who, "POST", `/v1/leases/${leaseID}/release`, {});

    const pending = entryFor(await orphans(), lease.cloudID);
    expect(pending).toMatchObject({
      machine: { provider: "local", cloudID: lease.cloudID, status: "running", inInventory: true },
      reason: "lease_delete_pending",
      lease: {
        id: leaseID,
        slug: lease.slug,
        owner: who.owner,
        org: who.org,
        state: "released",
        machineState: "delete_failed",
        cloudID: lease.cloudID,
      },
      sweep: { state: "skipped" },
      trailOmitted: 0,
    });
    expect(pending.trail.map((e) => e.type)).toEqual([
      "LeaseRequested",
      "MachineProvisioned",
      "Released",
      "MachineDeleteRequested",
      "MachineDeleteFailed",
    ]);
    expect(new Set(pending.trail.map((e) => e.stream))).toEqual(new Set([`lease:${leaseID}`]));

    await later(61_000); // the delete retry succeeds…
    expect(fakes.local.machines.has(lease.cloudID)).toBe(false);
    expect((await orphans()).orphans.map((o) => o.machine.cloudID)).not.toContain(lease.cloudID);
    // …but the cloud shows the machine again: now an orphan the log proves it created.
    fakes.local.plant(leaseID, { cloudID: lease.cloudID });
    const back = entryFor(await orphans(), lease.cloudID);
    expect(back).toMatchObject({
      reason: "lease_ended",
      lease: { machineState: "deleted" },
      sweep: { state: "pending", proof: { stream: `lease:${leaseID}`, cloudID: lease.cloudID } },
    });
    expect(back.sweep.reportOnly).toBeUndefined();

    await later(61_000); // first seen
    await later(61_000); // detected and, with proof, deleted
    expect(fakes.local.machines.has(lease.cloudID)).toBe(false);
    const gone = entryFor(await orphans(), lease.cloudID);
    const [deleted] = await fleetEvents("OrphanDeleted");
    expect(gone.machine).toMatchObject({ status: "absent", inInventory: false });
    expect(gone.sweep.state).toBe("deleted");
    expect(gone.sweep.deleted).toEqual({
      eventID: deleted?.id,
      seq: deleted?.seq,
      at: deleted?.at,
      alreadyGone: false,
    });
    expect(gone.trail.map((e) => e.type)).toEqual([
      "LeaseRequested",
      "MachineProvisioned",
      "Released",
      "MachineDeleteRequested",
      "MachineDeleteFailed",
      "MachineDeleted",
      "OrphanDetected",
      "OrphanDeleted",
    ]);
    expect(JSON.stringify(gone)).not.toContain("fleet-shared-token");
  });

  it("refuses callers without the admin token", async () => {
    const res = await api(uniqueOwner(), "GET", "/v1/admin/orphans");
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: "forbidden", message: "admin token required" });
    expect(fakes.local.count("list")).toBe(0);
  });
});
