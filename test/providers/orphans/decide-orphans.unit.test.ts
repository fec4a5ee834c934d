import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decideOrphans,
  type LeaseFacts,
  type OrphanSnapshot,
  orphanKey,
  type ProviderInventory,
} from "../../../src/providers/orphans";
import type { ProviderMachine } from "../../../src/providers/provider";

const grace = 15 * 60_000;
const t0 = Date.UTC(2026, 10, 28, 12);

function machine(cloudID: string, labels: Record<string, string>): ProviderMachine {
  return {
    provider: "hetzner",
    cloudID,
    name: `crabbox-${cloudID}`,
    status: "running",
    serverType: "cx53",
    labels,
  };
}

const lease = (id: string) => `cbx_${id.padStart(12, "0")}`;

function view(facts: LeaseFacts[]) {
  const byID = new Map(facts.map((f) => [f.leaseID, f]));
  return (leaseID: string) => byID.get(leaseID);
}

function inventory(takenAt: number, machines: ProviderMachine[], complete = true): ProviderInventory {
  return { provider: "hetzner", takenAt, complete, machines };
}

describe("the orphan sweep's decision", () => {
  const ended: LeaseFacts = {
    leaseID: lease("a"),
    state: "ended",
    provider: "hetzner",
    cloudIDs: ["101"],
    machineDeleted: true,
  };
  const active: LeaseFacts = {
    leaseID: lease("b"),
    state: "active",
    provider: "hetzner",
    cloudIDs: ["102"],
    machineDeleted: false,
  };
  const deleting: LeaseFacts = {
    leaseID: lease("c"),
    state: "ended",
    provider: "hetzner",
    cloudIDs: ["103"],
    machineDeleted: false,
  };
  const leases = view([ended, active, deleting]);
  const machines = [
    machine("101", { lease: lease("a") }),
    machine("102", { lease: lease("b") }),
    machine("103", { lease: lease("c") }),
    machine("104", { lease: lease("d") }),
    machine("105", {}),
    machine("106", { lease: lease("a") }),
    machine("107", { lease: lease("d"), keep: "true" }),
  ];

  it("decides nothing on the first sighting, only remembers the candidates", () => {
    const first = decideOrphans(inventory(t0, machines), leases, undefined, t0, grace);
    expect(first.detections).toEqual([]);
    expect(first.deletions).toEqual([]);
    expect(Object.keys(first.snapshot.firstSeen).sort()).toEqual(
      ["101", "104", "105", "106"].map((id) => orphanKey("hetzner", id)),
    );
  });

  it("decides nothing when the second inventory comes before the grace period", () => {
    const first = decideOrphans(inventory(t0, machines), leases, undefined, t0, grace);
    const early = decideOrphans(
      inventory(t0 + grace - 1, machines),
      leases,
      first.snapshot,
      t0 + grace - 1,
      grace,
    );
    expect(early.detections).toEqual([]);
    expect(early.snapshot.firstSeen[orphanKey("hetzner", "101")]).toBe(t0);
  });

  it("detects after two complete inventories a grace period apart, and deletes only with proof", () => {
    const first = decideOrphans(inventory(t0, machines), leases, undefined, t0, grace);
    const second = decideOrphans(inventory(t0 + grace, machines), leases, first.snapshot, t0 + grace, grace);
    expect(second.detections.map((d) => [d.cloudID, d.reason])).toEqual([
      ["101", "lease_ended"],
      ["104", "unknown_lease"],
      ["105", "missing_lease_label"],
      ["106", "lease_ended"],
    ]);
    // 106 claims lease a, but lease a's stream never named 106: report only.
    expect(second.deletions).toEqual([
      {
        provider: "hetzner",
        cloudID: "101",
        leaseID: lease("a"),
        proof: { stream: `lease:${lease("a")}`, cloudID: "101" },
      },
    ]);
  });

  it("ignores an incomplete inventory and keeps the previous snapshot", () => {
    const first = decideOrphans(inventory(t0, machines), leases, undefined, t0, grace);
    const partial = decideOrphans(
      inventory(t0 + grace, [], false),
      leases,
      first.snapshot,
      t0 + grace,
      grace,
    );
    expect(partial).toEqual({ detections: [], deletions: [], snapshot: first.snapshot });
  });

  it("forgets a candidate that disappeared, so its clock restarts if it comes back", () => {
    const first = decideOrphans(inventory(t0, machines), leases, undefined, t0, grace);
    const gone = decideOrphans(inventory(t0 + grace, []), leases, first.snapshot, t0 + grace, grace);
    const back = decideOrphans(
      inventory(t0 + 2 * grace, machines),
      leases,
      gone.snapshot,
      t0 + 2 * grace,
      grace,
    );
    expect(back.detections).toEqual([]);
  });

  it("does not detect twice what the log already records, but retries its deletion; report-only mode deletes nothing", () => {
    const first = decideOrphans(inventory(t0, machines), leases, undefined, t0, grace);
    const again = decideOrphans(inventory(t0 + grace, machines), leases, first.snapshot, t0 + grace, grace, {
      alreadyDetected: new Set([orphanKey("hetzner", "101")]),
    });
    expect(again.detections.map((d) => d.cloudID)).not.toContain("101");
    expect(again.deletions.map((d) => d.cloudID)).toEqual(["101"]);
    const reportOnly = decideOrphans(
      inventory(t0 + grace, machines),
      leases,
      first.snapshot,
      t0 + grace,
      grace,
      {
        deleteEnabled: false,
      },
    );
    expect(reportOnly.deletions).toEqual([]);
    expect(reportOnly.detections).toHaveLength(4);
  });
});

describe("orphan decisions under any inventories and log", () => {
  const leaseIDs = ["a", "b", "c", "d"].map(lease);
  const factsArb = fc.record({
    leaseID: fc.constantFrom(...leaseIDs),
    state: fc.constantFrom<LeaseFacts["state"]>("provisioning", "active", "ended"),
    provider: fc.constantFrom<LeaseFacts["provider"]>("hetzner", "aws"),
    cloudIDs: fc.subarray(["1", "2", "3", "4", "5"]),
    machineDeleted: fc.boolean(),
  });
  const machineArb = fc.record({
    cloudID: fc.constantFrom("1", "2", "3", "4", "5", "6"),
    lease: fc.option(fc.constantFrom(...leaseIDs, "not-a-lease"), { nil: undefined }),
    keep: fc.boolean(),
  });
  const sweepArb = fc.record({
    gap: fc.integer({ min: 0, max: 2 * grace }),
    complete: fc.boolean(),
    machines: fc.uniqueArray(machineArb, { selector: (m) => m.cloudID, maxLength: 6 }),
  });

  it("never deletes without the lease stream naming the cloud id, never touches live or kept machines, never acts before the grace", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(factsArb, { selector: (f) => f.leaseID }),
        fc.array(sweepArb, { minLength: 1, maxLength: 5 }),
        (facts, sweeps) => {
          const leases = view(facts);
          let snapshot: OrphanSnapshot | undefined;
          let now = t0;
          const sightings = new Map<string, number[]>();
          for (const sweep of sweeps) {
            now += sweep.gap;
            const machines = sweep.machines.map((m) =>
              machine(m.cloudID, {
                ...(m.lease ? { lease: m.lease } : {}),
                ...(m.keep ? { keep: "true" } : {}),
              }),
            );
            const decision = decideOrphans(
              inventory(now, machines, sweep.complete),
              leases,
              snapshot,
              now,
              grace,
            );
            if (sweep.complete) {
              for (const m of machines) sightings.set(m.cloudID, [...(sightings.get(m.cloudID) ?? []), now]);
            }
            for (const d of decision.deletions) {
              const f = leases(d.leaseID);
              expect(f?.provider).toBe("hetzner");
              expect(f?.cloudIDs).toContain(d.cloudID);
              expect(d.proof).toEqual({ stream: `lease:${d.leaseID}`, cloudID: d.cloudID });
            }
            for (const d of [...decision.detections, ...decision.deletions]) {
              const m = machines.find((x) => x.cloudID === d.cloudID)!;
              expect(m.labels.keep).not.toBe("true");
              const state = m.labels.lease ? leases(m.labels.lease)?.state : undefined;
              expect(state === "active" || state === "provisioning").toBe(false);
              expect(sweep.complete).toBe(true);
              const seen = sightings.get(d.cloudID) ?? [];
              expect(seen.length).toBeGreaterThanOrEqual(2);
              expect(now - (seen[0] ?? now)).toBeGreaterThanOrEqual(grace);
            }
            snapshot = decision.snapshot;
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
