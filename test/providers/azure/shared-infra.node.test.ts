import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CrabboxError } from "../../../src/errors";
import { sshRuleName } from "../../../src/providers/azure/nsg-rules";
import { type ArmDocument, type RunningFakeArm, startFakeArm } from "../../support/fake-arm";
import { leaseSpec, providerFor } from "./harness";

let arm: RunningFakeArm;
beforeEach(async () => {
  arm = await startFakeArm();
});
afterEach(async () => {
  await arm.close();
});

const managed = { crabbox: "true", managed_by: "crabbox" };

function seedManagedNetwork(nsgRules: unknown[]) {
  const fake = arm.fake;
  const rg = fake.rgPath("crabbox-leases");
  fake.seed("resourceGroup", rg, { location: "eastus", tags: managed });
  fake.seed("virtualNetwork", `${rg}/providers/Microsoft.Network/virtualNetworks/crabbox-vnet`, {
    location: "eastus",
    tags: managed,
    properties: { subnets: [{ name: "crabbox-subnet", properties: { addressPrefix: "10.42.0.0/24" } }] },
  });
  fake.seed(
    "subnet",
    `${rg}/providers/Microsoft.Network/virtualNetworks/crabbox-vnet/subnets/crabbox-subnet`,
    {},
  );
  fake.seed("networkSecurityGroup", `${rg}/providers/Microsoft.Network/networkSecurityGroups/crabbox-nsg`, {
    location: "eastus",
    tags: { ...managed, team: "infra" },
    properties: { securityRules: nsgRules },
  });
}

/** An operator's own inbound rule from 10.0.0.0/8, as the NSG API spells one. */
function inboundRule(name: string, priority: number, port: string) {
  return {
    name,
    properties: {
      priority,
      direction: "Inbound",
      access: "Allow",
      protocol: "Tcp",
      sourceAddressPrefix: "10.0.0.0/8",
      sourcePortRange: "*",
      destinationAddressPrefix: "*",
      destinationPortRange: port,
    },
  };
}

describe("azure shared infrastructure", () => {
  it("refuses a resource group that exists without managed_by=crabbox and creates nothing", async () => {
    arm.fake.seed("resourceGroup", arm.fake.rgPath("crabbox-leases"), {
      location: "eastus",
      tags: { team: "x" },
    });
    const error = await providerFor(arm)
      .create(leaseSpec())
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CrabboxError);
    expect((error as CrabboxError).code).toBe("config");
    expect((error as CrabboxError).message).toMatch(/not tagged managed_by=crabbox/);
    expect(arm.fake.requests.filter((r) => r.method !== "GET")).toEqual([]);
    expect(arm.fake.find("resourceGroup", "crabbox-leases").tags).toEqual({ team: "x" });
  });

  it("refuses an operator's NSG of the same name without touching it", async () => {
    seedManagedNetwork([]);
    const rg = arm.fake.rgPath("crabbox-leases");
    arm.fake.seed(
      "networkSecurityGroup",
      `${rg}/providers/Microsoft.Network/networkSecurityGroups/crabbox-nsg`,
      {
        location: "eastus",
        tags: {},
        properties: { securityRules: [] },
      },
    );
    await expect(providerFor(arm).create(leaseSpec())).rejects.toMatchObject({ code: "config" });
    expect(arm.fake.requestsTo("PUT")).toEqual([]);
  });

  it("adds SSH rules for each lease port and keeps the operator's rules and priorities", async () => {
    const operatorRule = inboundRule("allow-bastion", 100, "3389");
    seedManagedNetwork([operatorRule]);
    await providerFor(arm).create(leaseSpec({ sshCIDRs: ["203.0.113.7/32"] }));

    const [put] = arm.fake.requestsTo("PUT", "networkSecurityGroup");
    const body = put!.body as { tags: Record<string, string>; properties: { securityRules: ArmDocument[] } };
    expect(body.tags.team).toBe("infra");
    const rules = body.properties.securityRules;
    expect(rules.find((r) => r.name === "allow-bastion")?.properties).toMatchObject({
      priority: 100,
      destinationPortRange: "3389",
    });
    const crabboxRules = rules.filter((r) => r.name.startsWith("crabbox-ssh-"));
    expect(
      crabboxRules.map((r) => [r.name, r.properties.destinationPortRange, r.properties.priority]),
    ).toEqual([
      [sshRuleName(2222, "203.0.113.7/32"), "2222", 101],
      [sshRuleName(22, "203.0.113.7/32"), "22", 102],
    ]);
    expect(crabboxRules.every((r) => r.properties.sourceAddressPrefix === "203.0.113.7/32")).toBe(true);
    expect(
      crabboxRules.every((r) => r.properties.access === "Allow" && r.properties.direction === "Inbound"),
    ).toBe(true);
  });

  it("lets two first leases at once both succeed: a write that meets 409 AnotherOperationInProgress waits and re-reads", async () => {
    const provider = providerFor(arm);
    await Promise.all([
      provider.create(leaseSpec({ leaseID: "cbx_0000000000a1", sshCIDRs: ["198.51.100.1/32"] })),
      provider.create(leaseSpec({ leaseID: "cbx_0000000000a2", sshCIDRs: ["198.51.100.2/32"] })),
    ]);
    const rules = arm.fake.find("networkSecurityGroup", "crabbox-nsg").properties
      .securityRules as ArmDocument[];
    expect(rules.map((r) => r.name).sort()).toEqual(
      [
        sshRuleName(2222, "198.51.100.1/32"),
        sshRuleName(22, "198.51.100.1/32"),
        sshRuleName(2222, "198.51.100.2/32"),
        sshRuleName(22, "198.51.100.2/32"),
      ].sort(),
    );
    expect(new Set(rules.map((r) => r.properties.priority)).size).toBe(4);
    expect(arm.fake.all("virtualMachine")).toHaveLength(2);
  });

  it("puts a lease in another region on that region's own VNet and NSG, tagged and kept", async () => {
    const provider = providerFor(arm);
    const home = await provider.create(leaseSpec({ leaseID: "cbx_0000000000b1" }));
    const away = await provider.create(leaseSpec({ leaseID: "cbx_0000000000b2", region: "westeurope" }));
    expect([home.region, away.region]).toEqual(["eastus", "westeurope"]);

    const vnets = arm.fake
      .all("virtualNetwork")
      .map((v) => [v.name, v.body.location, v.body.tags.managed_by]);
    expect(vnets.sort()).toEqual([
      ["crabbox-vnet", "eastus", "crabbox"],
      ["crabbox-vnet-westeurope", "westeurope", "crabbox"],
    ]);
    const nsgs = arm.fake.all("networkSecurityGroup").map((n) => [n.name, n.body.location]);
    expect(nsgs.sort()).toEqual([
      ["crabbox-nsg", "eastus"],
      ["crabbox-nsg-westeurope", "westeurope"],
    ]);
    const nic = arm.fake.find("networkInterface", `${away.cloudID}-nic`);
    expect(nic.location).toBe("westeurope");
    expect(nic.properties.ipConfigurations[0].properties.subnet.id).toContain(
      "/virtualNetworks/crabbox-vnet-westeurope/",
    );
    expect(nic.properties.networkSecurityGroup.id).toMatch(/\/crabbox-nsg-westeurope$/);
    expect(arm.fake.find("virtualMachine", away.cloudID).location).toBe("westeurope");

    // released: the region's network stays for the next lease there
    await provider.delete({ cloudID: away.cloudID, leaseID: "cbx_0000000000b2" });
    expect(arm.fake.find("virtualNetwork", "crabbox-vnet-westeurope")).toBeDefined();
  });

  it("refuses, naming the field, a managed VNet of the configured name that lives in another region", async () => {
    const rg = arm.fake.rgPath("crabbox-leases");
    arm.fake.seed("resourceGroup", rg, { location: "eastus", tags: managed });
    arm.fake.seed("virtualNetwork", `${rg}/providers/Microsoft.Network/virtualNetworks/crabbox-vnet`, {
      location: "northeurope",
      tags: managed,
      properties: { subnets: [{ name: "crabbox-subnet", properties: { addressPrefix: "10.42.0.0/24" } }] },
    });
    const error = await providerFor(arm)
      .create(leaseSpec())
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: "config", details: { field: "vnet" } });
    expect((error as Error).message).toMatch(/is in northeurope, but a lease in eastus needs one in eastus/);
    expect(arm.fake.requestsTo("PUT")).toEqual([]);
  });

  it("does not rewrite the NSG when the lease's rules are already there", async () => {
    const provider = providerFor(arm);
    await provider.create(leaseSpec());
    await provider.create(leaseSpec({ leaseID: "cbx_00000000beef" }));
    expect(arm.fake.requestsTo("PUT", "networkSecurityGroup")).toHaveLength(1);
    expect(arm.fake.requestsTo("PUT", "resourceGroup")).toHaveLength(1);
    expect(arm.fake.requestsTo("PUT", "virtualNetwork")).toHaveLength(1);
  });

  it("meets a 412 when the NSG changed between its read and its write, re-reads, and keeps the other writer's rule", async () => {
    const operatorRule = inboundRule("operator-https", 300, "443");
    seedManagedNetwork([]);
    const nsgPath = `${arm.fake.rgPath("crabbox-leases")}/providers/Microsoft.Network/networkSecurityGroups/crabbox-nsg`;
    const before = arm.fake.find("networkSecurityGroup", "crabbox-nsg").etag;
    let raced = false;
    // Another writer lands between this lease's GET and its PUT (a new etag), as in a race.
    arm.fake.inject({
      method: "PUT",
      type: "networkSecurityGroup",
      when: () => {
        if (!raced) {
          raced = true;
          arm.fake.seed("networkSecurityGroup", nsgPath, {
            location: "eastus",
            tags: { ...managed, team: "infra" },
            properties: { securityRules: [operatorRule] },
          });
        }
        return false;
      },
      fault: { kind: "hang" },
    });
    await providerFor(arm).create(leaseSpec());
    const puts = arm.fake.requestsTo("PUT", "networkSecurityGroup");
    expect(puts).toHaveLength(2);
    const rules = arm.fake.find("networkSecurityGroup", "crabbox-nsg").properties
      .securityRules as ArmDocument[];
    expect(rules.map((r) => r.name)).toContain("operator-https");
    expect(rules.filter((r) => r.name.startsWith("crabbox-ssh-"))).toHaveLength(2);
    expect(arm.fake.find("networkSecurityGroup", "crabbox-nsg").etag).not.toBe(before);
  });
});
