import { CrabboxError } from "../../errors";
import type { ResolvedConfig } from "../config";

/**
 * Direct mode applies to cloud providers when no coordinator is configured, or when asked
 * for explicitly (`--direct`); with a coordinator configured it is never chosen silently.
 */
export function usesDirectMode(config: ResolvedConfig): boolean {
  const cloud = ["hetzner", "aws", "azure"].includes(config.provider);
  if (config.direct && !cloud) {
    throw new CrabboxError(
      "usage",
      `direct mode needs a cloud provider (--provider hetzner, aws or azure); provider is ${config.provider}`,
      { field: "provider" },
    );
  }
  if (!cloud) return false;
  return config.direct || config.broker.url === "";
}
