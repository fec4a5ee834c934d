/**
 * Property: whatever interleaving of creates, retries, conflicting creates, heartbeats,
 * releases, alarms and provider failures (errors, slowness, timeouts, machines that appear
 * late) a client drives over HTTP, the coordinator never leaves
 *   - a machine in the provider's inventory without a lease that knows it or will clean it up,
 *   - a lease without a terminal clean-up path,
 * and once time has run past every TTL and the alarm has done its work, no machine is left.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { FakeProvider } from "../support/fake-provider";
import { FakeProviderError } from "../support/fake-provider";
import { api, freshFleet, later, leaseRequest, uniqueLeaseId, uniqueOwner } from "../support/fleet-api";

interface World {
  fake: FakeProvider;
  ids: string[];
  who: { owner: string; org: string };
}

type Lease = {
  id: string;
  state: string;
  machineState: string;
  cloudID?: string;
  nextDeleteAttemptAt?: string;
};

const live = new Set(["provisioning", "active"]);

async function leases(world: World): Promise<Map<string, Lease>> {
  const found = new Map<string, Lease>();
  for (const id of world.ids) {
    const res = await api("admin", "GET", `/v1/leases/${id}`);
    if (res.status === 200) found.set(id, res.body.lease);
    else expect(res.status).toBe(404);
  }
  return found;
}

async function checkInvariants(world: World): Promise<void> {
  const known = await leases(world);
  const machinesPerLease = new Map<string, number>();
  for (const machine of world.fake.machines.values()) {
    const leaseID = machine.labels.lease ?? "";
    machinesPerLease.set(leaseID, (machinesPerLease.get(leaseID) ?? 0) + 1);
    const lease = known.get(leaseID);
    // Never a machine the log does not name.
    expect(lease, `machine ${machine.cloudID} has no lease`).toBeDefined();
    if (!lease) continue;
    if (lease.cloudID === machine.cloudID) {
      // Ended: being deleted, or kept on the owner's explicit request (`delete: false`).
      if (!live.has(lease.state))
        expect(["delete_requested", "delete_failed", "kept"]).toContain(lease.machineState);
    } else {
      // A machine the lease does not know yet: only while the provisioning outcome is open, or
      // for an ended lease whose late-machine check is still to come.
      expect(lease.machineState).toBe("none");
    }
  }
  for (const [id, count] of machinesPerLease) expect(count, `machines for ${id}`).toBe(1);
  for (const lease of known.values()) {
    expect(["provisioning", "active", "released", "expired", "failed"]).toContain(lease.state);
    if (lease.machineState === "delete_failed") expect(lease.nextDeleteAttemptAt).toBeDefined();
    if (!live.has(lease.state)) expect(lease.machineState).not.toBe("present");
  }
}

async function drain(world: World): Promise<void> {
  await later(3 * 86_400_000);
  for (let i = 0; i < 12; i++) await later(120_000);
  // Machines kept on request stay until an admin deletes them.
  for (const lease of (await leases(world)).values()) {
    if (lease.machineState === "kept") {
      const res = await api("admin", "POST", `/v1/admin/leases/${lease.id}/delete`);
      expect(res.status, res.text).toBe(200);
    }
  }
  for (let i = 0; i < 12; i++) await later(120_000);
  const known = await leases(world);
  for (const lease of known.values()) {
    expect(live.has(lease.state), `${lease.id} still ${lease.state}`).toBe(false);
    expect(["none", "deleted"], `${lease.id} machine ${lease.machineState}`).toContain(lease.machineState);
  }
  expect([...world.fake.machines.values()].filter((m) => world.ids.includes(m.labels.lease ?? ""))).toEqual(
    [],
  );
}

type Step =
  | { kind: "create"; lease: number; variant: 0 | 1; copies: number }
  | { kind: "heartbeat"; lease: number }
  | { kind: "release"; lease: number; delete: boolean | undefined }
  | { kind: "alarm"; ms: number }
  | { kind: "fail"; method: "create" | "delete" | "findByLease"; times: number }
  | { kind: "slow"; ms: number }
  | { kind: "late-machine"; lease: number };

const step: fc.Arbitrary<Step> = fc.oneof(
  { depthSize: "small" },
  fc.record({
    kind: fc.constant("create" as const),
    lease: fc.nat(2),
    variant: fc.constantFrom(0 as const, 0 as const, 1 as const),
    copies: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({ kind: fc.constant("heartbeat" as const), lease: fc.nat(2) }),
  fc.record({
    kind: fc.constant("release" as const),
    lease: fc.nat(2),
    delete: fc.option(fc.boolean(), { nil: undefined }),
  }),
  fc.record({ kind: fc.constant("alarm" as const), ms: fc.constantFrom(1_000, 30_000, 200_000, 700_000) }),
  fc.record({
    kind: fc.constant("fail" as const),
    method: fc.constantFrom("create" as const, "delete" as const, "findByLease" as const),
    times: fc.integer({ min: 1, max: 2 }),
  }),
  {
    arbitrary: fc.record({ kind: fc.constant("slow" as const), ms: fc.constantFrom(0, 5, 60, 60) }),
    weight: 2,
  },
  { arbitrary: fc.record({ kind: fc.constant("late-machine" as const), lease: fc.nat(2) }), weight: 2 },
);

async function perform(world: World, s: Step): Promise<void> {
  switch (s.kind) {
    case "create": {
      const leaseID = world.ids[s.lease] as string;
      const body = leaseRequest({
        leaseID,
        ttlSeconds: 900,
        idleTimeoutSeconds: s.variant === 0 ? 300 : 400,
      });
      const answers = await Promise.all(
        Array.from({ length: s.copies }, () => api(world.who, "POST", "/v1/leases", body)),
      );
      for (const res of answers) expect([200, 201, 202, 409, 502, 504], res.text).toContain(res.status);
      return;
    }
    case "heartbeat": {
      const res = await api(world.who, "POST", `/v1/leases/${world.ids[s.lease]}/heartbeat`, {});
      expect([200, 404, 409], res.text).toContain(res.status);
      return;
    }
    case "release": {
      const body = s.delete === undefined ? {} : { delete: s.delete };
      const res = await api(world.who, "POST", `/v1/leases/${world.ids[s.lease]}/release`, body);
      expect([200, 404], res.text).toContain(res.status);
      return;
    }
    case "alarm":
      await later(s.ms);
      return;
    case "fail":
      world.fake.failNext(s.method, new FakeProviderError(`${s.method} refused`), s.times);
      return;
    case "slow":
      world.fake.delay("create", s.ms);
      return;
    case "late-machine": {
      // The cloud made a machine for a lease whose create the coordinator gave up on.
      const leaseID = world.ids[s.lease] as string;
      const lease = (await api("admin", "GET", `/v1/leases/${leaseID}`)).body.lease;
      if (
        lease &&
        lease.machineState === "none" &&
        !lease.cloudID &&
        lease.state !== "failed" &&
        !world.fake.machineForLease(leaseID)
      ) {
        world.fake.plant(leaseID);
      }
      return;
    }
  }
}

describe("the lease API under random interleavings", () => {
  it("never leaves a machine without a lease, nor a lease without a clean-up path", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 3, maxLength: 18 }), async (steps) => {
        const fakes = freshFleet({
          CRABBOX_PROVISION_WAIT_MS: "20",
          CRABBOX_PROVIDER_CREATE_TIMEOUT_MS: "40",
          CRABBOX_RECONCILE_GRACE_MS: "1000",
          CRABBOX_DELETE_RETRY_BASE_MS: "1000",
          CRABBOX_DELETE_RETRY_MAX_MS: "60000",
        });
        const world: World = {
          fake: fakes.local,
          ids: [uniqueLeaseId(), uniqueLeaseId(), uniqueLeaseId()],
          who: uniqueOwner("prop"),
        };
        for (const s of steps) {
          await perform(world, s);
          await checkInvariants(world);
        }
        world.fake.delay("create", 0);
        // Let any provider call still in flight settle before time runs out.
        await world.fake.settled();
        await drain(world);
      }),
      { numRuns: 40, endOnFailure: true },
    );
  }, 120_000);
});
