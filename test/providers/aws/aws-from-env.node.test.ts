import { describe, expect, it } from "vitest";
import { awsProviderFromEnv } from "../../../src/providers/aws/from-env";
import { FakeEc2 } from "../../support/fake-ec2";
import { machineSpec } from "../../support/machine-spec";
import { servedDuringFile } from "../../support/served-during-file";

const fake = new FakeEc2();
const server = servedDuringFile(fake);

describe("AWS provider from the environment", () => {
  it("signs with the given keys for the given region and honours root size, AMI and fallback regions", async () => {
    const provider = awsProviderFromEnv({
      AWS_ACCESS_KEY_ID: fake.accessKeyId,
      AWS_SECRET_ACCESS_KEY: fake.secretAccessKey,
      CRABBOX_AWS_REGION: "eu-central-1",
      CRABBOX_CAPACITY_REGIONS: "us-east-1, us-west-2",
      CRABBOX_AWS_ROOT_GB: "120",
      CRABBOX_AWS_AMI: "ami-0a1b2c3d4e5f60001",
      CRABBOX_AWS_ENDPOINT: server.url,
    });
    fake.ipAfterPolls = 0; // the default poll interval is real time
    fake.refusals.set("eu-central-1/c7a.4xlarge/spot", "InsufficientInstanceCapacity");
    fake.refusals.set("eu-central-1/c7a.4xlarge/on-demand", "InsufficientInstanceCapacity");
    const machine = await provider.create(
      machineSpec("aws", {
        serverType: "c7a.4xlarge",
        serverTypeExplicit: true,
        sshCIDRs: ["203.0.113.7/32"],
      }),
    );
    expect(machine.region).toBe("us-east-1");
    const run = fake.requests.filter((r) => r.action === "RunInstances" && r.region === "us-east-1")[0];
    expect(run?.params.get("BlockDeviceMapping.1.Ebs.VolumeSize")).toBe("120");
    expect(run?.params.get("ImageId")).toBe("ami-0a1b2c3d4e5f60001");
    expect(fake.requests.filter((r) => r.action === "DescribeImages")).toHaveLength(0);
  });

  it.each([
    [{ AWS_ACCESS_KEY_ID: "AKIA" }, "AWS_SECRET_ACCESS_KEY"],
    [{ AWS_SECRET_ACCESS_KEY: "very-secret" }, "AWS_ACCESS_KEY_ID"],
    [
      {
        AWS_ACCESS_KEY_ID: "AKIA",
        AWS_SECRET_ACCESS_KEY: "very-secret",
        CRABBOX_AWS_REGION: "ec2.evil.com/",
      },
      "CRABBOX_AWS_REGION",
    ],
    [
      {
        AWS_ACCESS_KEY_ID: "AKIA",
        AWS_SECRET_ACCESS_KEY: "very-secret",
        CRABBOX_CAPACITY_REGIONS: "eu-west-1,x",
      },
      "CRABBOX_CAPACITY_REGIONS",
    ],
    [
      { AWS_ACCESS_KEY_ID: "AKIA", AWS_SECRET_ACCESS_KEY: "very-secret", CRABBOX_AWS_ROOT_GB: "2" },
      "CRABBOX_AWS_ROOT_GB",
    ],
    [
      {
        AWS_ACCESS_KEY_ID: "AKIA",
        AWS_SECRET_ACCESS_KEY: "very-secret",
        CRABBOX_AWS_SECURITY_GROUP_ID: "default",
      },
      "CRABBOX_AWS_SECURITY_GROUP_ID",
    ],
  ])("refuses %o with a config error naming %s and never echoing the secret", (env, field) => {
    try {
      awsProviderFromEnv(env);
      expect.unreachable();
    } catch (error) {
      expect(error).toMatchObject({ code: "config", details: { field } });
      expect(JSON.stringify(error) + String(error)).not.toContain("very-secret");
    }
  });
});
