import { evictDurableObject } from "cloudflare:test";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import type { FakeMethod, FakeProvider } from "../../support/fake-provider";
import {
  api,
  fleetStub,
  later,
  leaseRequest,
  uniqueLeaseId,
  uniqueOwner,
  useFleetProviders,
} from "../../support/fleet-api";
import { drainPools, localPool, pooledFleet, readPools } from "./support";

/**
 * Random schedules against the real Fleet (claim transaction, pool keeper, lease decider,
 * projections) with a fake provider behind it: fills and expiry (the alarm, with the clock moved),
 * claims and retried claims (`POST /v1/leases`), releases, crashes (the Durable Object evicted:
 * everything in memory lost, the log kept) and provider failures. After every step, every
 * machine the provider holds is named by a live pool or lease record, and no machine is on two
 * leases (docs/event-log.md#ready-pools). At the end, with the pool removed and every lease
 * released, the alarm deletes every machine.
 */

type Step =
  | { kind: "tick"; ms: number }
  | { kind: "claim" }
  | { kind: "retry" }
  | { kind: "release"; pick: number }
  | { kind: "crash" }
  | { kind: "fail"; method: FakeMethod };

const step: fc.Arbitrary<Step> = fc.oneof(
  {
    arbitrary: fc.constantFrom(0, 1_000, 30_000, 61_000).map((ms) => ({ kind: "tick" as const, ms })),
    weight: 3,
  },
  { arbitrary: fc.constant({ kind: "claim" as const }), weight: 3 },
  { arbitrary: fc.constant({ kind: "retry" as const }), weight: 1 },
  { arbitrary: fc.nat(20).map((pick) => ({ kind: "release" as const, pick })), weight: 2 },
  { arbitrary: fc.constant({ kind: "crash" as const }), weight: 1 },
  {
    arbitrary: fc
      .constantFrom<FakeMethod>("create", "delete", "authorizeKey", "findByLease")
      .map((method) => ({ kind: "fail" as const, method })),
    weight: 2,
  },
);

interface Event {
  type: string;
  data: Record<string, unknown>;
}

async function streamEvents(stream: string): Promise<Event[]> {
  const res = await api("admin", "GET", `/v1/admin/events?stream=${encodeURIComponent(stream)}&limit=500`);
  expect(res.status, res.text).toBe(200);
  return res.body.events;
}

interface Sent {
  who: { owner: string; org: string };
  body: Record<string, unknown>;
}

/** No machine without a live pool or lease record; no machine on two leases. */
async function checkOwnership(fake: FakeProvider, leases: Sent[]): Promise<void> {
  const holders = new Map<string, string[]>();
  for (const { body } of leases) {
    const leaseID = body.leaseID as string;
    for (const e of await streamEvents(`lease:${leaseID}`)) {
      const cloudID = e.data.cloudID as string | undefined;
      if (cloudID && ["MachineClaimedFromPool", "MachineProvisioned", "MachineAdopted"].includes(e.type)) {
        const seen = holders.get(cloudID) ?? [];
        if (!seen.includes(leaseID)) seen.push(leaseID);
        holders.set(cloudID, seen);
      }
    }
  }
  for (const [cloudID, on] of holders) expect(on, `machine ${cloudID} on two leases`).toHaveLength(1);

  for (const machine of fake.machines.values()) {
    const label = machine.labels.lease as string;
    const pool = await streamEvents(`pool:${label}`);
    if (pool.length) {
      expect(pool.filter((e) => e.type === "PoolMachineClaimed").length).toBeLessThanOrEqual(1);
      const last = pool.at(-1) as Event;
      if (last.type === "PoolMachineClaimed") {
        const leaseID = last.data.leaseID as string;
        const trail = await streamEvents(`lease:${leaseID}`);
        const claim = trail.find((e) => e.type === "MachineClaimedFromPool");
        expect(claim?.data.cloudID, `pool machine ${label} claimed by ${leaseID}`).toBe(machine.cloudID);
        expect(
          trail.map((e) => e.type),
          `lease ${leaseID} forgot machine ${machine.cloudID}`,
        ).not.toContain("MachineDeleted");
      } else {
        expect(
          ["PoolMachineRequested", "PoolMachineReady", "PoolMachineExpired"],
          `pool machine ${label} (${machine.cloudID}) ended as ${last.type} but still exists`,
        ).toContain(last.type);
      }
      continue;
    }
    const trail = await streamEvents(`lease:${label}`);
    expect(
      trail.length,
      `machine ${machine.cloudID} (label ${label}) has no pool or lease record`,
    ).toBeGreaterThan(0);
    expect(
      trail.map((e) => e.type),
      `lease ${label} forgot machine ${machine.cloudID}`,
    ).not.toContain("MachineDeleted");
  }
}

async function run(fake: FakeProvider, steps: Step[]): Promise<void> {
  const sent: Sent[] = [];
  const post = async ({ who, body }: Sent) => {
    const res = await api(who, "POST", "/v1/leases", body);
    // A provider failure may refuse a create; it is never an internal error.
    expect(res.status, res.text).not.toBe(500);
    return res;
  };
  for (const s of steps) {
    switch (s.kind) {
      case "tick":
        await later(s.ms);
        break;
      case "claim": {
        const request = { who: uniqueOwner(), body: leaseRequest({ leaseID: uniqueLeaseId() }) };
        sent.push(request);
        await post(request);
        break;
      }
      case "retry": {
        const last = sent.at(-1);
        if (!last) break;
        const first = await api(last.who, "GET", `/v1/leases/${last.body.leaseID}`);
        const again = await post(last);
        // The same lease answers, on the same machine: a retry never claims a second one.
        if (first.status === 200 && again.status < 300 && first.body.lease.cloudID)
          expect(again.body.lease.cloudID).toBe(first.body.lease.cloudID);
        break;
      }
      case "release": {
        const target = sent[s.pick % Math.max(1, sent.length)];
        if (!target) break;
        const res = await api(target.who, "POST", `/v1/leases/${target.body.leaseID}/release`, {});
        expect(res.status, res.text).not.toBe(500);
        break;
      }
      case "crash":
        await fake.settled();
        await readPools(); // an evicted object must be running to be evicted again
        await evictDurableObject(fleetStub());
        break;
      case "fail":
        fake.failNext(s.method);
        break;
    }
    await fake.settled();
    await checkOwnership(fake, sent);
  }

  // Quiescence: no pool, every lease released; the alarm must delete every machine.
  useFleetProviders({ local: fake }, { CRABBOX_POOLS: "[]" });
  for (const { who, body } of sent) await api(who, "POST", `/v1/leases/${body.leaseID}/release`, {});
  for (let i = 0; i < 30 && fake.machines.size > 0; i++) {
    await later(61_000);
    await fake.settled();
  }
  expect([...fake.machines.keys()], "machines left after every lease ended and the pool went").toEqual([]);
  await checkOwnership(fake, sent);
}

beforeEach(drainPools);

describe("ready pools under random schedules", () => {
  it("never leaves a machine without a pool or lease record, and never puts two leases on one machine", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 4, maxLength: 16 }), async (steps) => {
        const fakes = pooledFleet([{ ...localPool, min: 2, max: 3, maxReadyAgeSeconds: 60 }]);
        await readPools();
        await run(fakes.local, steps);
      }),
      { numRuns: 15 },
    );
  });
});
