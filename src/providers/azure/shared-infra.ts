/**
 * The shared resource group, and per location a virtual network (with its subnet) and a
 * network security group: ARM refuses a NIC whose subnet or NSG is in another region
 * (`InvalidResourceReference`), so a lease in another region than the configured location
 * gets that location's own network (docs/providers-azure.md, "Shared network").
 * Each is created when missing, tagged `managed_by=crabbox`; one that exists without that
 * tag belongs to someone else and is never modified: the create fails with a clear error.
 * The NSG gains the lease's SSH rules and keeps every rule already in it. Writes that meet
 * another operation in flight (two first leases at once) are retried (`busy-retry.ts`).
 */
import type { SecurityRule } from "@azure/arm-network";
import { CrabboxError } from "../../errors";
import { isNotFound, readArmFailure } from "./arm-errors";
import { retryWhileBusy } from "./busy-retry";
import type { AzureProviderConfig } from "./config";
import type { AzureContext } from "./context";
import { armId } from "./context";
import { deadlineSignal } from "./deadline";
import { isCrabboxManaged, sharedTags } from "./names";
import { mergeSshRules } from "./nsg-rules";

export interface SharedInfra {
  subnetId: string;
  nsgId: string;
}

const vnetAddressSpace = "10.42.0.0/16";
const subnetPrefix = "10.42.0.0/24";
const maxNsgAttempts = 5;

async function getOrUndefined<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function notManaged(field: string, kind: string, name: string): CrabboxError {
  return new CrabboxError(
    "config",
    `azure ${kind} "${name}" exists but is not tagged managed_by=crabbox; Crabbox does not modify resources ` +
      `it does not manage: tag it managed_by=crabbox to adopt it, or configure another ${field}`,
    { field, provider: "azure" },
  );
}

/** The configured names serve the configured location; any other location gets its own. */
export function sharedNamesFor(
  config: AzureProviderConfig,
  location: string,
): { vnet: string; subnet: string; nsg: string } {
  if (location === config.location) return { vnet: config.vnet, subnet: config.subnet, nsg: config.nsg };
  const suffixed = (name: string, field: string) => {
    const value = `${name}-${location}`;
    if (value.length > 80) {
      throw new CrabboxError("config", `azure ${field} is too long to carry the region ${location}`, {
        field,
        provider: "azure",
      });
    }
    return value;
  };
  return { vnet: suffixed(config.vnet, "vnet"), subnet: config.subnet, nsg: suffixed(config.nsg, "nsg") };
}

function wrongRegion(field: string, kind: string, name: string, found: string | undefined, location: string) {
  return new CrabboxError(
    "config",
    `azure ${kind} "${name}" is in ${found ?? "another region"}, but a lease in ${location} needs one in ` +
      `${location}; configure another ${field} or lease in ${found ?? "its region"}`,
    { field, provider: "azure" },
  );
}

export async function ensureSharedInfra(
  ctx: AzureContext,
  location: string,
  ports: number[],
  cidrs: string[],
  signal?: AbortSignal,
): Promise<SharedInfra> {
  const { config, clients } = ctx;
  const names = sharedNamesFor(config, location);
  const call = () => ({ abortSignal: deadlineSignal(config.timeouts.callMs, signal) });
  const lro = () => ({
    abortSignal: deadlineSignal(config.timeouts.networkMs, signal),
    updateIntervalInMs: config.pollIntervalMs,
  });
  const busy = <T>(step: () => Promise<T>) =>
    retryWhileBusy(
      step,
      { attempts: 8, baseDelayMs: config.retry.retryDelayMs, maxDelayMs: config.retry.maxRetryDelayMs },
      signal,
    );

  await busy(async () => {
    const group = await getOrUndefined(() =>
      clients.resources.resourceGroups.get(config.resourceGroup, call()),
    );
    if (group && !isCrabboxManaged(group.tags))
      throw notManaged("resourceGroup", "resource group", config.resourceGroup);
    if (!group) {
      // A resource group's own location only holds its metadata; it may contain every region.
      await clients.resources.resourceGroups.createOrUpdate(
        config.resourceGroup,
        { location: config.location, tags: { ...sharedTags } },
        call(),
      );
    }
  });

  await busy(async () => {
    const vnet = await getOrUndefined(() =>
      clients.network.virtualNetworks.get(config.resourceGroup, names.vnet, call()),
    );
    if (vnet && !isCrabboxManaged(vnet.tags)) throw notManaged("vnet", "virtual network", names.vnet);
    if (vnet && vnet.location !== undefined && vnet.location !== location) {
      throw wrongRegion("vnet", "virtual network", names.vnet, vnet.location, location);
    }
    if (vnet && !(vnet.subnets ?? []).some((s) => s.name === names.subnet)) {
      throw new CrabboxError(
        "config",
        `azure virtual network "${names.vnet}" has no subnet "${names.subnet}"; add it or configure another subnet`,
        { field: "subnet", provider: "azure" },
      );
    }
    if (!vnet) {
      await clients.network.virtualNetworks.createOrUpdate(
        config.resourceGroup,
        names.vnet,
        {
          location,
          tags: { ...sharedTags },
          addressSpace: { addressPrefixes: [vnetAddressSpace] },
          subnets: [{ name: names.subnet, addressPrefix: subnetPrefix }],
        },
        lro(),
      );
    }
  });

  // Read-merge-write of the NSG. The ETag guard (If-Match / If-None-Match) turns a race into
  // a 412 where the network RP honours it; the merge is also safe where it does not: after
  // every write the NSG is read again and the loop only ends once this lease's rules are in
  // it, so a concurrent writer that dropped them makes us add them again (rules are additive).
  for (let attempt = 1; ; attempt++) {
    const nsg = await getOrUndefined(() =>
      clients.network.networkSecurityGroups.get(config.resourceGroup, names.nsg, call()),
    );
    if (nsg && !isCrabboxManaged(nsg.tags)) throw notManaged("nsg", "network security group", names.nsg);
    if (nsg && nsg.location !== undefined && nsg.location !== location) {
      throw wrongRegion("nsg", "network security group", names.nsg, nsg.location, location);
    }
    const existingRules: SecurityRule[] = nsg?.securityRules ?? [];
    const merged = mergeSshRules(existingRules, ports, cidrs);
    if (nsg && !merged) break;
    if (attempt > maxNsgAttempts) {
      throw new CrabboxError(
        "provider_error",
        `azure network security group "${names.nsg}" kept changing while this lease added its SSH rules`,
        { provider: "azure" },
      );
    }
    const condition: Record<string, string> = nsg?.etag
      ? { "if-match": nsg.etag }
      : nsg
        ? {}
        : { "if-none-match": "*" };
    try {
      await busy(() =>
        clients.network.networkSecurityGroups.createOrUpdate(
          config.resourceGroup,
          names.nsg,
          {
            location,
            tags: nsg?.tags ?? { ...sharedTags },
            securityRules: merged ?? existingRules,
          },
          { ...lro(), requestOptions: { headers: condition } },
        ),
      );
    } catch (error) {
      if (readArmFailure(error).status !== 412) throw error;
    }
  }

  return {
    subnetId: `${armId(ctx, "Microsoft.Network", "virtualNetworks", names.vnet)}/subnets/${names.subnet}`,
    nsgId: armId(ctx, "Microsoft.Network", "networkSecurityGroups", names.nsg),
  };
}
