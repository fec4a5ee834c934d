/**
 * Names of a lease's Azure resources, derived from the provider machine name alone so that
 * any later call (delete, reconcile) finds them from the VM name, and tag handling.
 */
import { providerMachineName } from "../../domain/ids";

export interface LeaseResourceNames {
  vm: string;
  nic: string;
  publicIP: string;
  osDisk: string;
  extension: string;
}

export const bootstrapExtensionName = "crabbox-bootstrap";
/** Only VM names of this shape are ever deleted by this provider. */
export const crabboxVmNamePattern = /^crabbox-[a-z0-9-]{1,56}$/;

export function namesForVm(vm: string): LeaseResourceNames {
  return {
    vm,
    nic: `${vm}-nic`,
    publicIP: `${vm}-pip`,
    osDisk: `${vm}-osdisk`,
    extension: bootstrapExtensionName,
  };
}

export function namesForLease(leaseID: string, slug: string): LeaseResourceNames {
  return namesForVm(providerMachineName(leaseID, slug));
}

/**
 * Windows computer names are at most 15 characters: `cbx` + the last 12 [a-z0-9] of the
 * lease ID, which for `cbx_<12 hex>` is its whole random part, so two leases never share one.
 */
export function windowsComputerName(leaseID: string): string {
  return `cbx${leaseID
    .toLowerCase()
    .replace(/[^a-z0-9]/g, "")
    .slice(-12)}`;
}

/** Azure rejects tag names starting with "windows": such keys are written as `crabbox_<key>`. */
export function toAzureTags(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(labels).map(([k, v]) => [/^windows/i.test(k) ? `crabbox_${k}` : k, v]),
  );
}

export function fromAzureTags(tags: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tags ?? {}).map(([k, v]) => [
      /^crabbox_windows/i.test(k) ? k.slice("crabbox_".length) : k,
      v,
    ]),
  );
}

export const sharedTags = { crabbox: "true", managed_by: "crabbox" } as const;

export function isCrabboxManaged(tags: Record<string, string> | undefined): boolean {
  return tags?.managed_by === "crabbox";
}
