import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { linuxCloudInit } from "../../../src/providers/bootstrap/linux";
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
    expect(cloudInit).toBe(linuxCloudInit(spec));
    const document = parse(cloudInit) as { users: Array<{ name: string; ssh_authorized_keys: string[] }> };
    expect(document.users).toHaveLength(1);
    expect(document.users[0]).toMatchObject({ name: "crabbox", ssh_authorized_keys: [spec.sshPublicKey] });
    expect(vm.properties.osProfile.adminUsername).toBe("crabbox");
    expect(vm.properties.osProfile.adminPassword).toBeUndefined();
    expect(vm.properties.osProfile.linuxConfiguration.ssh.publicKeys).toEqual([
      { path: "/home/crabbox/.ssh/authorized_keys", keyData: spec.sshPublicKey },
    ]);
    expect(vm.properties.storageProfile.imageReference).toEqual({
      publisher: "Canonical",
      offer: "ubuntu-24_04-lts",
      sku: "server",
      version: "latest",
    });
    expect(vm.properties.storageProfile.osDisk).toMatchObject({
      name: `${machine.cloudID}-osdisk`,
      deleteOption: "Delete",
    });
    const nic = fake.find("networkInterface", `${machine.cloudID}-nic`);
    expect(nic.properties.networkSecurityGroup.id).toMatch(/\/networkSecurityGroups\/crabbox-nsg$/);
    expect(nic.properties.ipConfigurations[0].properties.subnet.id).toMatch(
      /\/virtualNetworks\/crabbox-vnet\/subnets\/crabbox-subnet$/,
    );
    const pip = fake.find("publicIPAddress", `${machine.cloudID}-pip`);
    expect(pip.sku).toEqual({ name: "Standard" });
    expect(pip.properties.publicIPAllocationMethod).toBe("Static");
    for (const key of Object.keys(spec.labels)) expect(vm.tags[key], key).toBe(spec.labels[key]);
    expect(vm.properties.osProfile.linuxConfiguration.disablePasswordAuthentication).toBe(true);
    for (const type of ["publicIPAddress", "networkInterface", "disk"] as const) {
      const [resource] = fake.all(type);
      expect(resource?.body.tags?.lease, type).toBe(spec.leaseID);
    }
    expect(fake.tokenRequests).toBe(1);
  });

  it("rejects a malformed lease key or image before creating anything", async () => {
    const before = arm.fake.requests.length;
    const provider = providerFor(arm);
    await expect(
      provider.create(
        leaseSpec({ leaseID: "cbx_0000000000bd", sshPublicKey: "-----BEGIN OPENSSH PRIVATE KEY-----" }),
      ),
    ).rejects.toMatchObject({ code: "invalid_request", details: { field: "sshPublicKey" } });
    await expect(
      provider.create(leaseSpec({ leaseID: "cbx_0000000000be", image: "Canonical:ubuntu" })),
    ).rejects.toMatchObject({ code: "invalid_request", details: { field: "image" } });
    expect(arm.fake.requests.length).toBe(before);
  });
});
