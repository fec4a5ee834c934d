import { describe, expect, it } from "vitest";
import { sshCIDRsFor } from "../../../src/cli/direct/ssh-cidrs";

describe("SSH source ranges for cloud firewalls in direct mode", () => {
  const noLookup = async () => {
    throw new Error("offline");
  };

  it("uses the configured list, and Hetzner needs none", async () => {
    expect(
      await sshCIDRsFor("aws", { CRABBOX_AWS_SSH_CIDRS: "203.0.113.7/32, 10.0.0.0/8" }, noLookup),
    ).toEqual(["203.0.113.7/32", "10.0.0.0/8"]);
    expect(await sshCIDRsFor("hetzner", {}, noLookup)).toBeUndefined();
  });

  it("falls back to this computer's public address as a /32", async () => {
    expect(await sshCIDRsFor("azure", {}, async () => "198.51.100.4")).toEqual(["198.51.100.4/32"]);
  });

  it("names the variable when the list is malformed or the address cannot be found", async () => {
    await expect(sshCIDRsFor("aws", { CRABBOX_AWS_SSH_CIDRS: "everyone" }, noLookup)).rejects.toMatchObject({
      code: "config",
      details: { field: "CRABBOX_AWS_SSH_CIDRS" },
    });
    await expect(sshCIDRsFor("azure", {}, noLookup)).rejects.toMatchObject({
      details: { field: "CRABBOX_AZURE_SSH_CIDRS" },
    });
  });
});
