/** Where a lease's VM goes and what market a VM's priority means. */
import { CrabboxError } from "../../errors";
import type { MachineSpec, Market } from "../provider";

const locationPattern = /^[a-z0-9]{2,40}$/;

/** The lease's region, or the configured location; a malformed name is the caller's `region`. */
export function leaseLocation(spec: MachineSpec, configured: string): string {
  const location = spec.region ?? configured;
  if (!locationPattern.test(location)) {
    throw new CrabboxError("invalid_request", "azure region must be a location name such as eastus", {
      field: "region",
    });
  }
  return location;
}

export function toMarket(priority: string | undefined): Market {
  return priority === "Spot" || priority === "Low" ? "spot" : "on-demand";
}
