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
 * The names of the ladder's attempt `index` (0-based): the first attempt uses the lease's
 * base names, every later one fresh names (`<base>-a2`, `-a3`…), because ARM keeps a NIC
 * reserved for about 180 s for the VM whose create failed (`NicReservedForAnotherVm`), so
 * reusing the NIC or the VM name would fail the next attempt (docs/providers-azure.md).
 * The base ends in a hash segment of 8 or 12 hex digits, so `-a<n>` never collides with it.
 */
export function namesForAttempt(base: LeaseResourceNames, index: number): LeaseResourceNames {
  return index === 0 ? base : namesForVm(`${base.vm}-a${index + 1}`);
}

/** The lease's base VM name behind any attempt's VM name. */
export function baseVmName(vm: string): string {
  return vm.replace(/-a\d{1,2}$/, "");
}

export type AzureCompanionKind = "nic" | "public_ip" | "os_disk";

const companionSuffix: Record<AzureCompanionKind, string> = {
  nic: "-nic",
  public_ip: "-pip",
  os_disk: "-osdisk",
};

/**
 * A companion's cloud id as the inventory reports it and `delete` accepts it:
 * `<kind>/<resource name>`; the `/` keeps it apart from every VM name.
 */
export function companionCloudID(kind: AzureCompanionKind, name: string): string {
  return `${kind}/${name}`;
}

/** The kind, resource name and owning VM of a companion cloud id, or undefined. */
export function parseCompanionCloudID(
  cloudID: string,
): { kind: AzureCompanionKind; name: string; vm: string } | undefined {
  const m = /^(nic|public_ip|os_disk)\/(crabbox-[a-z0-9-]{1,70})$/.exec(cloudID);
  if (!m) return undefined;
  const kind = m[1] as AzureCompanionKind;
  const vm = ownerVmOf(kind, m[2]!);
  return vm ? { kind, name: m[2]!, vm } : undefined;
}

/** The VM a companion's name derives from (`namesForVm`), or undefined for a foreign name. */
export function ownerVmOf(kind: AzureCompanionKind, name: string): string | undefined {
  const suffix = companionSuffix[kind];
  if (!name.endsWith(suffix)) return undefined;
  const vm = name.slice(0, -suffix.length);
  return crabboxVmNamePattern.test(vm) ? vm : undefined;
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
