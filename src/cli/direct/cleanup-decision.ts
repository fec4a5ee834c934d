/**
 * Whether `crabbox cleanup` may delete a machine, decided from its labels alone. Only a
 * machine whose labels prove it is a crabbox machine past its expiry is ever deleted.
 */
import { isCrabboxLabelled } from "../../providers/labels";
import { labelTimeMs } from "./labels";

export type CleanupDecision = { action: "delete"; reason: string } | { action: "skip"; reason: string };

/** Machines busy with a command get this much grace past expiry before they count as stale. */
export const BUSY_GRACE_MS = 12 * 60 * 60 * 1000;

export interface Ownership {
  /** The sanitised owner label of this user's direct leases. */
  owner: string;
}

export function cleanupDecision(
  labels: Record<string, string>,
  nowMs: number,
  ownership: Ownership,
): CleanupDecision {
  if (!isCrabboxLabelled(labels)) return { action: "skip", reason: "not-crabbox-labelled" };
  if (labels.direct !== "true") return { action: "skip", reason: "brokered (the coordinator owns it)" };
  if (labels.owner !== ownership.owner) return { action: "skip", reason: `owner=${labels.owner ?? "none"}` };
  if (labels.keep === "true") return { action: "skip", reason: "keep=true" };
  const state = labels.state ?? "";
  const expiry = labelTimeMs(labels.expires_at);
  switch (state) {
    case "failed":
    case "released":
    case "expired":
      return { action: "delete", reason: `state=${state}` };
    case "running":
    case "provisioning":
      if (expiry === undefined) return { action: "skip", reason: `state=${state} without expires_at` };
      return nowMs > expiry + BUSY_GRACE_MS
        ? { action: "delete", reason: `stale state=${state}` }
        : {
            action: "skip",
            reason: `state=${state} until ${new Date(expiry + BUSY_GRACE_MS).toISOString()}`,
          };
    default:
      if (expiry === undefined) return { action: "skip", reason: "no expires_at" };
      return nowMs > expiry
        ? { action: "delete", reason: `expired state=${state || "none"}` }
        : { action: "skip", reason: `expires ${new Date(expiry).toISOString()}` };
  }
}

/**
 * A companion (security group, key pair, NIC, IP, disk) the provider lists only when no live
 * machine of its lease holds it: this user's direct leftovers are deleted, nothing else.
 */
export function companionCleanupDecision(
  labels: Record<string, string>,
  ownership: Ownership,
): CleanupDecision {
  if (!isCrabboxLabelled(labels)) return { action: "skip", reason: "not-crabbox-labelled" };
  if (labels.direct !== "true") return { action: "skip", reason: "brokered (the coordinator owns it)" };
  if (labels.owner !== ownership.owner) return { action: "skip", reason: `owner=${labels.owner ?? "none"}` };
  if (labels.keep === "true") return { action: "skip", reason: "keep=true" };
  return { action: "delete", reason: "leftover without a live machine" };
}
