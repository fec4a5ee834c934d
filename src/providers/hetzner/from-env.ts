/**
 * Builds the Hetzner provider from the coordinator's (or the CLI's) environment. Bad values
 * fail with a `config` error naming the variable; the token itself is never echoed.
 */
import { CrabboxError } from "../../errors";
import type { PoolAgentClient } from "../pool-agent/client";
import { HetznerProvider } from "./index";

export function hetznerProviderFromEnv(
  env: Record<string, unknown>,
  poolAgent?: PoolAgentClient,
): HetznerProvider {
  const token = text(env.HETZNER_TOKEN) ?? text(env.HCLOUD_TOKEN);
  if (!token)
    throw new CrabboxError("config", "set HETZNER_TOKEN to use the Hetzner provider", {
      field: "HETZNER_TOKEN",
    });
  const baseUrl = text(env.CRABBOX_HETZNER_API_URL);
  if (baseUrl && !/^https?:\/\//.test(baseUrl)) {
    throw new CrabboxError("config", "CRABBOX_HETZNER_API_URL must be an http(s) URL", {
      field: "CRABBOX_HETZNER_API_URL",
    });
  }
  const location = text(env.CRABBOX_HETZNER_LOCATION);
  if (location && !/^[a-z]{3}\d$/.test(location)) {
    throw new CrabboxError("config", "CRABBOX_HETZNER_LOCATION must be a location name like fsn1", {
      field: "CRABBOX_HETZNER_LOCATION",
    });
  }
  const eurToUsd = text(env.CRABBOX_EUR_TO_USD);
  const rate = eurToUsd === undefined ? undefined : Number(eurToUsd);
  if (rate !== undefined && !(Number.isFinite(rate) && rate > 0)) {
    throw new CrabboxError("config", "CRABBOX_EUR_TO_USD must be a positive number", {
      field: "CRABBOX_EUR_TO_USD",
    });
  }
  return new HetznerProvider({
    token,
    ...(baseUrl ? { baseUrl } : {}),
    ...(location ? { location } : {}),
    ...(text(env.CRABBOX_HETZNER_IMAGE) ? { image: text(env.CRABBOX_HETZNER_IMAGE) } : {}),
    ...(rate ? { eurToUsd: rate } : {}),
    ...(poolAgent ? { poolAgent } : {}),
  });
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}
