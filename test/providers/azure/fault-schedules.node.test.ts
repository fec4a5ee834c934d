/**
 * Property: whatever faults ARM throws at a create (capacity, quota, spot refusal, 5xx, 429,
 * hangs, async failures, dependency locks on delete, a VM that appears after its create
 * timed out), no resource is left in the cloud that the returned machine does not name, and
 * deleting the lease afterwards converges to nothing left.
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { namesForLease, namesForVm } from "../../../src/providers/azure/names";
import type { ArmFault, ArmResourceType, FaultRule, RunningFakeArm } from "../../support/fake-arm";
import { startFakeArm } from "../../support/fake-arm";
import { leaseSpec, providerFor } from "./harness";

let arm: RunningFakeArm;
beforeAll(async () => {
  arm = await startFakeArm({ lroPolls: 1, lroMs: 200 });
});
afterAll(async () => {
  await arm.close();
});

const targets: Array<{ method: string; type: ArmResourceType }> = [
  { method: "PUT", type: "publicIPAddress" },
  { method: "PUT", type: "networkInterface" },
  { method: "PUT", type: "virtualMachine" },
  { method: "PUT", type: "vmExtension" },
  { method: "PATCH", type: "disk" },
  { method: "GET", type: "publicIPAddress" },
  { method: "GET", type: "virtualMachine" },
  { method: "DELETE", type: "virtualMachine" },
  { method: "DELETE", type: "networkInterface" },
  { method: "DELETE", type: "publicIPAddress" },
  { method: "DELETE", type: "disk" },
];

const faults: fc.Arbitrary<ArmFault> = fc.oneof(
  fc.constant<ArmFault>({ kind: "error", status: 409, code: "SkuNotAvailable" }),
  fc.constant<ArmFault>({
    kind: "error",
    status: 409,
    code: "OperationNotAllowed",
    message: "quota exceeded",
  }),
  fc.constant<ArmFault>({ kind: "error", status: 503, code: "ServiceUnavailable" }),
  fc.constant<ArmFault>({ kind: "error", status: 429, code: "TooManyRequests", retryAfterSeconds: 0 }),
  fc.constant<ArmFault>({ kind: "error", status: 409, code: "Conflict" }),
  fc.constant<ArmFault>({ kind: "error", status: 400, code: "NicReservedForAnotherVm" }),
  fc.constant<ArmFault>({ kind: "error", status: 400, code: "InvalidParameter" }),
  fc.constant<ArmFault>({ kind: "asyncFail", code: "AllocationFailed" }),
  fc.constant<ArmFault>({ kind: "hang" }),
  fc.constant<ArmFault>({ kind: "locationOnly" }),
  fc.integer({ min: 30, max: 300 }).map<ArmFault>((ms) => ({ kind: "lateCreate", appearAfterMs: ms })),
);

const schedule = fc.array(
  fc.record({ target: fc.constantFrom(...targets), fault: faults, times: fc.integer({ min: 1, max: 3 }) }),
  { maxLength: 5 },
);

function leaseResources(leaseID: string, vm: string) {
  const names = new Set(Object.values(namesForVm(vm)).map((n) => n.toLowerCase()));
  return arm.fake
    .all()
    .filter((r) => r.type !== "vmExtension")
    .filter((r) => r.body?.tags?.lease === leaseID || names.has(r.name.toLowerCase()));
}

describe("azure create under arbitrary fault schedules", () => {
  it("leaves nothing the returned machine does not name, and delete converges", async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        schedule,
        fc.constantFrom("linux", "windows"),
        fc.constantFrom("spot", "on-demand"),
        async (rules, target, market) => {
          arm.fake.reset();
          run++;
          const leaseID = `cbx_${run.toString(16).padStart(12, "0")}`;
          for (const rule of rules) {
            const lateOnlyForVm = rule.fault.kind === "lateCreate" && rule.target.type !== "virtualMachine";
            if (lateOnlyForVm || (rule.fault.kind === "lateCreate" && rule.target.method !== "PUT")) continue;
            arm.fake.inject({ ...rule.target, fault: rule.fault, times: rule.times } as FaultRule);
          }
          const provider = providerFor(arm, {
            timeouts: { callMs: 250, networkMs: 600, vmCreateMs: 400, extensionMs: 400, ipWaitMs: 400 },
            deleteAttempts: 4,
            deleteRetryDelayMs: 40,
            retry: { maxRetries: 2, retryDelayMs: 5, maxRetryDelayMs: 20 },
          });
          const spec = leaseSpec({
            leaseID,
            target,
            market,
            serverType: target === "windows" ? "Standard_D2ads_v6" : "Standard_D32ads_v6",
            class: "standard",
          });
          const vmName = namesForLease(spec.leaseID, spec.slug).vm;

          const outcome = await provider.create(spec).then(
            (machine) => ({ machine }),
            (error: unknown) => ({ error }),
          );
          if ("machine" in outcome) {
            const allowed = new Set(
              Object.values(namesForVm(outcome.machine.cloudID)).map((n) => n.toLowerCase()),
            );
            for (const resource of leaseResources(leaseID, vmName)) {
              expect(allowed.has(resource.name.toLowerCase()), resource.id).toBe(true);
            }
            expect(arm.fake.all("virtualMachine")).toHaveLength(1);
          } else if (!(outcome.error as { details?: { cleanupPending?: boolean } }).details?.cleanupPending) {
            // A failure that does not say "clean-up pending" has removed everything, the
            // not-yet-visible VM of a timed-out create included.
            expect(leaseResources(leaseID, vmName)).toEqual([]);
          }

          // The coordinator deletes an ended lease (and a failed create's leftovers) by VM name
          // until the provider reports it gone; faults are over by then.
          arm.fake.clearFaults();
          let converged = false;
          for (let attempt = 0; attempt < 8 && !converged; attempt++) {
            converged = await provider.delete({ cloudID: vmName, leaseID }).then(
              () => true,
              () => false,
            );
            if (converged && leaseResources(leaseID, vmName).length > 0) converged = false;
            if (!converged) await new Promise((r) => setTimeout(r, 100));
          }
          expect(converged).toBe(true);
          expect(leaseResources(leaseID, vmName)).toEqual([]);
        },
      ),
      { numRuns: 30, seed: Number(process.env.FC_SEED ?? 20261128) },
    );
  }, 120_000);
});
