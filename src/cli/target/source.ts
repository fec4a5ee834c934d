import { CrabboxError } from "../../errors";
import { cloudProviderNames, inWords, isCloudProvider } from "../../providers/names";
import { isStaticProvider, type ResolvedConfig } from "../config";
import type { TargetSource } from "./types";

/**
 * Direct mode applies to cloud providers when no coordinator is configured, or when asked
 * for explicitly (`--direct`); with a coordinator configured it is never chosen silently.
 */
export function usesDirectMode(config: ResolvedConfig): boolean {
  const cloud = isCloudProvider(config.provider);
  if (config.direct && !cloud) {
    throw new CrabboxError(
      "usage",
      `direct mode needs a cloud provider (--provider ${inWords(cloudProviderNames)}); provider is ${config.provider}`,
      { field: "provider" },
    );
  }
  if (!cloud) return false;
  return config.direct || config.broker.url === "";
}

/**
 * Which source a command's machine comes from, decided from config and flags alone: a static
 * provider wins (even over `--direct`), then direct mode, and everything else is brokered —
 * by the configured coordinator, or the local stack when there is none.
 */
export function targetSource(config: ResolvedConfig): TargetSource {
  if (isStaticProvider(config.provider)) return "static";
  if (usesDirectMode(config)) return "direct";
  return "brokered";
}
