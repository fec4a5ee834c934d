import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { providerKeyForLease } from "../../../src/domain/ids";
import { AwsProvider } from "../../../src/providers/aws";
import type { ProvisionedMachine } from "../../../src/providers/provider";
import { type Ec2Fault, type Ec2FaultRule, FakeEc2 } from "../../support/fake-ec2";
import { machineSpec } from "../../support/machine-spec";
import { servedDuringFile } from "../../support/served-during-file";

const fake = new FakeEc2();
const server = servedDuringFile(fake);

const actions = [
  { action: "RunInstances", creates: true },
  { action: "ImportKeyPair", creates: true },
  { action: "CreateSecurityGroup", creates: true },
  { action: "AuthorizeSecurityGroupIngress", creates: true },
  { action: "DescribeInstances", creates: false },
  { action: "DescribeImages", creates: false },
  { action: "TerminateInstances", creates: true },
  { action: "DeleteSecurityGroup", creates: true },
  { action: "DeleteKeyPair", creates: true },
  { action: "DescribeSecurityGroups", creates: false },
  { action: "DescribeKeyPairs", creates: false },
];

const faultArb: fc.Arbitrary<Ec2Fault> = fc.oneof(
  fc.constant<Ec2Fault>({ kind: "server_error" }),
  fc.constant<Ec2Fault>({ kind: "throttle" }),
  fc.constant<Ec2Fault>({ kind: "rate_limit", retryAfterSeconds: 0 }),
  fc.constant<Ec2Fault>({ kind: "hang" }),
  fc.constant<Ec2Fault>({ kind: "late" }),
  fc.constant<Ec2Fault>({ kind: "error", status: 500, code: "InsufficientInstanceCapacity" }),
  fc.constant<Ec2Fault>({ kind: "error", code: "VcpuLimitExceeded" }),
  fc.constant<Ec2Fault>({ kind: "error", code: "MaxSpotInstanceCountExceeded" }),
);

const scheduleArb = fc.array(
  fc.record({
    target: fc.integer({ min: 0, max: actions.length - 1 }),
    fault: faultArb,
    times: fc.integer({ min: 1, max: 4 }),
  }),
  { maxLength: 5 },
);

/** Capacity refusals per type and market, so the ladder itself is exercised too. */
const refusalsArb = fc.subarray(
  ["c7a.4xlarge/spot", "c7a.4xlarge/on-demand", "c7i.8xlarge/spot", "t3.small/on-demand", "t3.small/spot"],
  { maxLength: 5 },
);

function rulesOf(schedule: Array<{ target: number; fault: Ec2Fault; times: number }>): Ec2FaultRule[] {
  return schedule.map(({ target, fault, times }) => {
    const a = actions[target]!;
    const effective: Ec2Fault = fault.kind === "late" && !a.creates ? { kind: "hang" } : fault;
    return { action: a.action, fault: effective, times };
  });
}

describe("AWS under any schedule of faults", () => {
  it("create returns the machine or leaves nothing it did not report, and delete converges to nothing", async () => {
    await fc.assert(
      fc.asyncProperty(
        scheduleArb,
        scheduleArb,
        refusalsArb,
        async (createFaults, deleteFaults, refusals) => {
          fake.reset();
          fake.ipAfterPolls = 1;
          for (const r of refusals) fake.refusals.set(r, "InsufficientInstanceCapacity");
          const spec = machineSpec("aws", {
            class: "standard",
            serverType: "c7a.4xlarge",
            sshCIDRs: ["203.0.113.7/32"],
          });
          const provider = new AwsProvider({
            credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey },
            endpoint: () => server.url,
            retry: { timeoutMs: 50, maxRetries: 2, backoffMs: 0, sleep: async () => {} },
            pollMs: 0,
            ipWaitMs: 1_000,
            terminateWaitMs: 1_000,
          });
          fake.inject(...rulesOf(createFaults));
          let machine: ProvisionedMachine | undefined;
          let failure: { details?: { cleanup?: string } } | undefined;
          try {
            machine = await provider.create(spec);
          } catch (error) {
            failure = error as typeof failure;
          }
          const after = fake.inventory();
          if (machine) {
            expect(after.instances.map((i) => i.id)).toEqual([machine.cloudID]);
            expect(after.keyPairs.map((k) => k.name)).toEqual([providerKeyForLease(spec.leaseID)]);
            expect(after.groups).toHaveLength(1);
          } else if (failure?.details?.cleanup !== "incomplete") {
            expect(after).toEqual({ instances: [], keyPairs: [], groups: [] });
          }
          fake.clearFaults();
          fake.inject(...rulesOf(deleteFaults));
          // Faults are finite (at most 5 rules × 4 uses), so enough retries always get through.
          for (let round = 0; round < 30; round++) {
            try {
              await provider.delete({
                cloudID: machine?.cloudID ?? "",
                leaseID: spec.leaseID,
                region: machine?.region,
              });
              break;
            } catch {
              // retried like the coordinator's delete backoff
            }
          }
          expect(fake.inventory()).toEqual({ instances: [], keyPairs: [], groups: [] });
        },
      ),
      { numRuns: 25 },
    );
  }, 90_000);
});
