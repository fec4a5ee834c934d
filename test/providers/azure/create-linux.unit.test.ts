import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningFakeArm, startFakeArm } from "../../support/fake-arm";
import { leaseSpec, providerFor } from "./harness";

let arm: RunningFakeArm;
beforeAll(async () => {
  arm = await startFakeArm();
});
afterAll(async () => {
  await arm.close();
});

describe("azure create (linux) through the real SDK clients", () => {
  it("creates shared infra, then IP, NIC and a spot VM carrying cloud-init and the crabbox tags", async () => {
    const provider = providerFor(arm);
    const spec = leaseSpec();
    const machine = await provider.create(spec);

    expect(machine).toMatchObject({
      provider: "azure",
      serverType: "Standard_D32ads_v6",
      market: "spot",
      region: "eastus",
      sshPort: 2222,
      sshFallbackPorts: [22],
      attempts: [],
    });
    expect(machine.host).toMatch(/^192\.0\.2\.\d+$/);
    const fake = arm.fake;
    expect(fake.find("resourceGroup", "crabbox-leases").tags).toEqual({
      crabbox: "true",
      managed_by: "crabbox",
    });
    const vm = fake.find("virtualMachine", machine.cloudID);
    expect(vm.tags.lease).toBe(spec.leaseID);
    expect(vm.tags.market).toBe("spot");
    expect(vm.properties.priority).toBe("Spot");
    expect(vm.properties.evictionPolicy).toBe("Delete");
    expect(vm.properties.billingProfile).toEqual({ maxPrice: -1 });
    const cloudInit = Buffer.from(vm.properties.osProfile.customData, "base64").toString("utf8");
    expect(cloudInit.startsWith("#cloud-config")).toBe(true);
    expect(cloudInit).toContain(spec.sshPublicKey);
    expect(vm.properties.osProfile.linuxConfiguration.disablePasswordAuthentication).toBe(true);
    for (const type of ["publicIPAddress", "networkInterface", "disk"] as const) {
      const [resource] = fake.all(type);
      expect(resource?.body.tags?.lease, type).toBe(spec.leaseID);
    }
    expect(fake.tokenRequests).toBe(1);
  });
});
