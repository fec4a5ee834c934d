import { CrabboxError } from "../errors";
import { testProvider } from "../test-seams";
import { awsProviderFromEnv } from "./aws/from-env";
import { hetznerProviderFromEnv } from "./hetzner/from-env";
import { LocalProvider } from "./local";
import { isProviderName, type ProviderName } from "./names";
import { PoolAgentClient, poolAgentSecretVariable } from "./pool-agent/client";
import type { ConnectSocket } from "./pool-agent/http";
import type { Provider } from "./provider";

/**
 * Builds the provider a lease names, from the coordinator's environment. The coordinator
 * reaches machines only through what this returns.
 *
 * Tests install their own providers through `testSeams.installProviders` (src/test-seams.ts);
 * the hook is honoured only when the environment says `CRABBOX_TEST_MODE=1`, so a deployed
 * coordinator cannot be redirected by it.
 */

export type ProviderEnv = Record<string, unknown>;

export function defaultProviderName(env: ProviderEnv): ProviderName {
  const configured = String(env.CRABBOX_DEFAULT_PROVIDER ?? "").trim();
  return isProviderName(configured) ? configured : "local";
}

function text(env: ProviderEnv, name: string): string | undefined {
  const value = env[name];
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

/**
 * Ready pools on the clouds (docs/providers.md#ready-pools): the pool agents are reached over
 * `connect` (the Worker's `cloudflare:sockets`) with tokens derived from the fleet secret.
 */
function poolAgentOf(env: ProviderEnv, connect?: ConnectSocket): PoolAgentClient | undefined {
  const secret = text(env, poolAgentSecretVariable)?.trim();
  return secret && connect ? new PoolAgentClient({ connect, secret }) : undefined;
}

export function providerFor(name: ProviderName, env: ProviderEnv, connect?: ConnectSocket): Provider {
  const installed = testProvider(name, env);
  if (installed) return installed;
  const poolAgent = poolAgentOf(env, connect);
  switch (name) {
    case "local": {
      const baseUrl = text(env, "CRABBOX_LOCAL_HOST_URL");
      const token = text(env, "CRABBOX_LOCAL_HOST_TOKEN");
      if (!baseUrl || !token)
        throw notConfigured(name, "CRABBOX_LOCAL_HOST_URL and CRABBOX_LOCAL_HOST_TOKEN");
      return new LocalProvider({ baseUrl, token });
    }
    case "hetzner":
      if (!text(env, "HETZNER_TOKEN") && !text(env, "HCLOUD_TOKEN"))
        throw notConfigured(name, "the HETZNER_TOKEN secret");
      return hetznerProviderFromEnv(env, poolAgent);
    case "aws":
      if (!text(env, "AWS_ACCESS_KEY_ID") || !text(env, "AWS_SECRET_ACCESS_KEY")) {
        throw notConfigured(name, "the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY secrets");
      }
      return awsProviderFromEnv(env, poolAgent);
    case "azure":
      if (!text(env, "AZURE_CLIENT_SECRET") || !text(env, "AZURE_SUBSCRIPTION_ID")) {
        throw notConfigured(
          name,
          "the AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET and AZURE_SUBSCRIPTION_ID secrets",
        );
      }
      // The Azure SDK is large: load it only when an Azure lease actually needs it.
      return lazyProvider("azure", async () =>
        (await import("./azure")).azureProviderFromEnv(env, {}, poolAgent ? { poolAgent } : {}),
      );
  }
}

function notConfigured(name: ProviderName, missing: string): CrabboxError {
  return new CrabboxError(
    "unsupported",
    `provider ${name} is not configured on this coordinator (needs ${missing})`,
    {
      field: "provider",
    },
  );
}

/** A provider whose implementation module is imported on first use. */
function lazyProvider(name: ProviderName, load: () => Promise<Provider>): Provider {
  let loaded: Promise<Provider> | undefined;
  const get = () => {
    loaded ??= load();
    return loaded;
  };
  return {
    name,
    create: async (spec, signal) => (await get()).create(spec, signal),
    findByLease: async (leaseID) => (await get()).findByLease(leaseID),
    list: async () => (await get()).list(),
    delete: async (target) => (await get()).delete(target),
    hourlyPriceUSD: async (serverType, region) => (await get()).hourlyPriceUSD?.(serverType, region),
    updateLabels: async (target, labels) => (await get()).updateLabels?.(target, labels),
    isReady: async (target) => (await get()).isReady?.(target) ?? false,
    authorizeKey: async (target, key) => (await get()).authorizeKey?.(target, key),
  };
}
