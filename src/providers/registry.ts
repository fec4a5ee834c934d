import { CrabboxError } from "../errors";
import { HetznerProvider } from "./hetzner";
import { LocalProvider } from "./local";
import { type Provider, type ProviderName, providerNames } from "./provider";

/**
 * Builds the provider a lease names, from the coordinator's environment. The coordinator
 * reaches machines only through what this returns.
 *
 * Tests install their own providers with `installTestProviders`; the hook is honoured only
 * when the environment says `CRABBOX_TEST_MODE=1` (set by the workerd test project), so a
 * deployed coordinator cannot be redirected by it.
 */

export type ProviderEnv = Record<string, unknown>;
export type ProviderFactory = (name: ProviderName, env: ProviderEnv) => Provider | undefined;

let testFactory: ProviderFactory | undefined;

export function installTestProviders(factory: ProviderFactory | undefined): void {
  testFactory = factory;
}

export function isProviderName(value: string): value is ProviderName {
  return (providerNames as readonly string[]).includes(value);
}

export function defaultProviderName(env: ProviderEnv): ProviderName {
  const configured = String(env.CRABBOX_DEFAULT_PROVIDER ?? "").trim();
  return isProviderName(configured) ? configured : "local";
}

function text(env: ProviderEnv, name: string): string | undefined {
  const value = env[name];
  return typeof value === "string" && value.trim() !== "" ? value : undefined;
}

export function providerFor(name: ProviderName, env: ProviderEnv): Provider {
  if (testFactory && env.CRABBOX_TEST_MODE === "1") {
    const provider = testFactory(name, env);
    if (provider) return provider;
  }
  switch (name) {
    case "local": {
      const baseUrl = text(env, "CRABBOX_LOCAL_HOST_URL");
      const token = text(env, "CRABBOX_LOCAL_HOST_TOKEN");
      if (!baseUrl || !token)
        throw notConfigured(name, "CRABBOX_LOCAL_HOST_URL and CRABBOX_LOCAL_HOST_TOKEN");
      return new LocalProvider({ baseUrl, token });
    }
    case "hetzner": {
      const token = text(env, "HETZNER_TOKEN");
      if (!token) throw notConfigured(name, "the HETZNER_TOKEN secret");
      const baseUrl = text(env, "CRABBOX_HETZNER_API_URL");
      const eurToUsd = Number(env.CRABBOX_EUR_TO_USD);
      return new HetznerProvider({
        token,
        ...(baseUrl ? { baseUrl } : {}),
        ...(Number.isFinite(eurToUsd) && eurToUsd > 0 ? { eurToUsd } : {}),
      });
    }
    case "aws":
    case "azure":
      throw notConfigured(name, "a provider implementation");
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
