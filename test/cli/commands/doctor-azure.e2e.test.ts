import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { cliEnvFor, type RunningFakeArm, startFakeArm } from "../../support/fake-arm";
import { runCli } from "../support";

let arm: RunningFakeArm;
let home: string;
let caFile: string;

beforeAll(async () => {
  arm = await startFakeArm({ loginTls: true });
  home = mkdtempSync(join(tmpdir(), "crabbox-doctor-azure-"));
  caFile = join(home, "ca.pem");
  writeFileSync(caFile, arm.ca);
});
afterAll(() => arm.close());
beforeEach(() => {
  arm.fake.reset();
  arm.fake.permissions = ["*"];
  arm.fake.restrictedSizes.clear();
  arm.fake.quotaLimits.clear();
});

function doctor(env: Record<string, string> = {}) {
  return runCli(["doctor", "--provider", "azure"], {
    env: {
      HOME: home,
      CRABBOX_CONFIG: join(home, "config.yaml"),
      ...cliEnvFor(arm),
      NODE_EXTRA_CA_CERTS: caFile,
      ...env,
    },
    cwd: home,
  });
}

describe("crabbox doctor --provider azure against the ARM fake over TLS", () => {
  it("checks token, resource group, location, sizes within quota and permissions with GET calls only", async () => {
    const r = await doctor();
    expect(r.stdout).toMatch(/ok +token +the service principal signs in/);
    expect(r.stdout).toMatch(/ok +group +crabbox-leases does not exist yet/);
    expect(r.stdout).toMatch(/ok +location +eastus/);
    for (const name of ["standard", "fast", "large", "beast"])
      expect(r.stdout).toMatch(new RegExp(`ok +class +${name}: .* within the vCPU quota`));
    expect(r.stdout).toMatch(/ok +allowed +every action a lease needs/);
    expect(new Set(arm.fake.requests.map((q) => q.method))).toEqual(new Set(["GET"]));
    expect(arm.fake.all()).toEqual([]);
  });

  it("names the secret when Entra ID refuses it, and the variables when none is set", async () => {
    const refused = await doctor({ AZURE_CLIENT_SECRET: "wrong" });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/failed +token .*invalid_client.*AZURE_CLIENT_SECRET/);
    expect(refused.stdout).not.toContain(arm.fake.clientSecret);
    const none = await doctor({ AZURE_CLIENT_SECRET: "", AZURE_TENANT_ID: "" });
    expect(none.stdout).toMatch(
      /missing +azure +no service principal: set AZURE_TENANT_ID, AZURE_CLIENT_SECRET/,
    );
  });

  it("names CRABBOX_AZURE_LOCATION for a region without sizes and for sizes the subscription may not use", async () => {
    const unknown = await doctor({ CRABBOX_AZURE_LOCATION: "marsnorth" });
    expect(unknown.code).toBe(1);
    expect(unknown.stdout).toMatch(
      /failed +location +no VM size .* in marsnorth: set CRABBOX_AZURE_LOCATION/,
    );
    for (const size of ["Standard_D32ads_v6", "Standard_D32ds_v6", "Standard_F32s_v2", "Standard_D32ads_v5"])
      arm.fake.restrictedSizes.add(size);
    const restricted = await doctor();
    expect(restricted.stdout).toMatch(/ok +class +standard: Standard_D32ds_v5, /);
    expect(restricted.stdout).not.toMatch(/standard: Standard_D32ads_v6/);
  });

  it("reports a class whose sizes exceed the free vCPU quota, and the actions the principal lacks", async () => {
    arm.fake.quotaLimits.set("cores", 20);
    arm.fake.permissions = ["*/read", "Microsoft.Network/*"];
    const r = await doctor();
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/ok +class +standard: Standard_D16ads_v6, Standard_D16ds_v6, Standard_F16s_v2 /);
    expect(r.stdout).toMatch(/failed +quota +fast: .* exceed the free vCPU quota in eastus/);
    expect(r.stdout).toMatch(
      /failed +allowed +the principal may not Microsoft.Resources\/subscriptions\/resourceGroups\/write, Microsoft.Compute\/virtualMachines\/write, .*assign it Contributor/,
    );
    expect(r.stdout).not.toMatch(/may not .*Microsoft.Network/);
  });
});
