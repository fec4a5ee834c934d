/**
 * Which Hetzner refusals mean "try the next server type": the type or location is out of
 * capacity, or the project hit a limit that a smaller type may still fit under. Anything
 * else (bad token, invalid input) stops the ladder at once.
 */
import type { ProvisionAttempt } from "../provider";
import { HetznerApiError } from "./api";

const capacityCodes = new Set([
  "resource_unavailable",
  "placement_error",
  "server_type_not_available",
  "location_not_available",
]);
const quotaCodes = new Set(["resource_limit_exceeded", "dedicated_core_limit"]);

export type HetznerFailure =
  | Extract<ProvisionAttempt["category"], "capacity" | "quota" | "timeout">
  | "fatal";

export function classifyHetznerFailure(error: unknown): HetznerFailure {
  if (error instanceof HetznerApiError) {
    if (capacityCodes.has(error.code)) return "capacity";
    if (quotaCodes.has(error.code)) return "quota";
    // The server may or may not exist; the next attempt's unique name tells us which.
    if (error.status >= 500) return "timeout";
    return "fatal";
  }
  if ((error as { code?: unknown } | null)?.code === "timeout") return "timeout";
  return "fatal";
}
