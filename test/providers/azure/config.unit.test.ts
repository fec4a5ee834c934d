import { describe, expect, it } from "vitest";
import type { CrabboxError } from "../../../src/errors";
import { azureConfigFromEnv, azureProviderFromEnv } from "../../../src/providers/azure";

const env = {
  AZURE_SUBSCRIPTION_ID: "sub",
  AZURE_TENANT_ID: "tenant",
  AZURE_CLIENT_ID: "client",
  AZURE_CLIENT_SECRET: "s3cret-value",
};

describe("azure configuration", () => {
  it("reads CRABBOX_AZURE_* over AZURE_* and applies the defaults", () => {
    const config = azureConfigFromEnv({
      ...env,
      CRABBOX_AZURE_SUBSCRIPTION_ID: "sub-crabbox",
      CRABBOX_AZURE_SSH_CIDRS: "203.0.113.0/24, 198.51.100.7/32",
      CRABBOX_AZURE_LOCATION: "westeurope",
    });
    expect(config).toMatchObject({
      subscriptionId: "sub-crabbox",
      tenantId: "tenant",
      location: "westeurope",
      resourceGroup: "crabbox-leases",
      vnet: "crabbox-vnet",
      subnet: "crabbox-subnet",
      nsg: "crabbox-nsg",
      sshCIDRs: ["203.0.113.0/24", "198.51.100.7/32"],
      armEndpoint: "https://management.azure.com",
      loginEndpoint: "https://login.microsoftonline.com",
      deleteAttempts: 13,
      deleteRetryDelayMs: 15_000,
    });
  });

  it("names the missing or invalid field and never echoes the secret", () => {
    for (const missing of Object.keys(env)) {
      const partial = { ...env, [missing]: undefined };
      const error = (() => {
        try {
          azureProviderFromEnv(partial);
        } catch (e) {
          return e as CrabboxError;
        }
      })();
      expect(error?.code, missing).toBe("config");
      expect(JSON.stringify(error?.toJSON())).not.toContain("s3cret-value");
    }
    expect(() => azureConfigFromEnv({ ...env, CRABBOX_AZURE_SSH_CIDRS: "everyone" })).toThrow(/sshCIDRs/);
    expect(() => azureConfigFromEnv({ ...env, CRABBOX_AZURE_IMAGE: "Canonical:ubuntu" })).toThrow(
      /linuxImage/,
    );
    expect(() => azureConfigFromEnv({ ...env, CRABBOX_AZURE_RESOURCE_GROUP: "bad/name" })).toThrow(
      /resourceGroup/,
    );
  });

  it("builds a provider named azure from the coordinator's environment", () => {
    expect(azureProviderFromEnv(env).name).toBe("azure");
  });
});
