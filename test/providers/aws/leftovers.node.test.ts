/**
 * Issue 15, AWS 1 against the EC2 fake, which keeps answering DependencyViolation to
 * DeleteSecurityGroup for a while after the instance reports `terminated`: delete waits it
 * out with backoff, a group that stays held never strands the key pair, and the inventory
 * shows crabbox groups and key pairs no live instance's lease holds, deletable one by one
 * with the proof of the instance they were made for.
 */
import { afterEach, describe, expect, it } from "vitest";
import type { CrabboxError } from "../../../src/errors";
import { AwsProvider } from "../../../src/providers/aws";
import { decideOrphans, type LeaseView } from "../../../src/providers/orphans";
import { FakeEc2 } from "../../support/fake-ec2";
import { machineSpec } from "../../support/machine-spec";
import { servedDuringFile } from "../../support/served-during-file";

const fake = new FakeEc2();
const server = servedDuringFile(fake);
let sleeps: number[] = [];
afterEach(() => fake.reset());

function provider() {
  sleeps = [];
  const sleep = async (ms: number) => {
    sleeps.push(ms);
  };
  return new AwsProvider({
    credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey },
    endpoint: () => server.url,
    retry: { timeoutMs: 500, maxRetries: 2, backoffMs: 1, sleep },
    pollMs: 1,
    ipWaitMs: 2_000,
    terminateWaitMs: 2_000,
    groupRetry: { attempts: 4, firstDelayMs: 100 },
  });
}

const spec = (leaseID = "cbx_0123456789ab") => machineSpec("aws", { leaseID, sshCIDRs: ["203.0.113.7/32"] });
const deleteGroupCalls = () => fake.requests.filter((r) => r.action === "DeleteSecurityGroup").length;

describe("AWS delete after termination", () => {
  it("waits out DependencyViolation with backoff and deletes the group and the key pair", async () => {
    fake.groupHoldCalls = 2;
    const aws = provider();
    const machine = await aws.create(spec());
    expect(await aws.delete({ cloudID: machine.cloudID, leaseID: spec().leaseID })).toBe("deleted");
    expect(deleteGroupCalls()).toBe(3);
    expect(sleeps).toEqual(expect.arrayContaining([100, 200]));
    expect(fake.inventory()).toEqual({ instances: [], keyPairs: [], groups: [] });
  });

  it("deletes the key even when the group stays held, and the inventory finds the group again", async () => {
    fake.groupHoldCalls = 50;
    const aws = provider();
    const s = spec();
    const machine = await aws.create(s);
    const error = (await aws
      .delete({ cloudID: machine.cloudID, leaseID: s.leaseID })
      .catch((e) => e)) as Error;
    expect(String(error)).toMatch(/DependencyViolation|dependent object/);
    expect(fake.inventory().keyPairs).toEqual([]);
    const [group] = fake.inventory().groups;

    const listed = await aws.list();
    expect(listed).toEqual([
      expect.objectContaining({
        kind: "security_group",
        cloudID: group!.id,
        ownerCloudID: machine.cloudID,
        labels: expect.objectContaining({ lease: s.leaseID }),
      }),
    ]);
    // The interface is released at last; the sweep's proof is the instance the lease names.
    for (const instance of fake.instances.values()) instance.groupHold = 0;
    const view: LeaseView = (leaseID) =>
      leaseID === s.leaseID
        ? { leaseID, state: "ended", provider: "aws", cloudIDs: [machine.cloudID], machineDeleted: true }
        : undefined;
    const inventory = (takenAt: number) => ({
      provider: "aws" as const,
      takenAt,
      complete: true,
      machines: listed,
    });
    const first = decideOrphans(inventory(0), view, undefined, 0, 1000);
    const { deletions } = decideOrphans(inventory(2000), view, first.snapshot, 2000, 1000);
    expect(deletions).toEqual([expect.objectContaining({ cloudID: group!.id, leaseID: s.leaseID })]);
    expect(await aws.delete({ cloudID: group!.id, leaseID: s.leaseID, region: "eu-west-1" })).toBe("deleted");
    expect(fake.inventory()).toEqual({ instances: [], keyPairs: [], groups: [] });
  });

  it("lists a leftover key pair without its instance, and refuses to delete it for another lease", async () => {
    const aws = provider();
    const s = spec("cbx_0123456789ac");
    await aws.create(s);
    fake.instances.clear(); // the instance is long gone; its key pair was never deleted
    fake.groups.clear();
    const [key] = fake.inventory().keyPairs;
    expect((await aws.list()).map((m) => [m.kind, m.cloudID])).toEqual([["key_pair", key!.id]]);
    const refused = (await aws
      .delete({ cloudID: key!.id, leaseID: "cbx_0123456789ff" })
      .catch((e: unknown) => e)) as CrabboxError;
    expect(refused.code).toBe("forbidden");
    expect(await aws.delete({ cloudID: key!.id, leaseID: s.leaseID })).toBe("deleted");
    expect(fake.inventory().keyPairs).toEqual([]);
  });

  it("does not list the group and key of a lease whose instance is live", async () => {
    const aws = provider();
    await aws.create(spec("cbx_0123456789ad"));
    expect((await aws.list()).map((m) => m.kind ?? "machine")).toEqual(["machine"]);
  });
});
