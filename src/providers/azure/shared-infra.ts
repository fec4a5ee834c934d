/**
 * The shared resource group, virtual network (with its subnet) and network security group.
 * Each is created when missing, tagged `managed_by=crabbox`; one that exists without that
 * tag belongs to someone else and is never modified: the create fails with a clear error.
 * The NSG gains the lease's SSH rules and keeps every rule already in it.
 */
import type { SecurityRule } from "@azure/arm-network";
import { CrabboxError } from "../../errors";
import { isNotFound, readArmFailure } from "./arm-errors";
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

export async function ensureSharedInfra(
  ctx: AzureContext,
  ports: number[],
  cidrs: string[],
  signal?: AbortSignal,
): Promise<SharedInfra> {
  const { config, clients } = ctx;
  const call = () => ({ abortSignal: deadlineSignal(config.timeouts.callMs, signal) });
  const lro = () => ({
    abortSignal: deadlineSignal(config.timeouts.networkMs, signal),
    updateIntervalInMs: config.pollIntervalMs,
  });

  const group = await getOrUndefined(() =>
    clients.resources.resourceGroups.get(config.resourceGroup, call()),
  );
  if (group && !isCrabboxManaged(group.tags))
    throw notManaged("resourceGroup", "resource group", config.resourceGroup);
  if (!group) {
    await clients.resources.resourceGroups.createOrUpdate(
      config.resourceGroup,
      { location: config.location, tags: { ...sharedTags } },
      call(),
    );
  }

  const vnet = await getOrUndefined(() =>
    clients.network.virtualNetworks.get(config.resourceGroup, config.vnet, call()),
  );
  if (vnet && !isCrabboxManaged(vnet.tags)) throw notManaged("vnet", "virtual network", config.vnet);
  if (vnet && !(vnet.subnets ?? []).some((s) => s.name === config.subnet)) {
    throw new CrabboxError(
      "config",
      `azure virtual network "${config.vnet}" has no subnet "${config.subnet}"; add it or configure another subnet`,
      { field: "subnet", provider: "azure" },
    );
  }
  if (!vnet) {
    await clients.network.virtualNetworks.createOrUpdate(
      config.resourceGroup,
      config.vnet,
      {
        location: config.location,
        tags: { ...sharedTags },
        addressSpace: { addressPrefixes: [vnetAddressSpace] },
        subnets: [{ name: config.subnet, addressPrefix: subnetPrefix }],
      },
      lro(),
    );
  }

  // Read-merge-write guarded by the NSG's ETag: two leases adding rules at the same moment
  // must not overwrite each other, so a lost race (412) re-reads and merges again.
  for (let attempt = 1; ; attempt++) {
    const nsg = await getOrUndefined(() =>
      clients.network.networkSecurityGroups.get(config.resourceGroup, config.nsg, call()),
    );
    if (nsg && !isCrabboxManaged(nsg.tags)) throw notManaged("nsg", "network security group", config.nsg);
    const existingRules: SecurityRule[] = nsg?.securityRules ?? [];
    const merged = mergeSshRules(existingRules, ports, cidrs);
    if (nsg && !merged) break;
    const condition: Record<string, string> = nsg?.etag
      ? { "if-match": nsg.etag }
      : nsg
        ? {}
        : { "if-none-match": "*" };
    try {
      await clients.network.networkSecurityGroups.createOrUpdate(
        config.resourceGroup,
        config.nsg,
        {
          location: nsg?.location ?? config.location,
          tags: nsg?.tags ?? { ...sharedTags },
          securityRules: merged ?? existingRules,
        },
        { ...lro(), requestOptions: { headers: condition } },
      );
      break;
    } catch (error) {
      if (readArmFailure(error).status !== 412 || attempt >= maxNsgAttempts) throw error;
    }
  }

  return {
    subnetId: `${armId(ctx, "Microsoft.Network", "virtualNetworks", config.vnet)}/subnets/${config.subnet}`,
    nsgId: armId(ctx, "Microsoft.Network", "networkSecurityGroups", config.nsg),
  };
}
