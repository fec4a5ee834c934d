import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeEc2 } from "../../support/fake-ec2";
import { runCli } from "../support";

const fake = new FakeEc2();
let api: { url: string; close: () => Promise<void> };
let home: string;

beforeAll(async () => {
  api = await fake.listen();
  home = mkdtempSync(join(tmpdir(), "crabbox-doctor-aws-"));
});
afterAll(() => api.close());
beforeEach(() => fake.reset());

const writes = ["RunInstances", "ImportKeyPair", "CreateSecurityGroup"];

function doctor(env: Record<string, string>) {
  return runCli(["doctor", "--provider", "aws"], {
    env: {
      HOME: home,
      CRABBOX_CONFIG: join(home, "config.yaml"),
      CRABBOX_AWS_ENDPOINT: api.url,
      AWS_ACCESS_KEY_ID: fake.accessKeyId,
      AWS_SECRET_ACCESS_KEY: fake.secretAccessKey,
      AWS_EC2_METADATA_DISABLED: "true",
      ...env,
    },
    cwd: home,
  });
}

describe("crabbox doctor --provider aws against the EC2 fake", () => {
  it("checks identity, region, every class and the launch permissions, writing nothing", async () => {
    const r = await doctor({});
    expect(r.stdout).toMatch(/ok +identity +the AWS credentials are accepted/);
    expect(r.stdout).toMatch(/ok +region +eu-west-1/);
    for (const name of ["standard", "fast", "large", "beast"]) expect(r.stdout).toContain(`${name}: `);
    for (const action of writes) expect(r.stdout).toContain(`ec2:${action} (dry run)`);
    expect(r.stdout).toMatch(/quota +not checkable .*Service Quotas \(EC2 quota L-1216C47A/);
    // Every mutating call carried DryRun, and nothing exists afterwards.
    const mutating = fake.requests.filter((q) => writes.includes(q.action));
    expect(mutating.length).toBe(3);
    expect(mutating.every((q) => q.params.get("DryRun") === "true")).toBe(true);
    expect(fake.inventory()).toEqual({ instances: [], keyPairs: [], groups: [] });
  });

  it("names the IAM permission a lease would miss", async () => {
    fake.denied.add("RunInstances");
    const r = await doctor({});
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/failed +allowed +ec2:RunInstances is not allowed: add it to the IAM policy/);
    expect(r.stdout).toContain("ec2:ImportKeyPair (dry run)");
  });

  it("names the credential variables when EC2 refuses the key", async () => {
    const r = await doctor({ AWS_SECRET_ACCESS_KEY: "x", AWS_ACCESS_KEY_ID: "AKIAWRONGWRONGWRONG" });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /failed +identity +AWS refuses the credentials \(AuthFailure\): set AWS_ACCESS_KEY_ID/,
    );
  });

  it("names CRABBOX_AWS_REGION for a region not enabled and a region without the classes' types", async () => {
    const closed = await doctor({ CRABBOX_AWS_REGION: "ap-southeast-5" });
    expect(closed.code).toBe(1);
    expect(closed.stdout).toMatch(/failed +region +ap-southeast-5 is not enabled .*set CRABBOX_AWS_REGION/);
    for (const t of ["c7a.8xlarge", "c7i.8xlarge", "m7a.8xlarge", "m7i.8xlarge", "c7a.4xlarge"])
      fake.unoffered.add(t);
    const bare = await doctor({});
    expect(bare.code).toBe(1);
    expect(bare.stdout).toMatch(
      /failed +class +standard: none of .* is offered in eu-west-1; set CRABBOX_AWS_REGION/,
    );
  });
});
