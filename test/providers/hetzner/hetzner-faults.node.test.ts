import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { providerKeyForLease } from "../../../src/domain/ids";
import { HetznerProvider } from "../../../src/providers/hetzner";
import type { ProvisionedMachine } from "../../../src/providers/provider";
import { FakeHetzner, type FaultRule, type HetznerFault } from "../../support/fake-hetzner";
import { machineSpec } from "../../support/machine-spec";
import { servedDuringFile } from "../../support/served-during-file";

const fake = new FakeHetzner();
const server = servedDuringFile(fake);

const targets: Array<{ method: string; path: RegExp; creates: boolean }> = [
  { method: "POST", path: /^\/servers$/, creates: true },
  { method: "POST", path: /^\/ssh_keys$/, creates: true },
  { method: "GET", path: /^\/servers$/, creates: false },
  { method: "GET", path: /^\/ssh_keys$/, creates: false },
  { method: "GET", path: /^\/servers\/\d+$/, creates: false },
  { method: "DELETE", path: /^\/servers\/\d+$/, creates: false },
  { method: "DELETE", path: /^\/ssh_keys\/\d+$/, creates: false },
];

const faultArb: fc.Arbitrary<HetznerFault> = fc.oneof(
  fc.constant<HetznerFault>({ kind: "server_error" }),
  fc.constant<HetznerFault>({ kind: "rate_limit", resetSeconds: 0 }),
  fc.constant<HetznerFault>({ kind: "hang" }),
  fc.constant<HetznerFault>({ kind: "late" }),
  fc.constant<HetznerFault>({ kind: "error", status: 412, code: "resource_unavailable" }),
  fc.constant<HetznerFault>({ kind: "error", status: 403, code: "resource_limit_exceeded" }),
);

const scheduleArb = fc.array(
  fc.record({
    target: fc.integer({ min: 0, max: targets.length - 1 }),
    fault: faultArb,
    times: fc.integer({ min: 1, max: 4 }),
  }),
  { maxLength: 5 },
);

function rulesOf(schedule: Array<{ target: number; fault: HetznerFault; times: number }>): FaultRule[] {
  return schedule.map(({ target, fault, times }) => {
    const t = targets[target]!;
    // "late" means the effect happened without an answer: only meaningful for creates.
    const effective = fault.kind === "late" && !t.creates ? ({ kind: "hang" } as const) : fault;
    return { method: t.method, path: t.path, fault: effective, times };
  });
}

function provider() {
  return new HetznerProvider({
    token: fake.token,
    baseUrl: server.url,
    retry: { timeoutMs: 60, maxRetries: 2, backoffMs: 0, sleep: async () => {} },
    ipPollMs: 0,
    ipWaitMs: 500,
  });
}

describe("Hetzner under any schedule of faults", () => {
  it("create returns the machine or leaves nothing it did not report, and delete converges to nothing", async () => {
    await fc.assert(
      fc.asyncProperty(scheduleArb, scheduleArb, async (createFaults, deleteFaults) => {
        fake.servers.clear();
        fake.keys.clear();
        fake.clearFaults();
        const spec = machineSpec("hetzner");
        const p = provider();
        fake.inject(...rulesOf(createFaults));
        let machine: ProvisionedMachine | undefined;
        let failure: { details?: { cleanup?: string } } | undefined;
        try {
          machine = await p.create(spec);
        } catch (error) {
          failure = error as typeof failure;
        }
        const after = fake.inventory();
        if (machine) {
          expect(after.servers.map((s) => String(s.id))).toEqual([machine.cloudID]);
          expect(after.keys.map((k) => k.name)).toEqual([providerKeyForLease(spec.leaseID)]);
        } else if (failure?.details?.cleanup !== "incomplete") {
          expect(after).toEqual({ servers: [], keys: [] });
        }
        // Whatever is left, the coordinator's delete retries must clear it.
        fake.clearFaults();
        fake.inject(...rulesOf(deleteFaults));
        // Faults are finite (at most 5 rules × 4 uses), so enough retries always get through.
        for (let round = 0; round < 30; round++) {
          try {
            await p.delete({ cloudID: machine?.cloudID ?? "", leaseID: spec.leaseID });
            break;
          } catch {
            // the next round retries, as the coordinator's delete backoff does
          }
        }
        expect(fake.inventory()).toEqual({ servers: [], keys: [] });
      }),
      { numRuns: 30 },
    );
  }, 60_000);
});
