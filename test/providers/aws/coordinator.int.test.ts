import { afterEach, describe, expect, it } from "vitest";
import { AwsProvider } from "../../../src/providers/aws";
import { FakeEc2 } from "../../support/fake-ec2";
import {
  api,
  releaseAndExpectDeleted,
  restoreFleetProviders,
  sshPublicKey,
  uniqueLeaseId,
  uniqueOwner,
  useRealProviders,
} from "../../support/fleet-api";

afterEach(restoreFleetProviders);

describe("the coordinator with the real AWS provider against the fake EC2 API", () => {
  it("leases a tagged spot instance in a lease security group, records the attempts, and cleans up on release", async () => {
    const fake = new FakeEc2();
    fake.refusals.set("c7a.48xlarge/spot", "InsufficientInstanceCapacity");
    const provider = new AwsProvider({
      credentials: { accessKeyId: fake.accessKeyId, secretAccessKey: fake.secretAccessKey },
      endpoint: (region) => `https://ec2.${region}.fake`,
      fetch: fake.fetch,
      retry: { timeoutMs: 2_000, maxRetries: 1, backoffMs: 1 },
      pollMs: 1,
      // EC2 refuses DeleteSecurityGroup for a while after termination (the fake: two calls).
      groupRetry: { firstDelayMs: 1 },
    });
    useRealProviders({ aws: provider });

    const who = uniqueOwner("aws");
    const leaseID = uniqueLeaseId();
    const created = await api(who, "POST", "/v1/leases", {
      provider: "aws",
      leaseID,
      class: "beast",
      sshPublicKey,
      awsSSHCIDRs: ["203.0.113.9/32"],
      ttlSeconds: 3600,
      idleTimeoutSeconds: 600,
    });
    expect(created.status, created.text).toBe(201);
    const [instance] = fake.inventory().instances;
    expect(created.body.lease).toMatchObject({
      id: leaseID,
      provider: "aws",
      host: instance?.ip,
      state: "active",
    });
    expect(created.body.lease.provisioningAttempts).toEqual([
      expect.objectContaining({
        serverType: "c7a.48xlarge",
        market: "spot",
        category: "capacity",
        region: "eu-west-1",
      }),
    ]);
    expect(instance).toMatchObject({
      type: "c7i.48xlarge",
      spot: true,
      clientToken: expect.stringMatching(/^cbx_/),
    });
    expect(instance?.tags).toMatchObject({
      lease: leaseID,
      provider: "aws",
      market: "spot",
      server_type: "c7i.48xlarge",
    });
    expect(fake.inventory().groups[0]?.ingress.map((r) => `${r.port}:${r.cidr}`)).toEqual([
      "2222:203.0.113.9/32",
      "22:203.0.113.9/32",
    ]);

    await releaseAndExpectDeleted(who, leaseID);
    expect(fake.inventory()).toEqual({ instances: [], keyPairs: [], groups: [] });
  });
});
